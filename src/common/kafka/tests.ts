// SPDX-License-Identifier: AGPL-3.0-only
// Test helpers for the real Kafka broker that scripts/kafka.sh starts.
import { createRequire } from 'node:module';
import { Socket } from 'node:net';

const require = createRequire(import.meta.url);

/** BROKERS is where tests find the broker (KAFKA_BROKERS, default 127.0.0.1:19092). */
export const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

/**
 * checkKafka fails, with a message saying how to start one, when no broker
 * answers: tests that need Kafka never skip silently.
 */
export async function checkKafka(): Promise<string[]> {
  const [host, port] = BROKERS[0]!.split(':') as [string, string];
  const ok = await new Promise<boolean>((resolve) => {
    const s = new Socket();
    s.setTimeout(2000);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(Number(port), host);
  });
  if (!ok) {
    throw new Error(`no Kafka broker on ${BROKERS.join(',')}: start one with "bash scripts/kafka.sh start" (make test does)`);
  }
  return BROKERS;
}

interface Admin {
  createTopic(t: object, timeout: number, cb: (err: Error | null) => void): void;
  deleteTopic(name: string, timeout: number, cb: (err: Error | null) => void): void;
  disconnect(): void;
}

/** createTestTopic creates a topic and returns a function that deletes it. */
export async function createTestTopic(name: string, partitions = 1, brokers = BROKERS): Promise<() => Promise<void>> {
  const Kafka = require('node-rdkafka') as { AdminClient: { create(o: object): Admin } };
  const admin = Kafka.AdminClient.create({ 'bootstrap.servers': brokers.join(','), 'client.id': 'akvorado-tests' });
  await new Promise<void>((resolve, reject) =>
    admin.createTopic({ topic: name, num_partitions: partitions, replication_factor: 1 }, 10_000, (err) => (err ? reject(err) : resolve())),
  );
  return async () => {
    await new Promise<void>((resolve) => admin.deleteTopic(name, 10_000, () => resolve()));
    admin.disconnect();
  };
}

interface Consumer {
  connect(o: object, cb: (err: Error | null) => void): void;
  assign(a: Array<{ topic: string; partition: number; offset: number }>): void;
  consume(n: number, cb: (err: Error | null, messages: Array<{ value: Buffer; key: Buffer | null; partition: number }>) => void): void;
  disconnect(cb: () => void): void;
}

/**
 * consumeAll reads a topic's partitions from the start until `enough` says
 * so or `timeoutMs` passes, and returns the messages' values.
 */
export async function consumeAll(
  topic: string,
  partitions: number,
  enough: (values: Buffer[]) => boolean,
  timeoutMs = 30_000,
  brokers = BROKERS,
): Promise<Array<{ value: Buffer; key: Buffer | null; partition: number }>> {
  const Kafka = require('node-rdkafka') as { KafkaConsumer: new (g: object, t: object) => Consumer };
  const c = new Kafka.KafkaConsumer(
    { 'bootstrap.servers': brokers.join(','), 'group.id': `akvorado-tests-${process.pid}-${Date.now()}`, 'enable.auto.commit': false },
    { 'auto.offset.reset': 'earliest' },
  );
  await new Promise<void>((resolve, reject) => c.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
  c.assign(Array.from({ length: partitions }, (_, p) => ({ topic, partition: p, offset: 0 })));
  const got: Array<{ value: Buffer; key: Buffer | null; partition: number }> = [];
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !enough(got.map((m) => m.value))) {
    const batch = await new Promise<Array<{ value: Buffer; key: Buffer | null; partition: number }>>((resolve, reject) =>
      c.consume(100, (err, messages) => (err ? reject(err) : resolve(messages))),
    );
    got.push(...batch.map((m) => ({ value: m.value, key: m.key, partition: m.partition })));
  }
  await new Promise<void>((resolve) => c.disconnect(() => resolve()));
  return got;
}
