// SPDX-License-Identifier: AGPL-3.0-only
//
// Builders of NetFlow v5, NetFlow v9 and IPFIX datagrams for tests and
// benchmarks. Not for production code: they allocate freely.
import { parseIP } from '../../../../../common/helpers/ip.ts';
import { mulberry32 } from '../../../../../common/helpers/random.ts';

export { mulberry32 };

/** FieldSpec is a template field: information element, length (65535 = variable) and enterprise number. */
export interface FieldSpec {
  id: number;
  length: number;
  pen?: number;
}

/** Value is a field value: an integer, an address or MAC as text, or raw bytes. */
export type Value = number | bigint | string | Uint8Array;

/** TemplateSpec describes a data template. */
export interface TemplateSpec {
  id: number;
  fields: FieldSpec[];
}

/** OptionsTemplateSpec describes an options template: scope fields first. */
export interface OptionsTemplateSpec {
  id: number;
  scopes: FieldSpec[];
  fields: FieldSpec[];
}

/** Writer appends big-endian values to a growing byte array. */
export class Writer {
  readonly bytes: number[] = [];

  /** u8 appends one byte. */
  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }

  /** u16 appends two bytes. */
  u16(v: number): this {
    return this.u8(v >>> 8).u8(v);
  }

  /** u32 appends four bytes. */
  u32(v: number): this {
    return this.u16(Math.floor(v / 65536) & 0xffff).u16(v & 0xffff);
  }

  /** uint appends an unsigned integer on `len` bytes. */
  uint(v: number | bigint, len: number): this {
    let x = BigInt(v);
    const out: number[] = [];
    for (let k = 0; k < len; k++) {
      out.unshift(Number(x & 0xffn));
      x >>= 8n;
    }
    for (const o of out) this.u8(o);
    return this;
  }

  /** raw appends bytes. */
  raw(b: Uint8Array | number[]): this {
    for (const x of b) this.u8(x);
    return this;
  }

  /** finish returns the bytes written. */
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function textBytes(spec: FieldSpec, v: string): Uint8Array {
  if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v)) return Uint8Array.from(v.split(':').map((x) => parseInt(x, 16)));
  const ip = parseIP(v);
  if (ip !== null && spec.length !== 65535) return spec.length === 4 ? ip.subarray(12) : ip;
  return new TextEncoder().encode(v);
}

/** encodeValue appends the encoding of `v` for field `spec` (variable-length prefix included). */
export function encodeValue(w: Writer, spec: FieldSpec, v: Value): void {
  if (typeof v === 'number' || typeof v === 'bigint') {
    w.uint(v, spec.length === 65535 ? 8 : spec.length);
    return;
  }
  const bytes = typeof v === 'string' ? textBytes(spec, v) : v;
  if (spec.length === 65535) {
    if (bytes.length < 255) w.u8(bytes.length);
    else w.u8(255).u16(bytes.length);
  } else if (bytes.length !== spec.length) {
    throw new RangeError(`field ${spec.id}: value of ${bytes.length} bytes, length ${spec.length}`);
  }
  w.raw(bytes);
}

/** encodeRecord encodes one data record with the fields of a template. */
export function encodeRecord(fields: FieldSpec[], values: Value[]): Uint8Array {
  const w = new Writer();
  fields.forEach((spec, k) => encodeValue(w, spec, values[k] ?? 0));
  return w.finish();
}

function set(id: number, body: Uint8Array, pad: boolean): Uint8Array {
  const padding = pad ? (4 - ((body.length + 4) % 4)) % 4 : 0;
  const w = new Writer().u16(id).u16(body.length + 4 + padding).raw(body);
  for (let k = 0; k < padding; k++) w.u8(0);
  return w.finish();
}

function specs(w: Writer, fields: FieldSpec[], enterprise: boolean): void {
  for (const f of fields) {
    if (enterprise && f.pen !== undefined) w.u16(f.id | 0x8000).u16(f.length).u32(f.pen);
    else w.u16(f.id).u16(f.length);
  }
}

/** dataSet builds a data set (v9 FlowSet or IPFIX Set) of records, padded to 4 bytes. */
export function dataSet(id: number, fields: FieldSpec[], records: Value[][], pad = true): Uint8Array {
  const w = new Writer();
  for (const r of records) w.raw(encodeRecord(fields, r));
  return set(id, w.finish(), pad);
}

