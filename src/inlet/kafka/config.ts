// SPDX-License-Identifier: AGPL-3.0-only
import type { SchemaNode } from '../../common/config/schema.ts';

/** Configuration is the kafka section (shared by the inlet and configure). */
export interface Configuration {
  brokers: string[];
  topic: string;
  compressionCodec: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  loadBalance: 'random' | 'by-exporter';
  queueSize: number;
  maxMessageBytes: number;
  flushInterval: number;
  tls: { enable: boolean; verify: boolean; caFile: string; certFile: string; keyFile: string };
  sasl: { mechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  topicConfiguration: { numPartitions: number; replicationFactor: number; configEntries: Record<string, string> };
}

// brokerList accepts a non-empty list of host:port.
function brokerList(value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError('expected a non-empty list of host:port');
  for (const b of value) {
    if (typeof b !== 'string' || !/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(b)) {
      throw new TypeError(`expected host:port, got ${JSON.stringify(b)}`);
    }
  }
}

// stringMap accepts a mapping of strings to strings (Kafka topic settings).
function stringMap(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError('expected a mapping');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(`${k}: expected a string, got ${JSON.stringify(v)}`);
  }
}

/** schema declares the kafka section. */
export const schema = {
  brokers: { doc: 'Kafka bootstrap brokers, as host:port', format: brokerList, default: ['127.0.0.1:9092'] },
  topic: {
    doc: 'Base name of the topic; the name used is "<topic>-<hash of the flow schema>" so that a schema change never mixes messages',
    format: String,
    default: 'flows',
  },
  'compression-codec': { doc: 'Compression of Kafka messages', format: ['none', 'gzip', 'snappy', 'lz4', 'zstd'], default: 'lz4' },
  'load-balance': {
    doc: '"random" spreads messages over partitions; "by-exporter" keys them by exporter address (one exporter, one partition)',
    format: ['random', 'by-exporter'],
    default: 'random',
  },
  'queue-size': {
    doc: 'Kafka messages waiting for the broker before new ones are dropped (and counted); each holds many flows',
    format: 'nat',
    default: 32_768,
  },
  'max-message-bytes': { doc: 'Largest Kafka message the inlet builds (flows are packed up to this size)', format: 'nat', default: 524_288 },
  'flush-interval': { doc: 'Longest time a flow waits to be packed into a Kafka message', format: 'duration', default: '1s' },
  tls: {
    enable: { doc: 'Connect to the brokers with TLS', format: Boolean, default: false },
    verify: { doc: 'Check the brokers\' certificates', format: Boolean, default: true },
    'ca-file': { doc: 'CA certificates (PEM) to check the brokers with (empty: system ones)', format: String, default: '' },
    'cert-file': { doc: 'Client certificate (PEM) for mutual TLS', format: String, default: '' },
    'key-file': { doc: 'Client key (PEM) for mutual TLS', format: String, default: '' },
  },
  sasl: {
    mechanism: { doc: 'SASL mechanism', format: ['none', 'plain', 'scram-sha-256', 'scram-sha-512'], default: 'none' },
    username: { doc: 'SASL user name', format: String, default: '' },
    password: { doc: 'SASL password', format: String, default: '', sensitive: true },
  },
  'topic-configuration': {
    'num-partitions': { doc: 'configure: partitions of the topic (only ever increased)', format: 'nat', default: 8 },
    'replication-factor': { doc: 'configure: replication factor of the topic', format: 'nat', default: 1 },
    'config-entries': {
      doc: 'configure: topic settings (e.g. retention.ms, segment.bytes), applied to an existing topic too',
      format: stringMap,
      freeform: true,
      default: { 'retention.ms': '86400000' } as Record<string, string>,
    },
  },
} satisfies SchemaNode;

/**
 * clientSettings turns the configuration into librdkafka settings shared by
 * the producer and the admin client.
 */
export function clientSettings(c: Configuration): Record<string, string | number | boolean> {
  const s: Record<string, string | number | boolean> = {
    'bootstrap.servers': c.brokers.join(','),
    'client.id': 'akvorado',
    // Keep reconnecting to brokers, a little slower each time.
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 10_000,
  };
  const sasl = c.sasl.mechanism !== 'none';
  s['security.protocol'] = c.tls.enable ? (sasl ? 'sasl_ssl' : 'ssl') : sasl ? 'sasl_plaintext' : 'plaintext';
  if (c.tls.enable) {
    s['enable.ssl.certificate.verification'] = c.tls.verify;
    if (c.tls.caFile !== '') s['ssl.ca.location'] = c.tls.caFile;
    if (c.tls.certFile !== '') s['ssl.certificate.location'] = c.tls.certFile;
    if (c.tls.keyFile !== '') s['ssl.key.location'] = c.tls.keyFile;
  }
  if (sasl) {
    s['sasl.mechanisms'] = c.sasl.mechanism.toUpperCase();
    s['sasl.username'] = c.sasl.username;
    s['sasl.password'] = c.sasl.password;
  }
  return s;
}
