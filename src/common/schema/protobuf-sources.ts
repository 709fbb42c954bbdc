// SPDX-License-Identifier: AGPL-3.0-only
// Where each protobuf field of a flow comes from in a FlowBatch: the kind of
// value (how it is read and written) and the batch column holding it.
import type { FlowBatch, StringColumn } from '../../inlet/flow/batch.ts';

// Kinds: how a column's value is read from the batch and written.
export const OP_U32 = 0; // typed array of integers, one per row
export const OP_F64 = 1; // Float64Array holding integers up to 2^53
export const OP_ADDR = 2; // 16 bytes per row, written as bytes when not all zero
export const OP_DIRECTION = 3; // batch direction (0 in, 1 out, 255 unknown) → enum (1, 2, 0)
export const OP_ICMP4_TYPE = 4;
export const OP_ICMP4_CODE = 5;
export const OP_ICMP6_TYPE = 6;
export const OP_ICMP6_CODE = 7;
export const OP_MPLS = 8;
export const OP_STRINGS = 9; // u32 ids (batch.stringIds) into a string table, written as UTF-8 bytes
export const OP_COUNTRY = 10; // u16 holding two ASCII letters, written as a 2-byte string

/** IntColumn is a batch column of integers. */
export type IntColumn = Uint8Array | Uint16Array | Uint32Array | Float64Array;

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
