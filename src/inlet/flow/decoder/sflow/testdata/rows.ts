// SPDX-License-Identifier: AGPL-3.0-only
// Test helpers: read FlowBatch rows back as plain objects.
import { type FlowBatch, MAX_MPLS_LABELS } from '../../../batch.ts';
import { formatIP } from '../../../../../common/helpers/ip.ts';

/** Row is one decoded flow with addresses as text, for assertions. */
export interface Row {
  timeReceived: number;
  samplingRate: number;
  exporterAddress: string;
  srcAddr: string;
  dstAddr: string;
  nextHop: string;
  srcNetMask: number;
  dstNetMask: number;
  srcAS: number;
  dstAS: number;
  inIf: number;
  outIf: number;
  srcVlan: number;
  dstVlan: number;
  eType: number;
  proto: number;
  srcPort: number;
  dstPort: number;
  bytes: number;
  packets: number;
  forwardingStatus: number;
  ipTTL: number;
  ipTos: number;
  ipv6FlowLabel: number;
  ipFragmentID: number;
  ipFragmentOffset: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  srcMAC: number;
  dstMAC: number;
  mplsLabels: number[];
}

/** readRow returns row `i` of `batch`. */
export function readRow(batch: FlowBatch, i: number): Row {
  const at = i * 16;
  const count = batch.mplsCount[i]!;
  return {
    timeReceived: batch.timeReceived[i]!,
    samplingRate: batch.samplingRate[i]!,
    exporterAddress: formatIP(batch.exporterAddress, at),
    srcAddr: formatIP(batch.srcAddr, at),
    dstAddr: formatIP(batch.dstAddr, at),
    nextHop: formatIP(batch.nextHop, at),
    srcNetMask: batch.srcNetMask[i]!,
    dstNetMask: batch.dstNetMask[i]!,
    srcAS: batch.srcAS[i]!,
    dstAS: batch.dstAS[i]!,
    inIf: batch.inIf[i]!,
    outIf: batch.outIf[i]!,
    srcVlan: batch.srcVlan[i]!,
    dstVlan: batch.dstVlan[i]!,
    eType: batch.eType[i]!,
    proto: batch.proto[i]!,
    srcPort: batch.srcPort[i]!,
    dstPort: batch.dstPort[i]!,
    bytes: batch.bytes[i]!,
    packets: batch.packets[i]!,
    forwardingStatus: batch.forwardingStatus[i]!,
    ipTTL: batch.ipTTL[i]!,
    ipTos: batch.ipTos[i]!,
    ipv6FlowLabel: batch.ipv6FlowLabel[i]!,
    ipFragmentID: batch.ipFragmentID[i]!,
    ipFragmentOffset: batch.ipFragmentOffset[i]!,
    tcpFlags: batch.tcpFlags[i]!,
    icmpType: batch.icmpType[i]!,
    icmpCode: batch.icmpCode[i]!,
    srcMAC: batch.srcMAC[i]!,
    dstMAC: batch.dstMAC[i]!,
    mplsLabels: Array.from(batch.mplsLabels.subarray(i * MAX_MPLS_LABELS, i * MAX_MPLS_LABELS + count)),
  };
}

/** pick keeps the keys of `want` from `row`, so that a test compares only what it sets. */
export function pick(row: Row, want: Partial<Row>): Partial<Row> {
  const out: Partial<Row> = {};
  for (const k of Object.keys(want) as Array<keyof Row>) (out as Record<string, unknown>)[k] = row[k];
  return out;
}
