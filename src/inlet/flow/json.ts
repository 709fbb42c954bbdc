// SPDX-License-Identifier: AGPL-3.0-only
import { formatIP } from '../../common/helpers/ip.ts';
import { STRING_SOURCES } from '../../common/schema/protobuf.ts';
import { MAX_MPLS_LABELS, UNKNOWN_DIRECTION, type FlowBatch } from './batch.ts';
import { STRINGS, type StringTable } from './strings.ts';

function mac(v: number): string {
  return v
    .toString(16)
    .padStart(12, '0')
    .replace(/(..)(?!$)/g, '$1:');
}

/**
 * rowToJSON renders one flow with the schema's column names, for the debug
 * endpoint and tests. Zero-valued optional columns are left out. Not for the
 * hot path.
 */
export function rowToJSON(b: FlowBatch, i: number): Record<string, unknown> {
  const o: Record<string, unknown> = {
    TimeReceived: b.timeReceived[i],
    SamplingRate: b.samplingRate[i],
    ExporterAddress: formatIP(b.exporterAddress, i * 16),
    SrcAddr: formatIP(b.srcAddr, i * 16),
    DstAddr: formatIP(b.dstAddr, i * 16),
    SrcNetMask: b.srcNetMask[i],
    DstNetMask: b.dstNetMask[i],
    SrcAS: b.srcAS[i],
    DstAS: b.dstAS[i],
    InIf: b.inIf[i],
    OutIf: b.outIf[i],
    EType: b.eType[i],
    Proto: b.proto[i],
    SrcPort: b.srcPort[i],
    DstPort: b.dstPort[i],
    Bytes: b.bytes[i],
    Packets: b.packets[i],
    ForwardingStatus: b.forwardingStatus[i],
  };
  const optional: Array<[string, unknown, boolean]> = [
    ['TimeFlowStartMs', b.timeFlowStartMs[i], b.timeFlowStartMs[i] !== 0],
    ['TimeFlowEndMs', b.timeFlowEndMs[i], b.timeFlowEndMs[i] !== 0],
    ['FlowDirection', b.flowDirection[i], b.flowDirection[i] !== UNKNOWN_DIRECTION],
    ['SrcVlan', b.srcVlan[i], b.srcVlan[i] !== 0],
    ['DstVlan', b.dstVlan[i], b.dstVlan[i] !== 0],
    ['NextHop', formatIP(b.nextHop, i * 16), b.nextHop.subarray(i * 16, i * 16 + 16).some((x) => x !== 0)],
    ['SrcAddrNAT', formatIP(b.srcAddrNAT, i * 16), b.srcAddrNAT.subarray(i * 16, i * 16 + 16).some((x) => x !== 0)],
    ['DstAddrNAT', formatIP(b.dstAddrNAT, i * 16), b.dstAddrNAT.subarray(i * 16, i * 16 + 16).some((x) => x !== 0)],
    ['SrcPortNAT', b.srcPortNAT[i], b.srcPortNAT[i] !== 0],
    ['DstPortNAT', b.dstPortNAT[i], b.dstPortNAT[i] !== 0],
    ['IPTTL', b.ipTTL[i], b.ipTTL[i] !== 0],
    ['IPTos', b.ipTos[i], b.ipTos[i] !== 0],
    ['IPv6FlowLabel', b.ipv6FlowLabel[i], b.ipv6FlowLabel[i] !== 0],
    ['IPFragmentID', b.ipFragmentID[i], b.ipFragmentID[i] !== 0],
    ['IPFragmentOffset', b.ipFragmentOffset[i], b.ipFragmentOffset[i] !== 0],
    ['TCPFlags', b.tcpFlags[i], b.tcpFlags[i] !== 0],
    ['ICMPType', b.icmpType[i], b.icmpType[i] !== 0 || b.icmpCode[i] !== 0],
    ['ICMPCode', b.icmpCode[i], b.icmpType[i] !== 0 || b.icmpCode[i] !== 0],
    ['SrcMAC', mac(b.srcMAC[i]!), b.srcMAC[i] !== 0],
    ['DstMAC', mac(b.dstMAC[i]!), b.dstMAC[i] !== 0],
    [
      'MPLSLabels',
      [...b.mplsLabels.subarray(i * MAX_MPLS_LABELS, i * MAX_MPLS_LABELS + b.mplsCount[i]!)],
      b.mplsCount[i] !== 0,
    ],
  ];
  for (const [k, v, present] of optional) if (present) o[k] = v;
  return o;
}

// BOUNDARIES names the values of InIfBoundary/OutIfBoundary (the schema's Enum8).
const BOUNDARIES = ['undefined', 'external', 'internal'];

function country(c: number): string {
  return String.fromCharCode(c >>> 8, c & 0xff);
}

/**
 * enrichedRowToJSON renders one flow as rowToJSON does, plus the columns
 * enrichment fills (exporter and interface names, classification, speeds,
 * boundaries, countries, networks, GeoIP city and state), their text read
 * from `strings`. Empty ones are left out, as the protobuf encoder leaves
 * them out. Not for the hot path.
 */
export function enrichedRowToJSON(b: FlowBatch, i: number, strings: StringTable = STRINGS): Record<string, unknown> {
  const o = rowToJSON(b, i);
  for (const [name, column] of Object.entries(STRING_SOURCES)) {
    const id = b.stringId(i, column);
    if (id !== 0) o[name] = strings.text(id);
  }
  if (b.inIfSpeed[i] !== 0) o.InIfSpeed = b.inIfSpeed[i];
  if (b.outIfSpeed[i] !== 0) o.OutIfSpeed = b.outIfSpeed[i];
  if (b.inIfBoundary[i] !== 0) o.InIfBoundary = BOUNDARIES[b.inIfBoundary[i]!] ?? b.inIfBoundary[i];
  if (b.outIfBoundary[i] !== 0) o.OutIfBoundary = BOUNDARIES[b.outIfBoundary[i]!] ?? b.outIfBoundary[i];
  if (b.srcCountry[i] !== 0) o.SrcCountry = country(b.srcCountry[i]!);
  if (b.dstCountry[i] !== 0) o.DstCountry = country(b.dstCountry[i]!);
  return o;
}
