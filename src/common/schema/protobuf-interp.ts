// SPDX-License-Identifier: AGPL-3.0-only
import { MAX_MPLS_LABELS, STRING_COUNT, STRING_INDEX, UNKNOWN_DIRECTION, type FlowBatch } from '../../inlet/flow/batch.ts';
import type { StringTable } from '../../inlet/flow/strings.ts';
import {
  OP_ADDR,
  OP_COUNTRY,
  OP_DIRECTION,
  OP_F64,
  OP_ICMP4_CODE,
  OP_ICMP4_TYPE,
  OP_ICMP6_CODE,
  OP_ICMP6_TYPE,
  OP_MPLS,
  OP_STRINGS,
  OP_U32,
  SOURCES,
  STRING_SOURCES,
  type IntColumn,
} from './protobuf-sources.ts';
import { LEN, MAX_MESSAGE_SIZE, MAX_STRING_BYTES, VARINT, utf8Cut, varintSize, writeVarint } from './protobuf-wire.ts';
import type { Schema } from './root.ts';

// Op is one field to write: its tag bytes and where the value comes from.
interface Op {
  kind: number;
  tag: number;
  ints: IntColumn | null;
  bytes: Uint8Array | null;
  /** slots and tags are the STRING_INDEX positions and tags of an OP_STRINGS run (consecutive string fields). */
  slots: Uint8Array | null;
  tags: Uint32Array | null;
}


/**
 * InterpretedWriter writes one flow at a time by walking a list of fields:
 * the protobuf encoder's fallback where code generation is disallowed
 * (--disallow-code-generation-from-strings), and the tests' reference for
 * the generated writers, which must write the same bytes.
 */
export class InterpretedWriter {
  private readonly schema: Schema;
  private readonly strings: StringTable;
  private ops: Op[];
  private opsFor: FlowBatch | null;
  // scratch holds one message while its length is not known yet.
  private readonly scratch: Uint8Array;

  constructor(schema: Schema, strings: StringTable) {
    this.schema = schema;
    this.strings = strings;
    this.ops = [];
    this.opsFor = null;
    this.scratch = new Uint8Array(MAX_MESSAGE_SIZE);
  }

  // compile resolves the ops against a batch's columns (batches from workers
  // come with their own views, so ops are rebuilt when the batch changes).
  private compile(b: FlowBatch): Op[] {
    if (this.opsFor === b) return this.ops;
    const ops: Op[] = [];
    for (const c of this.schema.protobufColumns) {
      const stringColumn = STRING_SOURCES[c.name];
      if (stringColumn !== undefined) {
        // Most string fields are empty for most flows: one tight loop over
        // a run of consecutive ones costs less than a dispatch each.
        const tag = (c.protobuf!.number << 3) | LEN;
        const slot = STRING_INDEX[stringColumn];
        const last = ops[ops.length - 1];
        if (last?.kind === OP_STRINGS) {
          last.slots = Uint8Array.from([...last.slots!, slot]);
          last.tags = Uint32Array.from([...last.tags!, tag]);
        } else {
          ops.push({ kind: OP_STRINGS, tag: 0, ints: b.stringIds, bytes: null, slots: Uint8Array.of(slot), tags: Uint32Array.of(tag) });
        }
        continue;
      }
      const source = SOURCES[c.name];
      if (source === undefined) continue;
      const [kind, column] = source(b);
      const wire = kind === OP_ADDR || kind === OP_MPLS || kind === OP_COUNTRY ? LEN : VARINT;
      const isBytes = kind === OP_ADDR || kind === OP_MPLS;
      ops.push({
        kind,
        tag: (c.protobuf!.number << 3) | wire,
        ints: isBytes && kind === OP_ADDR ? null : (column as IntColumn),
        bytes: kind === OP_ADDR ? (column as Uint8Array) : null,
        slots: null,
        tags: null,
      });
    }
    this.ops = ops;
    this.opsFor = b;
    return ops;
  }

  /**
   * encodeRow writes row `i` as a length-delimited message into `out` at
   * `off` and returns the offset after it. `out` must have MAX_MESSAGE_SIZE
   * bytes free.
   */
  encodeRow(b: FlowBatch, i: number, out: Uint8Array, off: number): number {
    const ops = this.compile(b);
    const s = this.scratch;
    const eType = b.eType[i]!;
    const proto = b.proto[i]!;
    let p = 0;
    for (let k = 0; k < ops.length; k++) {
      const op = ops[k]!;
      let v = 0;
      switch (op.kind) {
        case OP_U32:
        case OP_F64:
          v = op.ints![i]!;
          break;
        case OP_DIRECTION: {
          const d = op.ints![i]!;
          v = d === UNKNOWN_DIRECTION ? 0 : d + 1;
          break;
        }
        case OP_ICMP4_TYPE:
        case OP_ICMP4_CODE:
          v = eType === 0x0800 && proto === 1 ? op.ints![i]! : 0;
          break;
        case OP_ICMP6_TYPE:
        case OP_ICMP6_CODE:
          v = eType === 0x86dd && proto === 58 ? op.ints![i]! : 0;
          break;
        case OP_ADDR: {
          const a = op.bytes!;
          const base = i * 16;
          let any = 0;
          for (let x = 0; x < 16; x++) any |= a[base + x]!;
          if (any === 0) continue;
          p = writeVarint(s, p, op.tag);
          s[p++] = 16;
          for (let x = 0; x < 16; x++) s[p + x] = a[base + x]!;
          p += 16;
          continue;
        }
        case OP_MPLS: {
          const n = b.mplsCount[i]!;
          if (n === 0) continue;
          const labels = op.ints!;
          let len = 0;
          for (let x = 0; x < n; x++) len += varintSize(labels[i * MAX_MPLS_LABELS + x]!);
          p = writeVarint(s, p, op.tag);
          p = writeVarint(s, p, len);
          for (let x = 0; x < n; x++) p = writeVarint(s, p, labels[i * MAX_MPLS_LABELS + x]!);
          continue;
        }
        case OP_STRINGS:
          p = this.writeStrings(s, p, op, i);
          continue;
        case OP_COUNTRY: {
          const c = op.ints![i]!;
          if (c === 0) continue;
          p = writeVarint(s, p, op.tag);
          s[p] = 2;
          s[p + 1] = c >>> 8;
          s[p + 2] = c & 0xff;
          p += 3;
          continue;
        }
      }
      if (v === 0) continue;
      p = writeVarint(s, p, op.tag);
      p = writeVarint(s, p, v);
    }
    off = writeVarint(out, off, p);
    out.set(s.subarray(0, p), off);
    return off + p;
  }

  // writeStrings writes the non-empty fields of an OP_STRINGS run for row
  // `i` (out of encodeRow to keep its per-field loop small).
  private writeStrings(s: Uint8Array, p: number, op: Op, i: number): number {
    const ids = op.ints as Uint32Array;
    const slots = op.slots!;
    const tags = op.tags!;
    const base = i * STRING_COUNT;
    for (let k = 0; k < slots.length; k++) {
      const id = ids[base + slots[k]!]!;
      if (id === 0) continue;
      const strings = this.strings;
      const arena = strings.arena;
      const from = strings.starts[id]!;
      let n = strings.lengths[id]!;
      if (n > MAX_STRING_BYTES) n = utf8Cut(arena, from, MAX_STRING_BYTES);
      p = writeVarint(s, p, tags[k]!);
      p = writeVarint(s, p, n);
      for (let x = 0; x < n; x++) s[p + x] = arena[from + x]!;
      p += n;
    }
    return p;
  }
}
