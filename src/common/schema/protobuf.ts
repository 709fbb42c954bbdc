// SPDX-License-Identifier: AGPL-3.0-only
import { STRING_COUNT, type FlowBatch } from '../../inlet/flow/batch.ts';
import { STRINGS, type StringTable } from '../../inlet/flow/strings.ts';
import { ABSENT, OVERRUN, compileScan, compileWriter, fieldsOf, PRESENT, scanWords, W1, W2, W5, type Field, type Scan, type Writer, type WriterState } from './protobuf-codegen.ts';
import { InterpretedWriter } from './protobuf-interp.ts';
import { OP_ICMP4_CODE, OP_ICMP4_TYPE, OP_ICMP6_CODE, OP_ICMP6_TYPE, OP_STRINGS, OP_U32 } from './protobuf-sources.ts';
import { MAX_MESSAGE_SIZE, MAX_STRING_BYTES, utf8Cut, writeVarint } from './protobuf-wire.ts';
import type { Schema } from './root.ts';

export { SOURCE_KINDS, SOURCES, STRING_SOURCES } from './protobuf-sources.ts';
export { MAX_MESSAGE_SIZE, MAX_STRING_BYTES, varintSize, writeVarint } from './protobuf-wire.ts';

// WRITERS keeps the generated writers by schema and batch shape (a set of
// fields and value widths; real traffic shows a few), SCANS the scans by
// schema: encoders of the same schema share them, already optimized.
// MAX_WRITERS bounds them.
const WRITERS = new Map<string, Writer>();
const SCANS = new Map<string, Scan | null>();
const MAX_WRITERS = 256;

// MAX_IDS bounds the string tables of an encoder: a string id past it is a
// bug upstream.
const MAX_IDS = 1 << 24;

// NO_COLUMNS is the columns list before the first batch.
const NO_COLUMNS: ArrayLike<number>[] = [];

/**
 * ProtobufEncoder writes the flows of a batch as length-delimited protobuf
 * messages of the schema's FlowMessage. `prepare()` scans the rows once:
 * which fields are set in at least one row and how wide their values get;
 * it picks a writer generated for that shape (fields empty for the whole
 * batch cost nothing, tags are constants, varints of known width are
 * written without a branch per byte). Enriched text columns hold ids into
 * a string table (the process-wide one unless given): each string's length
 * and UTF-8 bytes are encoded once, then copied.
 */
export class ProtobufEncoder implements WriterState {
  private readonly strings: StringTable;
  private readonly fields: Field[];
  private readonly scan: Scan | null;
  // signature names the fields (their kinds, tags and slots) in the caches' keys.
  private readonly signature: string;
  // interpreted is the fallback where code cannot be generated.
  private readonly interpreted: InterpretedWriter | null;
  private readonly acc: Float64Array;
  private readonly widths: Uint8Array;
  private columnsOf: FlowBatch | null = null;
  private columns: ArrayLike<number>[] = NO_COLUMNS;
  private words: ArrayLike<number>[] = NO_COLUMNS;
  // The prepared batch and rows, and the writer for them.
  private prepared: FlowBatch | null = null;
  private preparedFrom = 0;
  private preparedTo = 0;
  private writer: Writer | null = null;
  private encodedStrings = 1;
  // stringsUsed is the end of the encoded strings (word 0 is the empty string).
  private stringsUsed = 8;
  private readonly warmup = new Uint8Array(MAX_MESSAGE_SIZE);

  /** next is the row after the last one `encode()` wrote. */
  next = 0;
  /** prefix is the width kept for the next message's length (the writers' state). */
  prefix = 1;
  /** stringWords, stringStarts and stringLengths hold each string id's length varint and bytes (the writers' state). */
  stringWords = new BigUint64Array(512);
  private stringBytes = new Uint8Array(this.stringWords.buffer);
  stringStarts = new Int32Array(256);
  stringLengths = new Uint16Array(256).fill(1);

  constructor(schema: Schema, strings: StringTable = STRINGS) {
    this.strings = strings;
    this.fields = fieldsOf(schema);
    const widest = this.fields.reduce((n, f) => n + f.maxSize, 2 + OVERRUN);
    if (widest > MAX_MESSAGE_SIZE) throw new RangeError(`protobuf encoder: a flow may take ${widest} bytes, more than ${MAX_MESSAGE_SIZE}`);
    this.signature = this.fields.map((f) => `${f.kind}:${f.tag}:${f.slot}`).join(',');
    let scan = SCANS.get(this.signature);
    if (scan === undefined) {
      scan = compileScan(this.fields);
      if (SCANS.size >= MAX_WRITERS) SCANS.clear();
      SCANS.set(this.signature, scan);
    }
    this.scan = scan;
    this.interpreted = this.scan === null ? new InterpretedWriter(schema, strings) : null;
    this.acc = new Float64Array(this.fields.length);
    this.widths = new Uint8Array(this.fields.length);
  }

