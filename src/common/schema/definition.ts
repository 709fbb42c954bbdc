// SPDX-License-Identifier: AGPL-3.0-only

/**
 * FilterKind tells the console's filter language how to read values of a
 * column: which operators apply and how literals are parsed.
 */
export type FilterKind =
  | 'ip'
  | 'prefix'
  | 'string'
  | 'uint'
  | 'asn'
  | 'etype'
  | 'proto'
  | 'boundary'
  | 'direction'
  | 'mac'
  | 'uint-array'
  | 'none';

/** ColumnDefinition describes one column of the flow schema, once, for every consumer. */
export interface ColumnDefinition {
  /** name is the column's name everywhere: ClickHouse, protobuf, console, filters. */
  readonly name: string;
  /** type is the ClickHouse type. */
  readonly type: string;
  /** codec is the ClickHouse compression codec, if not the default. */
  readonly codec?: string;
  /** alias makes the column an ALIAS computed by ClickHouse (never sent by the inlet). */
  readonly alias?: string;
  /** mainOnly keeps the column out of the rolled-up tables (flows_1m0s, ...). */
  readonly mainOnly?: boolean;
  /** disabled columns are off unless `schema.enabled` lists them. */
  readonly disabled?: boolean;
  /** required columns cannot be disabled. */
  readonly required?: boolean;
  /** notDimension keeps the column out of the console's dimensions (counters, times). */
  readonly notDimension?: boolean;
  /** filter is how the filter language reads it. */
  readonly filter: FilterKind;
  /** depends lists columns that must be enabled for this one to make sense. */
  readonly depends?: readonly string[];
}

const BOUNDARY = "Enum8('undefined' = 0, 'external' = 1, 'internal' = 2)";
const DIRECTION = "Enum8('undefined' = 0, 'ingress' = 1, 'egress' = 2)";

// prefixAlias renders SrcAddr/SrcNetMask as "192.0.2.0/24" or "2001:db8::/32".
function prefixAlias(side: 'Src' | 'Dst'): string {
  return (
    `CASE WHEN EType = 0x800 THEN concat(replaceRegexpOne(IPv6CIDRToRange(${side}Addr, (96 + ${side}NetMask)::UInt8).1::String, '^::ffff:', ''), '/', ${side}NetMask::String) ` +
    `WHEN EType = 0x86dd THEN concat(IPv6CIDRToRange(${side}Addr, ${side}NetMask).1::String, '/', ${side}NetMask::String) ELSE '' END`
  );
}

// packetSizeBuckets renders PacketSize as a bucket label ("0-63", "64-127", ...).
function packetSizeBuckets(): string {
  const bounds = [64, 128, 256, 512, 768, 1024, 1280, 1501, 2048, 3072, 4096, 8192, 10240, 16384, 32768, 65536];
  let last = 0;
  const parts: string[] = [];
  for (const b of bounds) {
    parts.push(`PacketSize < ${b}, '${last}-${b - 1}'`);
    last = b;
  }
  return `multiIf(${parts.join(', ')}, '${last}-Inf')`;
}

// both returns the Src and Dst (or InIf and OutIf) versions of a column.
function both(name: string, rest: Omit<ColumnDefinition, 'name'>): ColumnDefinition[] {
  const [a, b] = name.startsWith('InIf') ? ['InIf', 'OutIf'] : ['Src', 'Dst'];
  const other = b + name.slice(a!.length);
  const swap = (s: string | undefined) => (s === undefined ? undefined : s.replaceAll(a!, b!));
  const second: ColumnDefinition = { ...rest, name: other };
  if (rest.alias !== undefined) Object.assign(second, { alias: swap(rest.alias) });
  if (rest.depends !== undefined) Object.assign(second, { depends: rest.depends.map((d) => swap(d)!) });
  return [{ ...rest, name }, second];
}

/**
 * COLUMNS is the flow schema: every column once, in a fixed order (protobuf
 * field numbers follow it, so columns are only ever appended). Names and
 * types follow Akvorado's, so that queries, filters and dashboards carry over.
 */
