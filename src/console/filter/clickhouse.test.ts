// SPDX-License-Identifier: AGPL-3.0-only
// Runs compiled filters on the embedded ClickHouse over a flows table built
// from the schema, so that the SQL is valid and means what the docs say.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { testClickHouse } from '../../common/clickhouse/tests.ts';
import { DDL_SETTINGS } from '../../common/schema/clickhouse.ts';
import { Schema } from '../../common/schema/root.ts';
import { plan } from '../../configure/clickhouse/steps.ts';
import { parseFilter } from './root.ts';

const schema = new Schema({ enabled: ['SrcMAC', 'DstMAC', 'MPLSLabels'], disabled: [], mainTableOnly: [], notMainTableOnly: [] });

// Recent rows: the table's TTL drops old ones.
const base = { TimeReceived: Math.floor(Date.now() / 1000) - 60, ExporterAddress: '::ffff:192.0.2.10', SamplingRate: 1000, Bytes: 1000, Packets: 10 };
const ROWS = [
  {
    ...base, SrcAddr: '::ffff:192.0.2.1', DstAddr: '2001:db8::1', SrcNetMask: 24, DstNetMask: 32, SrcAS: 65000, DstAS: 15169,
    Proto: 6, EType: 0x800, SrcPort: 443, DstPort: 51000, InIfBoundary: 'external', FlowDirection: 'ingress',
    ExporterName: 'th2-edge1', InIfName: 'Gi0/0/1', SrcCountry: 'FR', SrcMAC: 0x001122334455, MPLSLabels: [100, 200],
  },
  {
    ...base, SrcAddr: '2001:db8:ffff::1', DstAddr: '::ffff:198.51.100.7', SrcNetMask: 48, DstNetMask: 24, SrcAS: 13335, DstAS: 13335,
    Proto: 17, EType: 0x86dd, SrcPort: 53, DstPort: 53, InIfBoundary: 'internal', ExporterName: 'par-core', InIfName: 'par-core',
    SrcCountry: 'US', MPLSLabels: [], Bytes: 3000,
  },
  {
    ...base, SrcAddr: '2001:db9::1', DstAddr: '::1', SrcNetMask: 32, DstNetMask: 128, SrcAS: 0, DstAS: 64512, Proto: 58,
    EType: 0x86dd, SrcPort: 0, DstPort: 0, InIfBoundary: 'undefined', ExporterName: 'Th2-Edge2', SrcCountry: 'DE', MPLSLabels: [300],
    SamplingRate: 1,
  },
];

