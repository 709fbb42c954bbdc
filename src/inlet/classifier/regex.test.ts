// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRegex, expandTemplate, newRegex, Regex } from './regex.ts';

function re(pattern: string): Regex {
  const r = newRegex(pattern);
  assert.ok(r instanceof Regex, `${pattern}: ${String(r)}`);
  return r;
}

describe('RE2 patterns', () => {
  // pattern, strings it matches, strings it does not match
  const cases: Array<[string, string[], string[]]> = [
    ['^(?i)(transit|pni):? ', ['Transit: x', 'PNI x'], ['IX: x', 'transit:x']],
    ['(?i)abc', ['xAbC'], ['ab']],
    ['a(?i)b|c', ['aB', 'C'], ['AB', 'ab0'.slice(0, 1)]],
    ['(?i:a)b', ['Ab'], ['AB']],
    ['(?s)a.b', ['a\nb'], []],
    ['a.b', ['axb'], ['a\nb']],
    ['(?m)^b$', ['a\nb\nc'], []],
    ['^b$', ['b'], ['a\nb']],
    ['(?P<n>x)y', ['xy'], ['x']],
    ['(?<n>x)y', ['xy'], ['x']],
    ['[[:digit:]]+-[[:upper:]]', ['12-A'], ['12-a']],
    ['[[:alpha:][:digit:]_]+$', ['ab_9'], ['-']],
    ['\\pL\\p{N}', ['é1'], ['11']],
    ['\\p{Greek}', ['λ'], ['l']],
    ['\\PL', ['1'], ['a']],
    ['\\x41\\x{1F600}', ['A\u{1F600}'], ['A']],
    ['\\Qa.b*\\E$', ['a.b*'], ['aab']],
    ['\\Ax\\z', ['x'], ['x\n', 'yx']],
    ['a\\-b\\#c\\.d', ['a-b#c.d'], ['a-b#cxd']],
    ['[\\-.]x', ['-x', '.x'], ['ax']],
    ['[]a]+', [']a'], ['b']],
    ['[^]a]', ['b'], [']']],
    ['a{2}', ['aa'], ['a']],
    ['a{2,}', ['aaa'], ['a']],
    ['a{1,2}?b', ['ab'], ['b']],
    ['a{,2}', ['a{,2}'], ['aa']],
    ['x}', ['x}'], ['x']],
    ['(\\d{1,3}\\.){3}\\d{1,3}', ['192.0.2.1'], ['192.0.2']],
    ['(ab)+c', ['ababc'], ['ac']],
    ['(a?){16}', ['aaa'], []],
    ['\\bcore\\b', ['to core 1'], ['hardcore']],
    ['\\d\\w\\s\\D\\W\\S', ['1a a!x'], ['aaaaaa']],
  ];
  for (const [pattern, yes, no] of cases) {
    it(pattern, () => {
      const r = re(pattern);
      for (const s of yes) assert.ok(r.test(s), `${pattern} should match ${JSON.stringify(s)} `);
      for (const s of no) assert.ok(!r.test(s), `${pattern} should not match ${JSON.stringify(s)} `);
    });
  }
});

describe('refused patterns', () => {
  const cases: Array<[string, string]> = [
    ['(a)\\1', 'backreferences'],
    ['\\0', 'octal'],
    ['(?=a)', 'lookahead'],
    ['(?<!a)b', 'lookahead and lookbehind'],
    ['(?x)a', 'invalid or unsupported group'],
    ['(?)', 'missing flags'],
    ['(?i-s-m)', 'invalid flags'],
    ['(?P<n>a)(?P<n>b)', 'duplicate group name'],
    ['[z-a]', 'invalid character class range'],
    ['[\\b]', 'invalid escape'],
    ['\\y', 'invalid escape \\y'],
    ['\\C', 'invalid escape'],
    ['a{1001}', 'invalid repeat count'],
    ['a{3,2}', 'invalid repeat count'],
    ['(a', 'missing closing )'],
    ['a)', 'unexpected )'],
    ['[a', 'missing closing ]'],
    ['[[:nope:]]', 'invalid POSIX class'],
    ['\\p{No Such}', 'invalid Unicode class'],
    ['\\p{Nope}', 'unknown Unicode class'],
    ['a**', 'invalid nested repetition'],
    ['*a', 'missing argument to repetition'],
    ['a|?', 'missing argument to repetition'],
    ['\\', 'trailing backslash'],
    ['\\x{110000}', 'invalid \\x escape'],
    ['((a{100}){100}){100}', 'too large'],
    ['('.repeat(200), 'nested deeper'],
    ['a'.repeat(5000), 'longer than 4096'],
  ];
  for (const [pattern, fragment] of cases) {
    it(pattern.slice(0, 30), () => {
      const r = newRegex(pattern);
      assert.equal(typeof r, 'string', `${pattern} was accepted`);
      assert.ok((r as string).includes(fragment), `${String(r)} lacks ${fragment}`);
    });
  }
});

describe('patterns that make backtracking engines explode run in linear time', () => {
  const long = `${'a'.repeat(5000)}!`;
  const patterns = ['(a+)+$', '(a*)*b', '(a|aa)*b', 'a*a*a*a*a*b', '(a?){1000}a{1000}', '(.*a){20}x', '^(\\S+)\\s+(\\S+)$', '(?i)^(transit|pni|ix):? (.*)$'];
  for (const pattern of patterns) {
    it(pattern, () => {
      // Each instruction runs at most once per input position (a
      // backtracking engine would revisit them exponentially often).
      const r = re(pattern);
      r.exec(long);
      assert.ok(r.steps > 0 && r.steps <= (long.length + 1) * r.size, `${pattern}: ${r.steps} steps for ${long.length} characters and ${r.size} instructions`);
    });
  }
});

describe('expandTemplate', () => {
  const m = (newRegex('^(?P<word>[a-z]+)-(\\d+)(x)?') as Regex).exec('abc-42')!;
  const cases: Array<[string, string]> = [
    ['$1', 'abc'],
    ['${1}', 'abc'],
    ['${2}0', '420'],
    ['$2$1', '42abc'],
    ['$1x', ''], // group named "1x": absent
    ['${1}x', 'abcx'],
    ['$word', 'abc'],
    ['${word}!', 'abc!'],
    ['$3', ''], // unmatched group
    ['$9', ''], // no such group
    ['$nope', ''],
    ['$$1', '$1'],
    ['$', '$'],
    ['a$-b', 'a$-b'],
    ['${', '${'],
    ['plain', 'plain'],
  ];
  for (const [template, want] of cases) it(template, () => assert.equal(expandTemplate(template, m), want));
});

describe('compileRegex', () => {
  it('returns the same RegExp for the same pattern, and errors as strings', () => {
    assert.equal(compileRegex('^x+$'), compileRegex('^x+$'));
    assert.equal(typeof compileRegex('('), 'string');
  });
  it('keeps working past its capacity', () => {
    for (let i = 0; i < 3000; i++) assert.ok(compileRegex(`^${i}$`) instanceof Regex);
    assert.ok((compileRegex('^2999$') as Regex).test('2999'));
  });
});
