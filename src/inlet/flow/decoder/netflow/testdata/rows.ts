// SPDX-License-Identifier: AGPL-3.0-only
//
// Reading FlowBatch rows back as plain objects, for test assertions.
import { MAX_MPLS_LABELS } from '../../../batch.ts';
import type { FlowBatch } from '../../../batch.ts';
import { formatIP } from '../../../../../common/helpers/ip.ts';

/** ADDRESS_COLUMNS are the columns of 16 bytes per row. */
export const ADDRESS_COLUMNS = ['exporterAddress', 'srcAddr', 'dstAddr', 'nextHop', 'srcAddrNAT', 'dstAddrNAT'];

/** SCALAR_COLUMNS are the columns of one number per row. */
export const SCALAR_COLUMNS = [
  'timeReceived',
  'timeFlowStartMs',
  'timeFlowEndMs',
  'samplingRate',
  'srcNetMask',
  'dstNetMask',
  'srcAS',
  'dstAS',
  'inIf',
  'outIf',
  'srcVlan',
  'dstVlan',
  'eType',
  'proto',
  'srcPort',
  'dstPort',
  'srcPortNAT',
  'dstPortNAT',
  'bytes',
  'packets',
  'forwardingStatus',
  'flowDirection',
  'ipTTL',
  'ipTos',
  'ipv6FlowLabel',
  'ipFragmentID',
  'ipFragmentOffset',
  'tcpFlags',
  'icmpType',
  'icmpCode',
  'srcMAC',
  'dstMAC',
];

/** Row is a FlowBatch row as an object: addresses as text, MPLS labels as an array. */
export type Row = Record<string, number | string | number[]>;

/**
 * rowOf returns row `i` of a batch; with `columns`, only those (and
 * `mplsLabels` when asked for).
 */
export function rowOf(batch: FlowBatch, i: number, columns?: string[]): Row {
  const cols = batch as unknown as Record<string, ArrayLike<number>>;
  const row: Row = {};
  for (const c of columns ?? [...ADDRESS_COLUMNS, ...SCALAR_COLUMNS, 'mplsLabels']) {
    if (ADDRESS_COLUMNS.includes(c)) row[c] = formatIP(batch[c as 'srcAddr'], i * 16);
    else if (c === 'mplsLabels') {
      row[c] = Array.from(batch.mplsLabels.subarray(i * MAX_MPLS_LABELS, i * MAX_MPLS_LABELS + batch.mplsCount[i]!));
    } else row[c] = cols[c]![i]!;
  }
  return row;
}

/** rowsOf returns rows [from, batch.length) restricted to `columns`. */
export function rowsOf(batch: FlowBatch, columns: string[], from = 0): Row[] {
  const out: Row[] = [];
  for (let i = from; i < batch.length; i++) out.push(rowOf(batch, i, columns));
  return out;
}
