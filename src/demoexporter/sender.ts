// SPDX-License-Identifier: AGPL-3.0-only
import { createSocket, type Socket } from 'node:dgram';
import type { Counter } from '../common/reporter/metrics.ts';
import type { ExporterSpec } from './exporters.ts';
import type { Encoder } from './fields.ts';
import { Topology } from './interfaces.ts';
import { IPFIXEncoder } from './ipfix.ts';
import type { Metrics } from './metrics.ts';
import { NetFlowV9Encoder } from './netflow.ts';
import { SFlowEncoder } from './sflow.ts';
import { Flow, TrafficGenerator } from './traffic.ts';

/** Target is where datagrams go. */
export interface Target {
  host: string;
  port: number;
}

/** newEncoder returns the encoder of an exporter's protocol. */
export function newEncoder(spec: ExporterSpec, bootMs: number, templateIntervalMs?: number): Encoder {
  switch (spec.protocol) {
    case 'netflow-v9':
      return new NetFlowV9Encoder(spec.domain, spec.samplingRate, bootMs, templateIntervalMs);
    case 'ipfix':
      return new IPFIXEncoder(spec.domain, spec.samplingRate, templateIntervalMs);
    case 'sflow':
      return new SFlowEncoder(Uint8Array.from(spec.address.split('.').map(Number)), spec.domain, spec.samplingRate, bootMs);
  }
}

/**
 * Sender is the flow side of one demo exporter: a generator, an encoder and
 * a UDP socket bound to the exporter's address, so that the collector sees
 * each exporter at its own source address.
 */
export class Sender {
  readonly spec: ExporterSpec;
  readonly topology: Topology;
  readonly #generator: TrafficGenerator;
  readonly #encoder: Encoder;
  readonly #target: Target;
  readonly #flows: Flow[] = [];
  readonly #sentFlows: Counter.Internal;
  readonly #sentDatagrams: Counter.Internal;
  readonly #sentBytes: Counter.Internal;
  readonly #errors: Counter.Internal;
  readonly #onError: (err: Error) => void;
  #socket: Socket | null = null;
  /** carry is the fraction of a flow owed from the previous ticks. */
  carry = 0;

  /** constructor is inert: the socket is bound by start(). */
  constructor(spec: ExporterSpec, target: Target, seed: number, bootMs: number, metrics: Metrics, onError: (err: Error) => void, templateIntervalMs?: number) {
    this.spec = spec;
    this.topology = new Topology(spec);
    this.#generator = new TrafficGenerator(this.topology, seed);
    this.#encoder = newEncoder(spec, bootMs, templateIntervalMs);
    this.#target = target;
    this.#sentFlows = metrics.flows.labels(spec.address);
    this.#sentDatagrams = metrics.datagrams.labels(spec.address);
    this.#sentBytes = metrics.bytes.labels(spec.address);
    this.#errors = metrics.errors.labels(spec.address, 'send');
    this.#errors.inc(0);
    this.#onError = onError;
  }

  /** start binds the socket to the exporter's address. */
  async start(): Promise<void> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, this.spec.address, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    socket.on('error', (err) => {
      this.#errors.inc();
      this.#onError(err);
    });
    this.#socket = socket;
  }

  /** send generates `count` flows ending before `nowMs` and sends them. */
  send(count: number, nowMs: number): void {
    const socket = this.#socket;
    if (socket === null || count === 0) return;
    while (this.#flows.length < count) this.#flows.push(new Flow());
    for (let i = 0; i < count; i++) this.#generator.next(this.#flows[i]!, nowMs);
    for (const d of this.#encoder.encode(this.#flows, count, nowMs)) {
      socket.send(d, this.#target.port, this.#target.host, (err) => {
        if (err) {
          // Sends cut short by stop() are not errors.
          if (this.#socket === null) return;
          this.#errors.inc();
          this.#onError(err);
          return;
        }
        this.#sentDatagrams.inc();
        this.#sentBytes.inc(d.length);
      });
    }
    this.#sentFlows.inc(count);
  }

  /** stop closes the socket; datagrams still queued are dropped. */
  async stop(): Promise<void> {
    const socket = this.#socket;
    this.#socket = null;
    if (socket === null) return;
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}
