// SPDX-License-Identifier: AGPL-3.0-only
import { isIPv4 } from 'node:net';
import { camelize, validateWith, type SchemaNode } from '../common/config/schema.ts';

/** PROTOCOLS are the flow protocols a demo exporter can speak. */
export const PROTOCOLS = ['netflow-v9', 'ipfix', 'sflow'] as const;
/** Protocol is one of PROTOCOLS. */
export type Protocol = (typeof PROTOCOLS)[number];

/** DEFAULT_SAMPLING_RATES are the rates used when an exporter sets none. */
export const DEFAULT_SAMPLING_RATES: Readonly<Record<Protocol, number>> = { 'netflow-v9': 1000, ipfix: 500, sflow: 1024 };

/** MAX_EXPORTERS bounds the number of exporters (their default addresses stay inside 127.0.0.0/24). */
export const MAX_EXPORTERS = 200;

/** FIRST_ADDRESS is the last byte of the first exporter's default address, 127.0.0.11. */
export const FIRST_ADDRESS = 11;

// SITES name the default exporters: a site and its Internet exchange.
const SITES = [
  ['par1', 'FR-IX'],
  ['ams1', 'AMS-IX'],
  ['fra1', 'DE-CIX'],
  ['lon1', 'LINX'],
  ['par2', 'France-IX'],
  ['mrs1', 'France-IX'],
] as const;

/** exporterSchema declares one element of the `exporters` list. */
export const exporterSchema = {
  name: { doc: 'Exporter name, answered as sysName over SNMP (empty: edge1.par1, edge1.ams1, ... by rank)', format: String, default: '' },
  address: {
    doc: 'IPv4 address the exporter sends from and its SNMP agent listens on (empty: 127.0.0.11, 127.0.0.12, ... by rank; Linux routes all of 127.0.0.0/8 to the loopback)',
    format: String,
    default: '',
  },
  protocol: { doc: 'Flow protocol: netflow-v9, ipfix or sflow', format: [...PROTOCOLS], default: 'netflow-v9' },
  'sampling-rate': { doc: 'Sampling rate announced with the flows (0: 1000 for NetFlow v9, 500 for IPFIX, 1024 for sFlow)', format: 'nat', default: 0 },
} satisfies SchemaNode;

/** ExporterSpec is one resolved exporter: who it is and how it speaks. */
export interface ExporterSpec {
  /** rank is the exporter's position (0-based); it picks its site, links and customers. */
  rank: number;
  name: string;
  address: string;
  protocol: Protocol;
  samplingRate: number;
  /** domain is the NetFlow source ID, IPFIX observation domain and sFlow sub-agent ID. */
  domain: number;
  /** site and ix name the exporter's location and its Internet exchange. */
  site: string;
  ix: string;
}

function siteOf(rank: number): { site: string; ix: string; name: string } {
  const [site, ix] = SITES[rank % SITES.length]!;
  return { site, ix, name: `edge${Math.floor(rank / SITES.length) + 1}.${site}` };
}

/**
 * resolveExporters turns the `exporters` setting (a count or a list) into
 * exporter specifications. It throws a TypeError naming the element and key
 * of a mistake.
 */
export function resolveExporters(setting: number | ReadonlyArray<Record<string, unknown>>): ExporterSpec[] {
  let items: Array<{ name: string; address: string; protocol: Protocol; samplingRate: number }>;
  if (typeof setting === 'number') {
    if (!Number.isInteger(setting) || setting < 1 || setting > MAX_EXPORTERS) {
      throw new TypeError(`expected a number of exporters from 1 to ${MAX_EXPORTERS} or a list of exporters, got ${JSON.stringify(setting)}`);
    }
    items = Array.from({ length: setting }, (_, i) => ({ name: '', address: '', protocol: PROTOCOLS[i % PROTOCOLS.length]!, samplingRate: 0 }));
  } else if (Array.isArray(setting) && setting.length > 0 && setting.length <= MAX_EXPORTERS) {
    const errors: string[] = [];
    items = setting.map((raw, i) => {
      try {
        const v = camelize<{ name: string; address: string; protocol: Protocol; samplingRate: number }>(validateWith(exporterSchema, raw), exporterSchema);
        if (v.address !== '' && !isIPv4(v.address)) throw new TypeError(`address: expected an IPv4 address, got ${JSON.stringify(v.address)}`);
        return v;
      } catch (err) {
        for (const line of (err as Error).message.split('\n')) errors.push(`${i}.${line}`);
        return { name: '', address: '', protocol: 'netflow-v9', samplingRate: 0 };
      }
    });
    if (errors.length > 0) throw new TypeError(errors.join('\n'));
  } else {
    throw new TypeError(`expected a number of exporters or a list of 1 to ${MAX_EXPORTERS} exporters, got ${JSON.stringify(setting)}`);
  }
  const seen = new Set<string>();
  return items.map((item, rank) => {
    const site = siteOf(rank);
    const address = item.address === '' ? `127.0.0.${FIRST_ADDRESS + rank}` : item.address;
    if (seen.has(address)) throw new TypeError(`${rank}.address: ${address} is used by two exporters`);
    seen.add(address);
    return {
      rank,
      name: item.name === '' ? site.name : item.name,
      address,
      protocol: item.protocol,
      samplingRate: item.samplingRate === 0 ? DEFAULT_SAMPLING_RATES[item.protocol] : item.samplingRate,
      domain: 100 + rank,
      site: site.site,
      ix: site.ix,
    };
  });
}
