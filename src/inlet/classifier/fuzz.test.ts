// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../common/helpers/random.ts';
import { compileRule } from './compile.ts';
import { ClassifierParseError, ClassifierRuntimeError } from './errors.ts';
import { LANGUAGES } from './functions.ts';
import { newRegex, Regex } from './regex.ts';
import { newExporterClassification, newInterfaceClassification, type Env } from './types.ts';

// A seeded generator, so that a failure can be replayed (FUZZ_SEED).
const rng = mulberry32;

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// Pieces that make random rules look like rules often enough to reach deep
// into the parser and the type checker.
const PIECES = [
  'Exporter.Name', 'Exporter.IP', 'Interface.Name', 'Interface.Description', 'Interface.Speed', 'Interface.VLAN',
  'Interface.Index', 'Exporter', 'Interface', '.', 'ClassifyProvider(', 'ClassifyExternal()', 'ClassifyInternal()',
  'ClassifyConnectivityRegex(', 'SetName(', 'Reject()', 'Format(', 'lower(', 'Foo(', '(', ')', '[', ']', ',', '&&',
  '||', '!', 'and', 'or', 'not', 'in', 'not in', 'matches', 'contains', 'startsWith', 'endsWith', '==', '!=', '<',
  '<=', '>', '>=', '+', '-', '*', '/', '%', '"a"', "'b'", '"^(a+)+$"', '"(("', '"%s"', '"%d"', '"$1"', '`x`', '1',
  '0', '100000', 'true', 'false', ' ', '\n', '"\\', '/*', '//', '@', '#', '"\\x4', '"\\u{', '9999999999999999999',
];

function randomRule(r: () => number): string {
  if (r() < 0.2) {
    // raw random characters, printable and not
    const n = Math.floor(r() * 40);
    return Array.from({ length: n }, () => String.fromCharCode(Math.floor(r() * 128))).join('');
  }
  const n = 1 + Math.floor(r() * 25);
  return Array.from({ length: n }, () => pick(r, PIECES)).join(r() < 0.5 ? ' ' : '');
}

const env = (): Env => ({
  exporter: { ip: '192.0.2.1', name: 'edge1' },
  iface: { index: 1, name: 'xe-0/0/0', description: 'Transit: Cogent', speed: 10000, vlan: 0 },
  exporterResult: newExporterClassification(),
  interfaceResult: newInterfaceClassification(),
});

describe('fuzzing the rule compiler', () => {
  it('only ever throws ClassifierParseError, and compiled rules only ClassifierRuntimeError', () => {
    const r = rng(SEED);
    let compiled = 0;
    for (let i = 0; i < 20_000; i++) {
      const rule = randomRule(r);
      const kind = r() < 0.5 ? 'exporter' : 'interface';
      let fn;
      try {
        fn = compileRule(rule, LANGUAGES[kind]);
      } catch (err) {
        assert.ok(err instanceof ClassifierParseError, `seed ${SEED}, rule ${JSON.stringify(rule)}: ${String(err)}`);
        assert.ok(err.position.offset >= 0 && err.position.offset <= rule.length, `bad offset for ${JSON.stringify(rule)}`);
        continue;
      }
      compiled++;
      try {
        assert.equal(typeof fn(env()), 'boolean');
      } catch (err) {
        assert.ok(err instanceof ClassifierRuntimeError, `seed ${SEED}, rule ${JSON.stringify(rule)}: ${String(err)}`);
      }
    }
    assert.ok(compiled > 0, 'no random rule compiled: the generator is too weak');
  });

  it('bounds deep nesting and long rules without overflowing the stack', () => {
    for (const rule of ['('.repeat(100_000), '!'.repeat(100_000), '['.repeat(5_000), `${'-'.repeat(5_000)}1 == 1`, 'a.'.repeat(4_000), 'x'.repeat(1_000_000)]) {
      assert.throws(() => compileRule(rule, LANGUAGES.exporter), ClassifierParseError);
    }
    // Long but shallow rules are fine.
    const wide = Array.from({ length: 300 }, (_, i) => `Exporter.Name == "e${i}"`).join(' || ');
    assert.equal(compileRule(wide, LANGUAGES.exporter)(env()), false);
  });
});

// Random patterns built from constructs on which Go's leftmost-first
// semantics and JavaScript's agree, matched by both engines. They differ
// when a repeated group matches the empty string (JavaScript refuses such an
// iteration and backtracks, RE2 does not), so only groups that cannot match
// empty are repeated. Returns the pattern and whether it can match empty.
function randomPattern(r: () => number, depth = 0): [string, boolean] {
  const n = 1 + Math.floor(r() * 4);
  let out = '';
  let nullable = true;
  for (let i = 0; i < n; i++) {
    const choice = r();
    let atom: string;
    let empty = false;
    if (choice < 0.4) atom = pick(r, ['a', 'b', 'c']);
    else if (choice < 0.5) atom = pick(r, ['.', '[ab]', '[^a]', '\\w', '\\d']);
    else if (choice < 0.6) [atom, empty] = [pick(r, ['^', '$', '\\b']), true];
    else if (depth < 3) {
      const [left, l] = randomPattern(r, depth + 1);
      const [right, rn] = r() < 0.3 ? randomPattern(r, depth + 1) : [null, false];
      atom = right === null ? `(?:${left})` : `(?:${left}|${right})`;
      empty = l || (right !== null && rn);
    } else atom = 'a';
    if (!empty && r() < 0.4) {
      const q = pick(r, ['*', '+', '?', '{1,2}', '*?', '+?', '??']);
      atom += q;
      empty = !q.startsWith('+') && !q.startsWith('{');
    }
    out += atom;
    nullable &&= empty;
  }
  return [out, nullable];
}

describe('fuzzing the regex engine against JavaScript', () => {
  it('finds the same leftmost-first match', () => {
    const r = rng(SEED + 1);
    for (let i = 0; i < 3_000; i++) {
      const [body] = randomPattern(r);
      const pattern = r() < 0.5 ? `(${body})` : body;
      const input = Array.from({ length: Math.floor(r() * 8) }, () => pick(r, ['a', 'b', 'c', '1', ' '])).join('');
      const ours = newRegex(pattern);
      assert.ok(ours instanceof Regex, `${pattern}: ${String(ours)}`);
      const theirs = new RegExp(pattern, 'u').exec(input);
      const got = ours.exec(input);
      assert.deepEqual(got?.groups[0], theirs?.[0], `seed ${SEED}, /${pattern}/ on ${JSON.stringify(input)}`);
    }
  });

  it('never throws anything but a reason on random patterns', () => {
    const r = rng(SEED + 2);
    const chars = 'ab()[]{}|*+?.^$\\-:,0123456789PQEpxdwsbBAz<>=!?imsU^ ';
    for (let i = 0; i < 20_000; i++) {
      const pattern = Array.from({ length: Math.floor(r() * 16) }, () => pick(r, [...chars])).join('');
      const re = newRegex(pattern);
      if (re instanceof Regex) re.exec('ab(c)[]{}|*+?. 12\nxyz');
      else assert.equal(typeof re, 'string');
    }
  });
});
