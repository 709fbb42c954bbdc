// SPDX-License-Identifier: AGPL-3.0-only
import { MAX_MPLS_LABELS, STRING_COUNT, type FlowBatch } from './batch.ts';

/**
 * copyRow copies row `from` over row `to` in every column; the pipeline and
 * the enricher use it to close the gap left by a dropped flow.
 */
export function copyRow(b: FlowBatch, from: number, to: number): void {
  b.timeReceived[to] = b.timeReceived[from]!;
  b.timeFlowStartMs[to] = b.timeFlowStartMs[from]!;
  b.timeFlowEndMs[to] = b.timeFlowEndMs[from]!;
  b.samplingRate[to] = b.samplingRate[from]!;
  b.exporterAddress.copyWithin(to * 16, from * 16, from * 16 + 16);
  b.srcAddr.copyWithin(to * 16, from * 16, from * 16 + 16);
  b.dstAddr.copyWithin(to * 16, from * 16, from * 16 + 16);
  b.nextHop.copyWithin(to * 16, from * 16, from * 16 + 16);
  b.srcAddrNAT.copyWithin(to * 16, from * 16, from * 16 + 16);
  b.dstAddrNAT.copyWithin(to * 16, from * 16, from * 16 + 16);
  b.srcNetMask[to] = b.srcNetMask[from]!;
  b.dstNetMask[to] = b.dstNetMask[from]!;
  b.srcAS[to] = b.srcAS[from]!;
  b.dstAS[to] = b.dstAS[from]!;
  b.inIf[to] = b.inIf[from]!;
  b.outIf[to] = b.outIf[from]!;
  b.srcVlan[to] = b.srcVlan[from]!;
  b.dstVlan[to] = b.dstVlan[from]!;
  b.eType[to] = b.eType[from]!;
  b.proto[to] = b.proto[from]!;
  b.srcPort[to] = b.srcPort[from]!;
  b.dstPort[to] = b.dstPort[from]!;
  b.srcPortNAT[to] = b.srcPortNAT[from]!;
  b.dstPortNAT[to] = b.dstPortNAT[from]!;
  b.bytes[to] = b.bytes[from]!;
  b.packets[to] = b.packets[from]!;
  b.forwardingStatus[to] = b.forwardingStatus[from]!;
  b.flowDirection[to] = b.flowDirection[from]!;
  b.ipTTL[to] = b.ipTTL[from]!;
  b.ipTos[to] = b.ipTos[from]!;
  b.ipv6FlowLabel[to] = b.ipv6FlowLabel[from]!;
  b.ipFragmentID[to] = b.ipFragmentID[from]!;
  b.ipFragmentOffset[to] = b.ipFragmentOffset[from]!;
  b.tcpFlags[to] = b.tcpFlags[from]!;
  b.icmpType[to] = b.icmpType[from]!;
  b.icmpCode[to] = b.icmpCode[from]!;
  b.srcMAC[to] = b.srcMAC[from]!;
  b.dstMAC[to] = b.dstMAC[from]!;
  b.mplsLabels.copyWithin(to * MAX_MPLS_LABELS, from * MAX_MPLS_LABELS, (from + 1) * MAX_MPLS_LABELS);
  b.mplsCount[to] = b.mplsCount[from]!;
  b.inIfSpeed[to] = b.inIfSpeed[from]!;
  b.outIfSpeed[to] = b.outIfSpeed[from]!;
  b.inIfBoundary[to] = b.inIfBoundary[from]!;
  b.outIfBoundary[to] = b.outIfBoundary[from]!;
  b.srcCountry[to] = b.srcCountry[from]!;
  b.dstCountry[to] = b.dstCountry[from]!;
  b.stringIds.copyWithin(to * STRING_COUNT, from * STRING_COUNT, (from + 1) * STRING_COUNT);
}
