// SPDX-License-Identifier: AGPL-3.0-only
import { setTimeout as sleep } from 'node:timers/promises';
import type { Component } from '../../common/daemon/root.ts';
import { AkvoradoError } from '../../common/errors.ts';
import type { Reporter } from '../../common/reporter/root.ts';
import { MAX_MESSAGE_SIZE, ProtobufEncoder } from '../../common/schema/protobuf.ts';
import type { Schema } from '../../common/schema/root.ts';
import type { FlowBatch } from '../flow/batch.ts';
import { clientSettings, type Configuration } from './config.ts';
import { newMetrics, type DropReason } from './metrics.ts';
import type { ProducerLike, ProducerFactory } from './producer.ts';

// Accumulator packs flows of one key into one Kafka message.
class Accumulator {
  readonly buffer: Uint8Array;
  readonly key: Buffer | null;
  length: number;
  flows: number;
  since: number;

  constructor(size: number, key: Buffer | null) {
    this.buffer = new Uint8Array(size);
    this.key = key;
    this.length = 0;
    this.flows = 0;
    this.since = 0;
  }
}

/** CONNECT_TIMEOUT_MS bounds one connection attempt (and so start()). */
const CONNECT_TIMEOUT_MS = 10_000;

/** FLUSH_TIMEOUT_MS bounds how long stop() waits for acknowledgements. */
const FLUSH_TIMEOUT_MS = 20_000;

/** RECONNECT_MAX_MS caps the pause between two connection attempts. */
const RECONNECT_MAX_MS = 30_000;

/**
 * KafkaComponent packs flows into Kafka messages (many length-delimited
 * protobuf flows each) and produces them with librdkafka. It never blocks
 * the flow path: when librdkafka's queue is full or the brokers were never
 * reached, flows are dropped and counted. librdkafka retries deliveries
 * across broker outages; stop() flushes what was accepted.
 */
export class KafkaComponent implements Component {
  private readonly r: Reporter;
  private readonly config: Configuration;
  private readonly encoder: ProtobufEncoder;
  private readonly factory: ProducerFactory;
  private readonly metrics;
  private readonly sampler;
  /** topic is the topic name flows go to. */
  readonly topic: string;
  private producer: ProducerLike | null;
  private connected: boolean;
  private stopped: boolean;
  private readonly accumulators = new Map<string, Accumulator>();
  private random: Accumulator | null;
  private timer: NodeJS.Timeout | null;
  private inflight: number;
  private inflightFlows: number;
  private lastError: { at: number; message: string } | null;
  private lastDelivery: number;
  private connecting: Promise<void> | null;

  constructor(r: Reporter, config: Configuration, schema: Schema, factory: ProducerFactory) {
    this.r = r.child('inlet/kafka');
    this.config = config;
    this.encoder = new ProtobufEncoder(schema);
    this.factory = factory;
    this.metrics = newMetrics(this.r);
    this.sampler = this.r.newSampler(3, 30_000);
    this.topic = schema.topicName(config.topic);
    this.producer = null;
    this.connected = false;
    this.stopped = false;
    this.random = null;
    this.timer = null;
    this.inflight = 0;
    this.inflightFlows = 0;
    this.lastError = null;
    this.lastDelivery = 0;
    this.connecting = null;
  }