/** rawSet builds a set from an id and a body as is. */
export function rawSet(id: number, body: Uint8Array | number[]): Uint8Array {
  return set(id, Uint8Array.from(body), false);
}

/** v9TemplateFlowSet builds a NetFlow v9 template FlowSet (id 0). */
export function v9TemplateFlowSet(templates: TemplateSpec[]): Uint8Array {
  const w = new Writer();
  for (const t of templates) {
    w.u16(t.id).u16(t.fields.length);
    specs(w, t.fields, false);
  }
  return set(0, w.finish(), true);
}

/** v9OptionsTemplateFlowSet builds a NetFlow v9 options template FlowSet (id 1). */
export function v9OptionsTemplateFlowSet(templates: OptionsTemplateSpec[]): Uint8Array {
  const w = new Writer();
  for (const t of templates) {
    w.u16(t.id).u16(t.scopes.length * 4).u16(t.fields.length * 4);
    specs(w, t.scopes, false);
    specs(w, t.fields, false);
  }
  return set(1, w.finish(), true);
}

/** V9Header holds the NetFlow v9 header values. */
export interface V9Header {
  sysUptime: number;
  unixSecs: number;
  sequence?: number;
  sourceId?: number;
  count?: number;
}

/** v9Datagram builds a NetFlow v9 datagram from its header and FlowSets. */
export function v9Datagram(h: V9Header, flowsets: Uint8Array[]): Uint8Array {
  const w = new Writer()
    .u16(9)
    .u16(h.count ?? flowsets.length)
    .u32(h.sysUptime)
    .u32(h.unixSecs)
    .u32(h.sequence ?? 0)
    .u32(h.sourceId ?? 0);
  for (const s of flowsets) w.raw(s);
  return w.finish();
}

/** ipfixTemplateSet builds an IPFIX template set (id 2). */
export function ipfixTemplateSet(templates: TemplateSpec[]): Uint8Array {
  const w = new Writer();
  for (const t of templates) {
    w.u16(t.id).u16(t.fields.length);
    specs(w, t.fields, true);
  }
  return set(2, w.finish(), false);
}

/** ipfixOptionsTemplateSet builds an IPFIX options template set (id 3). */
export function ipfixOptionsTemplateSet(templates: OptionsTemplateSpec[]): Uint8Array {
  const w = new Writer();
  for (const t of templates) {
    w.u16(t.id).u16(t.scopes.length + t.fields.length).u16(t.scopes.length);
    specs(w, t.scopes, true);
    specs(w, t.fields, true);
  }
  return set(3, w.finish(), false);
}

/** ipfixWithdrawalSet builds a set withdrawing templates (2 or 3 withdraws them all). */
export function ipfixWithdrawalSet(ids: number[], options = false): Uint8Array {
  const w = new Writer();
  for (const id of ids) w.u16(id).u16(0);
  return set(options ? 3 : 2, w.finish(), false);
}

/** IPFIXHeader holds the IPFIX message header values. */
export interface IPFIXHeader {
  exportTime: number;
  sequence?: number;
  domainId?: number;
}

/** ipfixMessage builds an IPFIX message from its header and sets. */
export function ipfixMessage(h: IPFIXHeader, sets: Uint8Array[]): Uint8Array {
  const length = 16 + sets.reduce((n, s) => n + s.length, 0);
  const w = new Writer()
    .u16(10)
    .u16(length)
    .u32(h.exportTime)
    .u32(h.sequence ?? 0)
    .u32(h.domainId ?? 0);
  for (const s of sets) w.raw(s);
  return w.finish();
}

/** V5Header holds the NetFlow v5 header values. */
export interface V5Header {
  sysUptime: number;
  unixSecs: number;
  unixNsecs?: number;
  sequence?: number;
  engineType?: number;
  engineId?: number;
  samplingInterval?: number;
  count?: number;
}

/** V5Record holds the values of a NetFlow v5 record. */
export interface V5Record {
  src: string;
  dst: string;
  nextHop?: string;
  input?: number;
  output?: number;
  packets: number;
  bytes: number;
  first: number;
  last: number;
  srcPort: number;
  dstPort: number;
  tcpFlags?: number;
  proto: number;
  tos?: number;
  srcAS?: number;
  dstAS?: number;
  srcMask?: number;
  dstMask?: number;
}

