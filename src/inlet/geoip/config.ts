// SPDX-License-Identifier: AGPL-3.0-only
import { defaultsOf, type SchemaNode } from '../../common/config/schema.ts';

/** Configuration is the geoip section of the inlet. */
export interface Configuration {
  asnDatabase: string[];
  geoDatabase: string[];
  optional: boolean;
}

// pathList accepts a list of non-empty file paths. The lists are free-form
// so that this check, not convict's coercion of strings, reports mistakes.
function pathList(value: unknown): void {
  if (!Array.isArray(value)) throw new TypeError(`expected a list of file paths, got ${JSON.stringify(value)}`);
  value.forEach((p, i) => {
    if (typeof p !== 'string' || p === '') throw new TypeError(`${i}: expected a file path, got ${JSON.stringify(p)}`);
  });
}

/** schema declares the geoip section. */
export const schema = {
  'asn-database': {
    doc: 'MaxMind DB files giving AS numbers and names (GeoLite2-ASN, DB-IP ASN lite, IPinfo lite); for an address, the last file that knows it wins',
    format: pathList,
    freeform: true,
    default: [] as string[],
  },
  'geo-database': {
    doc: 'MaxMind DB files giving countries, states and cities (GeoLite2-Country/City, DB-IP lite, IPinfo lite); for an address, the last file that knows it wins',
    format: pathList,
    freeform: true,
    default: [] as string[],
  },
  optional: {
    doc: 'Start even when a database file is missing or invalid, and load it when it appears (false: such a file stops the inlet at start)',
    format: Boolean,
    default: false,
  },
} satisfies SchemaNode;

/** defaultConfiguration returns a fresh copy of the geoip section's defaults. */
export function defaultConfiguration(): Configuration {
  return defaultsOf<Configuration>(schema);
}