  /**
   * prepare scans rows [from, to) of a batch and picks the writer for
   * them: call it once the rows are final, before `encode()`, and again
   * whenever they change.
   */
  prepare(b: FlowBatch, from = 0, to: number = b.length): void {
    this.prepared = b;
    this.preparedFrom = from;
    this.preparedTo = to;
    if (this.scan === null) return;
    if (this.columnsOf !== b) {
      this.resolve(b);
      // As for the writers below: the code after each loop runs once.
      this.scan(this.words, 0, 0, this.acc);
    }
    if (this.encodedStrings < this.strings.size) this.encodeStrings();
    const acc = this.acc;
    this.scan(this.words, from, to, acc);
    const widths = this.widths;
    let key = this.signature + '/';
    for (let k = 0; k < widths.length; k++) {
      const f = this.fields[k]!;
      const v = acc[k]!;
      let width = ABSENT;
      if (v !== 0) {
        switch (f.kind) {
          case OP_U32:
          case OP_ICMP4_TYPE:
          case OP_ICMP4_CODE:
          case OP_ICMP6_TYPE:
          case OP_ICMP6_CODE:
            width = v < 128 ? W1 : v < 16384 ? W2 : W5;
            break;
          case OP_STRINGS:
            width = PRESENT;
            if (v >= this.stringStarts.length) this.coverIds(b, from, to, f.slot, v);
            break;
          default:
            width = PRESENT;
        }
      }
      widths[k] = width;
      key += String.fromCharCode(48 + width);
    }
    let writer = WRITERS.get(key);
    if (writer === undefined) {
      writer = compileWriter(this.fields, widths)!;
      // A call over no rows runs the code after the loop once: without
      // it, the first optimized loop (on-stack replacement) would lack
      // feedback there and be thrown away at the end of every batch.
      writer(this.columns, this.words, b.eType, b.proto, b.mplsCount, this.warmup, 0, 0, 0, 1, this);
      if (WRITERS.size >= MAX_WRITERS) WRITERS.clear();
      WRITERS.set(key, writer);
    }
    this.writer = writer;
  }

  /**
   * encode writes rows from `from` (up to `to`) as length-delimited
   * messages into `out` at `off`, while the offset is below `limit`, and
   * returns the offset after the last one; `next` is then the row after
   * it. The rows must have been prepared, and `out` must hold
   * MAX_MESSAGE_SIZE bytes past any offset below `limit`.
   */
  encode(b: FlowBatch, from: number, to: number, out: Uint8Array, off: number, limit: number = out.length - MAX_MESSAGE_SIZE + 1): number {
    if (b !== this.prepared || from < this.preparedFrom || to > this.preparedTo) {
      throw new RangeError('protobuf encoder: rows not prepared');
    }
    if (limit - 1 + MAX_MESSAGE_SIZE > out.length) throw new RangeError('protobuf encoder: output buffer too small');
    const writer = this.writer;
    if (writer === null) {
      let i = from;
      for (; i < to && off < limit; i++) off = this.interpreted!.encodeRow(b, i, out, off);
      this.next = i;
      return off;
    }
    return writer(this.columns, this.words, b.eType, b.proto, b.mplsCount, out, off, from, to, limit, this);
  }

  /**
   * encodeRow writes row `i` as a length-delimited message into `out` at
   * `off` and returns the offset after it. `out` must have MAX_MESSAGE_SIZE
   * bytes free. It prepares the row alone: for tests, not for hot paths.
   */
  encodeRow(b: FlowBatch, i: number, out: Uint8Array, off: number): number {
    this.prepare(b, i, i + 1);
    return this.encode(b, i, i + 1, out, off, off + 1);
  }

  // resolve finds each field's column in a batch (batches from workers
  // come with their own views).
  private resolve(b: FlowBatch): void {
    this.columns = this.fields.map((f) => f.column(b));
    this.words = this.fields.map((f) => scanWords(f, b));
    this.columnsOf = b;
  }

  // encodeStrings encodes the strings interned since the last batch: the
  // length varint and the UTF-8 bytes, cut to MAX_STRING_BYTES.
  private encodeStrings(): void {
    const t = this.strings;
    const size = t.size;
    if (size > this.stringStarts.length) this.growIds(size);
    let used = this.stringsUsed;
    for (let id = this.encodedStrings; id < size; id++) {
      // Each string starts on a word: the writers copy whole words.
      used = (used + 7) & ~7;
      const from = t.starts[id]!;
      let n = t.lengths[id]!;
      if (n > MAX_STRING_BYTES) n = utf8Cut(t.arena, from, MAX_STRING_BYTES);
      // 2 bytes of length, and 16 of padding for the last copy.
      if (used + n + 2 + 16 > this.stringBytes.length) {
        const words = new BigUint64Array(Math.max(this.stringWords.length * 2, (used + n + 2 + 16 + 7) >> 3));
        const bytes = new Uint8Array(words.buffer);
        bytes.set(this.stringBytes.subarray(0, used));
        this.stringWords = words;
        this.stringBytes = bytes;
      }
      const start = used;
      used = writeVarint(this.stringBytes, used, n);
      this.stringBytes.set(t.arena.subarray(from, from + n), used);
      used += n;
      this.stringStarts[id] = start >> 3;
      this.stringLengths[id] = used - start;
    }
    this.stringsUsed = used;
    this.encodedStrings = size;
  }

  // growIds makes room for ids below `n` in the string tables; ids the
  // string table does not know are written as empty strings (word 0 holds
  // a length of 0).
  private growIds(n: number): void {
    let size = this.stringStarts.length;
    while (size < n) size *= 2;
    const starts = new Int32Array(size);
    starts.set(this.stringStarts);
    this.stringStarts = starts;
    const lengths = new Uint16Array(size).fill(1);
    lengths.set(this.stringLengths);
    this.stringLengths = lengths;
  }

  // coverIds makes sure that the string tables cover the ids of a field:
  // `or` (the OR of its ids) bounds them, and bounds the tables unless
  // it is far larger than any string table gets.
  private coverIds(b: FlowBatch, from: number, to: number, slot: number, or: number): void {
    if (or < MAX_IDS) {
      this.growIds(or + 1);
      return;
    }
    const ids = b.stringIds;
    let max = 0;
    for (let i = from; i < to; i++) max = Math.max(max, ids[i * STRING_COUNT + slot]!);
    if (max >= MAX_IDS) throw new RangeError(`protobuf encoder: string id ${max} out of range`);
    this.growIds(max + 1);
  }
}