/** v5Datagram builds a NetFlow v5 datagram. */
export function v5Datagram(h: V5Header, records: V5Record[]): Uint8Array {
  const w = new Writer()
    .u16(5)
    .u16(h.count ?? records.length)
    .u32(h.sysUptime)
    .u32(h.unixSecs)
    .u32(h.unixNsecs ?? 0)
    .u32(h.sequence ?? 0)
    .u8(h.engineType ?? 0)
    .u8(h.engineId ?? 0)
    .u16(h.samplingInterval ?? 0);
  const v4 = (s: string): Uint8Array => parseIP(s)!.subarray(12);
  for (const r of records) {
    w.raw(v4(r.src))
      .raw(v4(r.dst))
      .raw(v4(r.nextHop ?? '0.0.0.0'))
      .u16(r.input ?? 0)
      .u16(r.output ?? 0)
      .u32(r.packets)
      .u32(r.bytes)
      .u32(r.first)
      .u32(r.last)
      .u16(r.srcPort)
      .u16(r.dstPort)
      .u8(0)
      .u8(r.tcpFlags ?? 0)
      .u8(r.proto)
      .u8(r.tos ?? 0)
      .u16(r.srcAS ?? 0)
      .u16(r.dstAS ?? 0)
      .u8(r.srcMask ?? 0)
      .u8(r.dstMask ?? 0)
      .u16(0);
  }
  return w.finish();
}

const F = (id: number, length: number): FieldSpec => ({ id, length });


/** Realistic is a set of realistic datagrams: the template datagram (null for v5) and data datagrams. */
export interface Realistic {
  templates: Uint8Array | null;
  datagrams: Uint8Array[];
  /** records is the number of flow records in `datagrams`. */
  records: number;
}

// A flow between a customer and a remote network, from one exporter.
interface Flow {
  v6: boolean;
  src: string;
  dst: string;
  nextHop: string;
  srcPort: number;
  dstPort: number;
  proto: number;
  tcpFlags: number;
  tos: number;
  bytes: number;
  packets: number;
  inIf: number;
  outIf: number;
  srcAS: number;
  dstAS: number;
  srcMask: number;
  dstMask: number;
  ageMs: number;
  durationMs: number;
}

function randomFlow(rand: () => number, v6: boolean): Flow {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(xs: T[]): T => xs[int(xs.length)]!;
  const remotePort = pick([443, 443, 443, 80, 53, 123, 993, 8080]);
  const localPort = 1024 + int(64000);
  const inbound = rand() < 0.6;
  const proto = remotePort === 53 || remotePort === 123 ? 17 : rand() < 0.97 ? 6 : 17;
  const packets = 1 + int(rand() < 0.8 ? 20 : 2000);
  const hex = (n: number): string => int(n).toString(16);
  const remote = v6
    ? `2001:db8:${hex(65536)}::${hex(65536)}`
    : `${pick([8, 34, 52, 104, 142, 151, 172, 185])}.${int(256)}.${int(256)}.${1 + int(254)}`;
  const local = v6 ? `2a00:1450:4007:${hex(4096)}::${hex(4095)}1` : `192.0.${int(4)}.${1 + int(254)}`;
  return {
    v6,
    src: inbound ? remote : local,
    dst: inbound ? local : remote,
    nextHop: v6 ? 'fe80::1' : `10.0.0.${1 + int(8)}`,
    srcPort: inbound ? remotePort : localPort,
    dstPort: inbound ? localPort : remotePort,
    proto,
    tcpFlags: proto === 6 ? pick([0x10, 0x18, 0x1b, 0x02, 0x11]) : 0,
    tos: pick([0, 0, 0, 0x28, 0xb8]),
    bytes: packets * (40 + int(1460)),
    packets,
    inIf: inbound ? 1 + int(4) : 10 + int(38),
    outIf: inbound ? 10 + int(38) : 1 + int(4),
    srcAS: inbound ? pick([15169, 16509, 13335, 32934, 2906, 20940]) : 64500,
    dstAS: inbound ? 64500 : pick([15169, 16509, 13335, 32934, 2906, 20940]),
    srcMask: v6 ? 48 : 24,
    dstMask: v6 ? 64 : 24,
    ageMs: int(60000),
    durationMs: int(30000),
  };
}

