// SPDX-License-Identifier: AGPL-3.0-only
// Builds sFlow v5 datagrams from descriptions, for tests and benchmarks. An
// independent encoder written from sflow_version_5.txt: it shares no code
// with the decoder, so a misreading on one side shows up as a difference.
import { type Packet, XDRWriter, buildPacket, ipBytes } from './packet.ts';

export { type Packet, XDRWriter, buildPacket } from './packet.ts';

/** HeaderRecord is a raw packet header record (flow format 1). */
export interface HeaderRecord {
  type: 'header';
  protocol?: number; // default: 1 (Ethernet) or 11/12 without Ethernet
  frameLength?: number; // default: the full packet length (+4 FCS with Ethernet)
  stripped?: number;
  packet: Packet | Uint8Array;
  /** snap cuts the header at this many bytes (default 128). */
  snap?: number;
}

/** FlowRecord is one record of a flow sample. */
export type FlowRecord =
  | HeaderRecord
  | { type: 'ethernet'; length: number; srcMAC: number; dstMAC: number; etherType: number }
  | {
      type: 'ipv4' | 'ipv6';
      length: number;
      proto: number;
      srcAddr: string;
      dstAddr: string;
      srcPort: number;
      dstPort: number;
      tcpFlags: number;
      tos: number;
    }
  | { type: 'switch'; srcVlan: number; srcPriority?: number; dstVlan: number; dstPriority?: number }
  | { type: 'router'; nextHop: string | null; srcMask: number; dstMask: number }
  | {
      type: 'gateway';
      nextHop: string | null;
      as: number;
      srcAS: number;
      srcPeerAS: number;
      path: Array<{ type: 1 | 2; asns: number[] }>;
      communities?: number[];
      localPref?: number;
    }
  | { type: 'raw'; format: number; data: Uint8Array };

/** FlowSample is a flow sample, compact (format 1) or expanded (format 3). */
export interface FlowSample {
  kind: 'flow';
  expanded?: boolean;
  sequence?: number;
  sourceIdType?: number;
  sourceIdIndex?: number;
  samplingRate: number;
  samplePool?: number;
  drops?: number;
  /** input and output: the 32-bit compact word, or the value of an expanded one. */
  input: number;
  output: number;
  /** inputFormat and outputFormat are the expanded format words (default 0). */
  inputFormat?: number;
  outputFormat?: number;
  records: FlowRecord[];
}

/** CounterSample is a counter sample with one generic interface counters record. */
export interface CounterSample {
  kind: 'counters';
  expanded?: boolean;
  sequence?: number;
  ifIndex: number;
}

/** RawSample is a sample of any type with the given bytes. */
export interface RawSample {
  kind: 'raw';
  type: number;
  data: Uint8Array;
}

/** Sample is any sample of a datagram. */
export type Sample = FlowSample | CounterSample | RawSample;

/** Datagram describes an sFlow v5 datagram. */
export interface Datagram {
  version?: number;
  /** agent is the agent address (IPv4 or IPv6 text), null for UNKNOWN. */
  agent: string | null;
  subAgentId?: number;
  sequence?: number;
  uptime?: number;
  samples: Sample[];
}

function writeRecord(w: XDRWriter, r: FlowRecord): void {
  const d = new XDRWriter();
  let format: number;
  switch (r.type) {
    case 'header': {
      const full = r.packet instanceof Uint8Array ? r.packet : buildPacket(r.packet);
      const ethernet = !(r.packet instanceof Uint8Array) && r.packet.ethernet !== false;
      const ipVersion = r.packet instanceof Uint8Array ? 4 : r.packet.ipVersion;
      const protocol = r.protocol ?? (ethernet ? 1 : ipVersion === 6 ? 12 : 11);
      const header = full.subarray(0, Math.min(full.length, r.snap ?? 128));
      d.u32(protocol).u32(r.frameLength ?? full.length + (ethernet ? 4 : 0)).u32(r.stripped ?? 4);
      d.opaque(header);
      format = 1;
      break;
    }
    case 'ethernet':
      d.u32(r.length).mac(r.srcMAC).u16(0).mac(r.dstMAC).u16(0).u32(r.etherType);
      format = 2;
      break;
    case 'ipv4':
    case 'ipv6': {
      const v6 = r.type === 'ipv6';
      d.u32(r.length).u32(r.proto).raw(ipBytes(r.srcAddr, v6)).raw(ipBytes(r.dstAddr, v6));
      d.u32(r.srcPort).u32(r.dstPort).u32(r.tcpFlags).u32(r.tos);
      format = v6 ? 4 : 3;
      break;
    }
    case 'switch':
      d.u32(r.srcVlan).u32(r.srcPriority ?? 0).u32(r.dstVlan).u32(r.dstPriority ?? 0);
      format = 1001;
      break;
    case 'router':
      d.address(r.nextHop).u32(r.srcMask).u32(r.dstMask);
      format = 1002;
      break;
    case 'gateway': {
      d.address(r.nextHop).u32(r.as).u32(r.srcAS).u32(r.srcPeerAS);
      d.u32(r.path.length);
      for (const segment of r.path) {
        d.u32(segment.type).u32(segment.asns.length);
        for (const asn of segment.asns) d.u32(asn);
      }
      const communities = r.communities ?? [];
      d.u32(communities.length);
      for (const community of communities) d.u32(community);
      d.u32(r.localPref ?? 100);
      format = 1003;
      break;
    }
    case 'raw':
      d.raw(r.data);
      format = r.format;
      break;
  }
  w.u32(format).opaque(d.bytes());
}

