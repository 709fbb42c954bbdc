// SPDX-License-Identifier: AGPL-3.0-only
import { ClassifierParseError } from './errors.ts';

/** TokenKind is the kind of a lexical token of the rule language. */
export type TokenKind = 'ident' | 'int' | 'string' | 'op' | 'eof';

/** Token is one lexical token: its kind, its value (text, or decoded string) and its offset. */
export interface Token {
  kind: TokenKind;
  value: string;
  pos: number;
}

/** MAX_RULE_LENGTH bounds the size of one rule, in characters. */
export const MAX_RULE_LENGTH = 10_000;

// Longest operators first: the lexer takes the first one that matches.
const OPERATORS = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', ',', '.', '+', '-', '*', '/', '%'];

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  f: '\f',
  v: '\v',
  b: '\b',
  a: '\x07',
  '0': '\0',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '`': '`',
};

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_';
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

/**
 * tokenize splits a rule into tokens. Strings are quoted with `"` or `'`
 * (escapes \n \t \r \f \v \b \a \0 \\ \" \' \xHH \uHHHH \u{H…}) or with
 * backquotes (raw, no escapes). Throws ClassifierParseError.
 */
export function tokenize(source: string): Token[] {
  if (source.length > MAX_RULE_LENGTH) {
    throw new ClassifierParseError(`rule longer than ${MAX_RULE_LENGTH} characters`, source, 0);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      if (end < 0) throw new ClassifierParseError('unterminated comment', source, i);
      i = end + 2;
    } else if (isIdentStart(c)) {
      const start = i;
      while (i < source.length && (isIdentStart(source[i]!) || isDigit(source[i]!))) i++;
      tokens.push({ kind: 'ident', value: source.slice(start, i), pos: start });
    } else if (isDigit(c)) {
      const start = i;
      while (i < source.length && (isDigit(source[i]!) || source[i] === '_')) i++;
      if (i < source.length && (isIdentStart(source[i]!) || source[i] === '.')) {
        throw new ClassifierParseError('invalid number (only decimal integers are supported)', source, start);
      }
      const text = source.slice(start, i).replaceAll('_', '');
      if (!Number.isSafeInteger(Number(text))) throw new ClassifierParseError('integer too large', source, start);
      tokens.push({ kind: 'int', value: text, pos: start });
    } else if (c === '"' || c === "'") {
      i = readQuoted(source, i, tokens);
    } else if (c === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) throw new ClassifierParseError('unterminated string', source, i);
      tokens.push({ kind: 'string', value: source.slice(i + 1, end), pos: i });
      i = end + 1;
    } else {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (op === undefined) throw new ClassifierParseError(`unexpected character ${JSON.stringify(c)}`, source, i);
      tokens.push({ kind: 'op', value: op, pos: i });
      i += op.length;
    }
  }
  tokens.push({ kind: 'eof', value: '', pos: source.length });
  return tokens;
}

// readQuoted decodes the string starting at `start` (a quote), pushes its
// token and returns the offset after the closing quote.
function readQuoted(source: string, start: number, tokens: Token[]): number {
  const quote = source[start]!;
  let out = '';
  let i = start + 1;
  while (true) {
    if (i >= source.length || source[i] === '\n') throw new ClassifierParseError('unterminated string', source, start);
    const c = source[i]!;
    if (c === quote) break;
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    const e = source[i + 1];
    if (e === undefined) throw new ClassifierParseError('unterminated string', source, start);
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'x' || e === 'u') {
      const [code, len] = readHexEscape(source, i);
      out += String.fromCodePoint(code);
      i += len;
    } else {
      throw new ClassifierParseError(
        `invalid escape "\\${e}" in string (write "\\\\${e}" for a backslash, as in regular expressions)`,
        source,
        i,
      );
    }
  }
  tokens.push({ kind: 'string', value: out, pos: start });
  return i + 1;
}

// readHexEscape reads \xHH, \uHHHH or \u{H…} at `i`; returns the code point and the escape's length.
function readHexEscape(source: string, i: number): [number, number] {
  const m =
    source[i + 1] === 'x'
      ? /^\\x([0-9a-fA-F]{2})/.exec(source.slice(i, i + 4))
      : /^\\u(?:\{([0-9a-fA-F]{1,6})\}|([0-9a-fA-F]{4}))/.exec(source.slice(i, i + 10));
  const code = m === null ? NaN : parseInt(m[1] ?? m[2]!, 16);
  if (m === null || code > 0x10ffff) throw new ClassifierParseError('invalid hexadecimal escape in string', source, i);
  return [code, m[0].length];
}
