// SPDX-License-Identifier: AGPL-3.0-only
//
// A small MaxMind DB writer for tests: it builds fixture databases so that
// tests need no downloaded file. It follows the MaxMind DB format 2.0
// (https://maxmind.github.io/MaxMind-DB/): a binary search tree of nodes
// holding two records each (left: bit 0, right: bit 1), 16 zero bytes, a
// data section, then "\xAB\xCD\xEFMaxMind.com" and the metadata map.
// A record below node_count points to a node, node_count means "no data",
// above it points into the data section at (record - node_count - 16).
// In an IPv6 tree, IPv4 networks live at ::a.b.c.d (::/96); like MaxMind's
// own databases, ::ffff:0:0/96 and 2002::/16 are aliases to that subtree
// unless disabled.
import { parseSubnet } from './subnet.ts';

/** MMDBValue is what the data section stores: maps, arrays, strings, numbers, booleans. */
export type MMDBValue = string | number | bigint | boolean | MMDBValue[] | { [key: string]: MMDBValue };

/** MMDBWriterOptions describe the database to write. */
export interface MMDBWriterOptions {
  /** ipVersion is 4 or 6 (default 6). */
  ipVersion?: 4 | 6;
  /** recordSize is 24, 28 or 32 bits (default 28). */
  recordSize?: 24 | 28 | 32;
  /** databaseType goes into the metadata (default "Test"). */
  databaseType?: string;
  /** aliasMapped points ::ffff:0:0/96 and 2002::/16 to the IPv4 subtree (default true). */
  aliasMapped?: boolean;
}

interface TreeNode {
  rec: [Rec, Rec];
}
type Rec = TreeNode | { data: number } | null;

// Control byte types (format spec, "Output Data Section").
const T_POINTER = 1;
const T_STRING = 2;
const T_DOUBLE = 3;
const T_UINT16 = 5;
const T_UINT32 = 6;
const T_MAP = 7;
const T_INT32 = 8;
const T_UINT64 = 9;
const T_ARRAY = 11;
const T_BOOLEAN = 14;

/** encodeValue serializes one value of the data section (exported for tests). */
export function encodeValue(v: MMDBValue, out: number[]): void {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    control(T_STRING, b.length, out);
    out.push(...b);
  } else if (typeof v === 'boolean') {
    control(T_BOOLEAN, v ? 1 : 0, out);
  } else if (typeof v === 'bigint') {
    const bytes = uintBytes(v);
    control(T_UINT64, bytes.length, out);
    out.push(...bytes);
  } else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) {
      const bytes = uintBytes(BigInt(v));
      control(v <= 0xffff ? T_UINT16 : T_UINT32, bytes.length, out);
      out.push(...bytes);
    } else if (Number.isInteger(v) && v < 0 && v >= -0x80000000) {
      control(T_INT32, 4, out);
      out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    } else {
      control(T_DOUBLE, 8, out);
      const b = Buffer.alloc(8);
      b.writeDoubleBE(v);
      out.push(...b);
    }
  } else if (Array.isArray(v)) {
    control(T_ARRAY, v.length, out);
    for (const x of v) encodeValue(x, out);
  } else {
    const entries = Object.entries(v);
    control(T_MAP, entries.length, out);
    for (const [k, x] of entries) {
      encodeValue(k, out);
      encodeValue(x, out);
    }
  }
}

/** encodePointer writes a pointer to `offset` in the data section. */
export function encodePointer(offset: number, out: number[]): void {
  // Pointer sizes 0-2 carry 11, 19 and 27 bits with a bias; size 3 carries 32 bits.
  if (offset < 2048) out.push((T_POINTER << 5) | (offset >> 8), offset & 0xff);
  else if (offset < 526336) {
    const o = offset - 2048;
    out.push((T_POINTER << 5) | (1 << 3) | (o >> 16), (o >> 8) & 0xff, o & 0xff);
  } else out.push((T_POINTER << 5) | (3 << 3), (offset >>> 24) & 0xff, (offset >>> 16) & 0xff, (offset >>> 8) & 0xff, offset & 0xff);
}

