// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStop } from '../../common/helpers/tests.ts';
import { newMock as newReporter, type MockReporter } from '../../common/reporter/mock.ts';
import type { FlowBatch } from '../flow/batch.ts';
import { StringTable } from '../flow/strings.ts';
import { defaultConfiguration as geoipDefaults } from '../geoip/config.ts';
import { GeoIPComponent } from '../geoip/root.ts';
import { newMock as newMetadata } from '../metadata/mock.ts';
import { defaultConfiguration, type Configuration } from './config.ts';
import { CoreComponent } from './root.ts';
import { batchOf, geoDatabase, rowsOf, TableProvider, type TestFlow } from './testdata.ts';

const EXPORTER = '192.0.2.1';

const PROVIDER = () =>
  new TableProvider({
    [EXPORTER]: {
      name: 'edge1.par1.example.net',
      interfaces: {
        10: { name: 'et-0/0/0', description: 'Transit: Cogent', speed: 100_000 },
        20: { name: 'et-0/0/1', description: 'IX: France-IX', speed: 10_000 },
        30: { name: 'ae0', description: 'Core: to core1', speed: 400_000 },
        666: { name: 'ae9', description: 'Lab', speed: 1000 },
      },
    },
    '192.0.2.9': { name: 'lab1.example.net', interfaces: { 1: { name: 'ge-0/0/1', speed: 1000 } } },
    '192.0.2.2': { name: 'edge2.par1.example.net', interfaces: { 10: { name: 'xe-0/0/0', speed: 10_000 } } },
  });

const CONFIG = (): Configuration => ({
  ...defaultConfiguration(),
  exporterClassifiers: [
    'Exporter.Name startsWith "lab" && Reject()',
    'ClassifySiteRegex(Exporter.Name, "^[a-z]+[0-9]+\\\\.([a-z]+[0-9]+)\\\\.", "$1")',
    'ClassifyRegion("europe")',
  ],
  interfaceClassifiers: [
    'Interface.Description startsWith "Lab" && Reject()',
    'ClassifyConnectivityRegex(Interface.Description, "^(?i)(transit|ix):", "$1") && ClassifyExternal()',
    'ClassifyProviderRegex(Interface.Description, "^[^:]+: (.+)$", "$1")',
    'ClassifyInternal()',
  ],
  networks: {
    '198.51.100.0/24': { name: 'customers', role: 'customers', site: 'par1', region: 'europe', tenant: 'acme', asn: 64500, country: 'FR' },
  },
});

const GEO: ReadonlyArray<[string, Record<string, string | number>]> = [
  ['8.8.8.0/24', { asn: 'AS15169', as_name: 'Google', country_code: 'US', city: 'Mountain View', region: 'California' }],
  ['1.1.1.0/24', { asn: 'AS13335', as_name: 'Cloudflare', country_code: 'AU' }],
  ['198.51.100.0/24', { asn: 'AS64999', country_code: 'DE' }],
];

interface Setup {
  r: MockReporter;
  core: CoreComponent;
  strings: StringTable;
  provider: TableProvider;
  sent: Array<Array<Record<string, string | number>>>;
}

interface SetupOptions {
  config?: Partial<Configuration>;
  maxWait?: number;
  delayMs?: number;
  maxHeld?: number;
  maxHeldPerExporter?: number;
}

async function setup(t: TestContext, o: SetupOptions = {}): Promise<Setup> {
  const r = newReporter();
  const provider = PROVIDER();
  provider.delayMs = o.delayMs ?? 0;
  const metadata = await newMetadata(t, r, { maxWait: o.maxWait ?? 1000 }, provider as never);
  const db = await geoDatabase(t, GEO);
  const geoip = await startStop(t, new GeoIPComponent(r, { ...geoipDefaults(), asnDatabase: [db], geoDatabase: [db] }));
  const strings = new StringTable();
  const core = await startStop(t, new CoreComponent(r, { ...CONFIG(), ...o.config }, { metadata, geoip, strings, maxHeld: o.maxHeld ?? 64, maxHeldPerExporter: o.maxHeldPerExporter ?? 8 }));
  const sent: Setup['sent'] = [];
  core.subscribe((b: FlowBatch) => sent.push(rowsOf(b, strings)));
  return { r, core, strings, provider, sent };
}

// flushed waits until `n` batches were sent.
async function flushed(s: Setup, n: number, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (s.sent.length < n) {
    if (Date.now() > end) assert.fail(`${s.sent.length} batches sent, ${n} expected`);
    await sleep(5);
  }
}

const FLOWS: TestFlow[] = [
  { exporter: EXPORTER, src: '8.8.8.8', dst: '198.51.100.7', inIf: 10, outIf: 30 },
  { exporter: EXPORTER, src: '198.51.100.8', dst: '1.1.1.1', inIf: 30, outIf: 20, srcAS: 65001, dstAS: 13335 },
  { exporter: EXPORTER, src: '192.0.2.200', dst: '203.0.113.1', inIf: 10, outIf: 40 },
];

