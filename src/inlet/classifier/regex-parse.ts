// SPDX-License-Identifier: AGPL-3.0-only
import { DIGIT, POSIX, SPACE, WORD, anyOf, foldTest, not, otherCase, range, unicodeClass, type CharTest } from './regex-chars.ts';

export type { CharTest } from './regex-chars.ts';
export { isWordChar } from './regex-chars.ts';

/**
 * Parser of RE2 regular expressions (the syntax of Go's regexp, which
 * Akvorado's rules use: https://github.com/google/re2/wiki/Syntax) into a
 * tree that regex-vm.ts compiles. Supported: literals, `.`, classes with
 * ranges, `[:alpha:]` and escapes, `\d \w \s` and negations, `\pL`,
 * `\p{Greek}`, `\x{263a}`, `\Q...\E`, anchors `^ $ \A \z \b \B`, groups
 * (capturing, `(?:`, `(?P<name>`, `(?<name>`), flags `i m s U` as `(?i)` or
 * `(?i:...)`, alternation, and repetitions `* + ? {n} {n,} {n,m}` (greedy or
 * lazy). Backreferences and lookaround are not RE2 and are refused.
 */

/** AssertKind is a zero-width assertion. */
export type AssertKind = 'bol' | 'eol' | 'bot' | 'eot' | 'word' | 'notword';

/** ReNode is a node of a parsed regular expression. */
export type ReNode =
  | { t: 'empty' }
  | { t: 'char'; test: CharTest }
  | { t: 'assert'; kind: AssertKind }
  | { t: 'cap'; index: number; sub: ReNode }
  | { t: 'cat'; subs: ReNode[] }
  | { t: 'alt'; subs: ReNode[] }
  | { t: 'rep'; sub: ReNode; min: number; max: number; greedy: boolean };

/** ParsedRegex is a parsed pattern: its tree, its number of groups (with group 0) and its group names. */
export interface ParsedRegex {
  node: ReNode;
  groups: number;
  names: Map<string, number>;
}

const MAX_REPEAT = 1000; // as RE2
const MAX_NESTING = 100;

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}


const ch = (c: string): number => c.codePointAt(0)!;

/**
 * parseRegex parses an RE2 pattern; it throws a plain Error whose message
 * says what is wrong, which newRegex() turns into the reason of a coded
 * ClassifierParseError or ClassifierRuntimeError.
 */
export function parseRegex(pattern: string): ParsedRegex {
  return new RegexParser(pattern).run();
}

class RegexParser {
  private readonly p: string[];
  private i = 0;
  private groups = 1;
  private readonly names = new Map<string, number>();
  private depth = 0;
  private justRepeated = false; // the last token was a repetition operator ("a**" is refused)

  constructor(pattern: string) {
    this.p = [...pattern];
  }

  run(): ParsedRegex {
    const node = this.alternation({ i: false, m: false, s: false, U: false });
    if (this.i < this.p.length) throw new Error('unexpected )');
    return { node, groups: this.groups, names: this.names };
  }

  private peek(k = 0): string | undefined {
    return this.p[this.i + k];
  }

  private startsWith(s: string): boolean {
    return this.p.slice(this.i, this.i + s.length).join('') === s;
  }

  // alternation parses up to a ")" or the end; `flags` may be changed by "(?i)".
  private alternation(flags: Flags): ReNode {
    if (++this.depth > MAX_NESTING) throw new Error(`groups nested deeper than ${MAX_NESTING}`);
    const alts: ReNode[] = [];
    let seq: ReNode[] = [];
    while (this.i < this.p.length && this.peek() !== ')') {
      const c = this.peek()!;
      if (c === '|') {
        this.i++;
        this.justRepeated = false;
        alts.push(cat(seq));
        seq = [];
      } else if (c === '*' || c === '+' || c === '?' || (c === '{' && this.repeatAhead() !== null)) {
        const last = seq.pop();
        if (last === undefined) throw new Error('missing argument to repetition operator');
        if (this.justRepeated) throw new Error('invalid nested repetition operator');
        seq.push(this.repetition(last, flags));
      } else if (c === '(' && /^\(\?[imsU-]*\)$/.test(this.p.slice(this.i, this.p.indexOf(')', this.i) + 1).join(''))) {
        this.flagGroup(flags);
      } else {
        this.justRepeated = false;
        seq.push(this.atom(flags));
      }
    }
    alts.push(cat(seq));
    this.depth--;
    return alts.length === 1 ? alts[0]! : { t: 'alt', subs: alts };
  }

