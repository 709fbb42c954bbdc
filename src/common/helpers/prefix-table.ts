// SPDX-License-Identifier: AGPL-3.0-only
//
// A longest-prefix-match table over 16-byte addresses, for lookups on the
// enrichment hot path: no allocation, 15-45 ns when the parts of the table
// in use are in the CPU caches, 60-100 ns for random addresses over a
// table of 500k prefixes (prefix-table.bench.ts).
//
// Layout. The prefixes are flattened into disjoint ranges that cover the
// whole address space: range i starts at the 128-bit key keys[4i..4i+3]
// (big-endian words) and ends where range i+1 starts; low[2i+1] is its value
// (-1: no prefix). A lookup finds the last range starting at or before the
// address. To keep the binary search short, an index of multibit trie nodes
// sits above the ranges: each node covers the addresses sharing `depth`
// leading bytes and has one slot per value of the next byte (8-bit nodes) or
// two bytes (16-bit roots). A slot holds either the first range of the slot
// (>= 0: the ranges to search are slots[s]..slots[s+1]) or ~child. Nodes are
// split only when a slot holds more than SPLIT ranges, so memory stays close
// to 24 bytes per range plus 512 KiB for the two roots. Node 0 is the root (bytes 0-1); node 1 is the
// IPv4 root at ::ffff:0:0/96 (bytes 12-13), where IPv4-mapped lookups start.

import { gallop, grow, isMapped, keyLE } from './prefix-keys.ts';

/** SPLIT is the most ranges a slot keeps before it gets a child node (binary search of ≤ 6 steps). */
const SPLIT = 48;

/**
 * SPLIT_V6 is SPLIT above the IPv4 space: there each probe compares 16-byte
 * keys, one cache line per probe, so shorter searches pay for more nodes.
 */
const SPLIT_V6 = 16;

/**
 * PrefixTable answers longest-prefix-match lookups over 16-byte addresses
 * (IPv4 mapped as ::ffff:a.b.c.d) with an integer value index, -1 when no
 * prefix matches. Build one with PrefixTableBuilder or SortedPrefixWriter.
 */
export class PrefixTable {
  /** keys holds the start of each range, four big-endian 32-bit words per range. */
  readonly keys: Uint32Array;
  /** ranges is the number of disjoint ranges. */
  readonly ranges: number;
  // low holds, for each range, the last word of its key and its value: the
  // binary search of IPv4 ranges then reads one or two cache lines instead
  // of one per probe plus one for the value.
  private readonly low: Uint32Array;
  private slots: Int32Array;
  private slotCount: number;
  private nodeBase: Int32Array;
  private nodeDepth: Uint8Array;
  private nodeWide: Uint8Array;
  private nodeFirst: Int32Array;
  private nodeCount: number;
  // Scratch for the index build: the bytes of the node being built.
  private readonly path = new Uint8Array(16);
  // Scratch for lookupBatch: first and last range of each row.
  private scratch = new Int32Array(0);

  /** The constructor takes sorted ranges (the first starting at ::) and their values, and indexes them. */
  constructor(keys: Uint32Array, values: Int32Array, ranges: number) {
    if (ranges < 1 || keys[0] !== 0 || keys[1] !== 0 || keys[2] !== 0 || keys[3] !== 0) {
      throw new RangeError('prefix table: ranges must start at ::');
    }
    this.keys = keys;
    this.ranges = ranges;
    this.low = new Uint32Array(ranges * 2);
    for (let i = 0; i < ranges; i++) {
      this.low[i * 2] = keys[i * 4 + 3]!;
      this.low[i * 2 + 1] = values[i]!;
    }
    this.slots = new Int32Array(2 * 65537 + 1024);
    this.slotCount = 0;
    this.nodeBase = new Int32Array(64);
    this.nodeDepth = new Uint8Array(64);
    this.nodeWide = new Uint8Array(64);
    this.nodeFirst = new Int32Array(64);
    this.nodeCount = 0;
    this.buildIndex();
  }

  /** valueAt returns the value of range i (0 <= i < ranges). */
  valueAt(i: number): number {
    return this.low[i * 2 + 1]! | 0;
  }

  /** memoryBytes estimates the memory held by the table. */
  get memoryBytes(): number {
    return this.keys.byteLength + this.low.byteLength + this.slots.byteLength + this.nodeCount * 10;
  }

  /** nodes is the number of index nodes (for tests and benchmarks). */
  get nodes(): number {
    return this.nodeCount;
  }

