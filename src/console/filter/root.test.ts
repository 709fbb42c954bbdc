// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Schema } from '../../common/schema/root.ts';
import { FilterError, MAX_FILTER_LENGTH, MAX_FILTER_NESTING, parseFilter, type FilterProblem } from './root.ts';

const schema = new Schema({
  enabled: ['SrcMAC', 'DstMAC', 'MPLSLabels', 'MPLS1stLabel', 'NextHop', 'IPTTL'],
  disabled: ['ExporterTenant'],
  mainTableOnly: [],
  notMainTableOnly: [],
});

// docSchema enables what the documentation's examples use.
const docSchema = new Schema({ enabled: ['MPLSLabels'], disabled: [], mainTableOnly: [], notMainTableOnly: [] });

type Params = Record<string, string | number>;
type Case =
  | { at: string; filter: string; sql: string; params: Params }
  | { at: string; filter: string; error: string; offset: number };
const cases: Case[] = [];

// mark is where the case was written (file:line), so that a failure points at it.
function mark(): string {
  const frame = new Error().stack!.split('\n')[3] ?? '';
  return /([^/ (]+:\d+):\d+\)?$/.exec(frame)?.[1] ?? '?';
}
// ok adds a filter and the SQL and parameters it compiles to.
function ok(filter: string, sql: string, params: Params = {}): void {
  cases.push({ at: mark(), filter, sql, params });
}
// bad adds a filter and its first error: message and offset.
function bad(filter: string, error: string, offset: number): void {
  cases.push({ at: mark(), filter, error, offset });
}

