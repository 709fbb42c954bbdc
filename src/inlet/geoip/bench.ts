// SPDX-License-Identifier: AGPL-3.0-only
//
// Micro-benchmark of the enrichment lookups on one core, over a batch of
// 16-byte addresses as the enricher sees them: per flow, the AS number and
// the geo record of the source and the destination (one GeoIP lookup per
// address, or two with the lookupASN/lookupGeo shortcuts) plus two lookups
// of the configured networks (1016 subnets). Time is the thread's CPU time. The database is an IPinfo-lite-like file (AS and country in
// each record) written by the test MMDB writer: 200k IPv4 and 50k IPv6
// networks, loaded as both the ASN and the geo database.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, type Figure } from '../../../bench/measure.ts';
import { measureCpuRate } from '../../common/helpers/prefix-table.bench.ts';
import { MMDBWriter } from '../../common/helpers/mmdb-writer.ts';
import { mulberry32 } from '../../common/helpers/random.ts';
import { newMock } from '../../common/reporter/mock.ts';
import type { Configuration as NetworksConfiguration } from '../networks/config.ts';
import { Networks } from '../networks/root.ts';
import { GeoIPComponent } from './root.ts';

/** FLOWS is the number of flows per step (one batch); addresses alternate source/destination. */
const FLOWS = 4096;

const COUNTRIES = ['US', 'FR', 'DE', 'NL', 'GB', 'JP', 'BR', 'IN', 'AU', 'ZA'];

// database writes the benchmark's MMDB file.
function database(rand: () => number): Buffer {
  const w = new MMDBWriter({ recordSize: 28 });
  const seen = new Set<string>();
  for (let i = 0; i < 250_000; i++) {
    let net: string;
    if (i < 200_000) {
      const len = 16 + Math.floor(rand() * 9);
      const n = (Math.floor(rand() * 0xdfffffff) & (0xffffffff << (32 - len))) >>> 0;
      net = `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/${len}`;
    } else {
      const h = (k: number) => Math.floor(rand() * k).toString(16);
      net = `2${h(16)}${h(256).padStart(2, '0')}:${h(65536)}:${h(65536)}::/48`;
    }
    if (seen.has(net)) continue;
    seen.add(net);
    const asn = 64512 + Math.floor(rand() * 5000);
    w.insert(net, { asn: `AS${asn}`, as_name: `Network ${asn}`, country_code: COUNTRIES[asn % COUNTRIES.length]! });
  }
  return w.write();
}

// rows fills source/destination addresses: 80% IPv4-mapped, 20% IPv6.
function rows(rand: () => number): Uint8Array {
  const out = new Uint8Array(FLOWS * 2 * 16);
  for (let o = 0; o < out.length; o += 16) {
    if (rand() < 0.8) {
      out[o + 10] = 0xff;
      out[o + 11] = 0xff;
      for (let k = 12; k < 16; k++) out[o + k] = Math.floor(rand() * 224);
    } else {
      out[o] = 0x20 | Math.floor(rand() * 16);
      for (let k = 1; k < 16; k++) out[o + k] = Math.floor(rand() * 256);
    }
  }
  return out;
}

/** run measures GeoIP load time and enrichment lookups in flows per second. */
export async function run(): Promise<Figure[]> {
  const rand = mulberry32(11);
  const dir = await mkdtemp(join(tmpdir(), 'akvorado-bench-geoip-'));
  try {
    const path = join(dir, 'lite.mmdb');
    await writeFile(path, database(rand));
    const geoip = new GeoIPComponent(newMock(), { asnDatabase: [path], geoDatabase: [path], optional: false });
    const start = performance.now();
    await geoip.start();
    const loadMs = performance.now() - start;
    const nets: NetworksConfiguration = {};
    for (let i = 0; i < 1000; i++) nets[`10.${i >> 8}.${i & 255}.0/24`] = { name: `net${i}`, site: `site${i % 7}` };
    for (let i = 0; i < 16; i++) nets[`${i * 16}.0.0.0/4`] = { region: `region${i}` };
    const networks = new Networks(nets);
    let sink = 0;
    // allStep does what the enricher does per flow, one address at a time:
    // one GeoIP lookup gives both AS and geo answers.
    const allStep = (batch: Uint8Array) => () => {
      for (let o = 0; o < batch.length; o += 16) {
        const e = geoip.lookup(batch, o);
        sink += geoip.asnOf(e) + geoip.geoOf(e) + networks.lookup(batch, o);
      }
      return FLOWS;
    };
    // shortcutStep uses lookupASN() and lookupGeo(): two lookups per address.
    const shortcutStep = (batch: Uint8Array) => () => {
      for (let o = 0; o < batch.length; o += 16) {
        sink += geoip.lookupASN(batch, o) + geoip.lookupGeo(batch, o) + networks.lookup(batch, o);
      }
      return FLOWS;
    };
    // batchStep does it with batch lookups; source and destination rows
    // alternate, so one pass covers both.
    const out = new Int32Array(FLOWS * 2);
    const batchStep = (batch: Uint8Array) => () => {
      geoip.lookupBatch(batch, 0, 16, FLOWS * 2, out);
      for (let i = 0; i < out.length; i++) sink += geoip.asnOf(out[i]!) + geoip.geoOf(out[i]!);
      networks.lookupBatch(batch, 0, 16, FLOWS * 2, out);
      sink += out[7]!;
      return FLOWS;
    };
    // Uniformly random addresses are the worst case (every lookup misses
    // the CPU caches); real traffic concentrates on fewer addresses: "hot"
    // draws each row from 4096 addresses.
    const uniform = rows(rand);
    const pool = rows(rand);
    const hot = new Uint8Array(uniform.length);
    for (let o = 0; o < hot.length; o += 16) {
      const from = Math.floor(rand() * 4096) * 16;
      hot.set(pool.subarray(from, from + 16), o);
    }
    const figures = [
      figure('geoip.load_250k_networks', 'ms', [Math.round(loadMs)]),
      measureCpuRate('geoip.flows_uniform', 'flows/s', allStep(uniform)),
      measureCpuRate('geoip.flows_uniform_shortcuts', 'flows/s', shortcutStep(uniform)),
      measureCpuRate('geoip.flows_uniform_batch', 'flows/s', batchStep(uniform)),
      measureCpuRate('geoip.flows_hot', 'flows/s', allStep(hot)),
      measureCpuRate('geoip.flows_hot_batch', 'flows/s', batchStep(hot)),
    ];
    await geoip.stop();
    if (sink === Number.MIN_SAFE_INTEGER) throw new RangeError('unreachable');
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  for (const r of await run()) console.log(JSON.stringify(r));
}
