// SPDX-License-Identifier: AGPL-3.0-only
//
// Enrichment on one core, on the main thread, as the inlet runs it between
// the workers and the Kafka encoder: batches of 4096 flows decoded from
// realistic NetFlow v9 datagrams of 8 exporters, metadata all cached (mock
// provider), a GeoIP database of about 100k networks (IPv4 and IPv6, AS,
// country, some cities) written by the test MMDB writer, 1k configured
// networks and a few classifier rules. Only resolve() + finish() are
// timed, with the thread's CPU time (the machine may be shared); the flow AS columns are restored from a copy before each step so
// that every step starts from decoded flows.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from '../../../bench/measure.ts';
import { measureCpuRate } from '../../common/helpers/prefix-table.bench.ts';
import { parseIP } from '../../common/helpers/ip.ts';
import { MMDBWriter } from '../../common/helpers/mmdb-writer.ts';
import { mulberry32 } from '../../common/helpers/random.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { MAX_MESSAGE_SIZE, ProtobufEncoder } from '../../common/schema/protobuf.ts';
import { Schema } from '../../common/schema/root.ts';
import { ClassifierSet } from '../classifier/root.ts';
import { FlowBatch } from '../flow/batch.ts';
import { NetFlowDecoder } from '../flow/decoder/netflow/root.ts';
import { realisticV9 } from '../flow/decoder/netflow/testdata/builder.ts';
import { Exporter } from '../flow/decoder/root.ts';
import { StringTable } from '../flow/strings.ts';
import { defaultConfiguration as geoipDefaults } from '../geoip/config.ts';
import { GeoIPComponent } from '../geoip/root.ts';
import { defaultConfiguration as metadataDefaults } from '../metadata/config.ts';
import { MockProvider } from '../metadata/mock.ts';
import { MetadataComponent } from '../metadata/root.ts';
import type { Configuration as NetworksConfiguration } from '../networks/config.ts';
import { Networks } from '../networks/root.ts';
import { defaultConfiguration, type Configuration } from './config.ts';
import { Enricher } from './enrich.ts';
import { newHotCounters } from './metrics.ts';

const FLOWS = 4096;
const COUNTRIES = ['US', 'FR', 'DE', 'NL', 'GB', 'JP', 'BR', 'IN', 'AU', 'ZA'];