/** realisticV5 returns `n` NetFlow v5 datagrams of 30 records each. */
export function realisticV5(n: number, seed = 5): Realistic {
  const rand = mulberry32(seed);
  const datagrams: Uint8Array[] = [];
  for (let d = 0; d < n; d++) {
    const uptime = 3_600_000 + d * 1000;
    const records: V5Record[] = [];
    for (let r = 0; r < 30; r++) {
      const f = randomFlow(rand, false);
      const last = uptime - f.ageMs;
      records.push({ ...f, input: f.inIf, output: f.outIf, first: last - f.durationMs, last });
    }
    const header = { sysUptime: uptime, unixSecs: 1_700_000_000 + d, sequence: d * 30, samplingInterval: 0x4000 | 1000 };
    datagrams.push(v5Datagram(header, records));
  }
  return { templates: null, datagrams, records: n * 30 };
}

const V9_COMMON: FieldSpec[] = [
  { id: 1, length: 4 }, // IN_BYTES
  { id: 2, length: 4 }, // IN_PKTS
  { id: 4, length: 1 }, // PROTOCOL
  { id: 5, length: 1 }, // SRC_TOS
  { id: 6, length: 1 }, // TCP_FLAGS
  { id: 7, length: 2 }, // L4_SRC_PORT
  { id: 11, length: 2 }, // L4_DST_PORT
  { id: 10, length: 4 }, // INPUT_SNMP
  { id: 14, length: 4 }, // OUTPUT_SNMP
  { id: 16, length: 4 }, // SRC_AS
  { id: 17, length: 4 }, // DST_AS
  { id: 21, length: 4 }, // LAST_SWITCHED
  { id: 22, length: 4 }, // FIRST_SWITCHED
  { id: 61, length: 1 }, // DIRECTION
  { id: 48, length: 1 }, // FLOW_SAMPLER_ID
];
/** V9_TEMPLATE_V4 and V9_TEMPLATE_V6 are the templates of realisticV9. */
export const V9_TEMPLATE_V4: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 15, length: 4 },
  { id: 9, length: 1 },
  { id: 13, length: 1 },
  ...V9_COMMON,
];
export const V9_TEMPLATE_V6: FieldSpec[] = [
  { id: 27, length: 16 },
  { id: 28, length: 16 },
  { id: 62, length: 16 },
  { id: 29, length: 1 },
  { id: 30, length: 1 },
  ...V9_COMMON,
];

// flowValues lists the values of the common fields, with the two time fields in template order.
function flowValues(f: Flow, time1: number, time2: number): Value[] {
  return [
    f.src,
    f.dst,
    f.nextHop,
    f.srcMask,
    f.dstMask,
    f.bytes,
    f.packets,
    f.proto,
    f.tos,
    f.tcpFlags,
    f.srcPort,
    f.dstPort,
    f.inIf,
    f.outIf,
    f.srcAS,
    f.dstAS,
    time1,
    time2,
  ];
}

// Values for V9_TEMPLATE_*: LAST_SWITCHED then FIRST_SWITCHED, direction, sampler 1.
function v9Values(f: Flow, uptime: number): Value[] {
  return [...flowValues(f, uptime - f.ageMs, uptime - f.ageMs - f.durationMs), 0, 1];
}

/** realisticV9 returns a template datagram and `n` NetFlow v9 datagrams of 24 records (21 IPv4, 3 IPv6). */
export function realisticV9(n: number, seed = 9): Realistic {
  const rand = mulberry32(seed);
  const h = (d: number): V9Header => ({
    sysUptime: 3_600_000 + d * 1000,
    unixSecs: 1_700_000_000 + d,
    sequence: d,
    sourceId: 0,
  });
  const options = [F(48, 1), F(34, 4), F(35, 1)];
  const templates = v9Datagram(h(0), [
    v9TemplateFlowSet([{ id: 256, fields: V9_TEMPLATE_V4 }, { id: 257, fields: V9_TEMPLATE_V6 }]),
    // Sampler 1: 1 packet out of 1,000, random (RFC 3954 SAMPLING_ALGORITHM 2).
    v9OptionsTemplateFlowSet([{ id: 258, scopes: [F(1, 4)], fields: options }]),
    dataSet(258, [F(1, 4), ...options], [[0, 1, 1000, 2]]),
  ]);
  const datagrams: Uint8Array[] = [];
  for (let d = 0; d < n; d++) {
    const uptime = 3_600_000 + d * 1000;
    const v4: Value[][] = [];
    const v6: Value[][] = [];
    for (let r = 0; r < 21; r++) v4.push(v9Values(randomFlow(rand, false), uptime));
    for (let r = 0; r < 3; r++) v6.push(v9Values(randomFlow(rand, true), uptime));
    datagrams.push(v9Datagram(h(d), [dataSet(256, V9_TEMPLATE_V4, v4), dataSet(257, V9_TEMPLATE_V6, v6)]));
  }
  return { templates, datagrams, records: n * 24 };
}

