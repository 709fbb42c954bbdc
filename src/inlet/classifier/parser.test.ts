// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRule } from './compile.ts';
import { ClassifierParseError } from './errors.ts';
import { LANGUAGES } from './functions.ts';
import { parse, type Node } from './parser.ts';
import { compileExporterRules, compileInterfaceRules } from './root.ts';

// sexp prints a tree as an s-expression, so that precedence is visible.
function sexp(n: Node): string {
  switch (n.kind) {
    case 'string':
      return JSON.stringify(n.value);
    case 'int':
    case 'bool':
      return String(n.value);
    case 'ident':
      return n.name;
    case 'member':
      return `${sexp(n.object)}.${n.name}`;
    case 'array':
      return `[${n.items.map(sexp).join(' ')}]`;
    case 'call':
      return `(${n.name}${n.args.map((a) => ` ${sexp(a)}`).join('')})`;
    case 'unary':
      return `(${n.op} ${sexp(n.operand)})`;
    case 'binary':
      return `(${n.op} ${sexp(n.left)} ${sexp(n.right)})`;
  }
}

describe('parse', () => {
  const cases: Array<[string, string]> = [
    ['a || b && c', '(|| a (&& b c))'],
    ['a && b || c', '(|| (&& a b) c)'],
    ['a or b and c', '(|| a (&& b c))'],
    ['(a || b) && c', '(&& (|| a b) c)'],
    ['a || b || c', '(|| (|| a b) c)'],
    ['!a && b', '(&& (! a) b)'],
    ['not a and not b', '(&& (! a) (! b))'],
    ['!(a == b)', '(! (== a b))'],
    ['not a == b', '(== (! a) b)'], // as expr-lang: "not" binds tighter than "=="
    ['x == 1 && y != "a"', '(&& (== x 1) (!= y "a"))'],
    ['a.b < 3 || a.b >= 10', '(|| (< a.b 3) (>= a.b 10))'],
    ['x in [1, 2, 3]', '(in x [1 2 3])'],
    ['x not in ["a"]', '(!in x ["a"])'],
    ['x in []', '(in x [])'],
    ['x in [1, 2,]', '(in x [1 2])'],
    ['a startsWith "x" && b endsWith "y"', '(&& (startsWith a "x") (endsWith b "y"))'],
    ['a not contains "x"', '(!contains a "x")'],
    ['a not matches "x" or b matches "y"', '(|| (!matches a "x") (matches b "y"))'],
    ['1 + 2 * 3 == 7', '(== (+ 1 (* 2 3)) 7)'],
    ['10 - 2 - 3 > 0', '(> (- (- 10 2) 3) 0)'],
    ['-x.y < -1', '(< (- x.y) (- 1))'],
    ['+5 == 5', '(== 5 5)'],
    ['1_000 == 1000', '(== 1000 1000)'],
    ['x % 2 == 0', '(== (% x 2) 0)'],
    ['F()', '(F)'],
    ['F(a, G(b), "c")', '(F a (G b) "c")'],
    ['F(1,)', '(F 1)'],
    ['Exporter.Name == "a" && ClassifyGroup("b")', '(&& (== Exporter.Name "a") (ClassifyGroup "b"))'],
    ["'single' == \"double\"", '(== "single" "double")'],
    ['"\\t\\n\\\\\\"\\x41\\u00e9\\u{1F600}" == x', `(== ${JSON.stringify('\t\n\\"A\u00e9\u{1F600}')} x)`],
    ['`raw\\d` == x', '(== "raw\\\\d" x)'],
    ['true && !false', '(&& true (! false))'],
    ['a // comment\n && /* inline */ b', '(&& a b)'],
    ['a\n&&\nb', '(&& a b)'],
  ];
  for (const [source, want] of cases) {
    it(`parses ${JSON.stringify(source)}`, () => assert.equal(sexp(parse(source)), want));
  }
});