  /** lookup returns the value of the most specific prefix holding the 16 bytes at `off`, or -1. */
  lookup(addr: Uint8Array, off: number): number {
    let n = isMapped(addr, off) ? 1 : 0;
    const slots = this.slots;
    for (;;) {
      const d = this.nodeDepth[n]!;
      const at = this.nodeBase[n]! + (this.nodeWide[n] === 1 ? (addr[off + d]! << 8) | addr[off + d + 1]! : addr[off + d]!);
      const first = slots[at]!;
      if (first < 0) {
        n = ~first;
        continue;
      }
      const next = slots[at + 1]!;
      const last = next >= 0 ? next : this.nodeFirst[~next]!;
      if (last === first) return this.low[first * 2 + 1]! | 0;
      if (d >= 12) return this.searchLow(addr, off, first, last);
      return this.low[this.search(addr, off, first, last, d >> 2) * 2 + 1]! | 0;
    }
  }

  /**
   * lookupBatch looks up `count` addresses, the i-th at addr[off + i * stride],
   * and writes their values to out[0..count). It does what lookup() does in
   * two passes (the index walk of every row, then the range searches), so
   * that the cache misses of many rows overlap: faster on large tables.
   */
  lookupBatch(addr: Uint8Array, off: number, stride: number, count: number, out: Int32Array): void {
    if (this.scratch.length < count * 2) this.scratch = new Int32Array(count * 2);
    const scratch = this.scratch;
    const slots = this.slots;
    for (let i = 0, o = off; i < count; i++, o += stride) {
      let n = isMapped(addr, o) ? 1 : 0;
      for (;;) {
        const d = this.nodeDepth[n]!;
        const at = this.nodeBase[n]! + (this.nodeWide[n] === 1 ? (addr[o + d]! << 8) | addr[o + d + 1]! : addr[o + d]!);
        const first = slots[at]!;
        if (first < 0) {
          n = ~first;
          continue;
        }
        const next = slots[at + 1]!;
        // Rows whose keys differ above the last word are marked with ~first.
        scratch[i * 2] = d >= 12 ? first : ~first;
        scratch[i * 2 + 1] = next >= 0 ? next : this.nodeFirst[~next]!;
        break;
      }
    }
    const low = this.low;
    for (let i = 0, o = off; i < count; i++, o += stride) {
      const first = scratch[i * 2]!;
      const last = scratch[i * 2 + 1]!;
      if (first === last) out[i] = low[first * 2 + 1]! | 0;
      else if (first >= 0) out[i] = this.searchLow(addr, o, first, last);
      else out[i] = ~first === last ? low[last * 2 + 1]! | 0 : this.low[this.search(addr, o, ~first, last, 0) * 2 + 1]! | 0;
    }
  }

  // searchLow returns the value of the last range in [lo, hi] whose key is
  // <= the address, when keys after lo differ from it in the last word only
  // (IPv4 ranges under node 1, or deeper).
  private searchLow(addr: Uint8Array, off: number, lo: number, hi: number): number {
    const low = this.low;
    const a3 = ((addr[off + 12]! << 24) | (addr[off + 13]! << 16) | (addr[off + 14]! << 8) | addr[off + 15]!) >>> 0;
    // Halving without a data-dependent branch (the select compiles to a
    // conditional move): mispredictions cost more than the probes here.
    let n = hi - lo + 1;
    while (n > 1) {
      const half = n >>> 1;
      const mid = lo + half;
      lo = low[mid * 2]! <= a3 ? mid : lo;
      n -= half;
    }
    return low[lo * 2 + 1]! | 0;
  }

