// SPDX-License-Identifier: AGPL-3.0-only
// Random filters: no input may change the structure of the query. Values
// round-trip through parameters, and the SQL outside placeholders only ever
// holds words from a fixed vocabulary. Set FUZZ_SEED to replay a run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mulberry32 } from '../../common/helpers/random.ts';
import { COLUMNS } from '../../common/schema/definition.ts';
import { Schema } from '../../common/schema/root.ts';
import { completeFilter, quoteValue } from './complete.ts';
import { FilterError, parseFilter } from './root.ts';
import { OPERATORS } from './sql.ts';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const schema = new Schema({ enabled: ['SrcMAC', 'DstMAC', 'MPLSLabels', 'NextHop', 'TCPFlags'], disabled: [], mainTableOnly: [], notMainTableOnly: [] });

// VOCABULARY is every word the compiler may emit outside placeholders.
const VOCABULARY = new Set([
  ...schema.columns.map((c) => c.name),
  'AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'has', 'hasAny',
  '=', '!=', '<', '<=', '>', '>=', '(', ')', ',', '[', ']',
]);
const PLACEHOLDER = /\{(p\d+):(String|UInt8|UInt16|UInt32|UInt64|IPv6)\}/g;

// checkStructure asserts that `sql` is made of the vocabulary and placeholders bound in `params`.
function checkStructure(sql: string, params: Record<string, string | number>, input: string): void {
  const why = `seed ${seed}, input ${JSON.stringify(input)}, sql ${sql}`;
  if (sql === '1') return assert.deepEqual(params, {}, why);
  const names = [...sql.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  assert.deepEqual(names.toSorted(), Object.keys(params).toSorted(), why);
  const rest = sql.replace(PLACEHOLDER, ' ');
  const words = rest.match(/[A-Za-z0-9_]+|!=|<=|>=|[=<>()[\],]|\S/g) ?? [];
  for (const w of words) assert.ok(VOCABULARY.has(w), `"${w}" is not in the vocabulary: ${why}`);
}

const rand = mulberry32(seed);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
const int = (n: number) => Math.floor(rand() * n);

// randomString mixes what could break quoting: quotes, backslashes, comment
// starts, placeholders, blanks, NUL, non-ASCII and lone surrogates.
function randomString(max = 40): string {
  const parts = ['"', "'", '\\', '\\\\', '--', '/*', '*/', '{p0:String}', '`', ' ', '\n', '\0', '%', '_', 'é', '✓', '\u{1F600}', '\ud800', 'AND', ')', '(', ','];
  let s = '';
  const n = int(max);
  for (let i = 0; i < n; i++) s += rand() < 0.5 ? pick(parts) : String.fromCharCode(32 + int(95));
  return s;
}

// quote writes a value with double or single quotes and the escapes the language has.
function quote(s: string): string {
  if (rand() < 0.5) return quoteValue(s);
  return `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

const FRAGMENTS = [
  ...schema.columns.map((c) => c.name), 'srcas', 'exportername', 'Foo', 'TimeReceived',
  '=', '!=', '<', '<=', '>', '>=', '<<', '!<<', 'IN', 'NOTIN', 'LIKE', 'UNLIKE', 'ILIKE', 'IUNLIKE',
  'AND', 'OR', 'NOT', '(', ')', ',', '--x\n', '/* c */', '/*', '"', "'",
  '80', '65536', 'AS65000', 'tcp', 'IPv6', 'external', 'ingress', '192.0.2.0/24', '2001:db8::1', '00:11:22:33:44:55',
  '"str"', "'s\\'q'", 'th2-%', '-1', '{p0:String}', "'); DROP TABLE flows; --",
];

// VALUES are valid values by kind of column.
const VALUES: Record<string, () => string> = {
  uint: () => String(int(256)),
  'uint-array': () => String(int(1 << 20)),
  asn: () => `AS${int(1e6)}`,
  string: () => quote(randomString(12)),
  prefix: () => pick(['10.0.0.0/8', '2001:db8::/32']),
  ip: () => pick(['192.0.2.1', '10.0.0.0/8', '2001:db8::/32', '::1']),
  etype: () => pick(['IPv4', 'ipv6']),
  proto: () => pick(['tcp', 'udp', '47']),
  boundary: () => pick(['external', 'internal']),
  direction: () => pick(['ingress', 'egress']),
  mac: () => '00:11:22:33:44:55',
};

// validCondition is a condition that compiles, for a random column.
function validCondition(): string {
  const c = pick(schema.columns.filter((col) => col.filter !== 'none'));
  const kind = c.filter as keyof typeof OPERATORS;
  const op = pick(OPERATORS[kind]);
  const v = VALUES[kind]!;
  return `${rand() < 0.5 ? c.name : c.name.toLowerCase()} ${op} ${op.endsWith('IN') ? `(${v()}, ${v()})` : v()}`;
}

// validFilter joins valid conditions with random connectives, NOTs, parentheses and comments.
function validFilter(): string {
  const n = 1 + int(6);
  let s = '';
  for (let i = 0; i < n; i++) {
    const cond = validCondition();
    s += `${rand() < 0.2 ? 'NOT ' : ''}${rand() < 0.3 ? `(${cond})` : cond}`;
    if (i < n - 1) s += pick([' AND ', ' OR ', ' and\n', ' /* c */ OR ', ' -- c\nAND ']);
  }
  return s;
}

// randomFilter strings fragments, often in the shape of conditions so that many parse.
function randomFilter(): string {
  const out: string[] = [];
  const n = 1 + int(12);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < 0.4) {
      out.push(validCondition());
      if (i < n - 1) out.push(pick(['AND', 'OR', 'AND NOT', 'or']));
    } else if (r < 0.55) {
      const c = pick(schema.columns).name;
      const op = pick(['=', '!=', '<', '>=', '<<', 'IN', 'NOTIN', 'LIKE']);
      const v = () => pick([quote(randomString(10)), pick(FRAGMENTS), String(int(70000)), `AS${int(1e6)}`]);
      out.push(c, op, op.endsWith('IN') ? `(${v()}, ${v()})` : v());
      if (i < n - 1) out.push(pick(['AND', 'OR', 'AND NOT', 'and']));
    } else if (r < 0.85) {
      out.push(pick(FRAGMENTS));
    } else {
      out.push(randomString(20));
    }
  }
  return out.join(pick([' ', ' ', '\n', '']));
}

describe(`filter language: fuzzing (seed ${seed})`, () => {
  it('round-trips any quoted string through one parameter', () => {
    for (let i = 0; i < 3000; i++) {
      const s = randomString();
      const input = `SrcCountry = ${quote(s)}`;
      const r = parseFilter(input, schema);
      assert.deepEqual(r, { sql: 'SrcCountry = {p0:String}', params: { p0: s }, columns: ['SrcCountry'], mainTableOnly: false }, `seed ${seed}: ${JSON.stringify(input)}`);
    }
  });

  it('keeps the template of an IN list whatever its values', () => {
    for (let i = 0; i < 1000; i++) {
      const values = Array.from({ length: 1 + int(6) }, () => randomString());
      const r = parseFilter(`ExporterName IN (${values.map(quote).join(pick([',', ' , ', ',\n']))})`, schema);
      const placeholders = values.map((_, j) => `{p${j}:String}`).join(', ');
      assert.equal(r.sql, `ExporterName IN (${placeholders})`, `seed ${seed}`);
      assert.deepEqual(r.params, Object.fromEntries(values.map((v, j) => [`p${j}`, v])), `seed ${seed}`);
    }
  });

  it('turns random text into a coded error or SQL from the vocabulary', () => {
    let parsed = 0;
    for (let i = 0; i < 5000; i++) {
      const input = i % 500 === 0 ? randomString(20000) : [randomString, randomFilter, validFilter, validFilter][i % 4]!(60);
      try {
        const r = parseFilter(input, schema);
        checkStructure(r.sql, r.params, input);
        parsed++;
      } catch (err) {
        if (!(err instanceof FilterError)) throw new Error(`seed ${seed}: ${JSON.stringify(input)} threw ${String(err)}`, { cause: err });
        assert.equal(err.code, 'AKV_CONSOLE_FILTER');
        for (const p of err.problems) assert.ok(p.offset >= 0 && p.offset <= input.length && p.line >= 1 && p.column >= 1, `seed ${seed}`);
      }
    }
    // The generator must reach the compiler often enough to mean something.
    assert.ok(parsed > 2000, `only ${parsed} of 5000 random filters parsed (seed ${seed})`);
  });

  it('completes anywhere in random text without throwing', () => {
    for (let i = 0; i < 2000; i++) {
      const input = [randomString, randomFilter, validFilter][i % 3]!(40);
      const cursor = int(input.length + 1);
      const c = completeFilter(input, cursor, schema);
      assert.ok(c.from <= cursor && cursor <= c.to && c.to <= input.length, `seed ${seed}: ${JSON.stringify(input)} at ${cursor}`);
    }
  });

  it('never lets a column name through that the schema does not enable', () => {
    const disabled = COLUMNS.filter((c) => !schema.has(c.name)).map((c) => c.name);
    for (const name of disabled) assert.throws(() => parseFilter(`${name} = 1`, schema), FilterError, name);
  });
});
