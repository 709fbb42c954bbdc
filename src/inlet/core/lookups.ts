// SPDX-License-Identifier: AGPL-3.0-only
import type { StringTable } from '../flow/strings.ts';
import type { GeoRecord } from '../geoip/root.ts';
import type { NetworkAttributes } from '../networks/root.ts';

/** countryCode packs a two-letter country code into 16 bits (first letter high), 0 for anything else. */
export function countryCode(s: string): number {
  if (s.length !== 2) return 0;
  const a = s.charCodeAt(0) & ~0x20; // upper case
  const b = s.charCodeAt(1) & ~0x20;
  if (a < 0x41 || a > 0x5a || b < 0x41 || b > 0x5a) return 0;
  return (a << 8) | b;
}

/**
 * NetworkIds are the configured networks' attributes as string ids and
 * numbers, by index in Networks.records, computed once at construction.
 */
export class NetworkIds {
  readonly name: Uint32Array;
  readonly role: Uint32Array;
  readonly site: Uint32Array;
  readonly region: Uint32Array;
  readonly tenant: Uint32Array;
  /** attrs holds name, role, site, region and tenant of network k at 5k..5k+4. */
  readonly attrs: Uint32Array;
  readonly asn: Uint32Array;
  readonly country: Uint16Array;

  constructor(records: readonly NetworkAttributes[], strings: StringTable) {
    const n = records.length;
    this.name = new Uint32Array(n);
    this.role = new Uint32Array(n);
    this.site = new Uint32Array(n);
    this.region = new Uint32Array(n);
    this.tenant = new Uint32Array(n);
    this.asn = new Uint32Array(n);
    this.country = new Uint16Array(n);
    this.attrs = new Uint32Array(n * 5);
    records.forEach((r, i) => {
      this.name[i] = strings.intern(r.name);
      this.role[i] = strings.intern(r.role);
      this.site[i] = strings.intern(r.site);
      this.region[i] = strings.intern(r.region);
      this.tenant[i] = strings.intern(r.tenant);
      this.asn[i] = r.asn;
      this.country[i] = countryCode(r.country);
      this.attrs.set([this.name[i]!, this.role[i]!, this.site[i]!, this.region[i]!, this.tenant[i]!], i * 5);
    });
  }
}

/**
 * GeoIds are GeoIP geo records as string ids and country codes, by index in
 * geoRecords. A database holds many records and a flow path sees few of
 * them, so each is converted when first met. A reload brings a new records
 * array: `sync()` notices and starts over.
 */
export class GeoIds {
  private readonly strings: StringTable;
  private records: readonly GeoRecord[] | null = null;
  /** city holds the city id of each record, -1 until the record is converted. */
  city: Int32Array = new Int32Array(0);
  state: Uint32Array = new Uint32Array(0);
  country: Uint16Array = new Uint16Array(0);

  constructor(strings: StringTable) {
    this.strings = strings;
  }

  /** sync follows the current records array (once per batch). */
  sync(records: readonly GeoRecord[]): void {
    if (records === this.records) return;
    this.records = records;
    this.city = new Int32Array(records.length).fill(-1);
    this.state = new Uint32Array(records.length);
    this.country = new Uint16Array(records.length);
  }

  /** convert fills the ids of record `g` (call when city[g] is -1). */
  convert(g: number): void {
    const r = this.records![g]!;
    this.city[g] = this.strings.intern(r.city);
    this.state[g] = this.strings.intern(r.state);
    this.country[g] = countryCode(r.country);
  }
}
