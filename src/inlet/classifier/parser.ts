// SPDX-License-Identifier: AGPL-3.0-only
import { ClassifierParseError } from './errors.ts';
import { tokenize, type Token } from './lexer.ts';

/** BinaryOp is an infix operator, after aliases are resolved (`and` is `&&`, `not in` is `!in`). */
export type BinaryOp =
  | '||'
  | '&&'
  | '=='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'in'
  | '!in'
  | 'matches'
  | '!matches'
  | 'contains'
  | '!contains'
  | 'startsWith'
  | '!startsWith'
  | 'endsWith'
  | '!endsWith'
  | '+'
  | '-'
  | '*'
  | '/'
  | '%';

/** Node is a node of the syntax tree; `pos` is the offset of its first or operator token. */
export type Node =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'int'; value: number; pos: number }
  | { kind: 'bool'; value: boolean; pos: number }
  | { kind: 'array'; items: Node[]; pos: number }
  | { kind: 'ident'; name: string; pos: number }
  | { kind: 'member'; object: Node; name: string; pos: number }
  | { kind: 'call'; name: string; args: Node[]; pos: number }
  | { kind: 'unary'; op: '!' | '-'; operand: Node; pos: number }
  | { kind: 'binary'; op: BinaryOp; left: Node; right: Node; pos: number };

/** MAX_DEPTH bounds the nesting of a rule (parentheses, operators, calls), so parsing cannot overflow the stack. */
export const MAX_DEPTH = 64;

// Precedences follow expr-lang, which Akvorado's rules are written for: a
// rule parses the same way in both. Every binary operator is left-associative.
const PRECEDENCE: Record<string, number> = {
  '||': 10,
  or: 10,
  '&&': 15,
  and: 15,
  '==': 20,
  '!=': 20,
  '<': 20,
  '<=': 20,
  '>': 20,
  '>=': 20,
  in: 20,
  matches: 20,
  contains: 20,
  startsWith: 20,
  endsWith: 20,
  '+': 30,
  '-': 30,
  '*': 60,
  '/': 60,
  '%': 60,
};
const NOT_PRECEDENCE = 50;
const NEGATE_PRECEDENCE = 90;
const NEGATABLE = new Set(['in', 'matches', 'contains', 'startsWith', 'endsWith']);
const KEYWORDS = new Set(['and', 'or', 'not', 'true', 'false', ...NEGATABLE]);

/** parse turns one rule into a syntax tree. Throws ClassifierParseError. */
export function parse(source: string): Node {
  return new Parser(source).parseRule();
}

class Parser {
  private readonly source: string;
  private readonly tokens: Token[];
  private index: number;
  private depth: number;

  constructor(source: string) {
    this.source = source;
    this.tokens = tokenize(source);
    this.index = 0;
    this.depth = 0;
  }

