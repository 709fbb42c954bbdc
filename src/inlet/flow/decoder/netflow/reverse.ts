// SPDX-License-Identifier: AGPL-3.0-only
//
// RFC 5103 biflows: the reverse direction of a record becomes a row of its own.
import { MAX_MPLS_LABELS } from '../../batch.ts';
import type { FlowBatch } from '../../batch.ts';

function copy16(from: Uint8Array, to: Uint8Array, src: number, dst: number): void {
  for (let k = 0; k < 16; k++) to[dst + k] = from[src + k]!;
}

/** copyReversed fills row j with row i seen from the other side (RFC 5103 reverse direction). */
export function copyReversed(batch: FlowBatch, i: number, j: number): void {
  const a = i * 16;
  const c = j * 16;
  copy16(batch.dstAddr, batch.srcAddr, a, c);
  copy16(batch.srcAddr, batch.dstAddr, a, c);
  copy16(batch.dstAddrNAT, batch.srcAddrNAT, a, c);
  copy16(batch.srcAddrNAT, batch.dstAddrNAT, a, c);
  copy16(batch.nextHop, batch.nextHop, a, c);
  copy16(batch.exporterAddress, batch.exporterAddress, a, c);
  batch.timeReceived[j] = batch.timeReceived[i]!;
  batch.timeFlowStartMs[j] = batch.timeFlowStartMs[i]!;
  batch.timeFlowEndMs[j] = batch.timeFlowEndMs[i]!;
  batch.samplingRate[j] = batch.samplingRate[i]!;
  batch.srcNetMask[j] = batch.dstNetMask[i]!;
  batch.dstNetMask[j] = batch.srcNetMask[i]!;
  batch.srcAS[j] = batch.dstAS[i]!;
  batch.dstAS[j] = batch.srcAS[i]!;
  batch.inIf[j] = batch.outIf[i]!;
  batch.outIf[j] = batch.inIf[i]!;
  batch.srcVlan[j] = batch.dstVlan[i]!;
  batch.dstVlan[j] = batch.srcVlan[i]!;
  batch.srcPort[j] = batch.dstPort[i]!;
  batch.dstPort[j] = batch.srcPort[i]!;
  batch.srcPortNAT[j] = batch.dstPortNAT[i]!;
  batch.dstPortNAT[j] = batch.srcPortNAT[i]!;
  batch.srcMAC[j] = batch.dstMAC[i]!;
  batch.dstMAC[j] = batch.srcMAC[i]!;
  batch.eType[j] = batch.eType[i]!;
  batch.proto[j] = batch.proto[i]!;
  batch.forwardingStatus[j] = batch.forwardingStatus[i]!;
  batch.flowDirection[j] = batch.flowDirection[i]!;
  batch.ipTTL[j] = batch.ipTTL[i]!;
  batch.ipTos[j] = batch.ipTos[i]!;
  batch.ipv6FlowLabel[j] = batch.ipv6FlowLabel[i]!;
  batch.icmpType[j] = batch.icmpType[i]!;
  batch.icmpCode[j] = batch.icmpCode[i]!;
  batch.mplsCount[j] = batch.mplsCount[i]!;
  for (let k = 0; k < MAX_MPLS_LABELS; k++) {
    batch.mplsLabels[j * MAX_MPLS_LABELS + k] = batch.mplsLabels[i * MAX_MPLS_LABELS + k]!;
  }
}

/**
 * reverseRow fills row j with the reverse direction of row i (RFC 5103):
 * endpoints swapped, reverse counters, and the reverse ToS and TCP flags
 * when the record has them (-1 when not).
 */
export function reverseRow(
  batch: FlowBatch,
  i: number,
  j: number,
  revBytes: number,
  revPkts: number,
  revTos: number,
  revFlags: number,
): void {
  copyReversed(batch, i, j);
  batch.bytes[j] = revBytes;
  batch.packets[j] = revPkts;
  if (revTos >= 0) batch.ipTos[j] = revTos;
  batch.tcpFlags[j] = revFlags >= 0 ? revFlags : 0;
}
