// SPDX-License-Identifier: AGPL-3.0-only
import { MAX_MPLS_LABELS, STRING_COUNT, STRING_INDEX, UNKNOWN_DIRECTION, type FlowBatch, type StringColumn } from '../../inlet/flow/batch.ts';
import { STRINGS, type StringTable } from '../../inlet/flow/strings.ts';
import type { Schema } from './root.ts';

/*
 * Protobuf wire format (https://protobuf.dev/programming-guides/encoding/):
 * each field is a tag varint (field number << 3 | wire type) then the value:
 * wire type 0 is a varint, 2 is a length-delimited byte string. Proto3 omits
 * zero values. Messages are written length-delimited (a varint length, then
 * the message), many per Kafka message, as ClickHouse's Protobuf format
 * with length delimiters reads them.
 */

const VARINT = 0;
const LEN = 2;

// Op kinds: how a column's value is read from the batch. Module-local
// constants so that V8 folds them into the switch.
const OP_U32 = 0; // typed array of integers, one per row
const OP_F64 = 1; // Float64Array holding integers up to 2^53
const OP_ADDR = 2; // 16 bytes per row, written as bytes when not all zero
const OP_DIRECTION = 3; // batch direction (0 in, 1 out, 255 unknown) → enum (1, 2, 0)
const OP_ICMP4_TYPE = 4;
const OP_ICMP4_CODE = 5;
const OP_ICMP6_TYPE = 6;
const OP_ICMP6_CODE = 7;
const OP_MPLS = 8;
const OP_STRINGS = 9; // a run of string fields: u32 ids (batch.stringIds) written as UTF-8 bytes
const OP_COUNTRY = 10; // u16 holding two ASCII letters, written as a 2-byte string

type IntColumn = Uint8Array | Uint16Array | Uint32Array | Float64Array;

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
 * SOURCE_KINDS names the kinds of SOURCES for other writers of batch rows
 * (the standalone sink writes the same columns as ClickHouse Native).
 */
export const SOURCE_KINDS = Object.freeze({
  u32: OP_U32,
  f64: OP_F64,
  addr: OP_ADDR,
  direction: OP_DIRECTION,
  icmp4Type: OP_ICMP4_TYPE,
  icmp4Code: OP_ICMP4_CODE,
  icmp6Type: OP_ICMP6_TYPE,
  icmp6Code: OP_ICMP6_CODE,
  mpls: OP_MPLS,
  country: OP_COUNTRY,
});

/** SOURCES maps schema columns to their kind (SOURCE_KINDS) and the batch column holding them. */
export const SOURCES: Readonly<Record<string, (b: FlowBatch) => [number, IntColumn | Uint8Array]>> = {
  TimeReceived: (b) => [OP_U32, b.timeReceived],
  SamplingRate: (b) => [OP_U32, b.samplingRate],
  ExporterAddress: (b) => [OP_ADDR, b.exporterAddress],
  SrcAddr: (b) => [OP_ADDR, b.srcAddr],
  DstAddr: (b) => [OP_ADDR, b.dstAddr],
  SrcNetMask: (b) => [OP_U32, b.srcNetMask],
  DstNetMask: (b) => [OP_U32, b.dstNetMask],
  SrcAS: (b) => [OP_U32, b.srcAS],
  DstAS: (b) => [OP_U32, b.dstAS],
  EType: (b) => [OP_U32, b.eType],
  Proto: (b) => [OP_U32, b.proto],
  SrcPort: (b) => [OP_U32, b.srcPort],
  DstPort: (b) => [OP_U32, b.dstPort],
  Bytes: (b) => [OP_F64, b.bytes],
  Packets: (b) => [OP_F64, b.packets],
  ForwardingStatus: (b) => [OP_U32, b.forwardingStatus],
  FlowDirection: (b) => [OP_DIRECTION, b.flowDirection],
  SrcVlan: (b) => [OP_U32, b.srcVlan],
  DstVlan: (b) => [OP_U32, b.dstVlan],
  SrcMAC: (b) => [OP_F64, b.srcMAC],
  DstMAC: (b) => [OP_F64, b.dstMAC],
  SrcAddrNAT: (b) => [OP_ADDR, b.srcAddrNAT],
  DstAddrNAT: (b) => [OP_ADDR, b.dstAddrNAT],
  SrcPortNAT: (b) => [OP_U32, b.srcPortNAT],
  DstPortNAT: (b) => [OP_U32, b.dstPortNAT],
  IPTTL: (b) => [OP_U32, b.ipTTL],
  IPTos: (b) => [OP_U32, b.ipTos],
  IPFragmentID: (b) => [OP_U32, b.ipFragmentID],
  IPFragmentOffset: (b) => [OP_U32, b.ipFragmentOffset],
  IPv6FlowLabel: (b) => [OP_U32, b.ipv6FlowLabel],
  TCPFlags: (b) => [OP_U32, b.tcpFlags],
  ICMPv4Type: (b) => [OP_ICMP4_TYPE, b.icmpType],
  ICMPv4Code: (b) => [OP_ICMP4_CODE, b.icmpCode],
  ICMPv6Type: (b) => [OP_ICMP6_TYPE, b.icmpType],
  ICMPv6Code: (b) => [OP_ICMP6_CODE, b.icmpCode],
  NextHop: (b) => [OP_ADDR, b.nextHop],
  MPLSLabels: (b) => [OP_MPLS, b.mplsLabels],
  InIfSpeed: (b) => [OP_U32, b.inIfSpeed],
  OutIfSpeed: (b) => [OP_U32, b.outIfSpeed],
  // The batch holds the Enum8 values themselves (0 undefined, 1 external, 2 internal).
  InIfBoundary: (b) => [OP_U32, b.inIfBoundary],
  OutIfBoundary: (b) => [OP_U32, b.outIfBoundary],
  SrcCountry: (b) => [OP_COUNTRY, b.srcCountry],
  DstCountry: (b) => [OP_COUNTRY, b.dstCountry],
};

