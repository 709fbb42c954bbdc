// SPDX-License-Identifier: AGPL-3.0-only
import { grow, keyLE } from './prefix-keys.ts';
import { PrefixTable } from './prefix-table.ts';

// RangeWriter collects the disjoint ranges of a table, in order: each call
// to emit() starts a range that lasts until the next one. A range starting
// where the previous one starts replaces it; neighbours with the same value
// are merged.
class RangeWriter {
  keys = new Uint32Array(4 * 1024);
  values = new Int32Array(1024);
  n = 1; // range 0 starts at :: with no value

  constructor() {
    this.values[0] = -1;
  }

  emit(w0: number, w1: number, w2: number, w3: number, value: number): void {
    const last = this.n - 1;
    const k = last * 4;
    const keys = this.keys;
    if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3) {
      this.values[last] = value;
      if (last > 0 && this.values[last - 1] === value) this.n--;
      return;
    }
    if (this.values[last] === value) return;
    if (this.n === this.values.length) {
      this.values = grow(this.values, this.n * 2);
      this.keys = grow(this.keys, this.n * 8);
    }
    const j = this.n * 4;
    this.keys[j] = w0;
    this.keys[j + 1] = w1;
    this.keys[j + 2] = w2;
    this.keys[j + 3] = w3;
    this.values[this.n++] = value;
  }

  table(): PrefixTable {
    return new PrefixTable(this.keys.slice(0, this.n * 4), this.values.slice(0, this.n), this.n);
  }
}

// maskWord keeps the first `bits` bits (0..32) of a word.
function maskWord(w: number, bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return w >>> 0;
  return (w & (0xffffffff << (32 - bits))) >>> 0;
}

/**
 * SortedPrefixWriter builds a PrefixTable from prefixes given in ascending
 * order of (start address, length): a less specific prefix comes before the
 * ones it contains, and among equal prefixes the last one wins. It streams
 * (memory is that of the table), which suits walking an MMDB search tree.
 */
export class SortedPrefixWriter {
  private readonly out = new RangeWriter();
  // Open prefixes, outermost first: start words, length and value.
  private readonly stackKeys = new Uint32Array(4 * 130);
  private readonly stackLen = new Uint8Array(130);
  private readonly stackValue = new Int32Array(130);
  private depth = 0;
  private readonly prev = new Uint32Array(5);
  private count = 0;

  /** add adds a prefix given as four big-endian words and a length (0-128). */
  add(w0: number, w1: number, w2: number, w3: number, length: number, value: number): void {
    w0 = maskWord(w0, length);
    w1 = maskWord(w1, length - 32);
    w2 = maskWord(w2, length - 64);
    w3 = maskWord(w3, length - 96);
    const p = this.prev;
    if (this.count > 0) {
      const before = keyLE(p, 0, 0, w0, w1, w2, w3);
      const same = p[0] === w0 && p[1] === w1 && p[2] === w2 && p[3] === w3;
      if (!before || (same && p[4]! > length)) throw new RangeError('prefix table: prefixes out of order');
    }
    p[0] = w0;
    p[1] = w1;
    p[2] = w2;
    p[3] = w3;
    p[4] = length;
    this.count++;
    while (this.depth > 0 && !this.topContains(w0, w1, w2, w3)) this.pop();
    this.out.emit(w0, w1, w2, w3, value);
    if (this.depth > 0 && this.stackLen[this.depth - 1] === length) {
      // The same prefix again: the last one wins.
      this.stackValue[this.depth - 1] = value;
      return;
    }
    const d = this.depth++;
    this.stackKeys.set(p.subarray(0, 4), d * 4);
    this.stackLen[d] = length;
    this.stackValue[d] = value;
  }

  /** addBytes adds the prefix of `length` bits starting at the 16 bytes at `off`. */
  addBytes(addr: Uint8Array, off: number, length: number, value: number): void {
    const w = (i: number) => ((addr[off + i]! << 24) | (addr[off + i + 1]! << 16) | (addr[off + i + 2]! << 8) | addr[off + i + 3]!) >>> 0;
    this.add(w(0), w(4), w(8), w(12), length, value);
  }

  /** finish returns the table; the writer must not be used afterwards. */
  finish(): PrefixTable {
    while (this.depth > 0) this.pop();
    return this.out.table();
  }

  private topContains(w0: number, w1: number, w2: number, w3: number): boolean {
    const d = this.depth - 1;
    const len = this.stackLen[d]!;
    const k = this.stackKeys;
    return (
      maskWord(w0, len) === k[d * 4] &&
      maskWord(w1, len - 32) === k[d * 4 + 1] &&
      maskWord(w2, len - 64) === k[d * 4 + 2] &&
      maskWord(w3, len - 96) === k[d * 4 + 3]
    );
  }