  private repeatAhead(): { min: number; max: number; len: number } | null {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i, this.i + 12).join(''));
    if (m === null) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? -1 : Number(m[3]);
    return { min, max, len: m[0].length };
  }

  private repetition(sub: ReNode, flags: Flags): ReNode {
    const c = this.peek()!;
    let min = 0;
    let max = -1;
    if (c === '{') {
      const r = this.repeatAhead()!;
      if (r.min > MAX_REPEAT || r.max > MAX_REPEAT || (r.max >= 0 && r.max < r.min)) throw new Error(`invalid repeat count`);
      ({ min, max } = r);
      this.i += r.len;
    } else {
      this.i++;
      if (c === '+') min = 1;
      if (c === '?') max = 1;
    }
    let greedy = !flags.U;
    if (this.peek() === '?') {
      this.i++;
      greedy = !greedy;
    }
    this.justRepeated = true;
    return { t: 'rep', sub, min, max, greedy };
  }

  // flagGroup applies "(?flags)" to the rest of the current group.
  private flagGroup(flags: Flags): void {
    const end = this.p.indexOf(')', this.i);
    const spec = this.p.slice(this.i + 2, end).join('');
    this.i = end + 1;
    Object.assign(flags, parseFlags(spec, flags));
    this.justRepeated = false;
  }

  private atom(flags: Flags): ReNode {
    const c = this.peek()!;
    this.i++;
    switch (c) {
      case '.':
        return { t: 'char', test: flags.s ? () => true : (cp) => cp !== 0x0a };
      case '^':
        return { t: 'assert', kind: flags.m ? 'bol' : 'bot' };
      case '$':
        return { t: 'assert', kind: flags.m ? 'eol' : 'eot' };
      case '[':
        return this.charClass(flags);
      case '(':
        return this.group(flags);
      case '\\':
        return this.escape(flags);
      default:
        return literal(ch(c), flags);
    }
  }

  private group(flags: Flags): ReNode {
    if (this.peek() !== '?') return this.capture(flags, null);
    if (this.startsWith('?=') || this.startsWith('?!') || this.startsWith('?<=') || this.startsWith('?<!')) {
      throw new Error('lookahead and lookbehind are not supported');
    }
    const named = /^\?P?<([A-Za-z0-9_]+)>/.exec(this.p.slice(this.i, this.i + 40).join(''));
    if (named !== null) {
      if (this.names.has(named[1]!)) throw new Error(`duplicate group name ${named[1]}`);
      this.i += named[0].length;
      return this.capture(flags, named[1]!);
    }
    const scoped = /^\?([imsU-]*):/.exec(this.p.slice(this.i, this.i + 12).join(''));
    if (scoped === null) throw new Error('invalid or unsupported group syntax');
    this.i += scoped[0].length;
    const inner = scoped[1] === '' ? { ...flags } : parseFlags(scoped[1]!, flags);
    return this.closeGroup(this.alternation(inner));
  }

  private capture(flags: Flags, name: string | null): ReNode {
    const index = this.groups++;
    if (name !== null) this.names.set(name, index);
    return { t: 'cap', index, sub: this.closeGroup(this.alternation({ ...flags })) };
  }

  private closeGroup(node: ReNode): ReNode {
    if (this.peek() !== ')') throw new Error('missing closing )');
    this.i++;
    this.justRepeated = false;
    return node;
  }

  private escape(flags: Flags, inClass = false): ReNode & { t: 'char' | 'assert' | 'cat' } {
    const e = this.peek();
    if (e === undefined) throw new Error('trailing backslash');
    this.i++;
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (simple[e] !== undefined) return literal(simple[e], flags);
    const classes: Record<string, CharTest> = { d: DIGIT, D: not(DIGIT), w: WORD, W: not(WORD), s: SPACE, S: not(SPACE) };
    if (classes[e] !== undefined) return { t: 'char', test: classes[e] };
    if (!inClass) {
      const asserts: Record<string, AssertKind> = { A: 'bot', z: 'eot', b: 'word', B: 'notword' };
      if (asserts[e] !== undefined) return { t: 'assert', kind: asserts[e] };
      if (e === 'Q') {
        const chars: ReNode[] = [];
        while (this.i < this.p.length && !this.startsWith('\\E')) chars.push(literal(ch(this.p[this.i++]!), flags));
        if (this.startsWith('\\E')) this.i += 2;
        return { t: 'cat', subs: chars };
      }
    }
    if (e === 'p' || e === 'P') {
      let name = this.peek() ?? '';
      this.i++;
      if (name === '{') {
        const end = this.p.indexOf('}', this.i);
        if (end < 0) throw new Error('missing closing } in \\p{...}');
        name = this.p.slice(this.i, end).join('');
        this.i = end + 1;
      }
      let negate = e === 'P';
      if (name.startsWith('^')) [negate, name] = [!negate, name.slice(1)];
      const test = unicodeClass(name);
      return { t: 'char', test: negate ? not(test) : test };
    }
    if (e === 'x') {
      const m = /^\{([0-9a-fA-F]{1,6})\}|^([0-9a-fA-F]{2})/.exec(this.p.slice(this.i, this.i + 8).join(''));
      const cp = m === null ? NaN : parseInt(m[1] ?? m[2]!, 16);
      if (m === null || cp > 0x10ffff) throw new Error('invalid \\x escape');
      this.i += m[0].length;
      return literal(cp, flags);
    }
    if (e >= '0' && e <= '9') throw new Error('backreferences and octal escapes are not supported');
    if (/^[!-/:-@[-`{-~]$/.test(e)) return literal(ch(e), flags);
    throw new Error(`invalid escape \\${e}`);
  }

  private charClass(flags: Flags): ReNode {
    const tests: CharTest[] = [];
    const negate = this.peek() === '^';
    if (negate) this.i++;
    let first = true;
    while (true) {
      const c = this.peek();
      if (c === undefined) throw new Error('missing closing ]');
      if (c === ']' && !first) break;
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.p.slice(this.i, this.i + 12).join(''));
      if (posix !== null) {
        const test = POSIX[posix[2]!];
        if (test === undefined) throw new Error(`invalid POSIX class [:${posix[2]}:]`);
        tests.push(posix[1] === '^' ? not(test) : test);
        this.i += posix[0].length;
        continue;
      }
      const lo = this.classChar(flags);
      if (typeof lo !== 'number') {
        tests.push(lo);
        continue;
      }
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.i++;
        const hi = this.classChar(flags);
        if (typeof hi !== 'number' || hi < lo) throw new Error('invalid character class range');
        tests.push(range(lo, hi));
      } else {
        tests.push((cp) => cp === lo);
      }
    }
    this.i++;
    let test = tests.length === 1 ? tests[0]! : anyOf(...tests);
    if (flags.i) test = foldTest(test);
    return { t: 'char', test: negate ? not(test) : test };
  }

  // classChar reads one character of a class: a code point, or a class escape (\d, \pL).
  private classChar(flags: Flags): number | CharTest {
    const c = this.peek()!;
    this.i++;
    if (c !== '\\') return ch(c);
    const node = this.escape({ ...flags, i: false }, true) as ReNode;
    if (node.t !== 'char') throw new Error('invalid escape in character class');
    const probe = (node as { literal?: number }).literal;
    return probe ?? node.test;
  }
}

function parseFlags(spec: string, base: Flags): Flags {
  const out = { ...base };
  let on = true;
  let seen = false;
  for (const f of spec) {
    if (f === '-') {
      if (!on) throw new Error('invalid flags');
      on = false;
      continue;
    }
    out[f as keyof Flags] = on;
    seen = true;
  }
  if (!seen) throw new Error('missing flags');
  return out;
}

function literal(cp: number, flags: Flags): { t: 'char'; test: CharTest; literal: number } {
  const o = flags.i ? otherCase(cp) : -1;
  return { t: 'char', test: o < 0 ? (x) => x === cp : (x) => x === cp || x === o, literal: cp };
}

function cat(seq: ReNode[]): ReNode {
  if (seq.length === 0) return { t: 'empty' };
  return seq.length === 1 ? seq[0]! : { t: 'cat', subs: seq };
}
