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
  rep: Int32Array;
  /** hash is the hash of the dimensions of each group (time left out). */
  hash: Int32Array;
  /** time is the start of each group's bucket. */
  time: Uint32Array;
  bytes: Float64Array;
  packets: Float64Array;

  constructor(capacity: number) {
    this.rep = new Int32Array(capacity);
    this.hash = new Int32Array(capacity);
    this.time = new Uint32Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.packets = new Float64Array(capacity);
  }

  /** reserve makes room for `n` groups (content lost). */
  reserve(n: number): void {
    if (this.rep.length >= n) return;
    const capacity = Math.max(n, this.rep.length * 2);
    this.rep = new Int32Array(capacity);
    this.hash = new Int32Array(capacity);
    this.time = new Uint32Array(capacity);
    this.bytes = new Float64Array(capacity);
    this.packets = new Float64Array(capacity);
  }
}

// Words are a column seen as `width` integers per row (32 bits at most).
type Words = { values: Uint8Array | Uint16Array | Uint32Array; width: number };

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

// Compiled is the generated comparison of two rows over the dimension columns of a block.
interface Compiled {
  /** same tells whether two rows are equal on every dimension. */
  same: (a: number, b: number) => boolean;
  /** words are the dimension columns' words, in order. */
  words: Words[];
}