function uintBytes(v: bigint): number[] {
  const out: number[] = [];
  while (v > 0n) {
    out.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return out;
}

function control(type: number, size: number, out: number[]): void {
  const extended = type > 7;
  const first = (extended ? 0 : type) << 5;
  let tail: number[] = [];
  let low = size;
  if (size >= 65821) {
    low = 31;
    const s = size - 65821;
    tail = [(s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff];
  } else if (size >= 285) {
    low = 30;
    tail = [((size - 285) >> 8) & 0xff, (size - 285) & 0xff];
  } else if (size >= 29) {
    low = 29;
    tail = [size - 29];
  }
  out.push(first | low);
  if (extended) out.push(type - 7);
  out.push(...tail);
}

/**
 * MMDBWriter collects networks and their data and writes a MaxMind DB.
 * Networks are inserted in order: a later network overwrites what an earlier
 * one said about its addresses, so give less specific networks first.
 */
export class MMDBWriter {
  private readonly opts: Required<MMDBWriterOptions>;
  private readonly root: TreeNode = { rec: [null, null] };
  private readonly data: number[] = [];
  private readonly dataOffsets = new Map<string, number>();
  private readonly strings = new Map<string, number>();

  constructor(opts: MMDBWriterOptions = {}) {
    this.opts = { ipVersion: 6, recordSize: 28, databaseType: 'Test', aliasMapped: true, ...opts };
  }

  /** insert stores `value` for a network ("192.0.2.0/24", "2001:db8::/32"). */
  insert(network: string, value: MMDBValue): this {
    const s = parseSubnet(network);
    if (s === null) throw new TypeError(`expected a network, got "${network}"`);
    const v4 = !network.includes(':');
    let bits: number[];
    if (this.opts.ipVersion === 4) {
      if (!v4) throw new TypeError(`IPv6 network ${network} in an IPv4 database`);
      bits = addrBits(s.address).slice(96, s.length);
    } else {
      // IPv4 goes to ::a.b.c.d (ip_version 6 trees, per the spec).
      bits = addrBits(s.address).slice(0, s.length);
      if (v4) bits.fill(0, 80, 96);
    }
    const leaf = { data: this.store(value) };
    let node = this.root;
    for (let i = 0; i < bits.length - 1; i++) {
      const b = bits[i]!;
      let next = node.rec[b]!;
      if (next === null || 'data' in next) {
        const n: TreeNode = { rec: [next, next] };
        node.rec[b] = n;
        next = n;
      }
      node = next;
    }
    if (bits.length === 0) throw new TypeError('cannot insert a network of length 0');
    node.rec[bits[bits.length - 1]!] = leaf;
    return this;
  }

  /** write returns the database bytes. */
  write(): Buffer {
    const { recordSize, ipVersion } = this.opts;
    if (ipVersion === 6 && this.opts.aliasMapped) this.alias();
    // Number nodes breadth-first; shared (aliased) nodes get one number.
    const nodes: TreeNode[] = [];
    const ids = new Map<TreeNode, number>();
    const queue: TreeNode[] = [this.root];
    ids.set(this.root, 0);
    for (let head = 0; head < queue.length; head++) {
      const n = queue[head]!;
      nodes.push(n);
      for (const r of n.rec) {
        if (r !== null && !('data' in r) && !ids.has(r)) {
          ids.set(r, ids.size);
          queue.push(r);
        }
      }
    }
    const count = nodes.length;
    const nodeBytes = recordSize / 4;
    const tree = Buffer.alloc(count * nodeBytes);
    const value = (r: Rec) => (r === null ? count : 'data' in r ? count + 16 + r.data : ids.get(r)!);
    nodes.forEach((n, i) => writeNode(tree, i * nodeBytes, recordSize, value(n.rec[0]), value(n.rec[1])));
    const meta: number[] = [];
    encodeValue(
      {
        binary_format_major_version: 2,
        binary_format_minor_version: 0,
        build_epoch: BigInt(1_700_000_000),
        database_type: this.opts.databaseType,
        description: { en: 'Akvorado test database' },
        ip_version: ipVersion,
        languages: ['en'],
        node_count: count,
        record_size: recordSize,
      },
      meta,
    );
    const marker = Buffer.from('\xAB\xCD\xEFMaxMind.com', 'latin1');
    return Buffer.concat([tree, Buffer.alloc(16), Buffer.from(this.data), marker, Buffer.from(meta)]);
  }

  // store appends a value to the data section once and returns its offset.
  // Map keys and strings seen before are written as pointers, as real
  // databases do, so that readers' pointer handling is exercised.
  private store(value: MMDBValue): number {
    const key = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    const seen = this.dataOffsets.get(key);
    if (seen !== undefined) return seen;
    const offset = this.data.length;
    this.encodeShared(value);
    this.dataOffsets.set(key, offset);
    return offset;
  }

  private encodeShared(v: MMDBValue): void {
    if (typeof v === 'string') {
      const at = this.strings.get(v);
      if (at !== undefined && v.length > 3) {
        encodePointer(at, this.data);
        return;
      }
      this.strings.set(v, this.data.length);
      encodeValue(v, this.data);
    } else if (Array.isArray(v)) {
      control(T_ARRAY, v.length, this.data);
      for (const x of v) this.encodeShared(x);
    } else if (typeof v === 'object') {
      const entries = Object.entries(v);
      control(T_MAP, entries.length, this.data);
      for (const [k, x] of entries) {
        this.encodeShared(k);
        this.encodeShared(x);
      }
    } else {
      encodeValue(v, this.data);
    }
  }

  // alias makes ::ffff:0:0/96 and 2002::/16 (6to4) point to the IPv4
  // subtree at ::/96, as MaxMind's databases do.
  private alias(): void {
    let node = this.root;
    for (let i = 0; i < 95; i++) {
      const next = node.rec[0];
      if (next === null || 'data' in next) return;
      node = next;
    }
    const v4 = node.rec[0];
    if (v4 === null) return;
    const mapped = new Array<number>(96).fill(0).fill(1, 80);
    const sixToFour = [0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0];
    for (const bits of [mapped, sixToFour]) {
      node = this.root;
      for (let i = 0; i < bits.length - 1; i++) {
        const b = bits[i]!;
        let next = node.rec[b]!;
        if (next === null || 'data' in next) {
          const n: TreeNode = { rec: [next, next] };
          node.rec[b] = n;
          next = n;
        }
        node = next;
      }
      node.rec[bits[bits.length - 1]!] = v4;
    }
  }
}

function addrBits(addr: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < 128; i++) out.push((addr[i >> 3]! >> (7 - (i & 7))) & 1);
  return out;
}

function writeNode(buf: Buffer, at: number, size: number, left: number, right: number): void {
  if (size === 24) {
    buf.writeUIntBE(left, at, 3);
    buf.writeUIntBE(right, at + 3, 3);
  } else if (size === 28) {
    buf.writeUIntBE(left & 0xffffff, at, 3);
    buf[at + 3] = ((left >>> 24) << 4) | (right >>> 24);
    buf.writeUIntBE(right & 0xffffff, at + 4, 3);
  } else {
    buf.writeUInt32BE(left, at);
    buf.writeUInt32BE(right, at + 4);
  }
}