// [filter, number of ROWS it selects]
const CASES: Array<[string, number]> = [
  ['', 3],
  ['SrcAddr = 192.0.2.1', 1],
  ['SrcAddr = ::ffff:192.0.2.1', 1],
  ['SrcAddr << 192.0.2.0/24', 1],
  ['SrcAddr << 0.0.0.0/0', 1],
  ['SrcAddr << ::/0', 3],
  ['SrcAddr << 2001:db8::/32', 1],
  ['SrcAddr !<< 2001:db8::/32', 2],
  ['SrcAddr IN (192.0.2.1, 2001:db9::/32)', 2],
  ['SrcAddr NOTIN (192.0.2.1, 2001:db9::/32)', 1],
  ['DstAddr IN (::1, 198.51.100.7)', 2],
  ['DstAddr != ::1', 2],
  ['ExporterAddress = 192.0.2.10', 3],
  ['ExporterAddress << 192.0.2.0/28', 3],
  ['ExporterAddress !<< 192.0.2.0/29', 3],
  ['SrcNetPrefix = 192.0.2.0/24', 1],
  ['SrcNetPrefix = 2001:db8:ffff::/48', 1],
  ['SrcNetPrefix IN (2001:db9::/32, 10.0.0.0/8)', 1],
  ['DstNetPrefix = ::1/128', 1],
  ['SrcNetPrefix LIKE "2001:%"', 2],
  ['InIfBoundary = external', 1],
  ['InIfBoundary IN (internal, undefined)', 2],
  ['InIfBoundary != external', 2],
  ['FlowDirection = ingress', 1],
  ['FlowDirection = undefined', 2],
  ['ExporterName LIKE "th2-%"', 1],
  ['ExporterName ILIKE th2-%', 2],
  ['ExporterName IUNLIKE "TH2-%"', 1],
  ['ExporterName UNLIKE "th2-%"', 2],
  ['ExporterName = InIfName', 1],
  ['SrcCountry IN ("FR", "US")', 2],
  ['SrcCountry = FR', 1],
  ['SrcCountry NOTIN (FR)', 2],
  ['Proto = tcp', 1],
  ['Proto IN (udp, icmpv6)', 2],
  ['EType = IPv6', 2],
  ['EType != ipv4', 2],
  ['SrcAS = AS65000', 1],
  ['SrcAS IN (13335, AS0)', 2],
  ['SrcAS != DstAS', 2],
  ['SrcPort < DstPort', 1],
  ['SrcPort >= 53 AND SrcPort <= 443', 2],
  ['SrcMAC = 00:11:22:33:44:55', 1],
  ['SrcMAC IN (0011.2233.4455, 00-00-00-00-00-01)', 1],
  ['MPLSLabels = 100', 1],
  ['MPLSLabels != 100', 2],
  ['MPLSLabels IN (200, 300)', 2],
  ['MPLSLabels NOTIN (300)', 2],
  ['SamplingRate > 18446744073709551614', 0],
  ['SamplingRate = 1 OR SrcAS = 65000 AND Proto = tcp', 2],
  ['(SamplingRate = 1 OR SrcAS = 65000) AND Proto = tcp', 1],
  ['PacketSize >= 300', 1],
  ['NOT (SrcPort = 443 OR SrcPort = 53)', 1],
  ['NOT NOT SrcPort = 443', 1],
  ['ExporterName = "it\'s \\"quoted\\" \\\\ --not a comment /* nor this */"', 0],
];

it('runs compiled filters on the embedded ClickHouse', async (t) => {
  const ch = await testClickHouse(t);
  // The main table exactly as `configure` creates it.
  const create = plan(schema, ch.config, null).find((s) => s.name === 'flows table')!.sql;
  await ch.embedded.exec(create, { settings: DDL_SETTINGS });
  const columns = Object.keys(ROWS[0]!).concat(['SrcMAC']).filter((c, i, a) => a.indexOf(c) === i);
  const data = ROWS.map((r) => JSON.stringify(r)).join('\n');
  await ch.embedded.insert('flows', columns, 'JSONEachRow', Buffer.from(data));
  for (const [filter, want] of CASES) {
    const f = parseFilter(filter, schema);
    // Both drivers: chdb's bound parameters and query_params over HTTP.
    for (const driver of [ch.embedded, ch.http]) {
      const rows = await driver.select<{ n: string | number }>(`SELECT count() AS n FROM flows WHERE ${f.sql}`, { params: f.params });
      assert.equal(Number(rows[0]!.n), want, `${driver.kind}: ${filter}\n  ${f.sql}\n  ${JSON.stringify(f.params)}`);
    }
  }
});

it('prints IPv6 prefixes as the filter normalizes them', async (t) => {
  const ch = await testClickHouse(t);
  const rows = await ch.embedded.select<{ a: string; b: string; c: string }>(
    "SELECT toString(toIPv6('2001:db8:0:1:1:1:1:1')) AS a, toString(toIPv6('2001:0:0:1::1')) AS b, toString(toIPv6('::ffff:1.2.3.4')) AS c",
  );
  const { formatIP, parseSubnet } = await import('./values.ts');
  for (const [k, text] of [['a', '2001:db8:0:1:1:1:1:1'], ['b', '2001:0:0:1::1'], ['c', '::ffff:1.2.3.4']] as const) {
    assert.equal(formatIP(parseSubnet(text)!.first), rows[0]![k]);
  }
});