const IPFIX_COMMON: FieldSpec[] = [
  { id: 1, length: 8 }, // octetDeltaCount
  { id: 2, length: 4 }, // packetDeltaCount (reduced size)
  { id: 4, length: 1 }, // protocolIdentifier
  { id: 5, length: 1 }, // ipClassOfService
  { id: 6, length: 1 }, // tcpControlBits
  { id: 7, length: 2 }, // sourceTransportPort
  { id: 11, length: 2 }, // destinationTransportPort
  { id: 10, length: 4 }, // ingressInterface
  { id: 14, length: 4 }, // egressInterface
  { id: 16, length: 4 }, // bgpSourceAsNumber
  { id: 17, length: 4 }, // bgpDestinationAsNumber
  { id: 152, length: 8 }, // flowStartMilliseconds
  { id: 153, length: 8 }, // flowEndMilliseconds
  { id: 48, length: 1 }, // samplerId
];
/** IPFIX_TEMPLATE_V4 and IPFIX_TEMPLATE_V6 are the templates of realisticIPFIX. */
export const IPFIX_TEMPLATE_V4: FieldSpec[] = [
  { id: 8, length: 4 },
  { id: 12, length: 4 },
  { id: 15, length: 4 },
  { id: 9, length: 1 },
  { id: 13, length: 1 },
  ...IPFIX_COMMON,
];
export const IPFIX_TEMPLATE_V6: FieldSpec[] = [
  { id: 27, length: 16 },
  { id: 28, length: 16 },
  { id: 62, length: 16 },
  { id: 29, length: 1 },
  { id: 30, length: 1 },
  ...IPFIX_COMMON,
];

/** realisticIPFIX returns a template message and `n` IPFIX messages of 20 records (17 IPv4, 3 IPv6). */
export function realisticIPFIX(n: number, seed = 10): Realistic {
  const rand = mulberry32(seed);
  const h = (d: number): IPFIXHeader => ({ exportTime: 1_700_000_000 + d, sequence: d * 20, domainId: 1 });
  const options: FieldSpec[] = [{ id: 48, length: 1 }, { id: 305, length: 4 }, { id: 306, length: 4 }];
  const templates = ipfixMessage(h(0), [
    ipfixTemplateSet([{ id: 256, fields: IPFIX_TEMPLATE_V4 }, { id: 257, fields: IPFIX_TEMPLATE_V6 }]),
    ipfixOptionsTemplateSet([{ id: 258, scopes: options.slice(0, 1), fields: options.slice(1) }]),
    dataSet(258, options, [[1, 1, 999]], false),
  ]);
  const datagrams: Uint8Array[] = [];
  for (let d = 0; d < n; d++) {
    const nowMs = (1_700_000_000 + d) * 1000;
    const values = (f: Flow): Value[] => [...flowValues(f, nowMs - f.ageMs - f.durationMs, nowMs - f.ageMs), 1];
    const v4: Value[][] = [];
    const v6: Value[][] = [];
    for (let r = 0; r < 17; r++) v4.push(values(randomFlow(rand, false)));
    for (let r = 0; r < 3; r++) v6.push(values(randomFlow(rand, true)));
    const sets = [dataSet(256, IPFIX_TEMPLATE_V4, v4, false), dataSet(257, IPFIX_TEMPLATE_V6, v6, false)];
    datagrams.push(ipfixMessage(h(d), sets));
  }
  return { templates, datagrams, records: n * 20 };
}
