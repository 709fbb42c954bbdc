// SPDX-License-Identifier: AGPL-3.0-only
// The rolled-up tables of standalone, written by the sink: the rows of each
// block it inserts into flows are added up by time bucket and dimensions
// (every column of the rolled-up table but TimeReceived, Bytes and Packets),
// then inserted into flows_1m0s, flows_5m0s, ... The materialized views of
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

// Hashes and checks below run column after column, a small function
// called once per column (optimized after a few calls): a row's forty-odd
// values sit in as many arrays, and going through them row after row
// misses the cache on each.

// hashRows writes two independent hashes of rows 0 to n-1 into `a` and `b`.
function hashRows(words: readonly Words[], n: number, a: Int32Array, b: Int32Array): void {
  a.fill(0x2545f491, 0, n);
  b.fill(0x6a09e667, 0, n);
  for (const w of words) for (let e = 0; e < w.width; e++) hashColumn(w.values, w.width, e, n, a, b);
  for (let i = 0; i < n; i++) {
    a[i] = mix(a[i]!);
    b[i] = mix(b[i]!);
  }
}

// hashColumn mixes word `e` of each row into both hashes: FNV-1a's step on
// 32-bit words, and a rotate-multiply one.
function hashColumn(v: Words['values'], width: number, e: number, n: number, a: Int32Array, b: Int32Array): void {
  for (let i = 0, at = e; i < n; i++, at += width) {
    const x = v[at]!;
    a[i] = Math.imul(a[i]! ^ x, 0x01000193);
    const y = b[i]!;
    b[i] = Math.imul(((y << 5) | (y >>> 27)) ^ x, 0x9e3779b1);
  }
}

// sameAs (exported for its tests) tells whether every row rows[k] (k
// below m; row k without `rows`) equals, on every dimension, the first row
// of its group (group[k]; rep holds the first row of each of `count`
// groups); `scratch` has room for `count` values.
export function sameAs(words: readonly Words[], m: number, rows: Int32Array | null, group: Int32Array, rep: Int32Array, count: number, scratch: Uint32Array): boolean {
  for (const w of words) for (let e = 0; e < w.width; e++) if (!sameColumn(w.values, w.width, e, m, rows, group, rep, count, scratch)) return false;
  return true;
}

// sameColumn checks word `e` of one column (see sameAs). The groups'
// values are gathered first: rows then compare with a small array that
// stays in cache, not with rows spread over the whole block (a cache miss
// per row and column: two thirds of the grouping's time before).
function sameColumn(v: Words['values'], width: number, e: number, m: number, rows: Int32Array | null, group: Int32Array, rep: Int32Array, count: number, scratch: Uint32Array): boolean {
  for (let g = 0; g < count; g++) scratch[g] = v[rep[g]! * width + e]!;
  if (rows === null) {
    for (let k = 0, at = e; k < m; k++, at += width) if (v[at] !== scratch[group[k]!]) return false;
    return true;
  }
  for (let k = 0; k < m; k++) if (v[rows[k]! * width + e] !== scratch[group[k]!]) return false;
  return true;
}