  async start(): Promise<void> {
    if (this.stopped) throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'inlet/kafka: component already stopped');
    const settings = {
      ...clientSettings(this.config),
      'compression.codec': this.config.compressionCodec,
      'queue.buffering.max.messages': this.config.queueSize,
      'message.max.bytes': Math.max(this.config.maxMessageBytes + 65_536, 1_000_000),
      'linger.ms': 10,
      // Retries after an outage must not store a message twice.
      'enable.idempotence': true,
      dr_cb: true,
    };
    this.producer = this.factory(settings);
    const p = this.producer;
    p.on('delivery-report', (err, report) => this.delivered(err, report.opaque as number));
    p.on('event.error', (err) => this.clientError(err));
    p.setPollInterval(50);
    this.timer = setInterval(() => this.flushOld(), Math.max(50, Math.min(this.config.flushInterval, 1000)));
    this.r.registerHealthcheck(() => this.health());
    // Connecting waits for broker metadata. Flows are only accepted once
    // connected, so start() waits for the first attempt; brokers being down
    // at start must not stop the inlet from receiving, so later attempts go
    // on in the background.
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => (firstAttempt = resolve));
    this.connecting = this.connectLoop(firstAttempt);
    await attempted;
  }

  private async connectLoop(attempted: () => void): Promise<void> {
    let pause = 500;
    while (!this.stopped && !this.connected) {
      try {
        await new Promise<void>((resolve, reject) =>
          this.producer!.connect({ timeout: CONNECT_TIMEOUT_MS }, (err) => (err ? reject(err) : resolve())),
        );
        this.connected = true;
        this.metrics.connected.set(1);
        this.r.logger.info({ brokers: this.config.brokers, topic: this.topic }, 'connected to Kafka');
        attempted();
      } catch (err) {
        attempted();
        this.clientError(err as Error);
        this.r.logger.warn({ brokers: this.config.brokers, err, retryInMs: pause }, 'cannot connect to Kafka, retrying');
        await sleep(pause);
        pause = Math.min(pause * 2, RECONNECT_MAX_MS);
      }
    }
  }

  private clientError(err: Error & { code?: number }): void {
    this.lastError = { at: Date.now(), message: err.message };
    this.metrics.errors.labels(String(err.code ?? 'unknown')).inc();
    if (this.sampler.allow()) this.r.logger.warn({ err, brokers: this.config.brokers }, 'Kafka client error');
  }

  private delivered(err: Error | null, flows: number): void {
    this.inflight--;
    this.inflightFlows -= flows;
    this.metrics.inflight.set(this.inflight);
    if (err) {
      this.drop('delivery-failed', flows);
      this.clientError(err);
      return;
    }
    this.lastDelivery = Date.now();
    this.metrics.deliveredMessages.inc();
    this.metrics.deliveredFlows.inc(flows);
  }

  private drop(reason: DropReason, flows: number): void {
    this.metrics.drops[reason].inc(flows);
  }

  private health() {
    if (!this.connected) {
      return { status: 'degraded' as const, reason: `not connected to ${this.config.brokers.join(',')}`, details: { inflight: this.inflight } };
    }
    const recent = this.lastError !== null && Date.now() - this.lastError.at < 10_000 && this.lastDelivery < this.lastError.at;
    return recent
      ? { status: 'degraded' as const, reason: this.lastError!.message, details: { inflight: this.inflight } }
      : { status: 'ok' as const, details: { inflight: this.inflight, topic: this.topic } };
  }

  /** send packs the flows of a batch into Kafka messages. */
  send(b: FlowBatch): void {
    const byExporter = this.config.loadBalance === 'by-exporter';
    // At least one flow per message, even with max-message-bytes: 0.
    const limit = Math.max(1, this.config.maxMessageBytes);
    const n = b.length;
    // One scan of the batch picks the encoder's writer for all its rows.
    this.encoder.prepare(b, 0, n);
    let i = 0;
    while (i < n) {
      let acc: Accumulator;
      let end = n;
      if (byExporter) {
        // The rows of an exporter come in runs: one accumulator look-up each.
        end = i + 1;
        while (end < n && sameAddress(b.exporterAddress, i * 16, end * 16)) end++;
        acc = this.accumulatorFor(b.exporterAddress.subarray(i * 16, i * 16 + 16));
      } else {
        acc = this.random ??= new Accumulator(limit + MAX_MESSAGE_SIZE, null);
      }
      while (i < end) {
        if (acc.flows === 0) acc.since = Date.now();
        // The buffer has MAX_MESSAGE_SIZE bytes past `limit`: rows are
        // written while the message is below it.
        acc.length = this.encoder.encode(b, i, end, acc.buffer, acc.length, limit);
        acc.flows += this.encoder.next - i;
        i = this.encoder.next;
        if (acc.length >= limit) this.produce(acc);
      }
    }
  }

  private accumulatorFor(address: Uint8Array): Accumulator {
    const key = Buffer.from(address).toString('hex');
    let acc = this.accumulators.get(key);
    if (acc === undefined) {
      acc = new Accumulator(this.config.maxMessageBytes + MAX_MESSAGE_SIZE, Buffer.from(address));
      this.accumulators.set(key, acc);
    }
    return acc;
  }

  // produce hands the accumulator's message to librdkafka and empties it.
  private produce(acc: Accumulator): void {
    if (acc.flows === 0) return;
    const flows = acc.flows;
    const length = acc.length;
    acc.flows = 0;
    acc.length = 0;
    this.metrics.sentFlows.inc(flows);
    if (!this.connected || this.producer === null) {
      this.drop('not-connected', flows);
      return;
    }
    // A view, not a copy: librdkafka copies the message before produce()
    // returns (node-rdkafka passes RK_MSG_COPY), and the accumulator's
    // buffer is reused at once. Copying here too cost a 512 KiB allocation
    // per message and the garbage collections that follow.
    const value = Buffer.from(acc.buffer.buffer, acc.buffer.byteOffset, length);
    try {
      // Without a key, librdkafka picks a random partition.
      this.producer.produce(this.topic, null, value, acc.key, Date.now(), flows);
      this.inflight++;
      this.inflightFlows += flows;
      this.metrics.inflight.set(this.inflight);
      this.metrics.sentMessages.inc();
      this.metrics.sentBytes.inc(length);
    } catch (err) {
      const e = err as Error & { code?: number };
      // -184 is librdkafka's RD_KAFKA_RESP_ERR__QUEUE_FULL, 10 MSG_SIZE_TOO_LARGE.
      this.drop(e.code === -184 ? 'queue-full' : e.code === 10 ? 'too-large' : 'queue-full', flows);
      this.clientError(e);
    }
  }

  // flushOld sends messages whose first flow waited longer than flush-interval.
  private flushOld(): void {
    const now = Date.now();
    const old = (a: Accumulator | null) => a !== null && a.flows > 0 && now - a.since >= this.config.flushInterval;
    if (old(this.random)) this.produce(this.random!);
    for (const a of this.accumulators.values()) if (old(a)) this.produce(a);
  }

  /** stop sends what is packed, waits for librdkafka to deliver it (bounded by the daemon's deadline), and disconnects. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.random !== null) this.produce(this.random);
    for (const a of this.accumulators.values()) this.produce(a);
    await this.connecting;
    const p = this.producer;
    if (p === null) return;
    if (this.connected) {
      const deadline = Date.now() + FLUSH_TIMEOUT_MS;
      await new Promise<void>((resolve) => p.flush(FLUSH_TIMEOUT_MS, () => resolve()));
      // flush() returns once librdkafka has its answers; their delivery
      // reports reach this thread a little later.
      while (this.inflight > 0 && Date.now() < deadline) await sleep(20);
      if (this.inflight > 0) {
        // Still not acknowledged (brokers down, topic missing): these are lost.
        this.r.logger.error({ messages: this.inflight, topic: this.topic }, 'Kafka messages not delivered before stop');
        this.drop('unflushed', this.inflightFlows);
      }
      await new Promise<void>((resolve) => p.disconnect(() => resolve()));
    }
    this.r.unregisterHealthcheck();
  }
}

function sameAddress(a: Uint8Array, x: number, y: number): boolean {
  for (let k = 0; k < 16; k++) if (a[x + k] !== a[y + k]) return false;
  return true;
}
