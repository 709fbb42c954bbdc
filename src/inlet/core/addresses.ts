// SPDX-License-Identifier: AGPL-3.0-only
import { STRING_COUNT, STRING_INDEX, type FlowBatch } from '../flow/batch.ts';
import type { StringTable } from '../flow/strings.ts';
import type { Networks } from '../networks/root.ts';
import type { Configuration } from './config.ts';
import { GeoIds, NetworkIds } from './lookups.ts';
import { AS_CODES, AS_FLOW, AS_FLOW_EXCEPT_PRIVATE, AS_GEOIP, AS_NETWORKS, isPrivateAS, type GeoSource } from './types.ts';

// Positions of the string ids this pass writes.
const SRC_CITY = STRING_INDEX.srcGeoCity;
const DST_CITY = STRING_INDEX.dstGeoCity;
const SRC_STATE = STRING_INDEX.srcGeoState;
const DST_STATE = STRING_INDEX.dstGeoState;
const SRC_NET = STRING_INDEX.srcNetName;
const DST_NET = STRING_INDEX.dstNetName;

/**
 * Addresses fills the columns derived from the source and destination
 * addresses: AS numbers (asn-providers order), countries (the configured
 * network's, else GeoIP's), GeoIP cities and states, the configured
 * networks' attributes and the prefix lengths (net-providers). Lookups run
 * per column over the whole batch (lookupBatch), then a loop picks values.
 */
export class Addresses {
  private readonly geoip: GeoSource | null;
  private readonly networks: Networks;
  private readonly netIds: NetworkIds;
  private readonly geoIds: GeoIds;
  private readonly asProviders: Uint8Array;
  private readonly keepNetMask: boolean;
  private srcGeo = new Int32Array(0);
  private dstGeo = new Int32Array(0);
  private srcNet = new Int32Array(0);
  private dstNet = new Int32Array(0);

  constructor(config: Configuration, geoip: GeoSource | null, networks: Networks, strings: StringTable) {
    this.geoip = geoip;
    this.networks = networks;
    this.netIds = new NetworkIds(networks.records, strings);
    this.geoIds = new GeoIds(strings);
    this.asProviders = Uint8Array.from(config.asnProviders.map((p) => AS_CODES[p]));
    this.keepNetMask = config.netProviders.includes('flow');
  }

  /** fill writes the address columns of the `b.length` rows of a batch. */
  fill(b: FlowBatch): void {
    const n = b.length;
    if (this.srcGeo.length < n) {
      this.srcGeo = new Int32Array(b.capacity);
      this.dstGeo = new Int32Array(b.capacity);
      this.srcNet = new Int32Array(b.capacity);
      this.dstNet = new Int32Array(b.capacity);
    }
    const geo = this.geoip;
    const net = this.networks.size > 0;
    if (geo !== null) {
      geo.lookupBatch(b.srcAddr, 0, 16, n, this.srcGeo);
      geo.lookupBatch(b.dstAddr, 0, 16, n, this.dstGeo);
      this.geoIds.sync(geo.geoRecords);
    }
    if (net) {
      this.networks.lookupBatch(b.srcAddr, 0, 16, n, this.srcNet);
      this.networks.lookupBatch(b.dstAddr, 0, 16, n, this.dstNet);
    }
    const srcNet = this.srcNet;
    const dstNet = this.dstNet;
    const srcGeo = this.srcGeo;
    const dstGeo = this.dstGeo;
    const srcAS = b.srcAS;
    const dstAS = b.dstAS;
    const srcCountry = b.srcCountry;
    const dstCountry = b.dstCountry;
    const strings = b.stringIds;
    const netCountry = this.netIds.country;
    const ids = this.geoIds;
    for (let i = 0; i < n; i++) {
      const sn = net ? srcNet[i]! : -1;
      const dn = net ? dstNet[i]! : -1;
      const se = geo !== null ? srcGeo[i]! : -1;
      const de = geo !== null ? dstGeo[i]! : -1;
      srcAS[i] = this.asn(srcAS[i]!, sn, se);
      dstAS[i] = this.asn(dstAS[i]!, dn, de);
      // Country: the configured network's, else GeoIP's; city and state: GeoIP's.
      let sc = sn >= 0 ? netCountry[sn]! : 0;
      let dc = dn >= 0 ? netCountry[dn]! : 0;
      const sg = se >= 0 ? geo!.geoOf(se) : -1;
      const dg = de >= 0 ? geo!.geoOf(de) : -1;
      const base = i * STRING_COUNT;
      if (sg >= 0) {
        if (ids.city[sg]! < 0) ids.convert(sg);
        if (sc === 0) sc = ids.country[sg]!;
        strings[base + SRC_CITY] = ids.city[sg]!;
        strings[base + SRC_STATE] = ids.state[sg]!;
      } else strings[base + SRC_CITY] = strings[base + SRC_STATE] = 0;
      if (dg >= 0) {
        if (ids.city[dg]! < 0) ids.convert(dg);
        if (dc === 0) dc = ids.country[dg]!;
        strings[base + DST_CITY] = ids.city[dg]!;
        strings[base + DST_STATE] = ids.state[dg]!;
      } else strings[base + DST_CITY] = strings[base + DST_STATE] = 0;
      srcCountry[i] = sc;
      dstCountry[i] = dc;
    }
    this.network(strings, SRC_NET, net ? srcNet : null, n);
    this.network(strings, DST_NET, net ? dstNet : null, n);
    if (!this.keepNetMask) {
      b.srcNetMask.fill(0, 0, n);
      b.dstNetMask.fill(0, 0, n);
    }
  }

  // asn picks the first non-zero AS number among the providers.
  private asn(flowAS: number, net: number, entry: number): number {
    const providers = this.asProviders;
    for (let k = 0; k < providers.length; k++) {
      switch (providers[k]) {
        case AS_FLOW:
          if (flowAS !== 0) return flowAS;
          break;
        case AS_FLOW_EXCEPT_PRIVATE:
          if (flowAS !== 0 && !isPrivateAS(flowAS)) return flowAS;
          break;
        case AS_GEOIP:
          if (entry >= 0) {
            const a = this.geoip!.asnOf(entry);
            if (a !== 0) return a;
          }
          break;
        case AS_NETWORKS:
          if (net >= 0 && this.netIds.asn[net] !== 0) return this.netIds.asn[net]!;
          break;
      }
    }
    return 0;
  }

  // network writes the configured networks' attributes (name, role, site,
  // region, tenant: consecutive string ids from `at`) of `n` addresses. The
  // five ids of a network are side by side too (attrs).
  private network(strings: Uint32Array, at: number, nets: Int32Array | null, n: number): void {
    const attrs = this.netIds.attrs;
    for (let i = 0, base = at; i < n; i++, base += STRING_COUNT) {
      const k = nets === null ? -1 : nets[i]!;
      if (k < 0) {
        strings[base] = strings[base + 1] = strings[base + 2] = strings[base + 3] = strings[base + 4] = 0;
        continue;
      }
      const a = k * 5;
      strings[base] = attrs[a]!;
      strings[base + 1] = attrs[a + 1]!;
      strings[base + 2] = attrs[a + 2]!;
      strings[base + 3] = attrs[a + 3]!;
      strings[base + 4] = attrs[a + 4]!;
    }
  }
}