/** STRING_SOURCES maps schema columns to their string column in the batch. */
export const STRING_SOURCES: Readonly<Record<string, StringColumn>> = {
  ExporterName: 'exporterName',
  ExporterGroup: 'exporterGroup',
  ExporterRole: 'exporterRole',
  ExporterSite: 'exporterSite',
  ExporterRegion: 'exporterRegion',
  ExporterTenant: 'exporterTenant',
  InIfName: 'inIfName',
  OutIfName: 'outIfName',
  InIfDescription: 'inIfDescription',
  OutIfDescription: 'outIfDescription',
  InIfConnectivity: 'inIfConnectivity',
  OutIfConnectivity: 'outIfConnectivity',
  InIfProvider: 'inIfProvider',
  OutIfProvider: 'outIfProvider',
  SrcNetName: 'srcNetName',
  DstNetName: 'dstNetName',
  SrcNetRole: 'srcNetRole',
  DstNetRole: 'dstNetRole',
  SrcNetSite: 'srcNetSite',
  DstNetSite: 'dstNetSite',
  SrcNetRegion: 'srcNetRegion',
  DstNetRegion: 'dstNetRegion',
  SrcNetTenant: 'srcNetTenant',
  DstNetTenant: 'dstNetTenant',
  SrcGeoCity: 'srcGeoCity',
  DstGeoCity: 'dstGeoCity',
  SrcGeoState: 'srcGeoState',
  DstGeoState: 'dstGeoState',
};

/** MAX_STRING_BYTES bounds one string field of a message; longer strings are cut (at a UTF-8 boundary). */
export const MAX_STRING_BYTES = 255;

/**
 * MAX_MESSAGE_SIZE bounds one encoded flow (every column at its widest):
 * about 400 bytes of numbers and addresses plus 28 strings of at most
 * MAX_STRING_BYTES.
 */
export const MAX_MESSAGE_SIZE = 8192;

/**
 * ProtobufEncoder writes the flows of a batch as length-delimited protobuf
 * messages of the schema's FlowMessage. The list of fields is compiled once
 * per (schema, batch); rows only run it. Enriched text columns hold ids
 * into a string table (the process-wide one unless given), whose UTF-8
 * bytes are written as they are.
 */
export class ProtobufEncoder {
  private readonly schema: Schema;
  private readonly strings: StringTable;
  private ops: Op[];
  private opsFor: FlowBatch | null;
  // scratch holds one message while its length is not known yet.
  private readonly scratch: Uint8Array;

  constructor(schema: Schema, strings: StringTable = STRINGS) {
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

// utf8Cut returns the largest length <= max of the string at text[from...]
// that does not split a UTF-8 character.
function utf8Cut(text: Uint8Array, from: number, max: number): number {
  let n = max;
  while (n > 0 && (text[from + n]! & 0xc0) === 0x80) n--;
  return n;
}

/** writeVarint writes a non-negative integer (up to 2^53) as a varint and returns the new offset. */
export function writeVarint(out: Uint8Array, off: number, v: number): number {
  // Bit operations only hold 32 bits: larger values step down by division.
  while (v > 0x7fffffff) {
    out[off++] = (v % 128) | 0x80;
    v = Math.floor(v / 128);
  }
  while (v > 0x7f) {
    out[off++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[off++] = v;
  return off;
}

/** varintSize is the number of bytes writeVarint uses for `v`. */
export function varintSize(v: number): number {
  let n = 1;
  while (v > 0x7f) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}
