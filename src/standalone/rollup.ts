// SPDX-License-Identifier: AGPL-3.0-only
// The rolled-up tables of standalone, written by the sink: the rows of the
// blocks it inserts into flows are added up by time bucket and dimensions
// (every column of the rolled-up table but TimeReceived, Bytes and Packets),
// then inserted into flows_1m0s, flows_5m0s, ... once a minute (see
// RunningRollups). The materialized views of
// the distributed setup do the same inside ClickHouse, at several times
// the cost: they write every row into every rolled-up table, and their
// GROUP BY on some forty columns costs ClickHouse more than the table.
import type { NativeBlock } from '../common/clickhouse/native.ts';
import { tableColumns, tableName } from '../common/schema/clickhouse.ts';
import type { Schema } from '../common/schema/root.ts';
import type { StringTable } from '../inlet/flow/strings.ts';
import { Block, buildBlock, type Column, type Plan } from './columns.ts';

/** Grouping is the groups of rows equal on every dimension within a time bucket. */
export class Grouping {
  count = 0;
  /** rep is, for each group, a row of the block carrying its dimensions. */
  rep = new Int32Array(0);
  /** hash and hash2 are two independent hashes of the dimensions of each group (time left out). */
  hash = new Int32Array(0);
  hash2 = new Int32Array(0);
  /** time is the start of each group's bucket. */
  time = new Uint32Array(0);
  bytes = new Float64Array(0);
  packets = new Float64Array(0);

  /** reserve makes room for `n` groups (content lost). */
  reserve(n: number): void {
    if (this.rep.length >= n) return;
    const capacity = Math.max(n, this.rep.length * 2);
    this.rep = new Int32Array(capacity);
    this.hash = new Int32Array(capacity);
    this.hash2 = new Int32Array(capacity);
    this.time = new Uint32Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.packets = new Float64Array(capacity);
  }
}

// Words are a column seen as `width` integers per row (32 bits at most).
export type Words = { values: Uint8Array | Uint16Array | Uint32Array; width: number };

// wordsOf views a Block column as integers per row: addresses (16 bytes)
// as four 32-bit words, country codes (2 bytes) as one 16-bit word, MPLS
// labels as their labels and their count.
function wordsOf(c: Column, capacity: number): Words[] {
  if (!ArrayBuffer.isView(c)) return [wordsOf(c.labels, capacity)[0]!, { values: c.counts, width: 1 }];
  const width = c.length / capacity;
  if (c instanceof Uint8Array && width % 4 === 0) return [{ values: new Uint32Array(c.buffer, c.byteOffset, c.length / 4), width: width / 4 }];
  if (c instanceof Uint8Array && width === 2) return [{ values: new Uint16Array(c.buffer, c.byteOffset, c.length / 2), width: 1 }];
  return [{ values: c as Uint8Array | Uint16Array | Uint32Array, width }];
}

// Hashes and checks below run column after column (four at once, see
// segments), a small function called once per column or quad (optimized
// after a few calls): a row's forty-odd values sit in as many arrays, and
// going through them row after row misses the cache on each.

// Steps is work done in steps: the generator yields between them (a few
// milliseconds each for a block of 250,000 flows), so that its caller can
// let the event loop run; drain runs all of them at once.
type Steps<T> = Generator<void, T>;

/** drain runs steps to their end and returns their result. */
export function drain<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

// STEP_WORDS is about how many words a step goes through; STEP_ROWS how many rows.
const STEP_WORDS = 8;
const STEP_ROWS = 65_536;

// Hashes and checks go through the columns of one word per row four at a
// time (a quad), and through a wider column's words at once: each row's
// hashes or group are then read and written once per quad rather than per
// word. Measured on blocks of 250,000 flows, the grouping took 52 to 54 ms
// against 68 to 87 one word at a time (realistic flows), 87 to 89 against
// 138 to 144 (worst case); eight at a time gained nothing more.