describe('parse and compile errors', () => {
  // rule, kind, line, column, fragment of the reason
  const cases: Array<[string, 'exporter' | 'interface', number, number, string]> = [
    ['', 'exporter', 1, 1, 'empty rule'],
    ['   ', 'exporter', 1, 4, 'empty rule'],
    ['Exporter.Name ==', 'exporter', 1, 17, 'unexpected end of rule'],
    ['Exporter.Name == "a', 'exporter', 1, 18, 'unterminated string'],
    ["Exporter.Name == 'a\nb'", 'exporter', 1, 18, 'unterminated string'],
    ['Exporter.Name == `a', 'exporter', 1, 18, 'unterminated string'],
    ['Exporter.Name == "\\d"', 'exporter', 1, 19, 'invalid escape'],
    ['Exporter.Name == "\\xZZ"', 'exporter', 1, 19, 'hexadecimal escape'],
    ['(Exporter.Name == "a"', 'exporter', 1, 22, 'expected ")"'],
    ['Exporter.Name == "a")', 'exporter', 1, 21, 'after a complete expression'],
    ['Exporter.Name = "a"', 'exporter', 1, 15, 'unexpected character "="'],
    ['Exporter.Name == "a" & true', 'exporter', 1, 22, 'unexpected character "&"'],
    ['Exporter.Name == "a" ||| true', 'exporter', 1, 24, 'unexpected character "|"'],
    ['Exporter. == "a"', 'exporter', 1, 11, 'expected a field name'],
    ['ClassifyGroup("a" "b")', 'exporter', 1, 19, 'expected "," or ")"'],
    ['x in [1 2]', 'exporter', 1, 9, 'expected "," or "]"'],
    ['Exporter.Name == 1.5', 'exporter', 1, 18, 'invalid number'],
    ['Exporter.Name == 12abc', 'exporter', 1, 18, 'invalid number'],
    ['99999999999999999999 > 1', 'exporter', 1, 1, 'too large'],
    ['Exporter.Name == "a" && and', 'exporter', 1, 25, 'unexpected keyword "and"'],
    ['/* never closed', 'exporter', 1, 1, 'unterminated comment'],
    ['Exporter.Name.foo() == "x"', 'exporter', 1, 18, 'only functions can be called'],
    ['Exporter.Name == "a"\n  && Exporter.IP ==\n  ', 'exporter', 3, 3, 'unexpected end'],
    ['Exporter.Nom == "a"', 'exporter', 1, 1, 'unknown field Exporter.Nom'],
    ['Router.Name == "a"', 'exporter', 1, 1, 'unknown variable Router'],
    ['Exporter == "a"', 'exporter', 1, 1, 'is not a value'],
    ['Interface.Name == "a"', 'exporter', 1, 1, 'only available in interface rules'],
    ['ClassifyProvider("a")', 'exporter', 1, 1, 'only available in interface rules'],
    ['ClassifyGroup("a")', 'interface', 1, 1, 'only available in exporter rules'],
    ['Frobnicate("a")', 'exporter', 1, 1, 'unknown function Frobnicate()'],
    ['ClassifyGroup', 'exporter', 1, 1, 'is a function'],
    ['ClassifyGroup()', 'exporter', 1, 1, 'takes 1 argument(s), got 0'],
    ['ClassifyGroup("a", "b")', 'exporter', 1, 1, 'takes 1 argument(s), got 2'],
    ['Reject(1)', 'exporter', 1, 1, 'takes 0 argument(s), got 1'],
    ['ClassifyGroup(1)', 'exporter', 1, 15, 'argument 1 of ClassifyGroup() must be a string, got an integer'],
    ['ClassifyGroupRegex(Exporter.Name, "(", "$1")', 'exporter', 1, 35, 'invalid regular expression'],
    ['ClassifySiteRegex(Exporter.Name, "a**", "$1")', 'exporter', 1, 34, 'invalid nested repetition'],
    ['Exporter.Name matches "a\\\\1"', 'exporter', 1, 23, 'backreferences'],
    ['Exporter.Name matches "(?=x)"', 'exporter', 1, 23, 'lookahead'],
    ['Exporter.Name', 'exporter', 1, 1, 'must be a boolean expression, got a string'],
    ['Format("%s", Exporter.Name)', 'exporter', 1, 1, 'must be a boolean expression'],
    ['Exporter.Name == 1', 'exporter', 1, 15, 'cannot compare a string with an integer'],
    ['Interface.Speed < "10"', 'interface', 1, 17, 'cannot compare'],
    ['true < false', 'exporter', 1, 6, 'cannot compare'],
    ['[1] == [1]', 'exporter', 1, 5, 'cannot compare'],
    ['Exporter.Name in ["a", 1]', 'exporter', 1, 24, 'same type'],
    ['Exporter.Name in [1, 2]', 'exporter', 1, 15, '"in" looks for a string'],
    ['Exporter.Name in "abc"', 'exporter', 1, 18, 'right side of "in" must be an array'],
    ['Exporter.Name && true', 'exporter', 1, 1, 'left side of "&&" must be a boolean'],
    ['!Exporter.Name startsWith "a"', 'exporter', 1, 2, 'operand of "!" must be a boolean'],
    ['Interface.Speed contains "1"', 'interface', 1, 1, 'left side of "contains" must be a string'],
    ['Exporter.Name + 1 == "a"', 'exporter', 1, 15, '"+" adds two integers'],
    ['-Exporter.Name == 1', 'exporter', 1, 2, 'operand of "-"'],
    ['ClassifyGroup(Format("%d", Exporter.Name))', 'exporter', 1, 22, '"%d" expects an integer'],
    ['ClassifyGroup(Format("%s"))', 'exporter', 1, 22, 'missing argument'],
    ['ClassifyGroup(Format("x", Exporter.Name))', 'exporter', 1, 22, 'left over'],
    ['ClassifyGroup(Format("%x", 1))', 'exporter', 1, 22, 'unsupported verb'],
    ['x'.repeat(10_001), 'exporter', 1, 1, 'longer than'],
    [`${'('.repeat(70)}true${')'.repeat(70)}`, 'exporter', 1, 65, 'nested deeper'],
    [`${'!'.repeat(100)}true`, 'exporter', 1, 65, 'nested deeper'],
  ];
  for (const [rule, kind, line, column, fragment] of cases) {
    it(`rejects ${JSON.stringify(rule.slice(0, 50))} (${kind})`, () => {
      assert.throws(
        () => compileRule(rule, LANGUAGES[kind]),
        (err: unknown) => {
          assert.ok(err instanceof ClassifierParseError, `got ${String(err)}`);
          assert.equal(err.code, 'AKV_CLASSIFIER_PARSE');
          assert.ok(err.reason.includes(fragment), `reason ${JSON.stringify(err.reason)} lacks ${JSON.stringify(fragment)}`);
          assert.deepEqual([err.position.line, err.position.column], [line, column], err.message);
          return true;
        },
      );
    });
  }

  it('names the rule index and shows an excerpt with a caret', () => {
    const rules = ['ClassifyInternal()', 'Interface.Name startsWith "et" && ClassifyProvider(Interface.Speed)'];
    assert.throws(
      () => compileInterfaceRules(rules),
      (err: unknown) => {
        assert.ok(err instanceof ClassifierParseError);
        assert.equal(err.ruleIndex, 1);
        assert.equal(err.excerpt, '…With "et" && ClassifyProvider(Interface.Speed)\n                               ^');
        assert.match(err.message, /^rule 1, line 1, column 52: argument 1 of ClassifyProvider\(\) must be a string/);
        assert.deepEqual(JSON.parse(JSON.stringify(err)), {
          code: 'AKV_CLASSIFIER_PARSE',
          message: err.message,
          rule: 1,
          offset: 51,
          line: 1,
          column: 52,
        });
        return true;
      },
    );
  });

  it('compiles the examples of the documentation', () => {
    compileExporterRules([
      'ClassifySiteRegex(Exporter.Name, "^([^-]+)-", "$1")',
      'Exporter.Name endsWith ".it" && ClassifyRegion("italy")',
      'Exporter.Name matches "^(washington|newyork).*" && ClassifyRegion("usa")',
    ]);
    compileInterfaceRules([
      `ClassifyConnectivityRegex(Interface.Description, "^(?i)(transit|pni|ppni|ix):? ", "$1") &&
ClassifyProviderRegex(Interface.Description, "^[^ ]+? ([^ ]+)", "$1") &&
ClassifyExternal()`,
      'ClassifyInternal()',
    ]);
  });
});
