// SPDX-License-Identifier: AGPL-3.0-only

/** GeoRecord is what a GeoIP lookup tells about an address ("" or 0 when unknown). */
export interface GeoRecord {
  readonly asn: number;
  readonly asName: string;
  readonly country: string;
  readonly city: string;
  readonly state: string;
}

/** NO_RECORD is the record of an address no database knows. */
export const NO_RECORD: GeoRecord = Object.freeze({ asn: 0, asName: '', country: '', city: '', state: '' });

type Data = Record<string, unknown>;

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function field(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null && !Array.isArray(o) ? (o as Data)[key] : undefined;
}

// englishName reads { names: { en: "..." } }.
function englishName(o: unknown): string {
  return str(field(field(o, 'names'), 'en'));
}

// parseASN accepts 13335, "13335" and "AS13335" (IPinfo).
function parseASN(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff) return v;
  if (typeof v === 'bigint' && v >= 0n && v <= 0xffffffffn) return Number(v);
  if (typeof v === 'string') {
    const m = /^(?:AS)?(\d{1,10})$/i.exec(v.trim());
    if (m !== null) {
      const n = Number(m[1]);
      if (n <= 0xffffffff) return n;
    }
  }
  return 0;
}

/**
 * toRecord extracts the fields Akvorado uses from one MMDB data entry. It
 * understands these layouts:
 * - MaxMind GeoLite2/GeoIP2 ASN: autonomous_system_number, autonomous_system_organization;
 * - MaxMind City/Country: country.iso_code, city.names.en, subdivisions[0].names.en
 *   (its iso_code when there is no English name);
 * - DB-IP lite and ip-location-db: country_code, city, state1 or region,
 *   autonomous_system_number/organization;
 * - IPinfo lite: asn ("AS13335"), as_name, country_code, and city/region in
 *   the larger IPinfo databases (country, when two letters, is a code too).
 */
export function toRecord(d: unknown): GeoRecord {
  const asn = parseASN(field(d, 'autonomous_system_number') ?? field(d, 'asn'));
  const asName = str(field(d, 'autonomous_system_organization')) || str(field(d, 'as_name')) || str(field(d, 'organization'));
  const countryField = field(d, 'country');
  let country = str(field(countryField, 'iso_code')) || str(field(d, 'country_code'));
  if (country === '' && typeof countryField === 'string' && /^[A-Za-z]{2}$/.test(countryField)) country = countryField;
  const cityField = field(d, 'city');
  const city = typeof cityField === 'string' ? cityField : englishName(cityField);
  const subdivisions = field(d, 'subdivisions');
  let state = '';
  if (Array.isArray(subdivisions) && subdivisions.length > 0) {
    state = englishName(subdivisions[0]) || str(field(subdivisions[0], 'iso_code'));
  }
  state ||= str(field(d, 'region')) || str(field(d, 'state')) || str(field(d, 'state1'));
  return { asn, asName, country: country.toUpperCase(), city, state };
}

/**
 * RecordSet deduplicates records: databases repeat the same data for many
 * networks, and lookups answer with an index into `records`.
 */
export class RecordSet {
  /** records lists the distinct records; index 0 is NO_RECORD. */
  readonly records: GeoRecord[] = [NO_RECORD];
  /** asns holds records[i].asn, for lookups that want the number alone. */
  asns = new Uint32Array(64);
  private readonly index = new Map<string, number>();

  constructor() {
    this.index.set(key(NO_RECORD), 0);
  }

  /** add returns the index of a record equal to `r`, adding it when new. */
  add(r: GeoRecord): number {
    const k = key(r);
    let i = this.index.get(k);
    if (i === undefined) {
      i = this.records.length;
      this.records.push(Object.freeze(r));
      if (i >= this.asns.length) {
        const a = new Uint32Array(this.asns.length * 2);
        a.set(this.asns);
        this.asns = a;
      }
      this.asns[i] = r.asn;
      this.index.set(k, i);
    }
    return i;
  }
}

function key(r: GeoRecord): string {
  return `${r.asn}\u0000${r.asName}\u0000${r.country}\u0000${r.city}\u0000${r.state}`;
}
