// SPDX-License-Identifier: AGPL-3.0-only
import { isWordChar, parseRegex, type AssertKind, type CharTest, type ReNode } from './regex-parse.ts';

/**
 * A regular expression compiled to a small program run by a Pike VM, as RE2
 * and Go do: every thread advances in lock step over the input, so a match
 * costs O(input length × program size) whatever the pattern. JavaScript's
 * own engine backtracks, and `(a+)+$` or `a*a*a*b` could stall the inlet.
 * Matches are leftmost-first (Perl and Go semantics), over code points.
 */

/** MAX_PROGRAM bounds the compiled size of a pattern (repetitions are expanded: `(a{100}){100}` is 10,000). */
export const MAX_PROGRAM = 20_000;

const CHAR = 0;
const SPLIT = 1;
const JMP = 2;
const SAVE = 3;
const ASSERT = 4;
const MATCH = 5;

// Inst is one instruction; unused fields stay at their defaults so that
// every instruction has the same shape.
interface Inst {
  op: number;
  x: number; // next pc (CHAR, SAVE, ASSERT), target (JMP), preferred branch (SPLIT)
  y: number; // other branch (SPLIT), slot (SAVE)
  test: CharTest | null;
  kind: AssertKind | null;
}

class Compiler {
  readonly prog: Inst[] = [];

  emit(op: number, x = -1, y = -1, test: CharTest | null = null, kind: AssertKind | null = null): number {
    if (this.prog.length >= MAX_PROGRAM) throw new Error('regular expression too large');
    this.prog.push({ op, x, y, test, kind });
    return this.prog.length - 1;
  }

  get pc(): number {
    return this.prog.length;
  }

  node(n: ReNode): void {
    switch (n.t) {
      case 'empty':
        return;
      case 'char':
        this.emit(CHAR, this.pc + 1, -1, n.test);
        return;
      case 'assert':
        this.emit(ASSERT, this.pc + 1, -1, null, n.kind);
        return;
      case 'cap':
        this.emit(SAVE, this.pc + 1, 2 * n.index);
        this.node(n.sub);
        this.emit(SAVE, this.pc + 1, 2 * n.index + 1);
        return;
      case 'cat':
        for (const s of n.subs) this.node(s);
        return;
      case 'alt': {
        const jumps: number[] = [];
        n.subs.forEach((s, i) => {
          if (i === n.subs.length - 1) return this.node(s);
          const split = this.emit(SPLIT, this.pc + 1);
          this.node(s);
          jumps.push(this.emit(JMP));
          this.prog[split]!.y = this.pc;
        });
        for (const j of jumps) this.prog[j]!.x = this.pc;
        return;
      }
      case 'rep':
        return this.repeat(n);
    }
  }

  private repeat(n: Extract<ReNode, { t: 'rep' }>): void {
    for (let i = 0; i < n.min; i++) this.node(n.sub);
    if (n.max < 0) {
      // L: split body, out; body; jmp L
      const split = this.emit(SPLIT);
      this.node(n.sub);
      this.emit(JMP, split);
      this.branch(split, split + 1, this.pc, n.greedy);
      return;
    }
    const splits: number[] = [];
    for (let i = n.min; i < n.max; i++) {
      splits.push(this.emit(SPLIT));
      this.node(n.sub);
    }
    for (const s of splits) this.branch(s, s + 1, this.pc, n.greedy);
  }

  private branch(split: number, body: number, out: number, greedy: boolean): void {
    const inst = this.prog[split]!;
    inst.x = greedy ? body : out;
    inst.y = greedy ? out : body;
  }
}

/** RegexMatch is a successful match: the text of each group (undefined when it did not take part). */
export interface RegexMatch {
  groups: Array<string | undefined>;
  names: ReadonlyMap<string, number>;
}

/** Regex is a compiled RE2 pattern that matches in linear time. */
export class Regex {
  /** source is the pattern as written. */
  readonly source: string;
  private readonly prog: Inst[];
  private readonly slots: number;
  private readonly names: Map<string, number>;
  /**
   * steps counts the states the last match visited: at most one per
   * instruction and input position, which is what makes matching linear.
   */
  steps: number;