// segments splits `words` into quads (four one-word columns in a row) and
// single columns (the others, and one-word ones left over).
function segments(words: readonly Words[]): Words[][] {
  const out: Words[][] = [];
  for (let c = 0; c < words.length; ) {
    let k = 0;
    while (k < 4 && c + k < words.length && words[c + k]!.width === 1) k++;
    if (k === 4) {
      out.push(words.slice(c, c + 4));
      c += 4;
    } else {
      out.push([words[c]!]);
      c++;
    }
  }
  return out;
}

// wordCount is how many words per row a segment holds (steps count them).
function wordCount(segment: readonly Words[]): number {
  return segment.length === 4 ? 4 : segment[0]!.width;
}

// hashRows writes two independent hashes of rows 0 to n-1 into `a` and
// `b`: for each word in turn, FNV-1a's step on 32-bit words and a
// rotate-multiply one, then murmur3's finalizer.
function* hashRows(words: readonly Words[], n: number, a: Int32Array, b: Int32Array): Steps<void> {
  a.fill(0x2545f491, 0, n);
  b.fill(0x6a09e667, 0, n);
  let done = 0;
  for (const seg of segments(words)) {
    if (seg.length === 4) hashQuad(seg[0]!.values, seg[1]!.values, seg[2]!.values, seg[3]!.values, n, a, b);
    else hashWide(seg[0]!.values, seg[0]!.width, n, a, b);
    if ((done += wordCount(seg)) >= STEP_WORDS) {
      done = 0;
      yield;
    }
  }
  for (let i = 0; i < n; i++) {
    a[i] = mix(a[i]!);
    b[i] = mix(b[i]!);
  }
}

// hashQuad mixes the words of four one-word columns into both hashes (see hashRows).
function hashQuad(v0: Words['values'], v1: Words['values'], v2: Words['values'], v3: Words['values'], n: number, a: Int32Array, b: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const x0 = v0[i]!;
    const x1 = v1[i]!;
    const x2 = v2[i]!;
    const x3 = v3[i]!;
    a[i] = Math.imul(Math.imul(Math.imul(Math.imul(a[i]! ^ x0, 0x01000193) ^ x1, 0x01000193) ^ x2, 0x01000193) ^ x3, 0x01000193);
    let y = b[i]!;
    y = Math.imul(((y << 5) | (y >>> 27)) ^ x0, 0x9e3779b1);
    y = Math.imul(((y << 5) | (y >>> 27)) ^ x1, 0x9e3779b1);
    y = Math.imul(((y << 5) | (y >>> 27)) ^ x2, 0x9e3779b1);
    b[i] = Math.imul(((y << 5) | (y >>> 27)) ^ x3, 0x9e3779b1);
  }
}

// hashWide mixes the `width` words of each row of one column into both hashes (see hashRows).
function hashWide(v: Words['values'], width: number, n: number, a: Int32Array, b: Int32Array): void {
  for (let i = 0, at = 0; i < n; i++) {
    let x = a[i]!;
    let y = b[i]!;
    for (let e = 0; e < width; e++, at++) {
      const z = v[at]!;
      x = Math.imul(x ^ z, 0x01000193);
      y = Math.imul(((y << 5) | (y >>> 27)) ^ z, 0x9e3779b1);
    }
    a[i] = x;
    b[i] = y;
  }
}

/** Scratch is a buffer the checks below reuse (grown as needed). */
export interface Scratch {
  values: Uint32Array;
}

// room returns the scratch's buffer, of `size` values at least.
function room(scratch: Scratch, size: number): Uint32Array {
  if (scratch.values.length < size) scratch.values = new Uint32Array(Math.max(size, scratch.values.length * 2));
  return scratch.values;
}

// sameAs (exported for its tests) tells whether every row k below m
// equals, on every dimension, the first row of its group (group[k]; rep
// holds the first row of each of `count` groups).
export function sameAs(words: readonly Words[], m: number, group: Int32Array, rep: Int32Array, count: number, scratch: Scratch): boolean {
  return drain(sameAsSteps(words, m, group, rep, count, scratch));
}