export const COLUMNS: readonly ColumnDefinition[] = [
  { name: 'TimeReceived', type: 'DateTime', codec: 'DoubleDelta, LZ4', required: true, notDimension: true, filter: 'none' },
  { name: 'SamplingRate', type: 'UInt64', required: true, notDimension: true, filter: 'uint' },
  { name: 'ExporterAddress', type: 'LowCardinality(IPv6)', filter: 'ip' },
  { name: 'ExporterName', type: 'LowCardinality(String)', filter: 'string' },
  { name: 'ExporterGroup', type: 'LowCardinality(String)', filter: 'string' },
  { name: 'ExporterRole', type: 'LowCardinality(String)', filter: 'string' },
  { name: 'ExporterSite', type: 'LowCardinality(String)', filter: 'string' },
  { name: 'ExporterRegion', type: 'LowCardinality(String)', filter: 'string' },
  { name: 'ExporterTenant', type: 'LowCardinality(String)', filter: 'string' },
  ...both('SrcAddr', { type: 'IPv6', codec: 'ZSTD(1)', mainOnly: true, filter: 'ip' }),
  ...both('SrcNetMask', { type: 'UInt8', mainOnly: true, notDimension: true, filter: 'uint' }),
  ...both('SrcNetPrefix', {
    type: 'String',
    alias: prefixAlias('Src'),
    mainOnly: true,
    filter: 'prefix',
    depends: ['SrcAddr', 'SrcNetMask', 'EType'],
  }),
  ...both('SrcAS', { type: 'UInt32', filter: 'asn' }),
  ...both('SrcNetName', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('SrcNetRole', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('SrcNetSite', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('SrcNetRegion', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('SrcNetTenant', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('SrcCountry', { type: 'FixedString(2)', filter: 'string' }),
  ...both('SrcGeoCity', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('SrcGeoState', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('InIfName', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('InIfDescription', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('InIfSpeed', { type: 'UInt32', filter: 'uint' }),
  ...both('InIfConnectivity', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('InIfProvider', { type: 'LowCardinality(String)', filter: 'string' }),
  ...both('InIfBoundary', { type: BOUNDARY, filter: 'boundary' }),
  { name: 'EType', type: 'UInt32', filter: 'etype' },
  { name: 'Proto', type: 'UInt32', filter: 'proto' },
  ...both('SrcPort', { type: 'UInt16', mainOnly: true, filter: 'uint' }),
  { name: 'Bytes', type: 'UInt64', codec: 'T64, LZ4', required: true, notDimension: true, filter: 'uint' },
  { name: 'Packets', type: 'UInt64', codec: 'T64, LZ4', required: true, notDimension: true, filter: 'uint' },
  { name: 'PacketSize', type: 'UInt64', alias: 'intDiv(Bytes, Packets)', filter: 'uint', depends: ['Bytes', 'Packets'] },
  {
    name: 'PacketSizeBucket',
    type: 'LowCardinality(String)',
    alias: packetSizeBuckets(),
    filter: 'string',
    depends: ['PacketSize'],
  },
  { name: 'ForwardingStatus', type: 'UInt32', filter: 'uint' },
  { name: 'FlowDirection', type: DIRECTION, filter: 'direction' },
  ...both('SrcVlan', { type: 'UInt16', disabled: true, filter: 'uint' }),
  ...both('SrcMAC', { type: 'UInt64', disabled: true, filter: 'mac' }),
  ...both('SrcAddrNAT', { type: 'IPv6', disabled: true, mainOnly: true, filter: 'ip' }),
  ...both('SrcPortNAT', { type: 'UInt16', disabled: true, mainOnly: true, filter: 'uint' }),
  { name: 'IPTTL', type: 'UInt8', disabled: true, filter: 'uint' },
  { name: 'IPTos', type: 'UInt8', disabled: true, filter: 'uint' },
  { name: 'IPFragmentID', type: 'UInt32', disabled: true, filter: 'uint' },
  { name: 'IPFragmentOffset', type: 'UInt16', disabled: true, filter: 'uint' },
  { name: 'IPv6FlowLabel', type: 'UInt32', disabled: true, filter: 'uint' },
  { name: 'TCPFlags', type: 'UInt16', disabled: true, filter: 'uint' },
  { name: 'ICMPv4Type', type: 'UInt8', disabled: true, filter: 'uint' },
  { name: 'ICMPv4Code', type: 'UInt8', disabled: true, filter: 'uint' },
  { name: 'ICMPv6Type', type: 'UInt8', disabled: true, filter: 'uint' },
  { name: 'ICMPv6Code', type: 'UInt8', disabled: true, filter: 'uint' },
  {
    name: 'ICMPv4',
    type: 'LowCardinality(String)',
    alias: "if(Proto = 1, dictGetOrDefault('icmp', 'name', tuple(Proto, ICMPv4Type, ICMPv4Code), concat(toString(ICMPv4Type), '/', toString(ICMPv4Code))), '')",
    disabled: true,
    filter: 'string',
    depends: ['Proto', 'ICMPv4Type', 'ICMPv4Code'],
  },
  {
    name: 'ICMPv6',
    type: 'LowCardinality(String)',
    alias: "if(Proto = 58, dictGetOrDefault('icmp', 'name', tuple(Proto, ICMPv6Type, ICMPv6Code), concat(toString(ICMPv6Type), '/', toString(ICMPv6Code))), '')",
    disabled: true,
    filter: 'string',
    depends: ['Proto', 'ICMPv6Type', 'ICMPv6Code'],
  },
  { name: 'NextHop', type: 'LowCardinality(IPv6)', codec: 'ZSTD(1)', disabled: true, filter: 'ip' },
  { name: 'MPLSLabels', type: 'Array(UInt32)', disabled: true, mainOnly: true, filter: 'uint-array' },
  ...['1st', '2nd', '3rd', '4th'].map(
    (nth, i): ColumnDefinition => ({
      name: `MPLS${nth}Label`,
      type: 'UInt32',
      alias: `MPLSLabels[${i + 1}]`,
      disabled: true,
      mainOnly: true,
      filter: 'uint',
      depends: ['MPLSLabels'],
    }),
  ),
];

/** SORTING_KEY is the ORDER BY of the flows tables (columns that are enabled). */
export const SORTING_KEY: readonly string[] = [
  'TimeReceived',
  'ExporterAddress',
  'EType',
  'Proto',
  'InIfName',
  'SrcAS',
  'ForwardingStatus',
  'OutIfName',
  'DstAS',
  'SamplingRate',
];