// Empty filters, blanks and comments.
ok('', '1');
ok('   \n\t ', '1');
ok('-- nothing', '1');
ok('/* nothing */', '1');
ok('/* a */ -- b\n', '1');
// Comparisons on integer columns, with the column's own type.
ok('SrcPort = 80', 'SrcPort = {p0:UInt16}', { p0: 80 });
ok('SrcPort=80', 'SrcPort = {p0:UInt16}', { p0: 80 });
ok('SrcPort != 80', 'SrcPort != {p0:UInt16}', { p0: 80 });
ok('SrcPort < 1024', 'SrcPort < {p0:UInt16}', { p0: 1024 });
ok('SrcPort <= 1024', 'SrcPort <= {p0:UInt16}', { p0: 1024 });
ok('SrcPort > 1024', 'SrcPort > {p0:UInt16}', { p0: 1024 });
ok('SrcPort >= 1024', 'SrcPort >= {p0:UInt16}', { p0: 1024 });
ok('SrcPort = 0', 'SrcPort = {p0:UInt16}', { p0: 0 });
ok('SrcPort = 65535', 'SrcPort = {p0:UInt16}', { p0: 65535 });
ok('SrcPort = "443"', 'SrcPort = {p0:UInt16}', { p0: 443 });
ok('DstPort IN (80, 443)', 'DstPort IN ({p0:UInt16}, {p1:UInt16})', { p0: 80, p1: 443 });
ok('DstPort NOTIN (80)', 'DstPort NOT IN ({p0:UInt16})', { p0: 80 });
ok('DstPort in(80,443)', 'DstPort IN ({p0:UInt16}, {p1:UInt16})', { p0: 80, p1: 443 });
ok('SrcNetMask = 24', 'SrcNetMask = {p0:UInt8}', { p0: 24 });
ok('IPTTL < 5', 'IPTTL < {p0:UInt8}', { p0: 5 });
ok('InIfSpeed >= 100000', 'InIfSpeed >= {p0:UInt32}', { p0: 100000 });
ok('ForwardingStatus = 64', 'ForwardingStatus = {p0:UInt32}', { p0: 64 });
ok('Bytes > 1000000', 'Bytes > {p0:UInt64}', { p0: 1000000 });
ok('Packets > 9007199254740991', 'Packets > {p0:UInt64}', { p0: 9007199254740991 });
ok('Packets > 9007199254740992', 'Packets > {p0:UInt64}', { p0: '9007199254740992' });
ok('SamplingRate = 18446744073709551615', 'SamplingRate = {p0:UInt64}', { p0: '18446744073709551615' });
ok('PacketSize >= 1500', 'PacketSize >= {p0:UInt64}', { p0: 1500 });
ok('MPLS1stLabel = 16', 'MPLS1stLabel = {p0:UInt32}', { p0: 16 });
// Column against column.
ok('SrcPort < DstPort', 'SrcPort < DstPort');
ok('SrcAS != DstAS', 'SrcAS != DstAS');
ok('SrcAS = dstas', 'SrcAS = DstAS');
ok('InIfProvider != OutIfProvider', 'InIfProvider != OutIfProvider');
ok('ExporterName = InIfName', 'ExporterName = InIfName');
ok('ExporterName = "InIfName"', 'ExporterName = {p0:String}', { p0: 'InIfName' });
// AS numbers.
ok('SrcAS = AS12322', 'SrcAS = {p0:UInt32}', { p0: 12322 });
ok('SrcAS = as12322', 'SrcAS = {p0:UInt32}', { p0: 12322 });
ok('SrcAS = 12322', 'SrcAS = {p0:UInt32}', { p0: 12322 });
ok('SrcAS = AS4294967295', 'SrcAS = {p0:UInt32}', { p0: 4294967295 });
ok('SrcAS IN (AS12322, 29447)', 'SrcAS IN ({p0:UInt32}, {p1:UInt32})', { p0: 12322, p1: 29447 });
ok('DstAS NOTIN (AS15169, AS13335)', 'DstAS NOT IN ({p0:UInt32}, {p1:UInt32})', { p0: 15169, p1: 13335 });
ok('DstAS > AS64511', 'DstAS > {p0:UInt32}', { p0: 64511 });
// Strings.
ok('ExporterName = "th2-edge1"', 'ExporterName = {p0:String}', { p0: 'th2-edge1' });
ok("ExporterName = 'th2-edge1'", 'ExporterName = {p0:String}', { p0: 'th2-edge1' });
ok('ExporterName = th2-edge1', 'ExporterName = {p0:String}', { p0: 'th2-edge1' });
ok('ExporterName != "x"', 'ExporterName != {p0:String}', { p0: 'x' });
ok('ExporterName LIKE th2-%', 'ExporterName LIKE {p0:String}', { p0: 'th2-%' });
ok('ExporterName UNLIKE "th2-%"', 'ExporterName NOT LIKE {p0:String}', { p0: 'th2-%' });
ok('ExporterName ILIKE "TH2-%"', 'ExporterName ILIKE {p0:String}', { p0: 'TH2-%' });
ok('ExporterName IUNLIKE "TH2-%"', 'ExporterName NOT ILIKE {p0:String}', { p0: 'TH2-%' });
ok('ExporterName like "a"', 'ExporterName LIKE {p0:String}', { p0: 'a' });
ok('ExporterName IN ("a", \'b\', c)', 'ExporterName IN ({p0:String}, {p1:String}, {p2:String})', { p0: 'a', p1: 'b', p2: 'c' });
ok('ExporterName NOTIN ("a")', 'ExporterName NOT IN ({p0:String})', { p0: 'a' });
ok('InIfConnectivity = "ix"', 'InIfConnectivity = {p0:String}', { p0: 'ix' });
ok('InIfDescription = ""', 'InIfDescription = {p0:String}', { p0: '' });
ok('SrcCountry = FR', 'SrcCountry = {p0:String}', { p0: 'FR' });
ok('DstCountry IN (FR, DE)', 'DstCountry IN ({p0:String}, {p1:String})', { p0: 'FR', p1: 'DE' });
ok('SrcNetName = "it\'s"', 'SrcNetName = {p0:String}', { p0: "it's" });
ok("SrcNetName = 'it\\'s'", 'SrcNetName = {p0:String}', { p0: "it's" });
ok('SrcNetName = "a \\"b\\""', 'SrcNetName = {p0:String}', { p0: 'a "b"' });
ok('SrcNetName = "back\\\\slash"', 'SrcNetName = {p0:String}', { p0: 'back\\slash' });
ok('SrcNetName LIKE "50\\%"', 'SrcNetName LIKE {p0:String}', { p0: '50\\%' });
ok('SrcNetName = "-- not a comment"', 'SrcNetName = {p0:String}', { p0: '-- not a comment' });
ok('SrcNetName = "/* nor this */"', 'SrcNetName = {p0:String}', { p0: '/* nor this */' });
ok('SrcNetName = "{p1:String}"', 'SrcNetName = {p0:String}', { p0: '{p1:String}' });
ok("SrcNetName = '; DROP TABLE flows --'", 'SrcNetName = {p0:String}', { p0: '; DROP TABLE flows --' });
ok('SrcNetName = "é✓"', 'SrcNetName = {p0:String}', { p0: 'é✓' });
ok('SrcNetName = "line\nbreak"', 'SrcNetName = {p0:String}', { p0: 'line\nbreak' });
ok('DstGeoCity = Paris', 'DstGeoCity = {p0:String}', { p0: 'Paris' });
ok('PacketSizeBucket = "1501-2047"', 'PacketSizeBucket = {p0:String}', { p0: '1501-2047' });
ok('SrcNetName = and', 'SrcNetName = {p0:String}', { p0: 'and' });
// IP addresses and subnets (IPv4 as IPv4-mapped IPv6).
ok('SrcAddr = 203.0.113.4', 'SrcAddr = {p0:IPv6}', { p0: '::ffff:203.0.113.4' });
ok('SrcAddr = 2001:db8::1', 'SrcAddr = {p0:IPv6}', { p0: '2001:db8::1' });
ok('SrcAddr = 2001:DB8:0:0:0:0:0:1', 'SrcAddr = {p0:IPv6}', { p0: '2001:db8::1' });
ok('SrcAddr = "2001:db8::1"', 'SrcAddr = {p0:IPv6}', { p0: '2001:db8::1' });
ok('SrcAddr = ::ffff:203.0.113.4', 'SrcAddr = {p0:IPv6}', { p0: '::ffff:203.0.113.4' });
ok('SrcAddr = 203.0.113.4/32', 'SrcAddr = {p0:IPv6}', { p0: '::ffff:203.0.113.4' });
ok('SrcAddr != 203.0.113.4', 'SrcAddr != {p0:IPv6}', { p0: '::ffff:203.0.113.4' });
ok('SrcAddr << 203.0.113.4', 'SrcAddr = {p0:IPv6}', { p0: '::ffff:203.0.113.4' });
ok('SrcAddr = 203.0.113.0/24', '(SrcAddr >= {p0:IPv6} AND SrcAddr <= {p1:IPv6})', { p0: '::ffff:203.0.113.0', p1: '::ffff:203.0.113.255' });
ok('SrcAddr << 203.0.113.0/24', '(SrcAddr >= {p0:IPv6} AND SrcAddr <= {p1:IPv6})', { p0: '::ffff:203.0.113.0', p1: '::ffff:203.0.113.255' });
ok('SrcAddr << 203.0.113.77/24', '(SrcAddr >= {p0:IPv6} AND SrcAddr <= {p1:IPv6})', { p0: '::ffff:203.0.113.0', p1: '::ffff:203.0.113.255' });
ok('SrcAddr !<< 10.0.0.0/8', 'NOT (SrcAddr >= {p0:IPv6} AND SrcAddr <= {p1:IPv6})', { p0: '::ffff:10.0.0.0', p1: '::ffff:10.255.255.255' });
ok('SrcAddr != 10.0.0.0/8', 'NOT (SrcAddr >= {p0:IPv6} AND SrcAddr <= {p1:IPv6})', { p0: '::ffff:10.0.0.0', p1: '::ffff:10.255.255.255' });
ok('DstAddr << 2001:db8::/32', '(DstAddr >= {p0:IPv6} AND DstAddr <= {p1:IPv6})', { p0: '2001:db8::', p1: '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff' });
ok('DstAddr << 0.0.0.0/0', '(DstAddr >= {p0:IPv6} AND DstAddr <= {p1:IPv6})', { p0: '::ffff:0.0.0.0', p1: '::ffff:255.255.255.255' });
ok('DstAddr << ::/0', '(DstAddr >= {p0:IPv6} AND DstAddr <= {p1:IPv6})', { p0: '::', p1: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff' });
ok('DstAddr IN (192.0.2.1, ::1)', 'DstAddr IN ({p0:IPv6}, {p1:IPv6})', { p0: '::ffff:192.0.2.1', p1: '::1' });
ok('DstAddr NOTIN (192.0.2.1)', 'DstAddr NOT IN ({p0:IPv6})', { p0: '::ffff:192.0.2.1' });
ok('DstAddr IN (192.0.2.0/24)', '(DstAddr >= {p0:IPv6} AND DstAddr <= {p1:IPv6})', { p0: '::ffff:192.0.2.0', p1: '::ffff:192.0.2.255' });
ok(
  'DstAddr IN (192.0.2.1, 10.0.0.0/8, 2001:db8::/64)',
  '(DstAddr IN ({p0:IPv6}) OR (DstAddr >= {p1:IPv6} AND DstAddr <= {p2:IPv6}) OR (DstAddr >= {p3:IPv6} AND DstAddr <= {p4:IPv6}))',
  { p0: '::ffff:192.0.2.1', p1: '::ffff:10.0.0.0', p2: '::ffff:10.255.255.255', p3: '2001:db8::', p4: '2001:db8::ffff:ffff:ffff:ffff' },
);
ok(
  'DstAddr NOTIN (10.0.0.0/8, 172.16.0.0/12)',
  'NOT ((DstAddr >= {p0:IPv6} AND DstAddr <= {p1:IPv6}) OR (DstAddr >= {p2:IPv6} AND DstAddr <= {p3:IPv6}))',
  { p0: '::ffff:10.0.0.0', p1: '::ffff:10.255.255.255', p2: '::ffff:172.16.0.0', p3: '::ffff:172.31.255.255' },
);
ok('ExporterAddress = 192.0.2.10', 'ExporterAddress = {p0:IPv6}', { p0: '::ffff:192.0.2.10' });
ok('NextHop << 2001:db8:1::/48', '(NextHop >= {p0:IPv6} AND NextHop <= {p1:IPv6})', { p0: '2001:db8:1::', p1: '2001:db8:1:ffff:ffff:ffff:ffff:ffff' });
// Prefix columns compare the prefix as the column prints it.
ok('SrcNetPrefix = 192.0.2.0/24', 'SrcNetPrefix = {p0:String}', { p0: '192.0.2.0/24' });
ok('SrcNetPrefix = 192.0.2.1/24', 'SrcNetPrefix = {p0:String}', { p0: '192.0.2.0/24' });
ok('SrcNetPrefix = "2001:DB8::/32"', 'SrcNetPrefix = {p0:String}', { p0: '2001:db8::/32' });
ok('DstNetPrefix != 10.0.0.0/8', 'DstNetPrefix != {p0:String}', { p0: '10.0.0.0/8' });
ok('DstNetPrefix IN (10.0.0.0/8, ::/0)', 'DstNetPrefix IN ({p0:String}, {p1:String})', { p0: '10.0.0.0/8', p1: '::/0' });
ok('DstNetPrefix LIKE "10.%"', 'DstNetPrefix LIKE {p0:String}', { p0: '10.%' });
ok('DstNetPrefix = 192.0.2.1', 'DstNetPrefix = {p0:String}', { p0: '192.0.2.1/32' });
ok('DstNetPrefix = ::ffff:192.0.2.0/120', 'DstNetPrefix = {p0:String}', { p0: '192.0.2.0/24' });
ok('DstNetPrefix = ::ffff:0:0/95', 'DstNetPrefix = {p0:String}', { p0: '::fffe:0:0/95' });
// Enumerations and named values.
ok('InIfBoundary = external', 'InIfBoundary = {p0:String}', { p0: 'external' });
ok('InIfBoundary = EXTERNAL', 'InIfBoundary = {p0:String}', { p0: 'external' });
ok('OutIfBoundary != internal', 'OutIfBoundary != {p0:String}', { p0: 'internal' });
ok('OutIfBoundary IN (internal, undefined)', 'OutIfBoundary IN ({p0:String}, {p1:String})', { p0: 'internal', p1: 'undefined' });
ok('FlowDirection = ingress', 'FlowDirection = {p0:String}', { p0: 'ingress' });
ok('FlowDirection NOTIN (egress)', 'FlowDirection NOT IN ({p0:String})', { p0: 'egress' });
ok('EType = IPv4', 'EType = {p0:UInt32}', { p0: 2048 });
ok('EType = ipv6', 'EType = {p0:UInt32}', { p0: 34525 });
ok('EType != IPv6', 'EType != {p0:UInt32}', { p0: 34525 });
ok('Proto = tcp', 'Proto = {p0:UInt32}', { p0: 6 });
ok('Proto = UDP', 'Proto = {p0:UInt32}', { p0: 17 });
ok('Proto = icmpv6', 'Proto = {p0:UInt32}', { p0: 58 });
ok('Proto = 47', 'Proto = {p0:UInt32}', { p0: 47 });
ok('Proto IN (gre, esp, ah, sctp)', 'Proto IN ({p0:UInt32}, {p1:UInt32}, {p2:UInt32}, {p3:UInt32})', { p0: 47, p1: 50, p2: 51, p3: 132 });
ok('Proto NOTIN (tcp, udp)', 'Proto NOT IN ({p0:UInt32}, {p1:UInt32})', { p0: 6, p1: 17 });
ok('SrcMAC = 00:11:22:aa:bb:cc', 'SrcMAC = {p0:UInt64}', { p0: 0x001122aabbcc });
ok('SrcMAC = 00-11-22-AA-BB-CC', 'SrcMAC = {p0:UInt64}', { p0: 0x001122aabbcc });
ok('DstMAC != 0011.22aa.bbcc', 'DstMAC != {p0:UInt64}', { p0: 0x001122aabbcc });
ok('DstMAC IN (ff:ff:ff:ff:ff:ff, "00:00:00:00:00:01")', 'DstMAC IN ({p0:UInt64}, {p1:UInt64})', { p0: 0xffffffffffff, p1: 1 });
// Arrays: membership.
ok('MPLSLabels = 100', 'has(MPLSLabels, {p0:UInt32})', { p0: 100 });
ok('MPLSLabels != 100', 'NOT has(MPLSLabels, {p0:UInt32})', { p0: 100 });
ok('MPLSLabels IN (100, 200)', 'hasAny(MPLSLabels, [{p0:UInt32}, {p1:UInt32}])', { p0: 100, p1: 200 });
ok('MPLSLabels NOTIN (100)', 'NOT hasAny(MPLSLabels, [{p0:UInt32}])', { p0: 100 });
// Logic: AND binds tighter than OR; NOT; parentheses; keywords in any case.
ok('SrcPort = 1 AND DstPort = 2', 'SrcPort = {p0:UInt16} AND DstPort = {p1:UInt16}', { p0: 1, p1: 2 });
ok('SrcPort = 1 OR DstPort = 2', 'SrcPort = {p0:UInt16} OR DstPort = {p1:UInt16}', { p0: 1, p1: 2 });
ok('SrcPort = 1 and DstPort = 2 or Proto = 6', 'SrcPort = {p0:UInt16} AND DstPort = {p1:UInt16} OR Proto = {p2:UInt32}', { p0: 1, p1: 2, p2: 6 });
ok('SrcPort = 1 or DstPort = 2 and Proto = 6', 'SrcPort = {p0:UInt16} OR DstPort = {p1:UInt16} AND Proto = {p2:UInt32}', { p0: 1, p1: 2, p2: 6 });
ok('(SrcPort = 1 OR DstPort = 2) AND Proto = 6', '(SrcPort = {p0:UInt16} OR DstPort = {p1:UInt16}) AND Proto = {p2:UInt32}', { p0: 1, p1: 2, p2: 6 });
ok('Proto = 6 AND (SrcPort = 1 OR DstPort = 2)', 'Proto = {p0:UInt32} AND (SrcPort = {p1:UInt16} OR DstPort = {p2:UInt16})', { p0: 6, p1: 1, p2: 2 });
ok('((SrcPort = 1))', 'SrcPort = {p0:UInt16}', { p0: 1 });
ok('NOT SrcPort = 1', 'NOT (SrcPort = {p0:UInt16})', { p0: 1 });
ok('not SrcPort = 1', 'NOT (SrcPort = {p0:UInt16})', { p0: 1 });
ok('NOT NOT SrcPort = 1', 'NOT (NOT (SrcPort = {p0:UInt16}))', { p0: 1 });
ok('NOT (SrcPort = 1 OR DstPort = 2)', 'NOT (SrcPort = {p0:UInt16} OR DstPort = {p1:UInt16})', { p0: 1, p1: 2 });
ok('NOT SrcPort = 1 AND DstPort = 2', 'NOT (SrcPort = {p0:UInt16}) AND DstPort = {p1:UInt16}', { p0: 1, p1: 2 });
ok('NOT(SrcPort = 1)', 'NOT (SrcPort = {p0:UInt16})', { p0: 1 });
ok('(SrcPort = 1)AND(DstPort = 2)', 'SrcPort = {p0:UInt16} AND DstPort = {p1:UInt16}', { p0: 1, p1: 2 });
ok('SrcPort = 1 AND DstPort = 2 AND Proto = 6', 'SrcPort = {p0:UInt16} AND DstPort = {p1:UInt16} AND Proto = {p2:UInt32}', { p0: 1, p1: 2, p2: 6 });
ok('(SrcPort = 1 AND DstPort = 2) OR (SrcPort = 2 AND DstPort = 1)', 'SrcPort = {p0:UInt16} AND DstPort = {p1:UInt16} OR SrcPort = {p2:UInt16} AND DstPort = {p3:UInt16}', { p0: 1, p1: 2, p2: 2, p3: 1 });
ok('(SrcPort = 1 OR SrcPort = 2) AND (DstPort = 3 OR DstPort = 4)', '(SrcPort = {p0:UInt16} OR SrcPort = {p1:UInt16}) AND (DstPort = {p2:UInt16} OR DstPort = {p3:UInt16})', { p0: 1, p1: 2, p2: 3, p3: 4 });
// Column names in any case resolve to the schema's names; comments anywhere.
ok('srcport = 80', 'SrcPort = {p0:UInt16}', { p0: 80 });
ok('SRCADDR = ::1', 'SrcAddr = {p0:IPv6}', { p0: '::1' });
ok('exportername = x', 'ExporterName = {p0:String}', { p0: 'x' });
ok('SrcPort = 80 -- web\nAND DstPort = 1', 'SrcPort = {p0:UInt16} AND DstPort = {p1:UInt16}', { p0: 80, p1: 1 });
ok('SrcPort /* src */ = /* value */ 80', 'SrcPort = {p0:UInt16}', { p0: 80 });
ok('SrcPort = 80/* c */AND DstPort = 1', 'SrcPort = {p0:UInt16} AND DstPort = {p1:UInt16}', { p0: 80, p1: 1 });
ok('ExporterName = th2--comment', 'ExporterName = {p0:String}', { p0: 'th2' });
ok('DstPort IN (80, -- http\n 443 /* https */)', 'DstPort IN ({p0:UInt16}, {p1:UInt16})', { p0: 80, p1: 443 });
ok('InIfBoundary = external AND SrcAS IN (AS15169, AS13335) AND DstAddr << 192.0.2.0/24',
  'InIfBoundary = {p0:String} AND SrcAS IN ({p1:UInt32}, {p2:UInt32}) AND (DstAddr >= {p3:IPv6} AND DstAddr <= {p4:IPv6})',
  { p0: 'external', p1: 15169, p2: 13335, p3: '::ffff:192.0.2.0', p4: '::ffff:192.0.2.255' });

// Syntax errors.
bad('SrcPort', 'expected operator, got end of filter', 7);
bad('SrcPort =', 'expected "(" or value, got end of filter', 9);
bad('SrcPort = 80 DstPort = 1', 'expected "AND", "OR" or end of filter, got "DstPort"', 13);
bad('SrcPort = 80 AND', 'expected "(", "NOT" or column name, got end of filter', 16);
bad('SrcPort = 80 OR OR', 'expected "(", "NOT" or column name, got "OR"', 16);
bad('AND SrcPort = 80', 'expected "(", "NOT", column name or end of filter, got "AND"', 0);
bad('(SrcPort = 80', 'expected ")", "AND" or "OR", got end of filter', 13);
bad('SrcPort = 80)', 'expected "AND", "OR" or end of filter, got ")"', 12);
bad('()', 'expected "(", "NOT" or column name, got ")"', 1);
bad('SrcPort == 80', 'expected "(" or value, got "="', 9);
bad('SrcPort <> 80', 'expected "(" or value, got ">"', 9);
bad('SrcPort EQ 80', 'expected operator, got "EQ"', 8);
bad('SrcPort IN ()', 'expected value, got ")"', 12);
bad('SrcPort IN (1,)', 'expected value, got ")"', 14);
bad('SrcPort IN (1 2)', 'expected ")" or ",", got "2"', 14);
bad('SrcPort IN (1', 'expected ")" or ",", got end of filter', 13);
bad('ExporterName = "abc', 'unterminated string', 15);
bad("ExporterName = 'abc\\'", 'unterminated string', 15);
bad('SrcPort = 80 /* unfinished', 'unterminated comment', 13);
bad('1SrcPort = 80', 'expected "(", "NOT", column name or end of filter, got "1SrcPort"', 0);
bad('SrcPort = 80 ANDDstPort = 1', 'expected "AND", "OR" or end of filter, got "ANDDstPort"', 13);
bad('NOT', 'expected "(", "NOT" or column name, got end of filter', 3);
bad('SrcPort = 80\nAND\nDstPort', 'expected operator, got end of filter', 24);
bad('SrcPort = 80 && DstPort = 1', 'expected "AND", "OR" or end of filter, got "&"', 13);
// Errors from the schema: unknown, disabled and unfilterable columns, operators, values.
bad('Foo = 1', 'unknown column "Foo"', 0);
bad('SrcPort = 1 AND Foo = 1', 'unknown column "Foo"', 16);
bad('ExporterTenant = x', 'column ExporterTenant is not enabled (see schema.enabled)', 0);
bad('TCPFlags = 2', 'column TCPFlags is not enabled (see schema.enabled)', 0);
bad('TimeReceived > 1', 'column TimeReceived cannot be used in a filter', 0);
bad('SrcPort LIKE 80', 'operator LIKE does not apply to SrcPort: use =, !=, <, <=, >, >=, IN or NOTIN', 8);
bad('SrcPort << 80', 'operator << does not apply to SrcPort: use =, !=, <, <=, >, >=, IN or NOTIN', 8);
bad('ExporterName < "a"', 'operator < does not apply to ExporterName: use =, !=, LIKE, UNLIKE, ILIKE, IUNLIKE, IN or NOTIN', 13);
bad('SrcAddr LIKE "10.%"', 'operator LIKE does not apply to SrcAddr: use =, !=, <<, !<<, IN or NOTIN', 8);
bad('SrcAddr > ::1', 'operator > does not apply to SrcAddr: use =, !=, <<, !<<, IN or NOTIN', 8);
bad('InIfBoundary LIKE ext%', 'operator LIKE does not apply to InIfBoundary: use =, !=, IN or NOTIN', 13);
bad('MPLSLabels < 3', 'operator < does not apply to MPLSLabels: use =, !=, IN or NOTIN', 11);
bad('SrcPort IN 80', 'IN takes a list of values in parentheses', 11);
bad('SrcPort NOTIN 80', 'NOTIN takes a list of values in parentheses', 14);
bad('SrcPort = (80)', '= takes a single value, not a list', 10);
bad('SrcPort = 65536', 'SrcPort: expected an integer from 0 to 65535, got "65536"', 10);
bad('SrcPort = -1', 'SrcPort: expected an integer from 0 to 65535, got "-1"', 10);
bad('SrcPort = 8O', 'SrcPort: expected an integer from 0 to 65535, got "8O"', 10);
bad('SrcPort = 0x50', 'SrcPort: expected an integer from 0 to 65535, got "0x50"', 10);
bad('SrcPort = 1.5', 'SrcPort: expected an integer from 0 to 65535, got "1.5"', 10);
bad('SrcPort = ""', 'SrcPort: expected an integer from 0 to 65535, got ""', 10);
bad('IPTTL = 256', 'IPTTL: expected an integer from 0 to 255, got "256"', 8);
bad('SamplingRate = 18446744073709551616', 'SamplingRate: expected an integer from 0 to 18446744073709551615, got "18446744073709551616"', 15);
bad('DstPort IN (80, 99999)', 'DstPort: expected an integer from 0 to 65535, got "99999"', 16);
bad('SrcAS = AS4294967296', 'SrcAS: expected an AS number (AS65000 or 65000), got "AS4294967296"', 8);
bad('SrcAS = ASN12', 'SrcAS: expected an AS number (AS65000 or 65000), got "ASN12"', 8);
bad('SrcAS = google', 'SrcAS: expected an AS number (AS65000 or 65000), got "google"', 8);
bad('SrcAddr = 300.0.0.1', 'SrcAddr: expected an IP address or subnet (192.0.2.1, 2001:db8::/32), got "300.0.0.1"', 10);
bad('SrcAddr = 10.0.0.0/33', 'SrcAddr: expected an IP address or subnet (192.0.2.1, 2001:db8::/32), got "10.0.0.0/33"', 10);
bad('SrcAddr = 2001:db8::/129', 'SrcAddr: expected an IP address or subnet (192.0.2.1, 2001:db8::/32), got "2001:db8::/129"', 10);
bad('SrcAddr = fe80::1%eth0', 'SrcAddr: expected an IP address or subnet (192.0.2.1, 2001:db8::/32), got "fe80::1%eth0"', 10);
bad('SrcAddr = 10.0.0.0/', 'SrcAddr: expected an IP address or subnet (192.0.2.1, 2001:db8::/32), got "10.0.0.0/"', 10);
bad('SrcAddr IN (::1, localhost)', 'SrcAddr: expected an IP address or subnet (192.0.2.1, 2001:db8::/32), got "localhost"', 17);
bad('SrcNetPrefix = 10.0.0', 'SrcNetPrefix: expected a subnet (192.0.2.0/24, 2001:db8::/32), got "10.0.0"', 15);
bad('InIfBoundary = outside', 'InIfBoundary: expected external, internal or undefined, got "outside"', 15);
bad('FlowDirection = in', 'FlowDirection: expected ingress, egress or undefined, got "in"', 16);
bad('EType = IPv5', 'EType: expected IPv4 or IPv6, got "IPv5"', 8);
bad('EType = 2048', 'EType: expected IPv4 or IPv6, got "2048"', 8);
bad('Proto = tcpp', 'Proto: expected a protocol name (tcp, udp, icmp, ...) or a number from 0 to 255, got "tcpp"', 8);
bad('Proto = 256', 'Proto: expected a protocol name (tcp, udp, icmp, ...) or a number from 0 to 255, got "256"', 8);
bad('SrcMAC = 00:11:22:33:44', 'SrcMAC: expected a MAC address (00:11:22:33:44:55), got "00:11:22:33:44"', 9);
bad('SrcMAC = 00:11-22:33:44:55', 'SrcMAC: expected a MAC address (00:11:22:33:44:55), got "00:11-22:33:44:55"', 9);
bad('MPLSLabels = x', 'MPLSLabels: expected an integer from 0 to 4294967295, got "x"', 13);
bad('SrcAS = SrcPort', 'cannot compare SrcAS with SrcPort: they hold different kinds of values', 8);
ok('ExporterName LIKE InIfName', 'ExporterName LIKE {p0:String}', { p0: 'InIfName' });
bad('ExporterName < InIfName', 'operator < does not apply to ExporterName: use =, !=, LIKE, UNLIKE, ILIKE, IUNLIKE, IN or NOTIN', 13);
bad('SrcPort IN (DstPort)', 'SrcPort: expected an integer from 0 to 65535, got "DstPort"', 12);

describe('filter language: table of filters', () => {
  it('has enough cases', () => assert.ok(cases.length >= 150, `${cases.length} cases`));
  for (const c of cases) {
    it(`${c.at} ${JSON.stringify(c.filter).slice(0, 80)}`, () => {
      if ('sql' in c) {
        const got = parseFilter(c.filter, schema);
        assert.deepEqual({ sql: got.sql, params: got.params }, { sql: c.sql, params: c.params }, c.at);
      } else {
        assert.throws(
          () => parseFilter(c.filter, schema),
          (err: unknown) => {
            assert.ok(err instanceof FilterError, c.at);
            assert.equal(err.code, 'AKV_CONSOLE_FILTER');
            assert.deepEqual({ error: err.problems[0]!.message, offset: err.problems[0]!.offset }, { error: c.error, offset: c.offset }, c.at);
            return true;
          },
        );
      }
    });
  }
});

describe('filter language: results and errors', () => {
  // problems runs a filter that must fail and returns its problems.
  const problems = (filter: string): FilterProblem[] => {
    try {
      parseFilter(filter, schema);
    } catch (err) {
      assert.ok(err instanceof FilterError);
      return [...err.problems];
    }
    assert.fail(`${filter} parsed`);
  };

  it('lists the columns used and whether only the main table has them', () => {
    const r = parseFilter('SrcAS = 1 AND (DstAS = 2 OR srcas = 3) AND InIfBoundary = external', schema);
    assert.deepEqual([r.columns, r.mainTableOnly], [['SrcAS', 'DstAS', 'InIfBoundary'], false]);
    for (const f of ['SrcAddr = ::1', 'SrcPort = 1', 'SrcNetPrefix = ::/0', 'MPLSLabels = 1', 'SrcAS != 1 AND SrcPort > DstPort']) {
      assert.ok(parseFilter(f, schema).mainTableOnly, f);
    }
    assert.deepEqual(parseFilter('SrcPort < DstPort', schema).columns, ['SrcPort', 'DstPort']);
    assert.deepEqual(parseFilter('', schema), { sql: '1', params: {}, columns: [], mainTableOnly: false });
  });

  it('reports every schema problem with its line and column', () => {
    assert.deepEqual(problems('SrcPort = 1\n  AND Foo = 2\n  AND  DstPort = x'), [
      { message: 'unknown column "Foo"', offset: 18, line: 2, column: 7 },
      { message: 'DstPort: expected an integer from 0 to 65535, got "x"', offset: 43, line: 3, column: 18 },
    ]);
    assert.deepEqual(problems('-- first line\nSrcPort ='), [{ message: 'expected "(" or value, got end of filter', offset: 23, line: 2, column: 10 }]);
  });

  it('serializes errors for the console API', () => {
    try {
      parseFilter('Foo = 1', schema);
      assert.fail('no error');
    } catch (err) {
      assert.deepEqual(JSON.parse(JSON.stringify(err)), {
        code: 'AKV_CONSOLE_FILTER',
        message: 'invalid filter at line 1, column 1: unknown column "Foo"',
        errors: [{ message: 'unknown column "Foo"', offset: 0, line: 1, column: 1 }],
      });
    }
  });

  it('refuses filters too long or nested too deeply, with a coded error', () => {
    assert.deepEqual(problems(`SrcPort = 1${' '.repeat(MAX_FILTER_LENGTH)}`)[0]!.message, `filter longer than ${MAX_FILTER_LENGTH} characters`);
    const deep = (n: number) => `${'('.repeat(n)}SrcPort = 1${')'.repeat(n)}`;
    const message = `filter nested too deeply (more than ${MAX_FILTER_NESTING} parentheses and NOTs)`;
    assert.equal(parseFilter(deep(MAX_FILTER_NESTING), schema).sql, 'SrcPort = {p0:UInt16}');
    assert.deepEqual(problems(deep(MAX_FILTER_NESTING + 1))[0], { message, offset: MAX_FILTER_NESTING, line: 1, column: MAX_FILTER_NESTING + 1 });
    assert.deepEqual(problems(deep(5000))[0]!.offset, MAX_FILTER_NESTING);
    assert.deepEqual(problems(`${'NOT '.repeat(MAX_FILTER_NESTING + 1)}SrcPort = 1`)[0]!.offset, 4 * MAX_FILTER_NESTING);
    assert.deepEqual(problems(`${'NOT ('.repeat(MAX_FILTER_NESTING / 2 + 1)}SrcPort = 1`)[0]!.offset, 5 * (MAX_FILTER_NESTING / 2));
    // NOTs and parentheses that end do not add up.
    const flat = Array.from({ length: 300 }, () => 'NOT (NOT SrcPort = 1)').join(' AND ');
    assert.ok(parseFilter(flat, schema).sql.startsWith('NOT (NOT (SrcPort = {p0:UInt16})) AND '));
    assert.ok(parseFilter(`NOT ${'NOT '.repeat(MAX_FILTER_NESTING - 1)}SrcPort = 1`, schema).sql.endsWith('SrcPort = {p0:UInt16}' + ')'.repeat(MAX_FILTER_NESTING)));
    assert.equal(parseFilter(`${'('.repeat(100)}SrcPort = 1${')'.repeat(100)}`, schema).sql, 'SrcPort = {p0:UInt16}');
  });
});

describe('filter language: documentation', () => {
  it('parses every example of docs/filter.md', () => {
    const doc = readFileSync(new URL('../../../docs/filter.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```\n([\s\S]*?)```/g)].map((m) => m[1]!);
    const examples = blocks.flatMap((b) => b.split(/\n(?=--)/));
    assert.ok(examples.length >= 6);
    for (const e of examples) assert.doesNotThrow(() => parseFilter(e, docSchema), e);
  });
});
