// SPDX-License-Identifier: AGPL-3.0-only
import { defaultsOf, type SchemaNode } from '../../common/config/schema.ts';
import { resolveSnmp, type SnmpConfiguration } from './provider/snmp-config.ts';
import { resolveStatic, type StaticConfiguration } from './provider/static.ts';

/**
 * ProviderSetting is one element of metadata.providers as written (kebab-case
 * keys): `{ type: snmp, ... }` or `{ type: static, ... }`. Providers have
 * different keys, so the list is validated by its own format and each element
 * is resolved by resolveProviders().
 */
export type ProviderSetting = Record<string, unknown>;

/** Configuration is the metadata section of the inlet; durations are in milliseconds. */
export interface Configuration {
  providers: ProviderSetting[];
  cacheDuration: number;
  cacheRefresh: number;
  cacheCheckInterval: number;
  cachePersistFile: string;
  maxWait: number;
}

/** ResolvedProvider is a validated provider configuration, ready for its constructor. */
export type ResolvedProvider = { type: 'snmp'; config: SnmpConfiguration } | { type: 'static'; config: StaticConfiguration };

/** resolveProviders validates metadata.providers; it throws a TypeError whose lines start with the element's index. */
export function resolveProviders(providers: readonly unknown[]): ResolvedProvider[] {
  const out: ResolvedProvider[] = [];
  const errors: string[] = [];
  providers.forEach((p, i) => {
    try {
      const type = typeof p === 'object' && p !== null ? (p as ProviderSetting).type : undefined;
      if (type === 'snmp') out.push({ type, config: resolveSnmp(p) });
      else if (type === 'static') out.push({ type, config: resolveStatic(p) });
      else throw new TypeError(`type: expected "snmp" or "static", got ${JSON.stringify(type)}`);
    } catch (err) {
      for (const line of (err as Error).message.split('\n')) errors.push(`${i}.${line}`);
    }
  });
  if (errors.length > 0) throw new TypeError(errors.join('\n'));
  return out;
}

// providersFormat accepts a list of providers, each checked by its type's schema.
function providersFormat(value: unknown): void {
  if (!Array.isArray(value)) throw new TypeError(`expected a list of providers, got ${JSON.stringify(value)}`);
  resolveProviders(value);
}

/** schema declares the metadata section of the inlet. */
export const schema = {
  providers: {
    doc: 'Where exporter and interface names come from, asked in order: "snmp" polls the exporters, "static" answers from the configuration (an exporter it does not list goes to the next provider)',
    format: providersFormat,
    freeform: true,
    default: [{ type: 'snmp' }] as ProviderSetting[],
  },
  'cache-duration': { doc: 'Cache entries not used for this long are removed', format: 'duration', default: '30m' },
  'cache-refresh': { doc: 'Cache entries used since their last update are polled again after this long', format: 'duration', default: '1h' },
  'cache-check-interval': { doc: 'How often the cache is checked for entries to remove or refresh', format: 'duration', default: '2m' },
  'cache-persist-file': {
    doc: 'File where the cache is saved on stop and read on start (empty: not saved); an unreadable file is logged and ignored',
    format: String,
    default: '',
  },
  'max-wait': { doc: 'Longest time the flow path waits for an exporter\'s first answer before sending flows without names', format: 'duration', default: '1s' },
} satisfies SchemaNode;

/** defaultConfiguration returns a fresh copy of the metadata section's defaults. */
export function defaultConfiguration(): Configuration {
  return defaultsOf<Configuration>(schema);
}
