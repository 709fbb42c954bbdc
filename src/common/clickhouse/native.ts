// SPDX-License-Identifier: AGPL-3.0-only

/** FixedType is a column type whose values are fixed-width little-endian numbers. */
export type FixedType = 'UInt8' | 'UInt16' | 'UInt32' | 'UInt64' | 'DateTime' | 'Enum8' | 'IPv6' | 'FixedString(2)';

const WIDTH: Record<FixedType, number> = { UInt8: 1, UInt16: 2, UInt32: 4, UInt64: 8, DateTime: 4, Enum8: 1, IPv6: 16, 'FixedString(2)': 2 };

/**
 * NativeBlock builds one block of ClickHouse's Native format, column after
 * column: the format is columnar, so typed arrays of a columnar batch are
 * copied as they are. String columns are given as a dictionary of encoded
 * strings and one index per row, and written either as String (one string
 * per row) or as LowCardinality(String) (the dictionary and the indexes):
 * ClickHouse converts either to the table's type, but converting String to
 * LowCardinality hashes every row.
 *
 *   block  := varuint(columns) varuint(rows) column*
 *   column := string(name) string(type) data
 *   string := varuint(length) bytes
 */
export class NativeBlock {
  /** rows is the number of rows of every column. */
  readonly rows: number;
  private readonly parts: Part[];
  private columns: number;
  private size: number;

  constructor(rows: number) {
    this.rows = rows;
    this.parts = [];
    this.columns = 0;
    this.size = 0;
  }

  private push(part: Part): void {
    this.parts.push(part);
    this.size += part instanceof Uint8Array ? part.length : part.size;
  }

  private header(name: string, type: string): void {
    this.push(encodeString(name));
    this.push(encodeString(type));
    this.columns++;
  }

  /**
   * fixed adds a column of fixed-width values: `data` holds `rows` values of
   * the type's width (an IPv6 address is 16 bytes), from `byteOffset`.
   */
  fixed(name: string, type: FixedType, data: ArrayBufferView): void {
    const width = WIDTH[type];
    const bytes = new Uint8Array(data.buffer, data.byteOffset, this.rows * width);
    if (bytes.length < this.rows * width) throw new RangeError(`${name}: expected ${this.rows * width} bytes`);
    this.header(name, type === 'Enum8' ? 'Int8' : type);
    this.push(bytes);
  }

  /** strings adds a String column: row i holds dictionary[indexes[i]] (UTF-8 bytes). */
  strings(name: string, dictionary: readonly Uint8Array[], indexes: Uint32Array): void {
    this.header(name, 'String');
    const rows = this.rows;
    let size = 0;
    for (let i = 0; i < rows; i++) {
      const n = dictionary[indexes[i]!]!.length;
      size += n + varUIntLength(n);
    }
    this.push({
      size,
      write: (out, at) => {
        let o = at;
        for (let i = 0; i < rows; i++) {
          const s = dictionary[indexes[i]!]!;
          o = writeVarUInt(out, o, s.length);
          out.set(s, o);
          o += s.length;
        }
      },
    });
  }

  /**
   * lowCardinality adds a LowCardinality(String) column: row i holds
   * dictionary[indexes[i]]. It is sent as ClickHouse stores it, a
   * dictionary of the strings the rows use and one index per row, so the
   * engine only looks up the few distinct strings instead of hashing every
   * row's string as it must when converting a String column.
   *
   *   data := UInt64(1)                                   keys version: shared dictionaries with additional keys
   *           UInt64(flags)                               index width (0: UInt8, 1: UInt16, 2: UInt32) | 1<<9 (additional keys)
   *           UInt64(keys) string*                        the dictionary, each string as in a String column
   *           UInt64(rows) index*                         one index per row, of the flags' width
   *
   * `into` (as many bytes as rows at least), if given, gets each row's
   * index as the strings are renumbered, in the same pass; the block then
   * holds it as its indexes when one byte each is enough (256 strings at
   * most), so it must not change until the block is encoded or written.
   */
  lowCardinality(name: string, dictionary: readonly Uint8Array[], indexes: Uint32Array, into?: Uint8Array): void {
    this.header(name, 'LowCardinality(String)');
    const rows = this.rows;
    // The strings the rows use, renumbered in order of first use; with
    // `into`, each row's new index is written there at once (kept if the
    // rows use 256 strings at most: one byte each).
    const local = new Int32Array(dictionary.length).fill(-1);
    const used: number[] = [];
    const out = into !== undefined && into.length >= rows ? into : null;
    // Two loops: a test of `out` per row made encoding a block 25% slower.
    if (out !== null) {
      for (let i = 0; i < rows; i++) {
        const id = indexes[i]!;
        let v = local[id]!;
        if (v === -1) {
          v = local[id] = used.length;
          used.push(id);
        }
        out[i] = v;
      }
    } else {
      for (let i = 0; i < rows; i++) {
        const id = indexes[i]!;
        if (local[id] === -1) {
          local[id] = used.length;
          used.push(id);
        }
      }
    }
    const width = used.length <= 0x100 ? 0 : used.length <= 0x10000 ? 1 : 2;
    let keysBytes = 0;
    for (const id of used) keysBytes += dictionary[id]!.length + 5;
    const head = new Uint8Array(24 + keysBytes + 8);
    const view = new DataView(head.buffer);
    view.setBigUint64(0, 1n, true);
    view.setBigUint64(8, BigInt(width | (1 << 9)), true);
    view.setBigUint64(16, BigInt(used.length), true);
    let o = 24;
    for (const id of used) {
      const s = dictionary[id]!;
      o = writeVarUInt(head, o, s.length);
      head.set(s, o);
      o += s.length;
    }
    view.setBigUint64(o, BigInt(rows), true);
    this.push(head.subarray(0, o + 8));
    if (out !== null && width === 0) {
      this.push(out.subarray(0, rows));
      return;
    }
    // The indexes, little-endian, are written straight into the block.
    this.push({
      size: rows << width,
      write: (out, at) => {
        if (width === 0) {
          for (let i = 0; i < rows; i++) out[at + i] = local[indexes[i]!]!;
        } else if (width === 1) {
          for (let i = 0, b = at; i < rows; i++, b += 2) {
            const v = local[indexes[i]!]!;
            out[b] = v;
            out[b + 1] = v >>> 8;
          }
        } else {
          for (let i = 0, b = at; i < rows; i++, b += 4) {
            const v = local[indexes[i]!]!;
            out[b] = v;
            out[b + 1] = v >>> 8;
            out[b + 2] = v >>> 16;
            out[b + 3] = v >>> 24;
          }
        }
      },
    });
  }