  // pop closes the innermost prefix: the addresses after it go back to the
  // enclosing prefix (or to no value).
  private pop(): void {
    const d = --this.depth;
    const len = this.stackLen[d]!;
    if (len === 0) return;
    // End = start + 2^(128 - len), with carries; no emit past the last address.
    const k = this.stackKeys;
    const end = [k[d * 4]!, k[d * 4 + 1]!, k[d * 4 + 2]!, k[d * 4 + 3]!];
    let word = (len - 1) >> 5;
    let add = 2 ** (31 - ((len - 1) & 31));
    while (word >= 0) {
      const sum = end[word]! + add;
      end[word] = sum >>> 0;
      if (sum <= 0xffffffff) break;
      add = 1;
      word--;
    }
    if (word < 0) return;
    this.out.emit(end[0]!, end[1]!, end[2]!, end[3]!, d > 0 ? this.stackValue[d - 1]! : -1);
  }
}

/**
 * PrefixTableBuilder builds a PrefixTable from prefixes in any order, which
 * may overlap: the most specific prefix wins, and among equal prefixes the
 * last added wins. Values are integer indexes (>= 0) into the caller's records.
 */
export class PrefixTableBuilder {
  private words = new Uint32Array(4 * 256);
  private lengths = new Uint8Array(256);
  private values = new Int32Array(256);
  private n = 0;

  /** size is the number of prefixes added. */
  get size(): number {
    return this.n;
  }

  /** add adds the prefix of `length` bits (0-128) starting at the 16 bytes at `off`. */
  add(addr: Uint8Array, off: number, length: number, value: number): void {
    if (!Number.isInteger(length) || length < 0 || length > 128) throw new RangeError(`prefix length: expected 0-128, got ${length}`);
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`prefix value: expected an index >= 0, got ${value}`);
    if (this.n === this.values.length) {
      this.words = grow(this.words, this.n * 8);
      this.lengths = grow(this.lengths, this.n * 2);
      this.values = grow(this.values, this.n * 2);
    }
    const j = this.n * 4;
    for (let i = 0; i < 4; i++) {
      const o = off + i * 4;
      this.words[j + i] = ((addr[o]! << 24) | (addr[o + 1]! << 16) | (addr[o + 2]! << 8) | addr[o + 3]!) >>> 0;
    }
    this.lengths[this.n] = length;
    this.values[this.n++] = value;
  }

  /** build sorts the prefixes and returns the table. */
  build(): PrefixTable {
    const w = this.words;
    // Compare on masked starts: host bits beyond the length do not count.
    const masked = new Uint32Array(this.n * 4);
    for (let i = 0; i < this.n; i++) {
      const len = this.lengths[i]!;
      for (let k = 0; k < 4; k++) masked[i * 4 + k] = maskWord(w[i * 4 + k]!, len - 32 * k);
    }
    const order = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) order[i] = i;
    order.sort((a, b) => {
      for (let k = 0; k < 4; k++) {
        const d = masked[a * 4 + k]! - masked[b * 4 + k]!;
        if (d !== 0) return d;
      }
      return this.lengths[a]! - this.lengths[b]! || a - b;
    });
    const writer = new SortedPrefixWriter();
    for (const i of order) {
      writer.add(masked[i * 4]!, masked[i * 4 + 1]!, masked[i * 4 + 2]!, masked[i * 4 + 3]!, this.lengths[i]!, this.values[i]!);
    }
    return writer.finish();
  }
}

/**
 * mergeTables combines tables into one with a range wherever one of them
 * has a boundary: `combine` receives the value of each table for the range
 * (in table order, -1 where a table has none) and returns the range's value.
 * One lookup in the result then answers for all the tables.
 */
export function mergeTables(tables: readonly PrefixTable[], combine: (values: Int32Array) => number): PrefixTable {
  const out = new RangeWriter();
  const k = tables.length;
  const pos = new Int32Array(k);
  const values = new Int32Array(k);
  let w0 = 0;
  let w1 = 0;
  let w2 = 0;
  let w3 = 0;
  for (;;) {
    for (let t = 0; t < k; t++) values[t] = tables[t]!.valueAt(pos[t]!);
    out.emit(w0, w1, w2, w3, combine(values));
    // The next boundary is the smallest next key of the tables.
    let best = -1;
    for (let t = 0; t < k; t++) {
      const next = pos[t]! + 1;
      if (next >= tables[t]!.ranges) continue;
      const keys = tables[t]!.keys;
      const i = next * 4;
      if (best < 0 || keyLE(keys, i, 0, w0, w1, w2, w3)) {
        best = t;
        w0 = keys[i]!;
        w1 = keys[i + 1]!;
        w2 = keys[i + 2]!;
        w3 = keys[i + 3]!;
      }
    }
    if (best < 0) break;
    for (let t = 0; t < k; t++) {
      const next = pos[t]! + 1;
      const keys = tables[t]!.keys;
      if (next < tables[t]!.ranges && keys[next * 4] === w0 && keys[next * 4 + 1] === w1 && keys[next * 4 + 2] === w2 && keys[next * 4 + 3] === w3) {
        pos[t] = next;
      }
    }
  }
  return out.table();
}
