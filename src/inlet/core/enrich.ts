// SPDX-License-Identifier: AGPL-3.0-only
import { formatIP } from '../../common/helpers/ip.ts';
import { copyRow } from '../flow/batch-ops.ts';
import { STRING_COUNT, STRING_INDEX, type FlowBatch } from '../flow/batch.ts';
import { Addresses } from './addresses.ts';
import type { Configuration } from './config.ts';
import type { HotCounters } from './metrics.ts';
import { Classifications, ExporterState, InterfaceState } from './state.ts';
import type { EnricherDependencies, Misses } from './types.ts';

export type { EnricherDependencies, GeoSource, MetadataSource, Misses } from './types.ts';

// SWEEP_INTERVAL_MS is how often unused states are looked for.
const SWEEP_INTERVAL_MS = 30_000;

const NONE = new InterfaceState();

// Positions of the string ids this pass writes.
const EXPORTER_NAME = STRING_INDEX.exporterName;
const EXPORTER_GROUP = STRING_INDEX.exporterGroup;
const EXPORTER_ROLE = STRING_INDEX.exporterRole;
const EXPORTER_SITE = STRING_INDEX.exporterSite;
const EXPORTER_REGION = STRING_INDEX.exporterRegion;
const EXPORTER_TENANT = STRING_INDEX.exporterTenant;
const IN_NAME = STRING_INDEX.inIfName;
const IN_DESCRIPTION = STRING_INDEX.inIfDescription;
const IN_CONNECTIVITY = STRING_INDEX.inIfConnectivity;
const IN_PROVIDER = STRING_INDEX.inIfProvider;
const OUT_NAME = STRING_INDEX.outIfName;
const OUT_DESCRIPTION = STRING_INDEX.outIfDescription;
const OUT_CONNECTIVITY = STRING_INDEX.outIfConnectivity;
const OUT_PROVIDER = STRING_INDEX.outIfProvider;

// SMALL_IFINDEX: interfaces below it are also found by array index, faster
// than the map on the per-flow path (most exporters number them from 1).
const SMALL_IFINDEX = 4096;

/**
 * Enricher fills the enriched columns of a batch, on the main thread, in two
 * passes. `resolve()` writes exporter and interface fields: the metadata is
 * looked up once per interface and batch, and classifications are cached in
 * per-exporter and per-interface states holding string ids, so a flow costs
 * a few array stores. It reports the interfaces without metadata, so that
 * the caller may wait for them and run `resolve()` again. `finish()` then
 * does the address lookups (GeoIP and networks, one batched lookup per
 * column), picks AS numbers and countries, and drops rejected flows.
 * Nothing is allocated per flow.
 */
export class Enricher {
  private readonly metadata: EnricherDependencies['metadata'];
  private readonly hot: HotCounters;
  private readonly classifications: Classifications;
  private readonly addresses: Addresses;
  private readonly cacheDuration: number;
  private readonly exporters = new Map<string, ExporterState>();
  private epoch = 0;
  private now = 0;
  private nextSweep = 0;
  // marks holds, per row, why resolve() rejected it (0: kept, 1: exporter, 2: interface).
  private marks = new Uint8Array(0);

  constructor(config: Configuration, deps: EnricherDependencies, hot: HotCounters) {
    this.metadata = deps.metadata;
    this.hot = hot;
    this.classifications = new Classifications(deps.classifiers, deps.strings, hot);
    this.addresses = new Addresses(config, deps.geoip, deps.networks, deps.strings);
    this.cacheDuration = config.classifierCacheDuration;
  }

  /** exporterCount is the number of cached exporters. */
  get exporterCount(): number {
    return this.exporters.size;
  }

  /** interfaceCount is the number of cached interfaces. */
  get interfaceCount(): number {
    let n = 0;
    for (const e of this.exporters.values()) n += e.interfaces.size;
    return n;
  }

