// SPDX-License-Identifier: AGPL-3.0-only
import { defaultsOf, type SchemaNode } from '../../common/config/schema.ts';
import { rulesFormat } from '../classifier/root.ts';
import { setting as networksSetting, type Configuration as NetworksConfiguration } from '../networks/config.ts';

/** ASN_PROVIDERS are the sources of AS numbers `asn-providers` may list. */
export const ASN_PROVIDERS = ['flow', 'flow-except-private', 'geoip', 'networks'] as const;
/** ASNProvider is one of ASN_PROVIDERS. */
export type ASNProvider = (typeof ASN_PROVIDERS)[number];

/** NET_PROVIDERS are the sources of prefix lengths `net-providers` may list. */
export const NET_PROVIDERS = ['flow'] as const;
/** NetProvider is one of NET_PROVIDERS. */
export type NetProvider = (typeof NET_PROVIDERS)[number];

/** Configuration is the core (enrichment) section of the inlet; durations are in milliseconds. */
export interface Configuration {
  exporterClassifiers: string[];
  interfaceClassifiers: string[];
  classifierCacheDuration: number;
  asnProviders: ASNProvider[];
  netProviders: NetProvider[];
  networks: NetworksConfiguration;
}

// listOf accepts a list of distinct values among `allowed`.
function listOf(allowed: readonly string[]): (value: unknown) => void {
  return (value: unknown) => {
    if (!Array.isArray(value)) throw new TypeError(`expected a list among ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    const seen = new Set<unknown>();
    value.forEach((v, i) => {
      if (typeof v !== 'string' || !allowed.includes(v)) {
        throw new TypeError(`${i}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
      }
      if (seen.has(v)) throw new TypeError(`${i}: "${v}" is listed twice`);
      seen.add(v);
    });
  };
}

/** schema declares the core section of the inlet. */
export const schema = {
  'exporter-classifiers': {
    doc: 'Rules classifying exporters (group, role, site, region, tenant), run in order on the exporter\'s IP and name; Reject() drops its flows',
    format: rulesFormat('exporter'),
    freeform: true,
    sensitive: true,
    default: [] as string[],
  },
  'interface-classifiers': {
    doc: 'Rules classifying interfaces (provider, connectivity, boundary, name, description), run in order on each interface; Reject() drops its flows',
    format: rulesFormat('interface'),
    freeform: true,
    sensitive: true,
    default: [] as string[],
  },
  'classifier-cache-duration': {
    doc: 'Classification results of an exporter or interface not seen for this long are forgotten (they are computed again when it comes back)',
    format: 'duration',
    default: '5m',
  },
  'asn-providers': {
    doc: 'Sources of the AS numbers, tried in order until one gives a non-zero AS: "flow" (the exporter\'s), "flow-except-private" (the exporter\'s unless private), "networks" (the asn of the configured network), "geoip" (the ASN database)',
    format: listOf(ASN_PROVIDERS),
    freeform: true,
    default: ['flow', 'networks', 'geoip'] as ASNProvider[],
  },
  'net-providers': {
    doc: 'Sources of the prefix lengths (SrcNetMask, DstNetMask): "flow" keeps the exporter\'s; an empty list sends none',
    format: listOf(NET_PROVIDERS),
    freeform: true,
    default: ['flow'] as NetProvider[],
  },
  networks: networksSetting,
} satisfies SchemaNode;

/** defaultConfiguration returns a fresh copy of the core section's defaults. */
export function defaultConfiguration(): Configuration {
  return defaultsOf<Configuration>(schema);
}