  /** The constructor parses and compiles; it throws an Error saying what is wrong with the pattern. */
  constructor(pattern: string) {
    const parsed = parseRegex(pattern);
    const c = new Compiler();
    c.emit(SAVE, 1, 0);
    c.node(parsed.node);
    c.emit(SAVE, c.pc + 1, 1);
    c.emit(MATCH);
    this.source = pattern;
    this.prog = c.prog;
    this.slots = 2 * parsed.groups;
    this.names = parsed.names;
    this.steps = 0;
  }

  /** size is the number of instructions of the compiled pattern. */
  get size(): number {
    return this.prog.length;
  }

  /** test tells whether the pattern matches somewhere in `input`. */
  test(input: string): boolean {
    return this.run(input) !== null;
  }

  /** exec returns the leftmost-first match in `input`, or null. */
  exec(input: string): RegexMatch | null {
    const offsets: number[] = [];
    const caps = this.run(input, offsets);
    if (caps === null) return null;
    const groups: Array<string | undefined> = [];
    for (let g = 0; g < this.slots; g += 2) {
      groups.push(caps[g]! < 0 || caps[g + 1]! < 0 ? undefined : input.slice(offsets[caps[g]!], offsets[caps[g + 1]!]));
    }
    return { groups, names: this.names };
  }

  // run returns the capture slots (in code points) of the first match; it
  // fills `offsets` with the string offset of each code point.
  private run(input: string, offsets: number[] = []): Int32Array | null {
    const cps: number[] = [];
    for (let i = 0; i < input.length; ) {
      const cp = input.codePointAt(i)!;
      offsets.push(i);
      cps.push(cp);
      i += cp > 0xffff ? 2 : 1;
    }
    offsets.push(input.length);
    const n = cps.length;
    this.steps = 0;
    const seen = new Int32Array(this.prog.length).fill(-1);
    let clist: Thread[] = [];
    let nlist: Thread[] = [];
    let matched: Int32Array | null = null;
    for (let pos = 0; pos <= n; pos++) {
      if (matched === null) this.add(clist, 0, new Int32Array(this.slots).fill(-1), pos, cps, seen);
      if (clist.length === 0) {
        if (matched !== null) break;
        continue;
      }
      for (const t of clist) {
        const inst = this.prog[t.pc]!;
        if (inst.op === MATCH) {
          matched = t.caps;
          break; // threads after this one have a lower priority
        }
        if (pos < n && inst.test!(cps[pos]!)) this.add(nlist, inst.x, t.caps, pos + 1, cps, seen);
      }
      [clist, nlist] = [nlist, []];
    }
    return matched;
  }

  // add follows the empty transitions from `pc` and queues the threads that
  // wait on a character (or match), in priority order. `seen` marks the pcs
  // already queued at this position, which bounds the work per position.
  private add(list: Thread[], pc0: number, caps0: Int32Array, pos: number, cps: number[], seen: Int32Array): void {
    const stack: Thread[] = [{ pc: pc0, caps: caps0 }];
    while (stack.length > 0) {
      const { pc, caps } = stack.pop()!;
      if (seen[pc] === pos) continue;
      this.steps++;
      seen[pc] = pos;
      const inst = this.prog[pc]!;
      switch (inst.op) {
        case JMP:
          stack.push({ pc: inst.x, caps });
          break;
        case SPLIT:
          stack.push({ pc: inst.y, caps }, { pc: inst.x, caps });
          break;
        case SAVE: {
          const copy = caps.slice();
          copy[inst.y] = pos;
          stack.push({ pc: inst.x, caps: copy });
          break;
        }
        case ASSERT:
          if (assertAt(inst.kind!, cps, pos)) stack.push({ pc: inst.x, caps });
          break;
        default:
          list.push({ pc, caps });
      }
    }
  }
}

interface Thread {
  pc: number;
  caps: Int32Array;
}

function assertAt(kind: AssertKind, cps: number[], pos: number): boolean {
  const n = cps.length;
  switch (kind) {
    case 'bot':
      return pos === 0;
    case 'eot':
      return pos === n;
    case 'bol':
      return pos === 0 || cps[pos - 1] === 0x0a;
    case 'eol':
      return pos === n || cps[pos] === 0x0a;
    case 'word':
    case 'notword': {
      const boundary = (pos > 0 && isWordChar(cps[pos - 1]!)) !== (pos < n && isWordChar(cps[pos]!));
      return boundary === (kind === 'word');
    }
  }
}
