// SPDX-License-Identifier: AGPL-3.0-only
// A forgiving lexer for the filter language, for completion and for the
// nesting check done before parsing. The grammar (grammar.peggy) remains the
// definition of the language: this only has to agree with it on where
// strings, comments, words and punctuation start and end.

/** Token is one token of a filter; blanks are left out. */
export type Token = { kind: 'word' | 'op' | 'string' | 'open' | 'close' | 'comma' | 'comment'; text: string; start: number; end: number; closed: boolean };

// TOKEN matches one token of the filter language (blanks are skipped).
const TOKEN =
  /([ \t\r\n\u00a0]+)|(--[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|("(?:\\[\s\S]|[^"\\])*"?|'(?:\\[\s\S]|[^'\\])*'?)|([(])|([)])|(,)|([=<>!]+)|((?:(?!--|\/\*)[^ \t\r\n\u00a0(),"'=<>!])+)/y;

/** tokens splits a filter into tokens; a string or comment without its end is not `closed`. */
export function tokens(text: string): Token[] {
  const out: Token[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = TOKEN.exec(text)) !== null) {
    const t = m[0];
    const at = m.index;
    const tok = (kind: Token['kind'], closed = true) => out.push({ kind, text: t, start: at, end: at + t.length, closed });
    if (m[2] !== undefined) tok('comment', t.startsWith('--') || (t.length >= 4 && t.endsWith('*/')));
    else if (m[3] !== undefined) tok('string', t.length >= 2 && t.endsWith(t[0]!) && !/(^|[^\\])(\\\\)*\\.$/.test(t));
    else if (m[4] !== undefined) tok('open');
    else if (m[5] !== undefined) tok('close');
    else if (m[6] !== undefined) tok('comma');
    else if (m[7] !== undefined) tok('op');
    else if (m[8] !== undefined) tok('word');
  }
  return out;
}

/**
 * nestingOffset returns the offset of the first parenthesis or NOT nested
 * deeper than `max` (NOTs in a row count one level each), or -1. The parser
 * and the compiler recurse once per level: this bounds their stack use, so
 * that deep filters get a positioned error on any stack.
 */
export function nestingOffset(text: string, max: number): number {
  const stack: number[] = [];
  let nots = 0;
  let depth = 0;
  for (const t of tokens(text)) {
    if (t.kind === 'comment') continue;
    if (t.kind === 'open' || (t.kind === 'word' && t.text.toUpperCase() === 'NOT')) {
      if (++depth > max) return t.start;
      if (t.kind === 'open') {
        stack.push(nots + 1);
        nots = 0;
      } else {
        nots++;
      }
    } else if (t.kind === 'close') {
      depth -= nots + (stack.pop() ?? 0);
      nots = 0;
    } else if (t.kind === 'word' || t.kind === 'string') {
      // A condition ends the NOTs in front of it.
      depth -= nots;
      nots = 0;
    }
  }
  return -1;
}