// sameAsSteps is sameAs in steps. The groups' words are gathered first:
// rows then compare with a small array that stays in cache, not with rows
// spread over the whole block (a cache miss per row and column: two
// thirds of the grouping's time before).
function* sameAsSteps(words: readonly Words[], m: number, group: Int32Array, rep: Int32Array, count: number, scratch: Scratch): Steps<boolean> {
  let done = 0;
  for (const seg of segments(words)) {
    const w = seg[0]!;
    const s = room(scratch, wordCount(seg) * count);
    if (seg.length === 4) {
      for (let j = 0; j < 4; j++) gather(seg[j]!, s, rep, count, j * count);
      if (!sameQuad(w.values, seg[1]!.values, seg[2]!.values, seg[3]!.values, m, group, s, count)) return false;
    } else {
      gather(w, s, rep, count);
      if (!sameWide(w.values, w.width, m, group, s)) return false;
    }
    if ((done += wordCount(seg)) >= STEP_WORDS) {
      done = 0;
      yield;
    }
  }
  return true;
}

// sameQuad checks four one-word columns (see sameAs): the groups' words
// are in `s`, those of the first column first (`count` each).
function sameQuad(v0: Words['values'], v1: Words['values'], v2: Words['values'], v3: Words['values'], m: number, group: Int32Array, s: Uint32Array, count: number): boolean {
  const c2 = 2 * count;
  const c3 = 3 * count;
  for (let k = 0; k < m; k++) {
    const g = group[k]!;
    if (v0[k] !== s[g] || v1[k] !== s[count + g] || v2[k] !== s[c2 + g] || v3[k] !== s[c3 + g]) return false;
  }
  return true;
}

// sameWide checks the `width` words of one column (see sameAs): the
// groups' words are in `s`, row after row.
function sameWide(v: Words['values'], width: number, m: number, group: Int32Array, s: Uint32Array): boolean {
  for (let k = 0, at = 0; k < m; k++) {
    const g = group[k]! * width;
    for (let e = 0; e < width; e++, at++) if (v[at] !== s[g + e]) return false;
  }
  return true;
}

// mix finalizes a hash (murmur3's fmix32).
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Level is one rolled-up table the sink writes. */
export interface Level {
  table: string;
  intervalSeconds: number;
}

/**
 * BlockGroups groups the rows of a block of the sink by time bucket (the
 * finest rolled-up table's interval) and dimensions, for RunningRollups.
 * Its buffers are allocated once and grow with the largest block seen.
 */
export class BlockGroups {
  readonly intervalSeconds: number;
  // Plans of the rolled-up tables' columns, and their index in the plans given.
  readonly #rolledPlans: Plan[];
  readonly #rolledIndex: number[];
  // Index in the plans of the dimensions, TimeReceived, Bytes and Packets.
  readonly #dimensions: number[];
  readonly #time: number;
  readonly #bytes: number;
  readonly #packets: number;
  // The dimensions' words of the last block seen (blocks are reused, and grow).
  #wordsFor: Block | null = null;
  #wordsCapacity = 0;
  #words: Words[] = [];
  readonly #grouping = new Grouping();
  // Scratch: row hashes, counters as numbers, each row's group, the hash table.
  #rowHash = new Int32Array(0);
  #rowHash2 = new Int32Array(0);
  #rowBytes = new Float64Array(0);
  #rowPackets = new Float64Array(0);
  #rowGroup = new Int32Array(0);
  readonly #groupValues: Scratch = { values: new Uint32Array(0) };
  #slots = new Int32Array(0);

  constructor(schema: Schema, plans: readonly Plan[], intervalSeconds: number) {
    this.intervalSeconds = intervalSeconds;
    // Every rolled-up table has the same columns (tableColumns leaves main-only ones out whatever the interval).
    const names = new Set(tableColumns(schema, { intervalSeconds, ttlSeconds: 0 }).map((c) => c.name));
    this.#rolledIndex = plans.flatMap((p, k) => (names.has(p.name) ? [k] : []));
    this.#rolledPlans = this.#rolledIndex.map((k) => plans[k]!);
    const index = (name: string) => {
      const k = plans.findIndex((p) => p.name === name);
      if (k < 0) throw new Error(`standalone sink: rolled-up tables need the ${name} column`);
      return k;
    };
    this.#time = index('TimeReceived');
    this.#bytes = index('Bytes');
    this.#packets = index('Packets');
    this.#dimensions = this.#rolledIndex.filter((k) => k !== this.#time && k !== this.#bytes && k !== this.#packets);
  }

