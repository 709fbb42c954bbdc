// SPDX-License-Identifier: AGPL-3.0-only
import { createRequire } from 'node:module';

/** ProducerLike is the part of node-rdkafka's Producer the inlet uses. */
export interface ProducerLike {
  on(event: 'delivery-report', cb: (err: Error | null, report: { opaque: unknown }) => void): unknown;
  on(event: 'event.error', cb: (err: Error & { code?: number }) => void): unknown;
  connect(options: { timeout: number }, cb: (err: Error | null) => void): unknown;
  setPollInterval(ms: number): unknown;
  /** produce queues a message; it copies `value` (node-rdkafka does), which the caller reuses once it returns. */
  produce(topic: string, partition: number | null, value: Buffer, key: Buffer | null, timestamp: number, opaque: unknown): unknown;
  flush(timeout: number, cb: (err: Error | null) => void): unknown;
  disconnect(cb: () => void): unknown;
}

/** ProducerFactory makes a producer from librdkafka settings. */
export type ProducerFactory = (settings: Record<string, string | number | boolean>) => ProducerLike;

/**
 * rdkafkaProducer makes a node-rdkafka producer. The native addon is loaded
 * only here, when a producer is needed, so that other commands start without it.
 */
export const rdkafkaProducer: ProducerFactory = (settings) => {
  const require = createRequire(import.meta.url);
  const Kafka = require('node-rdkafka') as { Producer: new (s: object, t: object) => ProducerLike };
  return new Kafka.Producer(settings, { acks: -1 });
};
