// SPDX-License-Identifier: AGPL-3.0-only
// Test helpers of the console: a ClickHouse database with flows of known
// totals, and the console API over it in an HTTP server to inject() into.
import type { TestContext } from 'node:test';
import type { ClickHouse } from '../common/clickhouse/root.ts';
import { testClickHouse, type TestClickHouse } from '../common/clickhouse/tests.ts';
import { defaultsOf } from '../common/config/schema.ts';
import { HTTPServer } from '../common/httpserver/root.ts';
import { newMock, type MockReporter } from '../common/reporter/mock.ts';
import { Schema } from '../common/schema/root.ts';
import { Migrations } from '../configure/clickhouse/root.ts';
import { consoleSchema, type ConsoleConfiguration } from './config.ts';
import { newQueryMetrics } from './metrics.ts';
import type { QueryContext } from './query/input.ts';
import { consoleRoutes, newDependencies, PREFIX } from './root.ts';
import { SavedFilters } from './saved.ts';

/** DAY is a day in seconds. */
export const DAY = 86_400;
/** H is the start of the one-hour window with the flows: yesterday at 00:00 UTC (within every TTL). */
export const H = Math.floor(Date.now() / 1000 / DAY) * DAY - DAY;
/** NOW is the console's clock in tests: the end of the window. */
export const NOW = H + 3600;

/** testSchema is the default schema. */
export const testSchema = (): Schema => new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });

/** consoleConfig is the console section with its defaults and the given changes. */
export function consoleConfig(changes: Partial<ConsoleConfiguration> = {}): ConsoleConfiguration {
  return { ...defaultsOf<ConsoleConfiguration>(consoleSchema), homepageGraphFilter: '', database: { savedFilters: ':memory:' }, ...changes };
}

interface Flow {
  minute: number;
  second?: number;
  as: number;
  dstAS?: number;
  exporter: 1 | 2 | 3;
  iface: string;
  bytes: number;
  packets: number;
  country: string;
  proto?: number;
  addr: string;
  dstPort?: number;
}

// The flows of the window (sampling rate 600: one byte per minute is 80 bps, one packet per minute is 10 pps).
const A = { as: 13335, exporter: 1, iface: 'Gi0/0', bytes: 10_000, packets: 10, country: 'US', addr: '::ffff:192.0.2.10' } as const;
const C = { as: 16509, exporter: 1, iface: 'Gi0/2', bytes: 1000, packets: 1, country: 'FR', addr: '::ffff:198.51.100.7', dstPort: 443 } as const;
/** FLOWS are the flows of the window H (and one the day before, for the previous period). */
export const FLOWS: Flow[] = [
  ...Array.from({ length: 10 }, (_, m) => ({ ...A, minute: m })),
  { minute: 5, as: 15169, exporter: 2, iface: 'Gi0/1', bytes: 50_000, packets: 40, country: 'US', proto: 17, addr: '::ffff:192.0.2.99' },
  ...Array.from({ length: 60 }, (_, m) => ({ ...C, minute: m })),
  { minute: 59, second: 30, as: 32934, exporter: 3, iface: 'Gi0/3', bytes: 20_000, packets: 20, country: 'DE', addr: '2001:db8::1', dstPort: 80 },
  { minute: 30, as: 2906, exporter: 2, iface: 'Gi0/1', bytes: 500, packets: 1, country: 'FR', proto: 17, addr: '2001:db8:1::1' },
  // The reverse direction: from us (AS64500) to AS13335.
  { minute: 0, as: 64500, dstAS: 13335, exporter: 1, iface: 'Gi0/1', bytes: 2000, packets: 2, country: '', addr: '::ffff:203.0.113.1' },
  // The previous period: the same window a day earlier.
  { minute: 10 - 24 * 60, as: 2906, exporter: 2, iface: 'Gi0/1', bytes: 3000, packets: 3, country: 'FR', addr: '2001:db8:1::1' },
];

const COLUMNS = ['TimeReceived', 'SamplingRate', 'ExporterAddress', 'ExporterName', 'InIfName', 'OutIfName', 'InIfSpeed', 'OutIfSpeed',
  'InIfBoundary', 'SrcAS', 'DstAS', 'SrcCountry', 'Proto', 'EType', 'SrcPort', 'DstPort', 'Bytes', 'Packets', 'SrcAddr', 'DstAddr'];

/** insertFlows writes FLOWS, and the exporters table as the refreshable view would. */
export async function insertFlows(ch: ClickHouse): Promise<void> {
  const rows = FLOWS.map((f) => ({
    TimeReceived: H + f.minute * 60 + (f.second ?? 0), SamplingRate: 600, ExporterAddress: `::ffff:192.0.2.${f.exporter}`,
    ExporterName: `edge${f.exporter}`, InIfName: f.iface, OutIfName: 'Te0/0', InIfSpeed: 1000, OutIfSpeed: 10_000,
    InIfBoundary: 'external', SrcAS: f.as, DstAS: f.dstAS ?? 64500, SrcCountry: f.country, Proto: f.proto ?? 6,
    EType: f.addr.startsWith('::ffff:') ? 0x800 : 0x86dd, SrcPort: 1234, DstPort: f.dstPort ?? 50_000,
    Bytes: f.bytes, Packets: f.packets, SrcAddr: f.addr, DstAddr: '::ffff:203.0.113.1',
  }));
  await ch.insert('flows', COLUMNS, 'JSONEachRow', Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')));
  const exporters = ['Gi0/0', 'Gi0/1', 'Gi0/2', 'Gi0/3'].map((IfName, i) => ({
    TimeReceived: Math.floor(Date.now() / 1000), ExporterAddress: `::ffff:192.0.2.${(i % 3) + 1}`, ExporterName: `edge${(i % 3) + 1}`, IfName,
  }));
  await ch.insert('exporters', ['TimeReceived', 'ExporterAddress', 'ExporterName', 'IfName'], 'JSONEachRow', Buffer.from(exporters.map((r) => JSON.stringify(r)).join('\n')));
}

/** ConsoleSetup is what consoleSetup gives a test. */
export interface ConsoleSetup {
  ch: TestClickHouse;
  ctx: QueryContext;
  http: HTTPServer;
  r: MockReporter;
}

/**
 * consoleSetup migrates a fresh database, writes FLOWS, and serves the
 * console API (HTTP driver, saved filters in memory, clock at NOW).
 */
export async function consoleSetup(t: TestContext, config: ConsoleConfiguration = consoleConfig()): Promise<ConsoleSetup> {
  const ch = await testClickHouse(t);
  const r = newMock();
  const schema = testSchema();
  await new Migrations(r, ch.config, ch.http, schema, null).run();
  await insertFlows(ch.http);
  const ctx: QueryContext = { ch: ch.http, schema, clickhouse: ch.config, console: config, now: () => NOW, metrics: newQueryMetrics(r) };
  const saved = new SavedFilters(r, ':memory:');
  await saved.start();
  const http = new HTTPServer(r, { listen: '127.0.0.1:0' }, 'console');
  http.app.register(consoleRoutes(newDependencies(ctx, saved, config)), { prefix: PREFIX });
  t.after(async () => {
    await http.app.close();
    await saved.stop();
  });
  return { ch, ctx, http, r };
}