  // search returns the last range in [lo, hi] whose key is <= the address.
  // Keys after lo share the first `w` words with the address (same slot),
  // so comparisons start at word w.
  private search(addr: Uint8Array, off: number, lo: number, hi: number, w: number): number {
    const keys = this.keys;
    const a3 = ((addr[off + 12]! << 24) | (addr[off + 13]! << 16) | (addr[off + 14]! << 8) | addr[off + 15]!) >>> 0;
    const a0 = ((addr[off]! << 24) | (addr[off + 1]! << 16) | (addr[off + 2]! << 8) | addr[off + 3]!) >>> 0;
    const a1 = ((addr[off + 4]! << 24) | (addr[off + 5]! << 16) | (addr[off + 6]! << 8) | addr[off + 7]!) >>> 0;
    const a2 = ((addr[off + 8]! << 24) | (addr[off + 9]! << 16) | (addr[off + 10]! << 8) | addr[off + 11]!) >>> 0;
    // Compared inline (not with keyLE): this loop stays fast when the
    // function is re-optimized after IPv4-only phases.
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const k = mid * 4;
      let le: boolean;
      const k0 = keys[k]!;
      if (w === 0 && k0 !== a0) le = k0 < a0;
      else {
        const k1 = keys[k + 1]!;
        if (w <= 1 && k1 !== a1) le = k1 < a1;
        else {
          const k2 = keys[k + 2]!;
          le = w <= 2 && k2 !== a2 ? k2 < a2 : keys[k + 3]! <= a3;
        }
      }
      if (le) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  // byteOf returns byte `b` of the key of range i.
  private byteOf(i: number, b: number): number {
    return (this.keys[i * 4 + (b >> 2)]! >>> (24 - 8 * (b & 3))) & 0xff;
  }

  // zeroFrom tells whether the key of range i has only zero bytes from `b` on.
  private zeroFrom(i: number, b: number): boolean {
    for (let k = b; k < 16; k++) if (this.byteOf(i, k) !== 0) return false;
    return true;
  }

  // lastAtOrBefore returns the last range whose key is <= the 4 words given.
  private lastAtOrBefore(w0: number, w1: number, w2: number, w3: number): number {
    let lo = 0;
    let hi = this.ranges - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (keyLE(this.keys, mid * 4, 0, w0, w1, w2, w3)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private buildIndex(): void {
    // Node 1 (IPv4) is built first so that the main tree can link to it.
    this.newNode(0, true, 0);
    const v4lo = this.lastAtOrBefore(0, 0, 0xffff, 0);
    const v4hi = this.lastAtOrBefore(0, 0, 0xffff, 0xffffffff);
    this.path.fill(0);
    this.path[10] = 0xff;
    this.path[11] = 0xff;
    this.newNode(12, true, v4lo);
    this.fillNode(1, v4lo, v4hi);
    this.path.fill(0);
    this.fillNode(0, 0, this.ranges - 1);
    this.slots = this.slots.slice(0, this.slotCount);
  }

  private newNode(depth: number, wide: boolean, first: number): number {
    const n = this.nodeCount++;
    if (n >= this.nodeBase.length) {
      this.nodeBase = grow(this.nodeBase, n * 2) as Int32Array;
      this.nodeDepth = grow(this.nodeDepth, n * 2) as Uint8Array;
      this.nodeWide = grow(this.nodeWide, n * 2) as Uint8Array;
      this.nodeFirst = grow(this.nodeFirst, n * 2) as Int32Array;
    }
    const size = (wide ? 65536 : 256) + 1;
    if (this.slotCount + size > this.slots.length) this.slots = grow(this.slots, (this.slotCount + size) * 2) as Int32Array;
    this.nodeBase[n] = this.slotCount;
    this.nodeDepth[n] = depth;
    this.nodeWide[n] = wide ? 1 : 0;
    this.nodeFirst[n] = first;
    this.slotCount += size;
    return n;
  }

  // fillNode sets the slots of node n, whose addresses are covered by the
  // ranges lo..hi (lo starts at or before the node, the others inside it).
  private fillNode(n: number, lo: number, hi: number): void {
    const d = this.nodeDepth[n]!;
    const wide = this.nodeWide[n] === 1;
    const bytes = wide ? 2 : 1;
    const count = wide ? 65536 : 256;
    const base = this.nodeBase[n]!;
    const slotOf = (i: number) => (wide ? (this.byteOf(i, d) << 8) | this.byteOf(i, d + 1) : this.byteOf(i, d));
    let p = lo; // last range starting at or before the slot
    let q = lo; // last range starting inside the slot or before
    for (let s = 0; s < count; s++) {
      p = gallop(p, hi, (j) => slotOf(j) < s || (slotOf(j) === s && this.zeroFrom(j, d + bytes)));
      q = gallop(q, hi, (j) => slotOf(j) <= s);
      if (q - p > (d >= 12 ? SPLIT : SPLIT_V6) && d + bytes < 16) {
        if (wide) {
          this.path[d] = s >> 8;
          this.path[d + 1] = s & 0xff;
        } else {
          this.path[d] = s;
        }
        let child: number;
        if (d + bytes === 12 && this.isMappedPath()) {
          child = 1;
        } else {
          child = this.newNode(d + bytes, false, p);
          this.fillNode(child, p, q);
        }
        this.slots[this.nodeBase[n]! + s] = ~child;
      } else {
        this.slots[base + s] = p;
      }
    }
    this.slots[this.nodeBase[n]! + count] = q;
  }

  private isMappedPath(): boolean {
    for (let k = 0; k < 10; k++) if (this.path[k] !== 0) return false;
    return this.path[10] === 0xff && this.path[11] === 0xff;
  }
}