  parseRule(): Node {
    if (this.peek().kind === 'eof') throw this.error('empty rule', this.peek());
    const node = this.parseExpression(0);
    const t = this.peek();
    if (t.kind !== 'eof') throw this.error(`unexpected ${describe(t)} after a complete expression`, t);
    return node;
  }

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return t;
  }

  private error(reason: string, t: Token): ClassifierParseError {
    return new ClassifierParseError(reason, this.source, t.pos);
  }

  private expect(op: string, what: string): Token {
    const t = this.peek();
    if (t.kind !== 'op' || t.value !== op) throw this.error(`expected ${what}, got ${describe(t)}`, t);
    return this.next();
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_DEPTH) throw this.error(`expression nested deeper than ${MAX_DEPTH} levels`, t);
  }

  // binaryAt returns the operator at the cursor, its precedence and how many tokens it spans.
  private binaryAt(): { op: BinaryOp; precedence: number; width: number } | null {
    const t = this.peek();
    if (t.kind === 'ident' && t.value === 'not') {
      const n = this.peek(1);
      if (n.kind === 'ident' && NEGATABLE.has(n.value)) {
        return { op: `!${n.value}` as BinaryOp, precedence: PRECEDENCE[n.value]!, width: 2 };
      }
      return null;
    }
    if (t.kind !== 'op' && t.kind !== 'ident') return null;
    const precedence = PRECEDENCE[t.value];
    if (precedence === undefined) return null;
    const op = t.value === 'or' ? '||' : t.value === 'and' ? '&&' : (t.value as BinaryOp);
    return { op, precedence, width: 1 };
  }

  private parseExpression(minPrecedence: number): Node {
    this.enter(this.peek());
    let left = this.parseUnary();
    for (let b = this.binaryAt(); b !== null && b.precedence >= minPrecedence; b = this.binaryAt()) {
      const t = this.next();
      if (b.width === 2) this.next();
      const right = this.parseExpression(b.precedence + 1);
      left = { kind: 'binary', op: b.op, left, right, pos: t.pos };
    }
    this.depth--;
    return left;
  }

  private parseUnary(): Node {
    const t = this.peek();
    if ((t.kind === 'op' && t.value === '!') || (t.kind === 'ident' && t.value === 'not')) {
      this.next();
      return { kind: 'unary', op: '!', operand: this.parseExpression(NOT_PRECEDENCE), pos: t.pos };
    }
    if (t.kind === 'op' && t.value === '-') {
      this.next();
      return { kind: 'unary', op: '-', operand: this.parseExpression(NEGATE_PRECEDENCE), pos: t.pos };
    }
    if (t.kind === 'op' && t.value === '+') {
      this.next();
      return this.parseExpression(NEGATE_PRECEDENCE);
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePostfix(node: Node): Node {
    while (true) {
      const t = this.peek();
      if (t.kind === 'op' && t.value === '.') {
        this.next();
        const name = this.next();
        if (name.kind !== 'ident') throw this.error(`expected a field name after ".", got ${describe(name)}`, name);
        node = { kind: 'member', object: node, name: name.value, pos: node.pos };
      } else if (t.kind === 'op' && t.value === '(') {
        throw this.error('only functions can be called', t);
      } else {
        return node;
      }
    }
  }

  private parsePrimary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.value, pos: t.pos };
      case 'int':
        return { kind: 'int', value: Number(t.value), pos: t.pos };
      case 'ident':
        if (t.value === 'true' || t.value === 'false') return { kind: 'bool', value: t.value === 'true', pos: t.pos };
        if (KEYWORDS.has(t.value)) throw this.error(`unexpected keyword "${t.value}"`, t);
        if (this.peek().kind === 'op' && this.peek().value === '(') {
          this.next();
          return { kind: 'call', name: t.value, args: this.parseList(')', 'argument'), pos: t.pos };
        }
        return { kind: 'ident', name: t.value, pos: t.pos };
      case 'op':
        if (t.value === '(') {
          const inner = this.parseExpression(0);
          this.expect(')', '")"');
          return inner;
        }
        if (t.value === '[') return { kind: 'array', items: this.parseList(']', 'element'), pos: t.pos };
        throw this.error(`unexpected ${describe(t)}`, t);
      case 'eof':
        throw this.error('unexpected end of rule', t);
    }
  }

  // parseList reads comma-separated expressions up to `close` (already past the opening token).
  private parseList(close: string, what: string): Node[] {
    const items: Node[] = [];
    while (!(this.peek().kind === 'op' && this.peek().value === close)) {
      items.push(this.parseExpression(0));
      const t = this.peek();
      if (t.kind === 'op' && t.value === ',') this.next();
      else if (!(t.kind === 'op' && t.value === close)) throw this.error(`expected "," or "${close}" after ${what}, got ${describe(t)}`, t);
    }
    this.next();
    return items;
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of rule';
    case 'string':
      return 'a string';
    case 'int':
      return `number ${t.value}`;
    default:
      return `"${t.value}"`;
  }
}
