// SPDX-License-Identifier: AGPL-3.0-only
// Enrichment end to end, in process: NetFlow v5 datagrams sent over UDP to
// a running FlowComponent are decoded by its worker and enriched by the
// CoreComponent with a real snmpd answering for the exporter's interfaces,
// a GeoIP fixture, configured networks and classifier rules; the enriched
// batches are then encoded to protobuf and read back with protobufjs.
// The same enrichment shows on the inlet's debug stream, and applies to
// the flows of a real exporter (pmacctd over the crafted capture).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import protobuf from 'protobufjs';
import { defaultsOf } from '../src/common/config/schema.ts';
import { newMock as newDaemon } from '../src/common/daemon/mock.ts';
import { startStop } from '../src/common/helpers/tests.ts';
import { HTTPServer } from '../src/common/httpserver/root.ts';
import { newMock } from '../src/common/reporter/mock.ts';
import { MAX_MESSAGE_SIZE, ProtobufEncoder } from '../src/common/schema/protobuf.ts';
import { Schema } from '../src/common/schema/root.ts';
import { defaultConfiguration as coreDefaults, type Configuration as CoreConfiguration } from '../src/inlet/core/config.ts';
import { CoreComponent } from '../src/inlet/core/root.ts';
import { geoDatabase } from '../src/inlet/core/testdata.ts';
import type { FlowBatch } from '../src/inlet/flow/batch.ts';
import { inputSchema, type InputConfiguration } from '../src/inlet/flow/config.ts';
import { v5Datagram, type V5Record } from '../src/inlet/flow/decoder/netflow/testdata/builder.ts';
import { FlowComponent } from '../src/inlet/flow/root.ts';
import { defaultConfiguration as geoipDefaults } from '../src/inlet/geoip/config.ts';
import { GeoIPComponent } from '../src/inlet/geoip/root.ts';
import { defaultConfiguration as metadataDefaults } from '../src/inlet/metadata/config.ts';
import { enrichedRowToJSON } from '../src/inlet/flow/json.ts';
import { MetadataComponent } from '../src/inlet/metadata/root.ts';
import { inletComponents } from '../src/inlet/root.ts';
import { startSnmpd } from '../src/inlet/metadata/snmpd.ts';
import { exportCapture } from './helpers/exporters.ts';
import { tsharkNetflow } from './helpers/tshark.ts';
import { craftTraffic } from './helpers/traffic.ts';

// ifIndexes above 1000 keep the host's own interfaces out of the agent's answers.
const TRANSIT = 1001;
const CORE = 1002;

const RECORDS: V5Record[] = [
  // Inbound from Google to a customer, over transit.
  { src: '8.8.8.8', dst: '198.51.100.7', input: TRANSIT, output: CORE, packets: 10, bytes: 15_000, first: 1000, last: 2000, srcPort: 443, dstPort: 50_000, proto: 6, srcAS: 0, dstAS: 0, srcMask: 24, dstMask: 24 },
  // Outbound from a customer to Cloudflare; the exporter gives a private source AS.
  { src: '198.51.100.8', dst: '1.1.1.1', input: CORE, output: TRANSIT, packets: 2, bytes: 120, first: 1000, last: 2000, srcPort: 40_000, dstPort: 53, proto: 17, srcAS: 65001, dstAS: 13335, srcMask: 24, dstMask: 24 },
  // Through an interface the agent does not know.
  { src: '203.0.113.5', dst: '198.51.100.9', input: 1999, output: CORE, packets: 1, bytes: 60, first: 1000, last: 2000, srcPort: 1, dstPort: 2, proto: 6 },
];