  /**
   * resolve writes the exporter and interface columns of every row and
   * returns the number of rows whose metadata is missing; with `misses`,
   * it also lists the missing interfaces by exporter.
   */
  resolve(b: FlowBatch, misses: Misses | null): number {
    const epoch = ++this.epoch;
    const now = (this.now = Date.now());
    if (now >= this.nextSweep) this.sweep(now);
    const n = b.length;
    if (this.marks.length < n) this.grow(n);
    const marks = this.marks;
    // 16-byte addresses compared as 4 words: offsets are multiples of 8.
    const addr = new Uint32Array(b.buffer, b.exporterAddress.byteOffset, n * 4);
    const inIf = b.inIf;
    const outIf = b.outIf;
    // Interface rules see the flow's VLAN (source VLAN on the way in,
    // destination VLAN on the way out): states are kept per (ifIndex, VLAN).
    const inVlan = b.srcVlan;
    const outVlan = b.dstVlan;
    const ids = b.stringIds;
    const iSpeed = b.inIfSpeed;
    const iBoundary = b.inIfBoundary;
    const oSpeed = b.outIfSpeed;
    const oBoundary = b.outIfBoundary;
    let exp: ExporterState | null = null;
    let inS = NONE;
    let outS = NONE;
    let lastIn = -1;
    let lastOut = -1;
    let lastInVlan = -1;
    let lastOutVlan = -1;
    let missing = 0;
    for (let i = 0, w = 0; i < n; i++, w += 4) {
      if (exp === null || addr[w] !== addr[w - 4] || addr[w + 1] !== addr[w - 3] || addr[w + 2] !== addr[w - 2] || addr[w + 3] !== addr[w - 1]) {
        exp = this.exporter(b.exporterAddress, i * 16);
        lastIn = lastOut = -1;
      }
      const inIndex = inIf[i]!;
      const inV = inVlan[i]!;
      if (inIndex !== lastIn || inV !== lastInVlan) {
        inS = this.iface(exp, inIndex, inV, epoch, misses);
        lastIn = inIndex;
        lastInVlan = inV;
      }
      const outIndex = outIf[i]!;
      const outV = outVlan[i]!;
      if (outIndex !== lastOut || outV !== lastOutVlan) {
        outS = this.iface(exp, outIndex, outV, epoch, misses);
        lastOut = outIndex;
        lastOutVlan = outV;
      }
      if (inS.missing || outS.missing) missing++;
      marks[i] = exp.reject ? 1 : inS.reject || outS.reject ? 2 : 0;
      const base = i * STRING_COUNT;
      ids[base + EXPORTER_NAME] = exp.name;
      ids[base + EXPORTER_GROUP] = exp.group;
      ids[base + EXPORTER_ROLE] = exp.role;
      ids[base + EXPORTER_SITE] = exp.site;
      ids[base + EXPORTER_REGION] = exp.region;
      ids[base + EXPORTER_TENANT] = exp.tenant;
      ids[base + IN_NAME] = inS.name;
      ids[base + IN_DESCRIPTION] = inS.description;
      ids[base + IN_CONNECTIVITY] = inS.connectivity;
      ids[base + IN_PROVIDER] = inS.provider;
      ids[base + OUT_NAME] = outS.name;
      ids[base + OUT_DESCRIPTION] = outS.description;
      ids[base + OUT_CONNECTIVITY] = outS.connectivity;
      ids[base + OUT_PROVIDER] = outS.provider;
      iSpeed[i] = inS.speed;
      iBoundary[i] = inS.boundary;
      oSpeed[i] = outS.speed;
      oBoundary[i] = outS.boundary;
    }
    return missing;
  }

  /**
   * finish writes the address columns (AS numbers, countries, networks,
   * cities and states, prefix lengths) of every row, then drops the flows
   * that resolve() marked rejected. Call it right after resolve().
   */
  finish(b: FlowBatch): void {
    this.addresses.fill(b);
    this.compact(b);
  }

  // compact removes the rows resolve() marked rejected.
  private compact(b: FlowBatch): void {
    const marks = this.marks;
    const n = b.length;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const m = marks[i]!;
      if (m === 0) {
        if (i !== j) copyRow(b, i, j);
        j++;
      } else if (m === 1) this.hot.rejectedExporter++;
      else this.hot.rejectedInterface++;
    }
    b.length = j;
  }

  // exporter returns the state of the exporter at addr[off..off+16].
  private exporter(addr: Uint8Array, off: number): ExporterState {
    const ip = formatIP(addr, off);
    let e = this.exporters.get(ip);
    if (e === undefined) {
      e = new ExporterState(ip);
      this.exporters.set(ip, e);
    }
    e.lastUsed = this.now;
    return e;
  }

  // iface returns the state of an interface on a VLAN (0: none), looked up
  // once per batch. Keys are ifIndex + VLAN × 2^32; small ones without a
  // VLAN also sit in a plain array.
  private iface(exp: ExporterState, ifIndex: number, vlan: number, epoch: number, misses: Misses | null): InterfaceState {
    const small = vlan === 0 && ifIndex < SMALL_IFINDEX;
    const key = ifIndex + vlan * 0x1_0000_0000;
    let s = small ? exp.small[ifIndex] : exp.interfaces.get(key);
    if (s === undefined) {
      s = new InterfaceState();
      exp.interfaces.set(key, s);
      if (small) exp.small[ifIndex] = s;
    }
    if (s.epoch !== epoch) {
      s.epoch = epoch;
      s.lastUsed = this.now;
      this.classifications.update(exp, s, ifIndex, vlan, this.metadata.lookup(exp.ip, ifIndex));
    }
    if (s.missing && misses !== null && s.missedEpoch !== epoch) {
      s.missedEpoch = epoch;
      let list = misses.get(exp.ip);
      if (list === undefined) misses.set(exp.ip, (list = []));
      list.push(ifIndex);
    }
    return s;
  }

  // grow makes the per-row scratch array hold n rows.
  private grow(n: number): void {
    this.marks = new Uint8Array(n);
  }

  // sweep forgets exporters and interfaces unused for classifier-cache-duration.
  private sweep(now: number): void {
    this.nextSweep = now + Math.min(SWEEP_INTERVAL_MS, this.cacheDuration);
    const limit = now - this.cacheDuration;
    for (const [ip, e] of this.exporters) {
      for (const [i, s] of e.interfaces) {
        if (s.lastUsed < limit) {
          e.interfaces.delete(i);
          if (i < SMALL_IFINDEX) e.small[i] = undefined;
          this.hot.expired++;
        }
      }
      if (e.lastUsed < limit) {
        this.exporters.delete(ip);
        this.hot.expired++;
      }
    }
  }
}
