// SPDX-License-Identifier: AGPL-3.0-only
import { ClassifierParseError, ClassifierRuntimeError } from './errors.ts';
import { checkFormat } from './format.ts';
import { LANGUAGES, regexOrThrow, type Language } from './functions.ts';
import { parse, type Node } from './parser.ts';
import { newRegex } from './regex.ts';
import type { Env, Type, Value } from './types.ts';

/** RuleFn is a compiled rule: it updates the classification in `env` and returns its boolean value. */
export type RuleFn = (env: Env) => boolean;

// Compiled is an expression after type checking: its type (and element type
// for arrays), the closure computing it, and its value when it is a literal.
interface Compiled {
  type: Type;
  elem: Type | null;
  fn: (env: Env) => Value;
  literal: Value | undefined;
}

const ARTICLE: Record<Type, string> = { string: 'a string', int: 'an integer', bool: 'a boolean', array: 'an array' };
const PLURAL: Record<Type, string> = { string: 'strings', int: 'integers', bool: 'booleans', array: 'arrays' };

/**
 * compileRule parses and type-checks one rule and turns it into a closure.
 * Unknown names, wrong arities and types, and invalid literal regular
 * expressions or formats are found here, once, and thrown as
 * ClassifierParseError; the closure only fails on what depends on the
 * inputs (ClassifierRuntimeError).
 */
export function compileRule(source: string, lang: Language): RuleFn {
  const compiled = new Compiler(source, lang).compile(parse(source));
  if (compiled.type !== 'bool') {
    const first = Math.max(0, source.search(/\S/));
    throw new ClassifierParseError(`a rule must be a boolean expression, got ${ARTICLE[compiled.type]}`, source, first);
  }
  const fn = compiled.fn as (env: Env) => boolean;
  return fn;
}

class Compiler {
  private readonly source: string;
  private readonly lang: Language;

  constructor(source: string, lang: Language) {
    this.source = source;
    this.lang = lang;
  }

  private error(reason: string, node: Node): ClassifierParseError {
    return new ClassifierParseError(reason, this.source, node.pos);
  }

  private expect(c: Compiled, type: Type, node: Node, what: string): void {
    if (c.type !== type) throw this.error(`${what} must be ${ARTICLE[type]}, got ${ARTICLE[c.type]}`, node);
  }

  compile(node: Node): Compiled {
    switch (node.kind) {
      case 'string':
      case 'int':
      case 'bool': {
        const value = node.value;
        const type = node.kind === 'string' ? 'string' : node.kind === 'int' ? 'int' : 'bool';
        return { type, elem: null, fn: () => value, literal: value };
      }
      case 'array':
        return this.array(node);
      case 'ident':
      case 'member':
        return this.variable(node);
      case 'call':
        return this.call(node);
      case 'unary': {
        const operand = this.compile(node.operand);
        const f = operand.fn;
        if (node.op === '!') {
          this.expect(operand, 'bool', node.operand, 'the operand of "!"');
          return { type: 'bool', elem: null, fn: (env) => !(f(env) as boolean), literal: undefined };
        }
        this.expect(operand, 'int', node.operand, 'the operand of "-"');
        return { type: 'int', elem: null, fn: (env) => -(f(env) as number), literal: undefined };
      }
      case 'binary':
        return this.binary(node);
    }
  }

  private array(node: Extract<Node, { kind: 'array' }>): Compiled {
    const items = node.items.map((n) => this.compile(n));
    let elem: Type | null = null;
    items.forEach((item, i) => {
      if (item.type === 'array') throw this.error('arrays cannot hold arrays', node.items[i]!);
      if (elem !== null && item.type !== elem) {
        throw this.error(`array elements must all have the same type: ${ARTICLE[elem]}, then ${ARTICLE[item.type]}`, node.items[i]!);
      }
      elem = item.type;
    });
    const fns = items.map((i) => i.fn);
    return { type: 'array', elem, fn: (env) => fns.map((f) => f(env)), literal: undefined };
  }

  private variable(node: Extract<Node, { kind: 'ident' | 'member' }>): Compiled {
    const parts: string[] = [];
    let n: Node = node;
    while (n.kind === 'member') {
      parts.unshift(n.name);
      n = n.object;
    }
    if (n.kind !== 'ident') throw this.error('fields can only be read from Exporter or Interface', node);
    parts.unshift(n.name);
    const path = parts.join('.');
    const v = this.lang.variables.get(path);
    if (v !== undefined) return { type: v.type, elem: null, fn: v.get, literal: undefined };
    const fields = [...this.lang.variables.keys()].filter((k) => k.startsWith(`${parts[0]}.`));
    if (parts.length === 1 && fields.length > 0) {
      throw this.error(`${path} is not a value: use one of its fields (${fields.join(', ')})`, n);
    }
    if (parts.length === 1 && this.lang.functions.has(path)) throw this.error(`${path} is a function: call it as ${path}(...)`, n);
    if (fields.length > 0) throw this.error(`unknown field ${path} (known: ${fields.join(', ')})`, node);
    if (LANGUAGES.interface.variables.has(path) || parts[0] === 'Interface') {
      throw this.error(`${path} is only available in interface rules`, n);
    }
    throw this.error(`unknown variable ${parts[0]}`, n);
  }