// CORE_CONFIG classifies exporters and interfaces by name and description, and
// gives the customers' network a name, a tenant, an AS and a country.
const CORE_CONFIG: CoreConfiguration = {
  ...coreDefaults(),
  asnProviders: ['flow-except-private', 'networks', 'geoip'],
  exporterClassifiers: ['ClassifySiteRegex(Exporter.Name, "^[a-z]+[0-9]+\\\\.([a-z]+[0-9]+)\\\\.", "$1")', 'ClassifyRole("edge")'],
  interfaceClassifiers: [
    'ClassifyConnectivityRegex(Interface.Description, "^(?i)(transit|ix):", "$1") && ClassifyExternal()',
    'ClassifyProviderRegex(Interface.Description, "^[^:]+: (.+)$", "$1")',
    'ClassifyInternal()',
  ],
  networks: { '198.51.100.0/24': { name: 'customers', tenant: 'acme', asn: 64500, country: 'FR' } },
};

// GEO are the GeoIP entries of the test database.
const GEO: Array<[string, Record<string, string>]> = [
  ['8.8.8.0/24', { asn: 'AS15169', as_name: 'Google', country_code: 'US', city: 'Mountain View', region: 'California' }],
  ['1.1.1.0/24', { asn: 'AS13335', as_name: 'Cloudflare', country_code: 'AU' }],
];

