// SPDX-License-Identifier: AGPL-3.0-only
import { listOf, type SchemaNode } from '../config/schema.ts';

/** Configuration is the clickhouse section (shared by configure, the console and standalone). */
export interface Configuration {
  servers: string[];
  database: string;
  username: string;
  password: string;
  requestTimeout: number;
  maxConnections: number;
  tls: { caFile: string; certFile: string; keyFile: string };
  kafka: { consumers: number; maxBlockSize: number; pollTimeout: number; engineSettings: Record<string, string | number> };
  resolutions: Array<{ interval: number; ttl: number }>;
  asns: Record<string, string>;
}

// serverList accepts a non-empty list of http(s) URLs.
function serverList(value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError('expected a non-empty list of URLs like http://127.0.0.1:8123');
  for (const s of value) {
    let ok = false;
    try {
      ok = typeof s === 'string' && ['http:', 'https:'].includes(new URL(s).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new TypeError(`expected an http:// or https:// URL, got ${JSON.stringify(s)}`);
  }
}

// identifier accepts a ClickHouse database or cluster name without quoting trouble.
function identifier(value: unknown): void {
  if (typeof value !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$|^$/.test(value)) {
    throw new TypeError(`expected letters, digits and underscores, got ${JSON.stringify(value)}`);
  }
}

// asnMap accepts { "64512": "name" }.
function asnMap(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('expected a mapping of AS numbers to names');
  for (const [k, v] of Object.entries(value)) {
    if (!/^\d{1,10}$/.test(k) || Number(k) > 4294967295) throw new TypeError(`expected an AS number, got "${k}"`);
    if (typeof v !== 'string') throw new TypeError(`${k}: expected a name, got ${JSON.stringify(v)}`);
  }
}

// engineSettings accepts { setting: value } for the Kafka engine.
function engineSettings(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('expected a mapping');
  for (const [k, v] of Object.entries(value)) {
    if (!/^kafka_[a-z_]+$/.test(k)) throw new TypeError(`expected a kafka_* engine setting, got "${k}"`);
    if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(`${k}: expected a string or a number`);
  }
}

/** schema declares the clickhouse section. */
export const schema = {
  servers: { doc: 'ClickHouse HTTP endpoints (tried in turn)', format: serverList, default: ['http://127.0.0.1:8123'] },
  database: { doc: 'Database holding the flows tables', format: identifier, default: 'default' },
  username: { doc: 'ClickHouse user', format: String, default: 'default' },
  password: { doc: 'ClickHouse password', format: String, default: '', sensitive: true },
  'request-timeout': { doc: 'Longest time a ClickHouse request may take', format: 'duration', default: '5m' },
  'max-connections': { doc: 'Open HTTP connections per server', format: 'nat', default: 10 },
  tls: {
    'ca-file': { doc: 'CA certificates (PEM) to check https:// servers with (empty: system ones)', format: String, default: '' },
    'cert-file': { doc: 'Client certificate (PEM) for mutual TLS', format: String, default: '' },
    'key-file': { doc: 'Client key (PEM) for mutual TLS', format: String, default: '' },
  },
  kafka: {
    consumers: { doc: 'configure: consumers of the Kafka engine table (at most the topic\'s partitions)', format: 'nat', default: 1 },
    'max-block-size': { doc: 'configure: rows the Kafka engine gathers before writing a block', format: 'nat', default: 1_048_576 },
    'poll-timeout': { doc: 'configure: longest time the Kafka engine waits to fill a block', format: 'duration', default: '7s' },
    'engine-settings': {
      doc: 'configure: extra kafka_* settings of the Kafka engine table (e.g. kafka_security_protocol)',
      format: engineSettings,
      freeform: true,
      default: {} as Record<string, string | number>,
    },
  },
  resolutions: listOf(
    'configure: flows tables by time resolution (interval 0 is the main table, which must be listed) and how long each keeps rows (ttl 0: forever)',
    {
      interval: { doc: 'Width of the time buckets (0: the main table, one row per flow)', format: 'duration', default: '0s' },
      ttl: { doc: 'How long rows are kept (0: forever)', format: 'duration', default: '0s' },
    },
    [
      { interval: '0s', ttl: '360h' },
      { interval: '1m', ttl: '168h' },
      { interval: '5m', ttl: '2160h' },
      { interval: '1h', ttl: '8760h' },
    ],
  ),
  asns: {
    doc: 'configure: AS names added to (or replacing) the shipped ones, e.g. {64512: "lab"}',
    format: asnMap,
    freeform: true,
    default: {} as Record<string, string>,
  },
} satisfies SchemaNode;