  /** uint32Arrays adds an Array(UInt32) column: row i holds `counts[i]` values from `values` at i*stride. */
  uint32Arrays(name: string, values: Uint32Array, counts: Uint8Array, stride: number): void {
    this.header(name, 'Array(UInt32)');
    const rows = this.rows;
    let total = 0;
    for (let i = 0; i < rows; i++) total += counts[i]!;
    this.push({
      size: rows * 8 + total * 4,
      write: (out, at) => {
        // Offsets: the UInt64 running total after each row, then the values.
        const view = new DataView(out.buffer, out.byteOffset);
        let sum = 0;
        let o = at + rows * 8;
        for (let i = 0; i < rows; i++) {
          sum += counts[i]!;
          view.setUint32(at + i * 8, sum % 4294967296, true);
          view.setUint32(at + i * 8 + 4, Math.floor(sum / 4294967296), true);
          for (let j = 0; j < counts[i]!; j++, o += 4) view.setUint32(o, values[i * stride + j]!, true);
        }
      },
    });
  }

  // head is the block's start: the numbers of columns and rows.
  private head(): Uint8Array {
    const head = new Uint8Array(20);
    return head.subarray(0, writeVarUInt(head, writeVarUInt(head, 0, this.columns), this.rows));
  }

  /** bytes is the size of the encoded block. */
  get bytes(): number {
    return this.head().length + this.size;
  }

  /**
   * encode returns the block. It is written into the array `into(size)`
   * returns when given (at least `size` bytes: a buffer reused from block
   * to block), else into a new one.
   */
  encode(into?: (size: number) => Uint8Array): Uint8Array {
    const head = this.head();
    let o = head.length;
    const size = o + this.size;
    const given = into?.(size);
    if (given !== undefined && given.length < size) throw new RangeError(`native block: ${size} bytes do not fit in ${given.length}`);
    const out = given === undefined ? new Uint8Array(size) : given.subarray(0, size);
    out.set(head);
    for (const part of this.parts) {
      if (part instanceof Uint8Array) {
        out.set(part, o);
        o += part.length;
      } else {
        part.write(out, o);
        o += part.size;
      }
    }
    return out;
  }

  /**
   * write gives the block to `put` piece after piece, without encoding it
   * whole into memory first: columns of fixed width as they are, the
   * others written into `scratch(size)` (at least `size` bytes; `put` is
   * done with a piece when it returns, so one buffer may serve them all).
   */
  write(put: (chunk: Uint8Array) => void, scratch: (size: number) => Uint8Array): void {
    put(this.head());
    for (const part of this.parts) {
      if (part instanceof Uint8Array) {
        put(part);
      } else {
        const out = scratch(part.size).subarray(0, part.size);
        part.write(out, 0);
        put(out);
      }
    }
  }
}

/**
 * Part is a piece of a block: bytes as they are, or `size` bytes that
 * `write` puts at `at` of the block when it is encoded (so that large
 * columns are written once, into the block, not into a buffer of their own
 * first).
 */
type Part = Uint8Array | { size: number; write: (out: Uint8Array, at: number) => void };

/** varUIntLength is the length of value as a LEB128 integer. */
function varUIntLength(value: number): number {
  let n = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 128)) n++;
  return n;
}

/** writeVarUInt writes a LEB128 integer and returns the next offset. */
export function writeVarUInt(out: Uint8Array, at: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

function encodeString(s: string): Uint8Array {
  const b = Buffer.from(s);
  const out = new Uint8Array(b.length + 5);
  const o = writeVarUInt(out, 0, b.length);
  out.set(b, o);
  return out.subarray(0, o + b.length);
}