function writeSample(w: XDRWriter, s: Sample): void {
  const d = new XDRWriter();
  let type: number;
  if (s.kind === 'flow') {
    d.u32(s.sequence ?? 1);
    if (s.expanded === true) {
      d.u32(s.sourceIdType ?? 0).u32(s.sourceIdIndex ?? s.input);
    } else {
      d.u32(((s.sourceIdType ?? 0) << 24) | ((s.sourceIdIndex ?? s.input) & 0xffffff));
    }
    d.u32(s.samplingRate).u32(s.samplePool ?? s.samplingRate * 10).u32(s.drops ?? 0);
    if (s.expanded === true) {
      d.u32(s.inputFormat ?? 0).u32(s.input).u32(s.outputFormat ?? 0).u32(s.output);
    } else {
      d.u32(s.input).u32(s.output);
    }
    d.u32(s.records.length);
    for (const r of s.records) writeRecord(d, r);
    type = s.expanded === true ? 3 : 1;
  } else if (s.kind === 'counters') {
    d.u32(s.sequence ?? 1);
    if (s.expanded === true) d.u32(0).u32(s.ifIndex);
    else d.u32(s.ifIndex & 0xffffff);
    d.u32(1);
    // if_counters (counter format 1): 88 bytes.
    const ctr = new XDRWriter();
    ctr.u32(s.ifIndex).u32(6).u32(0).u32(1000000000).u32(1).u32(3);
    for (let i = 0; i < 16; i++) ctr.u32(i * 1000);
    d.u32(1).opaque(ctr.bytes());
    type = s.expanded === true ? 4 : 2;
  } else {
    d.raw(s.data);
    type = s.type;
  }
  w.u32(type).opaque(d.bytes());
}

/** buildDatagram serializes an sFlow datagram. */
export function buildDatagram(g: Datagram): Uint8Array {
  const w = new XDRWriter();
  w.u32(g.version ?? 5).address(g.agent);
  w.u32(g.subAgentId ?? 0).u32(g.sequence ?? 1).u32(g.uptime ?? 3600000);
  w.u32(g.samples.length);
  for (const s of g.samples) writeSample(w, s);
  return w.bytes();
}

/**
 * realisticSFlow returns datagrams like those of a busy edge router: 5-7
 * samples each, IPv4 and IPv6, TCP and UDP, some tagged frames, extended
 * switch/router/gateway records and a counter sample among them. For
 * benchmarks and fuzzing.
 */
export function realisticSFlow(): Uint8Array[] {
  const datagrams: Uint8Array[] = [];
  let seq = 1000;
  for (let d = 0; d < 4; d++) {
    const samples: Sample[] = [];
    const count = 5 + (d % 3);
    for (let s = 0; s < count; s++) {
      const n = d * 7 + s;
      if (s === 2 && d % 2 === 0) {
        samples.push({ kind: 'counters', ifIndex: 10 + n, sequence: seq++ });
        continue;
      }
      const v6 = n % 3 === 1;
      const tcp = n % 4 !== 3;
      const packet: Packet = {
        ipVersion: v6 ? 6 : 4,
        srcMAC: 0x0c0000000000 + n,
        dstMAC: 0x0e0000000000 + n,
        vlans: n % 5 === 0 ? [100 + n] : [],
        srcAddr: v6 ? `2001:db8:${n}::${n + 1}` : `198.51.100.${n + 1}`,
        dstAddr: v6 ? `2001:db8:ffff::${n + 2}` : `203.0.113.${n + 2}`,
        proto: tcp ? 6 : 17,
        srcPort: tcp ? 443 : 53,
        dstPort: 32768 + n,
        tcpFlags: 0x18,
        ttl: 60 + n,
        tos: n % 2 === 0 ? 0 : 0x28,
        flowLabel: v6 ? 0x12345 + n : 0,
        payload: 200,
      };
      const records: FlowRecord[] = [
        { type: 'header', packet, frameLength: 1000 + n * 17, snap: 128 },
        { type: 'switch', srcVlan: 100 + (n % 5), dstVlan: 200 + (n % 5) },
      ];
      if (d % 2 === 1) {
        records.push({ type: 'router', nextHop: v6 ? '2001:db8::1' : '192.0.2.1', srcMask: 24, dstMask: v6 ? 48 : 22 });
        records.push({
          type: 'gateway',
          nextHop: v6 ? '2001:db8::1' : '192.0.2.1',
          as: 64500,
          srcAS: 64501 + n,
          srcPeerAS: 64600,
          path: [{ type: 2, asns: [64600, 64700 + n] }],
          communities: [0xfde80064],
          localPref: 100,
        });
      }
      samples.push({
        kind: 'flow',
        expanded: d === 3,
        sequence: seq++,
        samplingRate: 1024 * (1 + (n % 4)),
        input: 1 + (n % 8),
        output: 9 + (n % 8),
        records,
      });
    }
    datagrams.push(buildDatagram({ agent: d === 2 ? '2001:db8::10' : '192.0.2.10', sequence: 500 + d, samples }));
  }
  return datagrams;
}