// sameRows tells whether rows a and b are equal on every dimension.
function sameRows(words: readonly Words[], a: number, b: number): boolean {
  for (const { values, width } of words) for (let e = 0; e < width; e++) if (values[a * width + e] !== values[b * width + e]) return false;
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

// Input is what a level adds up: the rows of a block, or the groups of a
// finer level (input k is row rows[k], its hashes, time and counters).
interface Input {
  m: number;
  rows: Int32Array;
  hash: Int32Array;
  hash2: Int32Array;
  time: Uint32Array;
  bytes: Float64Array;
  packets: Float64Array;
}

/** Level is one rolled-up table the sink writes. */
export interface Level {
  table: string;
  intervalSeconds: number;
  /** from is the index of the finer level this one adds up (its interval divides this one's), or -1 for the rows. */
  from: number;
}

/**
 * Rollups adds up the rows of the sink's blocks for each rolled-up table
 * and builds their Native blocks. Its buffers are allocated once and grow
 * with the largest block seen.
 */
export class Rollups {
  readonly levels: readonly Level[];
  // Plans of the rolled-up tables' columns, and their index in #plans.
  readonly #rolledPlans: Plan[];
  readonly #rolledIndex: number[];
  // Index in #plans of the dimensions, TimeReceived, Bytes and Packets.
  readonly #dimensions: number[];
  readonly #time: number;
  readonly #bytes: number;
  readonly #packets: number;
  // The dimensions' words of the last block seen (blocks are reused).
  #wordsFor: Block | null = null;
  #words: Words[] = [];
  readonly #groupings: Grouping[];
  #outputs: Block[] = [];
  // Scratch: row hashes, counters as numbers, the identity, each input's group's row, the hash table.
  #rowHash = new Int32Array(0);
  #rowHash2 = new Int32Array(0);
  #rowBytes = new Float64Array(0);
  #rowPackets = new Float64Array(0);
  #identity = new Int32Array(0);
  #inputGroup = new Int32Array(0);
  #groupValues = new Uint32Array(0);
  #slots = new Int32Array(0);

  constructor(schema: Schema, plans: readonly Plan[], intervals: readonly number[]) {
    const sorted = [...new Set(intervals.filter((s) => s > 0))].sort((a, b) => a - b);
    this.levels = sorted.map((s, i) => {
      let from = -1;
      for (let j = i - 1; j >= 0 && from < 0; j--) if (s % sorted[j]! === 0) from = j;
      return { table: tableName(s), intervalSeconds: s, from };
    });
    // Every rolled-up table has the same columns (tableColumns leaves main-only ones out whatever the interval).
    const names = new Set(tableColumns(schema, { intervalSeconds: sorted[0] ?? 60, ttlSeconds: 0 }).map((c) => c.name));
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
    this.#groupings = this.levels.map(() => new Grouping());
  }

  /** group adds up the rows of `block` for every level; `grouping(i)` then reads them. */
  group(block: Block): void {
    const n = block.rows;
    if (this.levels.length === 0) return;
    const words = this.#wordsOf(block);
    if (this.#rowHash.length < n) {
      this.#rowHash = new Int32Array(block.capacity);
      this.#rowHash2 = new Int32Array(block.capacity);
      this.#rowBytes = new Float64Array(block.capacity);
      this.#rowPackets = new Float64Array(block.capacity);
      this.#identity = Int32Array.from({ length: block.capacity }, (_, i) => i);
    }
    hashRows(words, n, this.#rowHash, this.#rowHash2);
    // UInt64 counters are stored as two 32-bit halves, little-endian.
    const bytes = block.columns[this.#bytes] as Uint32Array;
    const packets = block.columns[this.#packets] as Uint32Array;
    for (let i = 0; i < n; i++) {
      this.#rowBytes[i] = bytes[2 * i]! + bytes[2 * i + 1]! * 4294967296;
      this.#rowPackets[i] = packets[2 * i]! + packets[2 * i + 1]! * 4294967296;
    }
    const rows: Input = { m: n, rows: this.#identity, hash: this.#rowHash, hash2: this.#rowHash2, time: block.columns[this.#time] as Uint32Array, bytes: this.#rowBytes, packets: this.#rowPackets };
    this.levels.forEach((level, i) => {
      const g = level.from < 0 ? null : this.#groupings[level.from]!;
      const input: Input = g === null ? rows : { m: g.count, rows: g.rep, hash: g.hash, hash2: g.hash2, time: g.time, bytes: g.bytes, packets: g.packets };
      // Inputs equal on both hashes are checked equal on every dimension
      // once grouped; if two are not (a collision), they are grouped again
      // comparing each input with its group's.
      const out = this.#groupings[i]!;
      if (!this.#add(words, input, level.intervalSeconds, out, false)) this.#add(words, input, level.intervalSeconds, out, true);
    });
  }

  /** sameDimensions tells whether rows `a` and `b` of `block` are equal on every dimension (their hashes aside). */
  sameDimensions(block: Block, a: number, b: number): boolean {
    return sameRows(this.#wordsOf(block), a, b);
  }

  /** grouping is the groups of level `i` after `group()`. */
  grouping(i: number): Grouping {
    return this.#groupings[i]!;
  }

  /** build makes the Native block of level `i` from the groups of `block` (after `group(block)`). */
  build(i: number, block: Block, strings: StringTable): { block: NativeBlock; columns: string[] } {
    const g = this.#groupings[i]!;
    let out = this.#outputs[i];
    if (out === undefined || out.capacity < g.count) {
      out = new Block(this.#rolledPlans, Math.max(g.count, 1024, (out?.capacity ?? 0) * 2));
      this.#outputs[i] = out;
    }
    out.rows = g.count;
    this.#rolledIndex.forEach((k, j) => {
      const dst = out.columns[j]!;
      if (k === this.#time) {
        (dst as Uint32Array).set(g.time.subarray(0, g.count));
      } else if (k === this.#bytes || k === this.#packets) {
        const sums = k === this.#bytes ? g.bytes : g.packets;
        const o = dst as Uint32Array;
        for (let r = 0; r < g.count; r++) {
          o[2 * r] = sums[r]! % 4294967296;
          o[2 * r + 1] = sums[r]! / 4294967296;
        }
      } else {
        const from = wordsOf(block.columns[k]!, block.capacity);
        const to = wordsOf(dst, out.capacity);
        from.forEach((w, m) => gather(w, to[m]!.values, g.rep, g.count));
      }
    });
    return buildBlock(this.#rolledPlans, out, strings);
  }

  // wordsOf returns the dimensions' words of `block`.
  #wordsOf(block: Block): Words[] {
    if (this.#wordsFor !== block) {
      this.#words = this.#dimensions.flatMap((k) => wordsOf(block.columns[k]!, block.capacity));
      this.#wordsFor = block;
    }
    return this.#words;
  }

  // add groups the inputs by bucket and both hashes into `out`. With
  // `exact`, an input joins a group only once equal to its row on every
  // dimension; otherwise all are checked at the end, column after column,
  // and add returns false if one differs.
  #add(words: readonly Words[], input: Input, interval: number, out: Grouping, exact: boolean): boolean {
    const { m, rows, hash: hashes, hash2: hashes2, time, bytes, packets } = input;
    out.reserve(m);
    out.count = 0;
    if (this.#inputGroup.length < m) this.#inputGroup = new Int32Array(Math.max(m, this.#inputGroup.length * 2));
    let size = 1024;
    while (size < 2 * m) size *= 2;
    if (this.#slots.length < size) this.#slots = new Int32Array(size);
    const slots = this.#slots.subarray(0, size).fill(-1);
    const mask = size - 1;
    const inputGroup = this.#inputGroup;
    const { rep, hash, hash2, time: groupTime, bytes: groupBytes, packets: groupPackets } = out;
    for (let k = 0; k < m; k++) {
      const t = time[k]!;
      const bucket = t - (t % interval);
      const h = hashes[k]!;
      const h2 = hashes2[k]!;
      const row = rows[k]!;
      let s = mix(h ^ Math.imul(bucket, 0x9e3779b1)) & mask;
      for (;;) {
        const g = slots[s]!;
        if (g < 0) {
          const n = out.count++;
          slots[s] = n;
          rep[n] = row;
          hash[n] = h;
          hash2[n] = h2;
          groupTime[n] = bucket;
          groupBytes[n] = bytes[k]!;
          groupPackets[n] = packets[k]!;
          inputGroup[k] = n;
          break;
        }
        if (hash[g] === h && hash2[g] === h2 && groupTime[g] === bucket && (!exact || sameRows(words, rep[g]!, row))) {
          groupBytes[g]! += bytes[k]!;
          groupPackets[g]! += packets[k]!;
          inputGroup[k] = g;
          break;
        }
        s = (s + 1) & mask;
      }
    }
    if (exact) return true;
    if (this.#groupValues.length < out.count) this.#groupValues = new Uint32Array(Math.max(out.count, this.#groupValues.length * 2));
    return sameAs(words, m, rows === this.#identity ? null : rows, inputGroup, rep, out.count, this.#groupValues);
  }
}

// gather copies, for each group r, the words of row rep[r] of `from` to row r of `to`.
function gather(from: Words, to: Words['values'], rep: Int32Array, count: number): void {
  const v = from.values;
  const w = from.width;
  if (w === 1) {
    for (let r = 0; r < count; r++) to[r] = v[rep[r]!]!;
    return;
  }
  for (let r = 0; r < count; r++) {
    const src = rep[r]! * w;
    for (let e = 0; e < w; e++) to[r * w + e] = v[src + e]!;
  }
}