describe('enrichment end to end', () => {
  it('gives flows from a real exporter their names, speeds, AS numbers, countries and classification', async (t) => {
    const r = newMock();
    const agent = await startSnmpd(t, {
      sysName: 'edge1.par1.example.net',
      interfaces: {
        [TRANSIT]: { name: 'et-0/0/0', alias: 'Transit: Cogent', speed: 100_000 },
        [CORE]: { name: 'ae0', alias: 'Core: core1', speed: 400_000 },
      },
    });
    const metadata = await startStop(
      t,
      new MetadataComponent(r, { ...metadataDefaults(), providers: [{ type: 'snmp', ports: agent.port, 'poller-timeout': '500ms', 'poller-retries': 1 }], maxWait: 3000 }),
    );
    const db = await geoDatabase(t, GEO);
    const geoip = await startStop(t, new GeoIPComponent(r, { ...geoipDefaults(), asnDatabase: [db], geoDatabase: [db] }));
    const core = await startStop(
      t,
      new CoreComponent(
        r,
        CORE_CONFIG,
        { metadata, geoip },
      ),
    );
    const flow = await startStop(
      t,
      new FlowComponent(
        r,
        {
          inputs: [{ ...defaultsOf<InputConfiguration>(inputSchema), decoder: 'netflow', listen: '127.0.0.1:0' }],
          defaultSamplingRate: 1,
          overrideSamplingRate: 0,
          rateLimit: 0,
        },
        newDaemon(r),
      ),
    );
    flow.subscribe((b) => core.handle(b));
    const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
    const encoder = new ProtobufEncoder(schema);
    const type = protobuf.parse(schema.protobufText()).root.lookupType('FlowMessage');
    const got: Array<Record<string, unknown>> = [];
    core.subscribe((b: FlowBatch) => {
      const out = new Uint8Array(b.length * MAX_MESSAGE_SIZE);
      let off = 0;
      for (let i = 0; i < b.length; i++) off = encoder.encodeRow(b, i, out, off);
      const reader = protobuf.Reader.create(out.subarray(0, off));
      while (reader.pos < reader.len) got.push(type.toObject(type.decodeDelimited(reader), { longs: Number, defaults: false }));
    });

    const socket = createSocket('udp4');
    t.after(() => socket.close());
    const datagram = v5Datagram({ sysUptime: 3000, unixSecs: Math.floor(Date.now() / 1000) }, RECORDS);
    await new Promise<void>((resolve, reject) => socket.send(datagram, flow.boundPorts[0]!, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    const deadline = Date.now() + 10_000;
    while (got.length < RECORDS.length) {
      if (Date.now() > deadline) assert.fail(`${got.length} flows enriched, ${RECORDS.length} expected`);
      await sleep(20);
    }
    const pick = (m: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]));
    const KEYS = [
      'ExporterName', 'ExporterRole', 'ExporterSite',
      'InIfName', 'InIfDescription', 'InIfSpeed', 'InIfConnectivity', 'InIfProvider', 'InIfBoundary',
      'OutIfName', 'OutIfDescription', 'OutIfSpeed', 'OutIfConnectivity', 'OutIfProvider', 'OutIfBoundary',
      'SrcAS', 'DstAS', 'SrcCountry', 'DstCountry', 'SrcNetName', 'DstNetName', 'SrcNetTenant', 'DstNetTenant', 'SrcGeoCity', 'SrcGeoState',
    ];
    const exporter = { ExporterName: 'edge1.par1.example.net', ExporterRole: 'edge', ExporterSite: 'par1' };
    const transit = { Name: 'et-0/0/0', Description: 'Transit: Cogent', Speed: 100_000, Connectivity: 'transit', Provider: 'cogent', Boundary: 1 };
    const core1 = { Name: 'ae0', Description: 'Core: core1', Speed: 400_000, Provider: 'core1', Boundary: 2 };
    const side = (dir: 'In' | 'Out', v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [`${dir}If${k}`, x]));
    assert.deepEqual(
      got.map((m) => pick(m, KEYS)),
      [
        {
          ...exporter, ...side('In', transit), ...side('Out', core1),
          SrcAS: 15169, DstAS: 64500, SrcCountry: 'US', DstCountry: 'FR', DstNetName: 'customers', DstNetTenant: 'acme', SrcGeoCity: 'Mountain View', SrcGeoState: 'California',
        },
        {
          ...exporter, ...side('In', core1), ...side('Out', transit),
          SrcAS: 64500, DstAS: 13335, SrcCountry: 'FR', DstCountry: 'AU', SrcNetName: 'customers', SrcNetTenant: 'acme',
        },
        // Unknown ifIndex: no interface fields; the interface rules do not run.
        { ...exporter, ...side('Out', core1), DstAS: 64500, DstCountry: 'FR', DstNetName: 'customers', DstNetTenant: 'acme' },
      ],
    );
    const m = await r.getMetrics('akvorado_inlet_core_');
    assert.equal(m['akvorado_inlet_core_flows_enriched_total'], 3);
    assert.equal(m['akvorado_inlet_core_flows_without_metadata_total'], 0);
    assert.equal(m['akvorado_inlet_core_held_batches_total'], 1, 'the first batch waited for SNMP');
  });

  it("shows on the inlet's debug stream the flows as they leave enrichment", async (t) => {
    const r = newMock();
    const daemon = newDaemon(r);
    const http = new HTTPServer(r, { listen: '127.0.0.1:0' }, 'inlet');
    const db = await geoDatabase(t, GEO);
    const sent: number[] = [];
    const components = inletComponents(
      { r, daemon, http },
      {
        flow: {
          inputs: [{ ...defaultsOf<InputConfiguration>(inputSchema), decoder: 'netflow', listen: '127.0.0.1:0' }],
          defaultSamplingRate: 1,
          overrideSamplingRate: 0,
          rateLimit: 0,
        },
        metadata: {
          ...metadataDefaults(),
          providers: [
            {
              type: 'static',
              exporters: {
                '127.0.0.1/32': {
                  name: 'edge1.par1.example.net',
                  'interfaces-by-index': {
                    [TRANSIT]: { name: 'et-0/0/0', description: 'Transit: Cogent', speed: 100_000 },
                    [CORE]: { name: 'ae0', description: 'Core: core1', speed: 400_000 },
                  },
                },
              },
            },
          ],
        },
        geoip: { ...geoipDefaults(), asnDatabase: [db], geoDatabase: [db] },
        core: CORE_CONFIG,
      },
      (b) => sent.push(b.length),
    );
    for (const [, c] of components) await startStop(t, c);
    await startStop(t, http);
    const flow = components.find(([name]) => name === 'flow')![1] as FlowComponent;

    // The headers come once the request has subscribed to the enricher.
    const answer = await fetch(`http://127.0.0.1:${http.address!.port}/api/v0/inlet/flows?limit=3`);
    assert.equal(answer.status, 200);
    const socket = createSocket('udp4');
    t.after(() => socket.close());
    const datagram = v5Datagram({ sysUptime: 3000, unixSecs: Math.floor(Date.now() / 1000) }, RECORDS);
    await new Promise<void>((resolve, reject) => socket.send(datagram, flow.boundPorts[0]!, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    const lines = (await answer.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

    // Decoded columns checked elsewhere are left out: everything else is compared.
    const DECODED = ['TimeReceived', 'SamplingRate', 'ExporterAddress', 'SrcNetMask', 'DstNetMask', 'EType', 'SrcPort', 'DstPort', 'Proto', 'Bytes', 'Packets', 'ForwardingStatus', 'TimeFlowStartMs', 'TimeFlowEndMs', 'NextHop'];
    const pick = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).filter(([k]) => !DECODED.includes(k)));
    const exporter = { ExporterName: 'edge1.par1.example.net', ExporterRole: 'edge', ExporterSite: 'par1' };
    const transit = { Name: 'et-0/0/0', Description: 'Transit: Cogent', Speed: 100_000, Connectivity: 'transit', Provider: 'cogent', Boundary: 'external' };
    const core1 = { Name: 'ae0', Description: 'Core: core1', Speed: 400_000, Provider: 'core1', Boundary: 'internal' };
    const side = (dir: 'In' | 'Out', v: Record<string, unknown>) => Object.fromEntries(Object.entries(v).map(([k, x]) => [`${dir}If${k}`, x]));
    assert.deepEqual(lines.map(pick), [
      {
        SrcAddr: '8.8.8.8', DstAddr: '198.51.100.7', InIf: TRANSIT, OutIf: CORE,
        ...exporter, ...side('In', transit), ...side('Out', core1),
        SrcAS: 15169, DstAS: 64500, SrcCountry: 'US', DstCountry: 'FR', DstNetName: 'customers', DstNetTenant: 'acme', SrcGeoCity: 'Mountain View', SrcGeoState: 'California',
      },
      {
        SrcAddr: '198.51.100.8', DstAddr: '1.1.1.1', InIf: CORE, OutIf: TRANSIT,
        ...exporter, ...side('In', core1), ...side('Out', transit),
        SrcAS: 64500, DstAS: 13335, SrcCountry: 'FR', DstCountry: 'AU', SrcNetName: 'customers', SrcNetTenant: 'acme',
      },
      {
        SrcAddr: '203.0.113.5', DstAddr: '198.51.100.9', InIf: 1999, OutIf: CORE,
        ...exporter, ...side('Out', core1),
        SrcAS: 0, DstAS: 64500, DstCountry: 'FR', DstNetName: 'customers', DstNetTenant: 'acme',
      },
    ]);
    // The same batch went to the output.
    assert.deepEqual(sent, [3]);
  });

  it('enriches the flows of a real exporter (pmacctd, IPFIX) polled over SNMP', { timeout: 60_000 }, async (t) => {
    const r = newMock();
    const OUT = 1007;
    const agent = await startSnmpd(t, {
      sysName: 'edge2.fra1.example.net',
      interfaces: { [OUT]: { name: 'et-0/0/7', alias: 'Transit: Cogent', speed: 100_000 } },
    });
    const db = await geoDatabase(t, [
      ['198.51.100.0/24', { asn: 'AS64496', country_code: 'US' }],
      ['203.0.113.0/24', { asn: 'AS64498', country_code: 'JP' }],
      ['2001:db8:2::/48', { asn: 'AS64497', country_code: 'DE' }],
    ]);
    const rows: Array<Record<string, unknown>> = [];
    const http = new HTTPServer(r, { listen: '127.0.0.1:0' }, 'inlet');
    const components = inletComponents(
      { r, daemon: newDaemon(r), http },
      {
        flow: {
          inputs: [{ ...defaultsOf<InputConfiguration>(inputSchema), decoder: 'netflow', listen: '127.0.0.1:0' }],
          defaultSamplingRate: 1,
          overrideSamplingRate: 0,
          rateLimit: 0,
        },
        metadata: { ...metadataDefaults(), providers: [{ type: 'snmp', ports: agent.port, 'poller-timeout': '500ms', 'poller-retries': 1 }], maxWait: 3000 },
        geoip: { ...geoipDefaults(), asnDatabase: [db], geoDatabase: [db] },
        core: { ...CORE_CONFIG, networks: { '192.0.2.0/24': { name: 'clients', tenant: 'acme' }, '2001:db8:1::/48': { name: 'clients6', tenant: 'acme' } } },
      },
      (b) => {
        for (let i = 0; i < b.length; i++) rows.push(enrichedRowToJSON(b, i));
      },
    );
    for (const [, c] of components) await startStop(t, c);
    const flow = components.find(([name]) => name === 'flow')![1] as FlowComponent;

    // pmacctd reports the traffic as leaving through ifIndex 1007.
    const exported = await exportCapture(craftTraffic().pcap, { tool: 'pmacctd', plugin: 'nfprobe', version: 10, ifindex: OUT }, flow.boundPorts[0]!);
    const records = tsharkNetflow(exported.datagrams.map((d) => d.payload)).length;
    assert.ok(records >= 20, `pmacctd exported ${records} flows:\n${exported.output}`);
    const deadline = Date.now() + 10_000;
    while (rows.length < records) {
      if (Date.now() > deadline) assert.fail(`${rows.length} flows enriched, ${records} exported`);
      await sleep(20);
    }

    // What each address gets: networks for the clients, GeoIP for the servers.
    const side = (dir: 'Src' | 'Dst', addr: string): Record<string, unknown> => {
      if (addr.startsWith('192.0.2.')) return { [`${dir}NetName`]: 'clients', [`${dir}NetTenant`]: 'acme', [`${dir}AS`]: 0 };
      if (addr.startsWith('2001:db8:1:')) return { [`${dir}NetName`]: 'clients6', [`${dir}NetTenant`]: 'acme', [`${dir}AS`]: 0 };
      if (addr.startsWith('198.51.100.')) return { [`${dir}AS`]: 64496, [`${dir}Country`]: 'US' };
      if (addr.startsWith('203.0.113.')) return { [`${dir}AS`]: 64498, [`${dir}Country`]: 'JP' };
      if (addr.startsWith('2001:db8:2:')) return { [`${dir}AS`]: 64497, [`${dir}Country`]: 'DE' };
      return { [`${dir}AS`]: 0 };
    };
    const ENRICHED = /^(Exporter(Name|Role|Site)|(In|Out)If(Name|Description|Speed|Connectivity|Provider|Boundary)|(Src|Dst)(AS|Country|Net(Name|Role|Site|Region|Tenant)|Geo(City|State)))$/;
    const got = rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => ENRICHED.test(k))));
    const want = rows.map((row) => ({
      ExporterName: 'edge2.fra1.example.net',
      ExporterRole: 'edge',
      ExporterSite: 'fra1',
      OutIfName: 'et-0/0/7',
      OutIfDescription: 'Transit: Cogent',
      OutIfSpeed: 100_000,
      OutIfConnectivity: 'transit',
      OutIfProvider: 'cogent',
      OutIfBoundary: 'external',
      ...side('Src', row.SrcAddr as string),
      ...side('Dst', row.DstAddr as string),
    }));
    assert.deepEqual(got, want);
    assert.ok(rows.some((row) => (row.SrcAddr as string).includes(':')) && rows.some((row) => !(row.SrcAddr as string).includes(':')), 'IPv4 and IPv6 flows');
    const m = await r.getMetrics('akvorado_inlet_core_');
    assert.equal(m['akvorado_inlet_core_flows_enriched_total'], records);
    assert.equal(m['akvorado_inlet_core_flows_without_metadata_total'], 0);
  });
});