  private call(node: Extract<Node, { kind: 'call' }>): Compiled {
    const def = this.lang.functions.get(node.name);
    if (def === undefined) {
      const other = this.lang.kind === 'exporter' ? 'interface' : 'exporter';
      if (LANGUAGES[other].functions.has(node.name)) {
        throw this.error(`${node.name}() is only available in ${other} rules`, node);
      }
      throw this.error(`unknown function ${node.name}()`, node);
    }
    const n = def.params.length;
    if (node.args.length < n || (!def.variadic && node.args.length > n)) {
      const expected = def.variadic ? `at least ${n}` : String(n);
      throw this.error(`${node.name}() takes ${expected} argument(s), got ${node.args.length}`, node);
    }
    const args = node.args.map((a) => this.compile(a));
    def.params.forEach((type, i) => this.expect(args[i]!, type, node.args[i]!, `argument ${i + 1} of ${node.name}()`));
    if (def.regexParam >= 0) this.checkRegex(args[def.regexParam]!, node.args[def.regexParam]!);
    if (def.formatParam >= 0) {
      const fmt = args[def.formatParam]!.literal;
      if (typeof fmt === 'string') {
        const problem = checkFormat(fmt, args.slice(def.formatParam + 1).map((a) => a.type));
        if (problem !== null) throw this.error(problem, node.args[def.formatParam]!);
      }
    }
    const fns = args.map((a) => a.fn);
    const call = def.call;
    return { type: def.returns, elem: null, fn: (env) => call(env, fns.map((f) => f(env))), literal: undefined };
  }

  private checkRegex(c: Compiled, node: Node): void {
    if (typeof c.literal !== 'string') return;
    const re = newRegex(c.literal);
    if (typeof re === 'string') throw this.error(re, node);
  }

  private binary(node: Extract<Node, { kind: 'binary' }>): Compiled {
    const left = this.compile(node.left);
    const right = this.compile(node.right);
    const l = left.fn;
    const r = right.fn;
    const op = node.op;
    const bool = (fn: (env: Env) => boolean): Compiled => ({ type: 'bool', elem: null, fn, literal: undefined });
    const int = (fn: (env: Env) => number): Compiled => ({ type: 'int', elem: null, fn, literal: undefined });
    const mismatch = (): ClassifierParseError =>
      this.error(`"${op}" cannot compare ${ARTICLE[left.type]} with ${ARTICLE[right.type]}`, node);
    switch (op) {
      case '||':
      case '&&':
        this.expect(left, 'bool', node.left, `the left side of "${op}"`);
        this.expect(right, 'bool', node.right, `the right side of "${op}"`);
        return op === '||' ? bool((env) => (l(env) as boolean) || (r(env) as boolean)) : bool((env) => (l(env) as boolean) && (r(env) as boolean));
      case '==':
      case '!=':
        if (left.type !== right.type || left.type === 'array') throw mismatch();
        return op === '==' ? bool((env) => l(env) === r(env)) : bool((env) => l(env) !== r(env));
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if (left.type !== right.type || (left.type !== 'int' && left.type !== 'string')) throw mismatch();
        const cmp = COMPARE[op];
        return bool((env) => cmp(l(env) as number, r(env) as number));
      }
      case 'in':
      case '!in': {
        this.expect(right, 'array', node.right, `the right side of "in"`);
        if (left.type === 'array' || (right.elem !== null && right.elem !== left.type)) {
          throw this.error(`"in" looks for ${ARTICLE[left.type]} in an array of ${PLURAL[right.elem ?? 'array']}`, node);
        }
        const negate = op === '!in';
        return bool((env) => (r(env) as Value[]).includes(l(env)) !== negate);
      }
      case '+':
        if (left.type === 'string' && right.type === 'string') {
          return { type: 'string', elem: null, fn: (env) => (l(env) as string) + (r(env) as string), literal: undefined };
        }
        if (left.type !== 'int' || right.type !== 'int') throw this.error(`"+" adds two integers or joins two strings, got ${ARTICLE[left.type]} and ${ARTICLE[right.type]}`, node);
        return int((env) => (l(env) as number) + (r(env) as number));
      case '-':
      case '*':
      case '/':
      case '%': {
        this.expect(left, 'int', node.left, `the left side of "${op}"`);
        this.expect(right, 'int', node.right, `the right side of "${op}"`);
        const arith = ARITHMETIC[op];
        return int((env) => arith(l(env) as number, r(env) as number));
      }
      default: {
        // matches, contains, startsWith, endsWith and their negations
        const negate = op.startsWith('!');
        const name = negate ? op.slice(1) : op;
        this.expect(left, 'string', node.left, `the left side of "${name}"`);
        this.expect(right, 'string', node.right, `the right side of "${name}"`);
        if (name === 'matches') {
          this.checkRegex(right, node.right);
          return bool((env) => regexOrThrow(r(env) as string).test(l(env) as string) !== negate);
        }
        const test = STRING_TESTS[name]!;
        return bool((env) => test(l(env) as string, r(env) as string) !== negate);
      }
    }
  }
}

const COMPARE: Record<'<' | '<=' | '>' | '>=', (a: number | string, b: number | string) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

const STRING_TESTS: Record<string, (a: string, b: string) => boolean> = {
  contains: (a, b) => a.includes(b),
  startsWith: (a, b) => a.startsWith(b),
  endsWith: (a, b) => a.endsWith(b),
};

// Integers only: "/" truncates toward zero, as Go's integer division.
const ARITHMETIC: Record<'-' | '*' | '/' | '%', (a: number, b: number) => number> = {
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => {
    if (b === 0) throw new ClassifierRuntimeError('integer division by zero');
    return Math.trunc(a / b);
  },
  '%': (a, b) => {
    if (b === 0) throw new ClassifierRuntimeError('integer modulo by zero');
    return a % b;
  },
};