// database writes about 100k networks over the realistic flows' remote ranges and beyond.
function database(rand: () => number): Buffer {
  const w = new MMDBWriter({ databaseType: 'ipinfo lite.mmdb', ipVersion: 6, recordSize: 32 });
  const seen = new Set<string>();
  const firsts = [8, 34, 52, 104, 142, 151, 172, 185];
  for (let i = 0; i < 100_000; i++) {
    let net: string;
    if (i < 90_000) {
      const len = 16 + Math.floor(rand() * 9);
      const first = i % 2 === 0 ? firsts[i % firsts.length]! : 1 + Math.floor(rand() * 222);
      const n = ((first << 24) | (Math.floor(rand() * 0xffffff) & (0xffffffff << (32 - len)))) >>> 0;
      net = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${len}`;
    } else {
      net = `2001:db8:${Math.floor(rand() * 65536).toString(16)}::/48`;
    }
    if (seen.has(net)) continue;
    seen.add(net);
    const asn = 64512 + Math.floor(rand() * 5000);
    const city: Record<string, string> = asn % 3 === 0 ? { city: `City ${asn % 500}`, region: `State ${asn % 50}` } : {};
    w.insert(net, { asn: `AS${asn}`, as_name: `Network ${asn}`, country_code: COUNTRIES[asn % COUNTRIES.length]!, ...city });
  }
  return w.write();
}

// networks configures 1k subnets: the realistic flows' local ranges and more.
function networks(): NetworksConfiguration {
  const n: NetworksConfiguration = {
    '192.0.0.0/22': { name: 'customers', role: 'customers', site: 'par1', region: 'europe', tenant: 'acme', asn: 64500 },
    '2a00:1450:4007::/48': { name: 'customers-v6', site: 'par1' },
  };
  for (let i = 0; i < 4; i++) n[`192.0.${i}.0/24`] = { name: `customers-${i}`, role: i % 2 === 0 ? 'gold' : 'silver' };
  for (let i = 0; n && Object.keys(n).length < 1000; i++) n[`10.${i >> 6}.${(i & 63) * 4}.0/22`] = { name: `internal-${i}`, tenant: `t${i % 20}` };
  return n;
}

// batch decodes realistic flows from 8 exporters into one batch.
function batch(): FlowBatch {
  const b = new FlowBatch(FLOWS);
  const decoder = new NetFlowDecoder({ timestampSource: 'input' });
  const exporters = Array.from({ length: 8 }, (_, k) => new Exporter(`192.0.2.${k + 1}`, parseIP(`192.0.2.${k + 1}`)!));
  const v9 = realisticV9(200);
  for (const e of exporters) decoder.decode(v9.templates!, e, 1_700_000_000, b);
  b.clear();
  for (let d = 0; b.length + 24 <= FLOWS; d++) decoder.decode(v9.datagrams[d % v9.datagrams.length]!, exporters[d % 8]!, 1_700_000_000, b);
  return b;
}

/** run measures enrich.flows_per_s, and encode.protobuf_enriched.flows_per_s over the enriched batch. */
export async function run(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'akvorado-enrich-bench-'));
  const r = newMock();
  const metadata = new MetadataComponent(r, { ...metadataDefaults(), providers: [] }, { providers: [new MockProvider()] });
  const path = join(dir, 'geo.mmdb');
  await writeFile(path, database(mulberry32(7)));
  const geoip = new GeoIPComponent(r, { ...geoipDefaults(), asnDatabase: [path], geoDatabase: [path] });
  try {
    await metadata.start();
    await geoip.start();
    const config: Configuration = {
      ...defaultConfiguration(),
      networks: networks(),
      exporterClassifiers: ['Exporter.Name startsWith "lab" && Reject()', 'ClassifyRegion("europe")', 'ClassifySiteRegex(Exporter.IP, "^192\\\\.0\\\\.2\\\\.([0-9]+)$", "site$1")'],
      interfaceClassifiers: [
        'Interface.Description startsWith "Lab" && Reject()',
        'Interface.Index < 5 && ClassifyExternal() && ClassifyConnectivity("transit") && ClassifyProvider(Format("provider%d", Interface.Index))',
        'ClassifyInternal()',
      ],
    };
    const strings = new StringTable();
    const classifiers = new ClassifierSet(r.child('inlet/core/classifier'), config);
    const enricher = new Enricher(config, { metadata, geoip, networks: new Networks(config.networks), classifiers, strings }, newHotCounters());
    const b = batch();
    // Warm the metadata cache: the first pass lists the misses.
    const misses = new Map<string, number[]>();
    enricher.resolve(b, misses);
    for (const [ip, ifIndexes] of misses) await metadata.waitFor(ip, ifIndexes, 5000);
    if (enricher.resolve(b, null) !== 0) throw new Error('metadata not cached');
    enricher.finish(b);
    const srcAS = b.srcAS.slice();
    const dstAS = b.dstAS.slice();
    const length = b.length;
    const figure = measureCpuRate('enrich.flows_per_s', 'flows/s', () => {
      b.length = length;
      b.srcAS.set(srcAS);
      b.dstAS.set(dstAS);
      enricher.resolve(b, null);
      enricher.finish(b);
      return b.length;
    });
    if (process.env.ENRICH_SPLIT !== undefined) {
      const split = (name: string, f: () => void) => {
        const fig = measureCpuRate(name, 'flows/s', () => {
          f();
          return length;
        }, 3, 500);
        console.log(`# ${name}: ${fig.value}`);
      };
      split('resolve', () => enricher.resolve(b, null));
      const out = new Int32Array(FLOWS);
      split('geo-lookups', () => {
        geoip.lookupBatch(b.srcAddr, 0, 16, length, out);
        geoip.lookupBatch(b.dstAddr, 0, 16, length, out);
      });
      const nets = new Networks(config.networks);
      split('net-lookups', () => {
        nets.lookupBatch(b.srcAddr, 0, 16, length, out);
        nets.lookupBatch(b.dstAddr, 0, 16, length, out);
      });
      split('finish', () => {
        b.length = length;
        enricher.finish(b);
      });
    }
    console.log(`# enrich: ${length} flows per batch, ${enricher.exporterCount} exporters, ${enricher.interfaceCount} interfaces, ${strings.size} strings`);
    // The encoder over the enriched batch: what the text columns cost it
    // (encode.protobuf.flows_per_s encodes flows without enrichment).
    const encoder = new ProtobufEncoder(new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] }), strings);
    const out = new Uint8Array(b.length * MAX_MESSAGE_SIZE);
    let size = 0;
    const encoded = measureCpuRate('encode.protobuf_enriched.flows_per_s', 'flows/s', () => {
      encoder.prepare(b);
      size = encoder.encode(b, 0, b.length, out, 0);
      return b.length;
    });
    console.log(`# encode enriched: ${(size / b.length).toFixed(1)} bytes per flow`);
    return [figure, encoded];
  } finally {
    await geoip.stop();
    await metadata.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