  /** group groups the rows of `block`; `grouping` then reads them. */
  group(block: Block): void {
    drain(this.groupSteps(block));
  }

  /** groupSteps is group() in steps (see drain). */
  *groupSteps(block: Block): Steps<void> {
    const n = block.rows;
    const words = this.#wordsOf(block);
    if (this.#rowHash.length < n) {
      const size = Math.min(block.max, Math.max(n, Math.ceil(this.#rowHash.length * 1.5)));
      this.#rowHash = new Int32Array(size);
      this.#rowHash2 = new Int32Array(size);
      this.#rowBytes = new Float64Array(size);
      this.#rowPackets = new Float64Array(size);
      this.#rowGroup = new Int32Array(size);
    }
    yield* hashRows(words, n, this.#rowHash, this.#rowHash2);
    // UInt64 counters are stored as two 32-bit halves, little-endian.
    const bytes = block.columns[this.#bytes] as Uint32Array;
    const packets = block.columns[this.#packets] as Uint32Array;
    for (let i = 0; i < n; i++) {
      this.#rowBytes[i] = bytes[2 * i]! + bytes[2 * i + 1]! * 4294967296;
      this.#rowPackets[i] = packets[2 * i]! + packets[2 * i + 1]! * 4294967296;
    }
    const time = block.columns[this.#time] as Uint32Array;
    // Rows equal on both hashes are checked equal on every dimension once
    // grouped; if two are not (a collision), they are grouped again
    // comparing each row with its group's.
    if (!(yield* this.#add(words, n, time, false))) drain(this.#add(words, n, time, true));
  }

  /** rolledPlans are the plans of the rolled-up tables' columns; rolledIndex their index in the plans given. */
  get rolledPlans(): readonly Plan[] {
    return this.#rolledPlans;
  }

  get rolledIndex(): readonly number[] {
    return this.#rolledIndex;
  }

  /** words are the dimensions' words of `block`, in the order of the rolled-up tables' columns. */
  words(block: Block): readonly Words[] {
    return this.#wordsOf(block);
  }

  /** sameDimensions tells whether rows `a` and `b` of `block` are equal on every dimension (their hashes aside). */
  sameDimensions(block: Block, a: number, b: number): boolean {
    const words = this.#wordsOf(block);
    return sameAcross(words, a, words, b);
  }

  /** grouping is the groups of the last block after `group()`. */
  get grouping(): Grouping {
    return this.#grouping;
  }

  // wordsOf returns the dimensions' words of `block`.
  #wordsOf(block: Block): Words[] {
    if (this.#wordsFor !== block || this.#wordsCapacity !== block.capacity) {
      this.#words = this.#dimensions.flatMap((k) => wordsOf(block.columns[k]!, block.capacity));
      this.#wordsFor = block;
      this.#wordsCapacity = block.capacity;
    }
    return this.#words;
  }

  // add groups rows 0 to m-1 by bucket and both hashes. With `exact`, a
  // row joins a group only once equal to its first row on every
  // dimension; otherwise all are checked at the end, column after column,
  // and add returns false if one differs.
  *#add(words: readonly Words[], m: number, time: Uint32Array, exact: boolean): Steps<boolean> {
    const out = this.#grouping;
    const hashes = this.#rowHash;
    const hashes2 = this.#rowHash2;
    const bytes = this.#rowBytes;
    const packets = this.#rowPackets;
    const interval = this.intervalSeconds;
    out.reserve(m);
    out.count = 0;
    let size = 1024;
    while (size < 2 * m) size *= 2;
    if (this.#slots.length < size) this.#slots = new Int32Array(size);
    const slots = this.#slots.subarray(0, size).fill(-1);
    const mask = size - 1;
    const rowGroup = this.#rowGroup;
    const { rep, hash, hash2, time: groupTime, bytes: groupBytes, packets: groupPackets } = out;
    for (let k = 0; k < m; k++) {
      if (k > 0 && k % STEP_ROWS === 0) yield;
      const t = time[k]!;
      const bucket = t - (t % interval);
      const h = hashes[k]!;
      const h2 = hashes2[k]!;
      let s = mix(h ^ Math.imul(bucket, 0x9e3779b1)) & mask;
      for (;;) {
        const g = slots[s]!;
        if (g < 0) {
          const n = out.count++;
          slots[s] = n;
          rep[n] = k;
          hash[n] = h;
          hash2[n] = h2;
          groupTime[n] = bucket;
          groupBytes[n] = bytes[k]!;
          groupPackets[n] = packets[k]!;
          rowGroup[k] = n;
          break;
        }
        if (hash[g] === h && hash2[g] === h2 && groupTime[g] === bucket && (!exact || sameAcross(words, rep[g]!, words, k))) {
          groupBytes[g]! += bytes[k]!;
          groupPackets[g]! += packets[k]!;
          rowGroup[k] = g;
          break;
        }
        s = (s + 1) & mask;
      }
    }
    if (exact) return true;
    return yield* sameAsSteps(words, m, rowGroup, rep, out.count, this.#groupValues);
  }
}

// gather copies, for each r below count, the words of row rep[r] of `from` to row at+r of `to`.
function gather(from: Words, to: Words['values'], rep: Int32Array, count: number, at = 0): void {
  const v = from.values;
  const w = from.width;
  if (w === 1) {
    for (let r = 0; r < count; r++) to[at + r] = v[rep[r]!]!;
    return;
  }
  for (let r = 0; r < count; r++) {
    const src = rep[r]! * w;
    const dst = (at + r) * w;
    for (let e = 0; e < w; e++) to[dst + e] = v[src + e]!;
  }
}

/**
 * RunningRollups adds up the flows of successive blocks for the rolled-up
 * tables before writing them, once a minute (the finest interval) rather
 * than once a block: the blocks of a minute repeat most groups (in the
 * benchmark's traffic, 5.7 million flows of a minute made 1.8 million
 * per-block groups, but 117,000 distinct ones), and each row written
 * into a SummingMergeTree table is sorted on every dimension at the insert
 * and again at each merge.
 *
 * Each block is grouped at the finest interval (hashes of its rows, see
 * BlockGroups); each group is then looked up in a running table of groups
 * (same hashes, bucket and dimensions: a new one gets a copy of its
 * row's columns) and its counters added. `flush()` puts the groups of
 * the buckets over first (or all of them); `build()` makes the block of
 * each table from these rows, their time rounded down to the table's
 * interval (a multiple of the finest one). The coarser tables are not
 * added up again first: the groups of one minute are as many at five
 * minutes or an hour, and adding them up again took the main thread about
 * a second a minute under load; the tables' merges add up the rows of
 * successive minutes.
 */
export class RunningRollups {
  readonly levels: readonly Level[];
  // Groups each block at the finest interval.
  readonly #blocks: BlockGroups;
  readonly #rolledIndex: readonly number[];
  readonly #plans: readonly Plan[];
  readonly #time: number;
  readonly #bytes: number;
  readonly #packets: number;
  // The running table: a row per group, the group's hashes, bucket and counters.
  readonly #table: Block;
  #count = 0;
  #hash = new Int32Array(0);
  #hash2 = new Int32Array(0);
  #bucket = new Uint32Array(0);
  #sumBytes = new Float64Array(0);
  #sumPackets = new Float64Array(0);
  #slots = new Int32Array(0);
  // Rows of the block added whose group is new; the group of the table each group of the block adds to (-1: new).
  #newRows = new Int32Array(0);
  #target = new Int32Array(0);
  // Groups written out by flush(), first in the table; the order and scratch that put them first.
  #flushed = 0;
  #order = new Int32Array(0);
  #scratch = new Float64Array(0);

  /** `max` bounds the groups of the running table (the caller flushes it once full). */
  constructor(schema: Schema, plans: readonly Plan[], intervals: readonly number[], max: number) {
    const sorted = [...new Set(intervals.filter((s) => s > 0))].sort((a, b) => a - b);
    const finest = sorted[0];
    const uneven = sorted.find((s) => s % finest! !== 0);
    if (uneven !== undefined) throw new Error(`clickhouse.resolutions: standalone needs the intervals of the rolled-up tables to be multiples of the finest one (${finest} s), not ${uneven} s`);
    this.#blocks = new BlockGroups(schema, plans, finest ?? 60);
    this.#rolledIndex = this.#blocks.rolledIndex;
    const rolled = this.#blocks.rolledPlans;
    this.#plans = rolled;
    this.levels = sorted.map((s) => ({ table: tableName(s), intervalSeconds: s }));
    const index = (name: string) => rolled.findIndex((p) => p.name === name);
    this.#time = index('TimeReceived');
    this.#bytes = index('Bytes');
    this.#packets = index('Packets');
    this.#table = new Block(rolled, Math.max(1, max), Math.min(Math.max(1, max), 4096));
  }

  /** groups is how many groups the running table holds. */
  get groups(): number {
    return this.#count;
  }

  /** room is how many more groups fit. */
  get room(): number {
    return this.#table.max - this.#count;
  }

  /**
   * add adds up the rows of `block` into the running table; it takes as
   * many groups as `room` at most (the block's rows when false: flush, then add again).
   */
  add(block: Block): boolean {
    return drain(this.addSteps(block));
  }

  /** addSteps is add() in steps (see drain): the block and the running table must not change meanwhile. */
  *addSteps(block: Block): Steps<boolean> {
    if (this.levels.length === 0 || block.rows === 0) return true;
    yield* this.#blocks.groupSteps(block);
    const g = this.#blocks.grouping;
    if (g.count > this.room) return false;
    const table = this.#table;
    if (this.#count + g.count > table.capacity) table.reserve(this.#plans, this.#count + g.count);
    this.#reserve(this.#count + g.count);
    const from = this.#blocks.words(block);
    // The table's dimensions, in the same order (its arrays change as it grows).
    const to = this.#plans.flatMap((_, j) => (j === this.#time || j === this.#bytes || j === this.#packets ? [] : wordsOf(table.columns[j]!, table.capacity)));
    // Each group's match in the table: by hashes and bucket, all checked
    // equal on every dimension afterwards, column after column (row after
    // row, each check missed the cache on each of forty-odd columns);
    // on a mismatch (a collision of both hashes), found again comparing rows.
    if (this.#target.length < g.count) this.#target = new Int32Array(Math.max(g.count, this.#target.length * 2));
    const target = this.#target;
    this.#find(g, from, to, false);
    yield;
    if (!(yield* sameTargetsSteps(from, to, g.rep, target, g.count))) this.#find(g, from, to, true);
    const slots = this.#slots;
    const { hash, hash2, bucket, sumBytes, sumPackets } = this.#arrays();
    const first = this.#count;
    let count = first;
    for (let k = 0; k < g.count; k++) {
      const at = target[k]!;
      if (at >= 0) {
        sumBytes[at]! += g.bytes[k]!;
        sumPackets[at]! += g.packets[k]!;
        continue;
      }
      const h = g.hash[k]!;
      const t = g.time[k]!;
      place(slots, count, h, t);
      hash[count] = h;
      hash2[count] = g.hash2[k]!;
      bucket[count] = t;
      sumBytes[count] = g.bytes[k]!;
      sumPackets[count] = g.packets[k]!;
      this.#newRows[count - first] = g.rep[k]!;
      count++;
    }
    // The new groups' columns, column after column.
    for (let j = 0; j < this.#rolledIndex.length; j++) {
      const src = wordsOf(block.columns[this.#rolledIndex[j]!]!, block.capacity);
      const dst = wordsOf(table.columns[j]!, table.capacity);
      src.forEach((w, m) => gather(w, dst[m]!.values, this.#newRows, count - first, first));
      if ((j + 1) % STEP_WORDS === 0) yield;
    }
    this.#count = count;
    table.rows = count;
    return true;
  }

  // find sets the group of the table each group of `g` adds to (-1: none
  // yet), by hashes and bucket, and with `exact` by every dimension too.
  #find(g: Grouping, from: readonly Words[], to: readonly Words[], exact: boolean): void {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const { hash, hash2, bucket } = this.#arrays();
    const target = this.#target;
    for (let k = 0; k < g.count; k++) {
      const h = g.hash[k]!;
      const h2 = g.hash2[k]!;
      const t = g.time[k]!;
      let s = mix(h ^ Math.imul(t, 0x9e3779b1)) & mask;
      let found = -1;
      for (;;) {
        const at = slots[s]!;
        if (at < 0) break;
        if (hash[at] === h && hash2[at] === h2 && bucket[at] === t && (!exact || sameAcross(from, g.rep[k]!, to, at))) {
          found = at;
          break;
        }
        s = (s + 1) & mask;
      }
      target[k] = found;
    }
  }

  /**
   * flush readies the groups of the buckets starting before `before`
   * (seconds; all by default) for `build()`, and returns how many:
   * `clear()` then removes them, the later ones stay. Written once their
   * minute is over, each group goes out once, whereas the minute's end
   * cuts the groups of the next minute's first seconds in two otherwise.
   */
  flush(before = Infinity): number {
    const table = this.#table;
    const n = this.#count;
    let f = 0;
    for (let r = 0; r < n; r++) if (this.#bucket[r]! < before) f++;
    if (f > 0 && f < n) this.#earlierFirst(before, f);
    this.#flushed = f;
    table.rows = f;
    const bytes = table.columns[this.#bytes] as Uint32Array;
    const packets = table.columns[this.#packets] as Uint32Array;
    for (let r = 0; r < f; r++) {
      bytes[2 * r] = this.#sumBytes[r]! % 4294967296;
      bytes[2 * r + 1] = this.#sumBytes[r]! / 4294967296;
      packets[2 * r] = this.#sumPackets[r]! % 4294967296;
      packets[2 * r + 1] = this.#sumPackets[r]! / 4294967296;
    }
    return f;
  }

  /**
   * build makes the Native block of level `i` (after `flush()`): the
   * running table's rows, their time rounded down to the level's interval.
   * The block reads the running table: it is encoded before the next build.
   */
  build(i: number, strings: StringTable): { block: NativeBlock; columns: string[] } {
    const interval = this.levels[i]!.intervalSeconds;
    const time = this.#table.columns[this.#time] as Uint32Array;
    for (let r = 0; r < this.#flushed; r++) time[r] = this.#bucket[r]! - (this.#bucket[r]! % interval);
    return buildBlock(this.#plans, this.#table, strings);
  }

  /** reset empties the running table, whatever it holds (its memory is kept). */
  reset(): void {
    this.#flushed = this.#count;
    this.clear();
  }

  /** clear removes the groups flush() readied (the running table's memory is kept). */
  clear(): void {
    const f = this.#flushed;
    const n = this.#count;
    const table = this.#table;
    this.#flushed = 0;
    this.#count = n - f;
    table.rows = this.#count;
    if (f === 0) return;
    // The later groups move to the front, and into the hash table again.
    if (this.#count > 0) {
      for (const c of table.columns) for (const w of wordsOf(c, table.capacity)) w.values.copyWithin(0, f * w.width, n * w.width);
      for (const a of Object.values(this.#arrays())) a.copyWithin(0, f, n);
    }
    this.#slots.fill(-1);
    for (let at = 0; at < this.#count; at++) place(this.#slots, at, this.#hash[at]!, this.#bucket[at]!);
  }

  // earlierFirst reorders the groups (rows of the table, hashes, buckets,
  // sums) so that the `f` of buckets before `before` come first, each part
  // in its order.
  #earlierFirst(before: number, f: number): void {
    const n = this.#count;
    if (this.#order.length < n) this.#order = new Int32Array(this.#hash.length);
    const order = this.#order;
    for (let r = 0, early = 0, late = f; r < n; r++) order[this.#bucket[r]! < before ? early++ : late++] = r;
    const table = this.#table;
    const words = table.columns.flatMap((c) => wordsOf(c, table.capacity));
    const arrays = Object.values(this.#arrays()).map((values) => ({ values, width: 1 }));
    for (const { values, width } of [...words, ...arrays]) {
      if (this.#scratch.length < n * width) this.#scratch = new Float64Array(n * width);
      const scratch = this.#scratch;
      for (let k = 0; k < n; k++) for (let e = 0; e < width; e++) scratch[k * width + e] = values[order[k]! * width + e]!;
      for (let k = 0; k < n * width; k++) values[k] = scratch[k]!;
    }
  }

  // arrays returns the per-group arrays (after #reserve).
  #arrays() {
    return { hash: this.#hash, hash2: this.#hash2, bucket: this.#bucket, sumBytes: this.#sumBytes, sumPackets: this.#sumPackets };
  }

  // reserve makes room for `n` groups, and a hash table at most half full.
  #reserve(n: number): void {
    if (this.#hash.length < n) {
      const size = Math.min(this.#table.max, Math.max(n, Math.ceil(this.#hash.length * 1.5)));
      const grow = <T extends Int32Array | Uint32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(size);
        b.set(a.subarray(0, this.#count) as never);
        return b;
      };
      this.#hash = grow(this.#hash, (k) => new Int32Array(k));
      this.#hash2 = grow(this.#hash2, (k) => new Int32Array(k));
      this.#bucket = grow(this.#bucket, (k) => new Uint32Array(k));
      this.#sumBytes = grow(this.#sumBytes, (k) => new Float64Array(k));
      this.#sumPackets = grow(this.#sumPackets, (k) => new Float64Array(k));
      this.#newRows = new Int32Array(size);
    }
    let size = 1024;
    while (size < 2 * n) size *= 2;
    if (this.#slots.length >= size) return;
    // A larger hash table: the groups held go in again.
    const slots = new Int32Array(size).fill(-1);
    for (let at = 0; at < this.#count; at++) place(slots, at, this.#hash[at]!, this.#bucket[at]!);
    this.#slots = slots;
  }
}

// place puts group `at` into the first free slot (-1) of its probe
// sequence in `slots` (a power of two of them), by its hash and bucket.
function place(slots: Int32Array, at: number, hash: number, bucket: number): void {
  const mask = slots.length - 1;
  let s = mix(hash ^ Math.imul(bucket, 0x9e3779b1)) & mask;
  while (slots[s]! >= 0) s = (s + 1) & mask;
  slots[s] = at;
}

// sameAcross tells whether row `a` of one block and row `b` of another are
// equal on every dimension (`x` and `y`: their words, in the same order).
function sameAcross(x: readonly Words[], a: number, y: readonly Words[], b: number): boolean {
  for (let c = 0; c < x.length; c++) {
    const { values: u, width } = x[c]!;
    const v = y[c]!.values;
    for (let e = 0; e < width; e++) if (u[a * width + e] !== v[b * width + e]) return false;
  }
  return true;
}

// sameTargets (exported for its tests) tells whether each row rep[k] of
// one block equals row target[k] of another on every dimension (`x` and `y`: their words, in
// the same order), k below n, target[k] -1 standing for no row.
export function sameTargets(x: readonly Words[], y: readonly Words[], rep: Int32Array, target: Int32Array, n: number): boolean {
  return drain(sameTargetsSteps(x, y, rep, target, n));
}

// sameTargetsSteps is sameTargets in steps.
function* sameTargetsSteps(x: readonly Words[], y: readonly Words[], rep: Int32Array, target: Int32Array, n: number): Steps<boolean> {
  for (let c = 0; c < x.length; c++) {
    const { values: u, width } = x[c]!;
    const v = y[c]!.values;
    for (let e = 0; e < width; e++) if (!sameTargetColumn(u, v, width, e, rep, target, n)) return false;
    if ((c + 1) % STEP_WORDS === 0) yield;
  }
  return true;
}

// sameTargetColumn checks word `e` of one column (see sameTargets).
function sameTargetColumn(u: Words['values'], v: Words['values'], width: number, e: number, rep: Int32Array, target: Int32Array, n: number): boolean {
  for (let k = 0; k < n; k++) {
    const at = target[k]!;
    if (at >= 0 && u[rep[k]! * width + e] !== v[at * width + e]) return false;
  }
  return true;
}