describe('CoreComponent', () => {
  it('enriches names, speeds, classification, AS numbers, countries and networks', async (t) => {
    const s = await setup(t);
    s.core.handle(batchOf(FLOWS));
    await flushed(s, 1);
    const [a, b, c] = s.sent[0]!;
    assert.equal(s.sent[0]!.length, 3);
    assert.deepEqual(
      a,
      {
        exporter: EXPORTER,
        inIf: 10,
        outIf: 30,
        exporterName: 'edge1.par1.example.net',
        exporterGroup: '',
        exporterRole: '',
        exporterSite: 'par1',
        exporterRegion: 'europe',
        exporterTenant: '',
        inIfName: 'et-0/0/0',
        outIfName: 'ae0',
        inIfDescription: 'Transit: Cogent',
        outIfDescription: 'Core: to core1',
        inIfConnectivity: 'transit',
        outIfConnectivity: '',
        inIfProvider: 'cogent',
        outIfProvider: 'tocore1', // classifications are normalized
        srcNetName: '',
        dstNetName: 'customers',
        srcNetRole: '',
        dstNetRole: 'customers',
        srcNetSite: '',
        dstNetSite: 'par1',
        srcNetRegion: '',
        dstNetRegion: 'europe',
        srcNetTenant: '',
        dstNetTenant: 'acme',
        srcGeoCity: 'Mountain View',
        dstGeoCity: '',
        srcGeoState: 'California',
        dstGeoState: '',
        inIfSpeed: 100_000,
        outIfSpeed: 400_000,
        inIfBoundary: 1,
        outIfBoundary: 2,
        srcCountry: 'US',
        dstCountry: 'FR', // the configured network wins over GeoIP
        srcAS: 15169, // from GeoIP: the flow says 0
        dstAS: 64500, // from networks, before GeoIP
        srcNetMask: 24,
      },
    );
    assert.equal(b!.srcAS, 65001, 'flow AS first');
    assert.equal(b!.dstAS, 13335);
    assert.equal(b!.dstCountry, 'AU');
    assert.equal(b!.outIfConnectivity, 'ix');
    assert.equal(b!.outIfProvider, 'france-ix');
    // ifIndex 40 is unknown to the exporter: empty interface, exporter still named.
    assert.equal(c!.exporterName, 'edge1.par1.example.net');
    assert.equal(c!.outIfName, '');
    assert.equal(c!.outIfSpeed, 0);
    assert.equal(c!.srcAS, 0);
    assert.equal(c!.srcCountry, '');
    // Cached now: the next batch goes out at once.
    s.core.handle(batchOf(FLOWS));
    assert.equal(s.sent.length, 2);
    assert.deepEqual(s.sent[1], s.sent[0]);
    const m = await s.r.getMetrics('akvorado_inlet_core_');
    assert.equal(m['akvorado_inlet_core_flows_enriched_total'], 6);
    assert.equal(m['akvorado_inlet_core_held_batches_total'], 1);
    assert.equal(m['akvorado_inlet_core_held_batches'], 0);
    assert.equal(m['akvorado_inlet_core_flows_without_metadata_total'], 0);
    assert.ok(m['akvorado_inlet_core_classifier_cache_hits_total']! > 0);
    // The exporter before metadata (IP only) and after, and its 4 interfaces.
    assert.equal(m['akvorado_inlet_core_classifier_cache_misses_total'], 6);
  });

  it('picks AS numbers in the asn-providers order', async (t) => {
    const s = await setup(t, { config: { asnProviders: ['flow-except-private', 'geoip'], netProviders: [] } });
    s.core.handle(batchOf([{ exporter: EXPORTER, src: '8.8.8.8', dst: '198.51.100.7', inIf: 10, outIf: 30, srcAS: 65001, dstAS: 64496 }]));
    await flushed(s, 1);
    const [row] = s.sent[0]!;
    assert.equal(row!.srcAS, 15169, 'private AS from the flow skipped');
    assert.equal(row!.dstAS, 64496);
    assert.equal(row!.srcNetMask, 0, 'no net provider');
  });

  it('drops flows that a rule rejects', async (t) => {
    const s = await setup(t);
    const flows: TestFlow[] = [
      { exporter: EXPORTER, src: '8.8.8.8', dst: '1.1.1.1', inIf: 10, outIf: 666 },
      { exporter: '192.0.2.9', src: '8.8.8.8', dst: '1.1.1.1', inIf: 1, outIf: 1 },
      { exporter: EXPORTER, src: '8.8.4.4', dst: '1.1.1.1', inIf: 10, outIf: 20 },
      { exporter: '192.0.2.9', src: '8.8.8.8', dst: '1.1.1.1', inIf: 1, outIf: 1 },
    ];
    s.core.handle(batchOf(flows));
    await flushed(s, 1);
    assert.equal(s.sent[0]!.length, 1);
    assert.equal(s.sent[0]![0]!.outIfName, 'et-0/0/1');
    const m = await s.r.getMetrics('akvorado_inlet_core_flows_rejected');
    assert.deepEqual(m, {
      'akvorado_inlet_core_flows_rejected_total{type="exporter"}': 2,
      'akvorado_inlet_core_flows_rejected_total{type="interface"}': 1,
    });
  });

  it('gives interface rules the VLAN of each flow', async (t) => {
    // The source VLAN goes with the input interface, the destination VLAN with the output one.
    const s = await setup(t, { config: { interfaceClassifiers: ['Interface.VLAN == 100 && ClassifyProvider("vlan100")', 'ClassifyProvider(Format("vlan%d", Interface.VLAN))'] } });
    const flows: TestFlow[] = [
      { exporter: EXPORTER, src: '8.8.8.8', dst: '1.1.1.1', inIf: 10, outIf: 20, srcVlan: 100, dstVlan: 200 },
      { exporter: EXPORTER, src: '8.8.8.8', dst: '1.1.1.1', inIf: 10, outIf: 20, srcVlan: 300 },
      { exporter: EXPORTER, src: '8.8.8.8', dst: '1.1.1.1', inIf: 10, outIf: 20, srcVlan: 100, dstVlan: 200 },
    ];
    s.core.handle(batchOf(flows));
    await flushed(s, 1);
    assert.deepEqual(
      s.sent[0]!.map((row) => [row.inIfProvider, row.outIfProvider, row.inIfName]),
      [
        ['vlan100', 'vlan200', 'et-0/0/0'],
        ['vlan300', 'vlan0', 'et-0/0/0'],
        ['vlan100', 'vlan200', 'et-0/0/0'],
      ],
    );
  });

  it('sends flows without names after max-wait when the provider is slow', async (t) => {
    const s = await setup(t, { maxWait: 50, delayMs: 300 });
    const start = Date.now();
    s.core.handle(batchOf(FLOWS));
    assert.equal(s.core.heldBatches, 1);
    await flushed(s, 1);
    const waited = Date.now() - start;
    assert.ok(waited >= 45 && waited < 280, `waited ${waited} ms`);
    assert.equal(s.sent[0]![0]!.exporterName, '');
    assert.equal(s.sent[0]![0]!.srcAS, 15169, 'address enrichment does not wait');
    assert.equal((await s.r.getMetrics('akvorado_inlet_core_flows_without'))['akvorado_inlet_core_flows_without_metadata_total'], 3);
    // Once the provider answered, flows get their names at once.
    await sleep(350);
    s.core.handle(batchOf(FLOWS));
    assert.equal(s.sent.length, 2);
    assert.equal(s.sent[1]![0]!.exporterName, 'edge1.par1.example.net');
  });

  it('holds a bounded number of batches', async (t) => {
    const s = await setup(t, { maxWait: 200, delayMs: 100, maxHeld: 2 });
    for (let k = 0; k < 5; k++) s.core.handle(batchOf(FLOWS));
    assert.equal(s.core.heldBatches, 2);
    assert.equal(s.sent.length, 3, 'sent at once, without names');
    assert.equal(s.sent[0]![0]!.inIfName, '');
    await flushed(s, 5);
    assert.equal(s.sent[4]![0]!.inIfName, 'et-0/0/0', 'held batches got the names');
    const m = await s.r.getMetrics('akvorado_inlet_core_held');
    assert.equal(m['akvorado_inlet_core_held_overflow_batches_total'], 3);
    assert.equal(m['akvorado_inlet_core_held_batches_total'], 2);
  });

  it('holds a bounded number of batches per exporter', async (t) => {
    const s = await setup(t, { maxWait: 500, delayMs: 100, maxHeldPerExporter: 2 });
    for (let k = 0; k < 3; k++) s.core.handle(batchOf(FLOWS));
    assert.equal(s.core.heldBatches, 2);
    assert.equal(s.sent.length, 1, 'the third batch is sent at once, without names');
    assert.equal(s.sent[0]![0]!.inIfName, '');
    // Another exporter still has room.
    s.core.handle(batchOf([{ exporter: '192.0.2.2', src: '8.8.8.8', dst: '198.51.100.7', inIf: 10, outIf: 10 }]));
    assert.equal(s.core.heldBatches, 3);
    await flushed(s, 4);
    assert.equal(s.sent.find((b) => b[0]!.exporter === '192.0.2.2')?.[0]!.inIfName, 'xe-0/0/0');
    const m = await s.r.getMetrics('akvorado_inlet_core_held');
    assert.equal(m['akvorado_inlet_core_held_overflow_batches_total'], 1);
    assert.equal(m['akvorado_inlet_core_held_batches_total'], 3);
    // Slots are given back once the wait is over: a new interface waits again.
    s.core.handle(batchOf([{ ...FLOWS[0]!, inIf: 50 }]));
    assert.equal(s.core.heldBatches, 1);
  });

  it('sends held batches on stop', async (t) => {
    const s = await setup(t, { maxWait: 100, delayMs: 1000 });
    s.core.handle(batchOf(FLOWS));
    await s.core.stop();
    assert.equal(s.sent.length, 1);
  });
});