// compile generates the comparison of `words` (the dimension columns'
// words, in order): straight-line code with each column a local.
function compile(words: readonly Words[]): (...columns: Words['values'][]) => (a: number, b: number) => boolean {
  const names = words.map((_, k) => `c${k}`);
  const terms: string[] = [];
  words.forEach((w, k) => {
    for (let e = 0; e < w.width; e++) {
      const at = (row: string) => (w.width === 1 ? `${row}` : `${row} * ${w.width} + ${e}`);
      terms.push(`c${k}[${at('a')}] === c${k}[${at('b')}]`);
    }
  });
  return new Function(...names, `return (a, b) => ${terms.length === 0 ? 'true' : terms.join(' && ')};`) as (
    ...columns: Words['values'][]
  ) => (a: number, b: number) => boolean;
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

// sameAs tells whether every row i below n equals row `of[i]` on every dimension.
function sameAs(words: readonly Words[], n: number, of: Int32Array): boolean {
  for (const w of words) for (let e = 0; e < w.width; e++) if (!sameColumn(w.values, w.width, e, n, of)) return false;
  return true;
}

// sameColumn tells whether word `e` of every row i below n equals that of row `of[i]`.
function sameColumn(v: Words['values'], width: number, e: number, n: number, of: Int32Array): boolean {
  for (let i = 0, at = e; i < n; i++, at += width) if (v[at] !== v[of[i]! * width + e]) return false;
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
  #factory: ((...columns: Words['values'][]) => (a: number, b: number) => boolean) | null = null;
  // The compiled functions of the last block seen (blocks are reused).
  #compiledFor: Block | null = null;
  #compiled: Compiled | null = null;
  readonly #groupings: Grouping[];
  #outputs: Block[] = [];
  // Scratch: row hashes, each row's group's row, counters as numbers, the identity, the hash table.
  #rowHash = new Int32Array(0);
  #rowHash2 = new Int32Array(0);
  #rowRep = new Int32Array(0);
  #rowBytes = new Float64Array(0);
  #rowPackets = new Float64Array(0);
  #identity = new Int32Array(0);
  #slots = new Int32Array(0);
  // The second hash of each group (addRows).
  #groupHash2 = new Int32Array(0);

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
    this.#groupings = this.levels.map(() => new Grouping(0));
  }

  /** group adds up the rows of `block` for every level; `grouping(i)` then reads them. */
  group(block: Block): void {
    const n = block.rows;
    if (this.levels.length === 0) return;
    const compiled = this.#compile(block);
    if (this.#rowHash.length < n) {
      this.#rowHash = new Int32Array(block.capacity);
      this.#rowHash2 = new Int32Array(block.capacity);
      this.#rowRep = new Int32Array(block.capacity);
      this.#rowBytes = new Float64Array(block.capacity);
      this.#rowPackets = new Float64Array(block.capacity);
      this.#identity = Int32Array.from({ length: block.capacity }, (_, i) => i);
    }
    hashRows(compiled.words, n, this.#rowHash, this.#rowHash2);
    // UInt64 counters are stored as two 32-bit halves, little-endian.
    const bytes = block.columns[this.#bytes] as Uint32Array;
    const packets = block.columns[this.#packets] as Uint32Array;
    for (let i = 0; i < n; i++) {
      this.#rowBytes[i] = bytes[2 * i]! + bytes[2 * i + 1]! * 4294967296;
      this.#rowPackets[i] = packets[2 * i]! + packets[2 * i + 1]! * 4294967296;
    }
    const time = block.columns[this.#time] as Uint32Array;
    this.levels.forEach((level, i) => {
      const out = this.#groupings[i]!;
      if (level.from < 0) {
        // Rows equal on both hashes are checked equal on every dimension
        // once grouped; if two are not (a collision), group them again
        // comparing each row with its group's.
        if (!this.#addRows(compiled, n, time, level.intervalSeconds, out)) {
          this.#add(compiled, n, this.#identity, this.#rowHash, time, this.#rowBytes, this.#rowPackets, level.intervalSeconds, out);
        }
      } else {
        const g = this.#groupings[level.from]!;
        this.#add(compiled, g.count, g.rep, g.hash, g.time, g.bytes, g.packets, level.intervalSeconds, out);
      }
    });
  }

  /** sameDimensions tells whether rows `a` and `b` of `block` are equal on every dimension (their hashes aside). */
  sameDimensions(block: Block, a: number, b: number): boolean {
    return this.#compile(block).same(a, b);
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

  // compile returns the generated functions over `block`'s columns.
  #compile(block: Block): Compiled {
    if (this.#compiledFor === block && this.#compiled !== null) return this.#compiled;
    const words = this.#dimensions.flatMap((k) => wordsOf(block.columns[k]!, block.capacity));
    this.#factory ??= compile(words);
    this.#compiled = { same: this.#factory(...words.map((w) => w.values)), words };
    this.#compiledFor = block;
    return this.#compiled;
  }

  // addRows groups the `n` rows of a block by bucket and both row hashes;
  // false when rows of a group are not equal on every dimension.
  #addRows(compiled: Compiled, n: number, time: Uint32Array, interval: number, out: Grouping): boolean {
    const slots = this.#table(n, out);
    const mask = slots.length - 1;
    const { rep, hash, time: groupTime, bytes: groupBytes, packets: groupPackets } = out;
    const hash2 = this.#groupHash2;
    const a = this.#rowHash;
    const b = this.#rowHash2;
    const rowRep = this.#rowRep;
    const bytes = this.#rowBytes;
    const packets = this.#rowPackets;
    for (let i = 0; i < n; i++) {
      const t = time[i]!;
      const bucket = t - (t % interval);
      const h = a[i]!;
      const h2 = b[i]!;
      let s = mix(h ^ Math.imul(bucket, 0x9e3779b1)) & mask;
      for (;;) {
        const g = slots[s]!;
        if (g < 0) {
          const k = out.count++;
          slots[s] = k;
          rep[k] = i;
          hash[k] = h;
          hash2[k] = h2;
          groupTime[k] = bucket;
          groupBytes[k] = bytes[i]!;
          groupPackets[k] = packets[i]!;
          rowRep[i] = i;
          break;
        }
        if (hash[g] === h && hash2[g] === h2 && groupTime[g] === bucket) {
          groupBytes[g]! += bytes[i]!;
          groupPackets[g]! += packets[i]!;
          rowRep[i] = rep[g]!;
          break;
        }
        s = (s + 1) & mask;
      }
    }
    return sameAs(compiled.words, n, rowRep);
  }

  // table empties the grouping `out` and returns an empty hash table for `m` inputs.
  #table(m: number, out: Grouping): Int32Array {
    out.reserve(m);
    out.count = 0;
    if (this.#groupHash2.length < out.rep.length) this.#groupHash2 = new Int32Array(out.rep.length);
    let size = 1024;
    while (size < 2 * m) size *= 2;
    if (this.#slots.length < size) this.#slots = new Int32Array(size);
    return this.#slots.subarray(0, size).fill(-1);
  }

  // add groups `m` inputs (rows or finer groups): input k is row `rows[k]`
  // with dimension hash `hashes[k]`, at `time[k]`, with its counters.
  #add(
    compiled: Compiled,
    m: number,
    rows: Int32Array,
    hashes: Int32Array,
    time: Uint32Array,
    bytes: Float64Array,
    packets: Float64Array,
    interval: number,
    out: Grouping,
  ): void {
    const slots = this.#table(m, out);
    const mask = slots.length - 1;
    const same = compiled.same;
    const { rep, hash, time: groupTime, bytes: groupBytes, packets: groupPackets } = out;
    for (let k = 0; k < m; k++) {
      const t = time[k]!;
      const bucket = t - (t % interval);
      const h = hashes[k]!;
      const row = rows[k]!;
      let s = mix(h ^ Math.imul(bucket, 0x9e3779b1)) & mask;
      for (;;) {
        const g = slots[s]!;
        if (g < 0) {
          const n = out.count++;
          slots[s] = n;
          rep[n] = row;
          hash[n] = h;
          groupTime[n] = bucket;
          groupBytes[n] = bytes[k]!;
          groupPackets[n] = packets[k]!;
          break;
        }
        if (hash[g] === h && groupTime[g] === bucket && same(rep[g]!, row)) {
          groupBytes[g]! += bytes[k]!;
          groupPackets[g]! += packets[k]!;
          break;
        }
        s = (s + 1) & mask;
      }
    }
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
