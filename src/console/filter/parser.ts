// SPDX-License-Identifier: AGPL-3.0-only
import { readFileSync } from 'node:fs';
import peggy from 'peggy';
import { FilterError, problemAt, type FilterProblem } from './errors.ts';

/** Span is where a part of the filter sits: offsets from 0, `end` excluded. */
export interface Span {
  start: number;
  end: number;
}

/** Word is an identifier or operator as typed, with its span. */
export interface Word extends Span {
  text: string;
}

/** ValueNode is one value: quoted (escapes removed) or bare. */
export interface ValueNode extends Span {
  type: 'value';
  quoted: boolean;
  text: string;
}

/** ListNode is a parenthesised list of values, for IN and NOTIN. */
export interface ListNode extends Span {
  type: 'list';
  items: ValueNode[];
}

/** Expr is the syntax tree of a filter. */
export type Expr =
  | { type: 'or'; items: Expr[] }
  | { type: 'and'; items: Expr[] }
  | { type: 'not'; expr: Expr }
  | { type: 'condition'; column: Word; operator: Word; value: ValueNode | ListNode };

// GRAMMAR_URL points at the grammar next to this file. The bundle must ship
// it next to dist/akvorado.mjs (see build.mjs).
const GRAMMAR_URL = new URL('./grammar.peggy', import.meta.url);

let cached: peggy.Parser | null = null;

/**
 * parser generates the parser from grammar.peggy at first use and keeps it.
 * Generating takes 60 to 90 ms (Node 24, one AMD EPYC core; a typical filter
 * then parses in under 0.1 ms): doing it lazily keeps that cost out of
 * imports, out of `--check` and out of services that never parse a filter.
 */
export function parser(): peggy.Parser {
  if (cached === null) cached = peggy.generate(readFileSync(GRAMMAR_URL, 'utf8'));
  return cached;
}

// describe renders one expectation of peggy as the grammar names it.
function describe(e: peggy.parser.Expectation): string {
  switch (e.type) {
    case 'literal':
      return JSON.stringify(e.text);
    case 'other':
      return e.description;
    case 'end':
      return 'end of filter';
    case 'class':
      return 'character';
    case 'any':
      return 'any character';
  }
}

// foundAt names what stands at `offset`: a word, one character, or the end.
function foundAt(text: string, offset: number): string {
  if (offset >= text.length) return 'end of filter';
  const word = /^[A-Za-z0-9_.:/%-]+/.exec(text.slice(offset, offset + 40));
  return JSON.stringify(word === null ? String.fromCodePoint(text.codePointAt(offset)!) : word[0]);
}

/** syntaxProblem turns a peggy syntax error into a readable problem: `expected "AND", "OR" or end of filter, got "x"`. */
export function syntaxProblem(text: string, err: peggy.parser.SyntaxError): FilterProblem {
  const offset = err.location.start.offset;
  if (err.expected === null) return problemAt(text, offset, err.message);
  // Quoted tokens first, then kinds of things, then the end: `"AND", "OR" or end of filter`.
  const rank = (n: string) => (n.startsWith('"') ? 0 : n === 'end of filter' ? 2 : 1);
  const names = [...new Set(err.expected.map(describe))].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const list = names.length <= 1 ? (names[0] ?? 'nothing') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
  return problemAt(text, offset, `expected ${list}, got ${foundAt(text, offset)}`);
}

/** parse turns a filter into its syntax tree (null when empty), or throws a FilterError. */
export function parse(text: string): Expr | null {
  const p = parser();
  try {
    return p.parse(text) as Expr | null;
  } catch (err) {
    if (err instanceof p.SyntaxError) throw new FilterError([syntaxProblem(text, err)]);
    throw err;
  }
}
