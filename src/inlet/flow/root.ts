// SPDX-License-Identifier: AGPL-3.0-only
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Component, Daemon } from '../../common/daemon/root.ts';
import { parseListen } from '../../common/config/formats.ts';
import { AkvoradoError } from '../../common/errors.ts';
import type { Gauge } from '../../common/reporter/metrics.ts';
import type { Reporter } from '../../common/reporter/root.ts';
import { isBundle } from '../../common/version.ts';
import { FlowBatch } from './batch.ts';
import type { Configuration, InputConfiguration } from './config.ts';
import { rmemMax, udpDrops } from './kernel.ts';
import { FlowMetrics } from './metrics.ts';
import type { WorkerMessage } from './stats.ts';
import type { WorkerTask } from './worker.ts';

/** BATCH_SIZE is the number of flows per batch crossing from a worker. */
export const BATCH_SIZE = 2048;

/**
 * MAX_OUTSTANDING_BATCHES bounds the batches of one worker that the main
 * thread holds (queued in the message port or being handled): 64 batches
 * are about 30 MB and, at 150,000 flows/s per worker, nearly a second of
 * traffic. A main thread that falls further behind makes the worker drop
 * and count flows (input_busy_dropped_flows_total) instead of queueing
 * them without bound.
 */
export const MAX_OUTSTANDING_BATCHES = 64;

/** READY_TIMEOUT_MS bounds how long workers may take to bind their sockets. */
const READY_TIMEOUT_MS = 15_000;

/** BatchHandler consumes a batch of flows; it must not keep it past the call (its memory is reused) unless it copies. */
export type BatchHandler = (batch: FlowBatch) => void;

// WorkerSlot is the main thread's view of one running worker.
interface WorkerSlot {
  id: number;
  inputName: string;
  workerName: string;
  input: InputConfiguration;
  /** listen is the address this worker binds (the input's, or the port its first worker got). */
  listen: string;
  port: MessagePort | null;
  task: Promise<string> | null;
  receiveBuffer: number;
  boundPort: number;
  receiver?: 'native' | 'dgram';
  done: boolean;
}

/** workerFile locates the worker entry: beside the bundle, or the TypeScript source. */
function workerFile(): string {
  return isBundle()
    ? new URL('./flow-worker.mjs', import.meta.url).href
    : new URL('./worker.ts', import.meta.url).href;
}

/**
 * FlowComponent runs the flow inputs: a pool of worker threads, each owning
 * one UDP socket (or replaying capture files) and decoding into columnar
 * batches. Batches arrive on the main thread and go to the subscribed
 * handlers (Kafka, ClickHouse, debug endpoint); with no handler they are
 * counted as discarded.
 */
export class FlowComponent implements Component {
  private readonly r: Reporter;
  private readonly config: Configuration;
  private readonly daemon: Daemon;
  private readonly metrics: FlowMetrics;
  private readonly handlers = new Set<BatchHandler>();
  private readonly slots: WorkerSlot[] = [];
  private pool: Piscina | null = null;
  private stopped = false;
  private readonly discarded;
  private readonly received;
  private readonly log;

  constructor(r: Reporter, config: Configuration, daemon: Daemon) {
    this.r = r.child('inlet/flow');
    this.config = config;
    this.daemon = daemon;
    this.metrics = new FlowMetrics(this.r);
    this.log = this.r.logger;
    this.discarded = this.r.metrics.counter({
      name: 'discarded_flows_total',
      help: 'Flows decoded while no output consumed them',
    });
    this.received = this.r.metrics.counter({ name: 'handled_flows_total', help: 'Flows handed to the outputs' });
    this.discarded.inc(0);
    config.inputs.forEach((input, i) => {
      const workers = input.type === 'udp' ? Math.max(1, input.workers) : 1;
      for (let w = 0; w < workers; w++) {
        this.slots.push({
          id: this.slots.length,
          inputName: input.type === 'udp' ? `${input.decoder}/${input.listen}` : `${input.decoder}/file#${i}`,
          workerName: String(w),
          input,
          listen: input.listen,
          port: null,
          task: null,
          receiveBuffer: 0,
          boundPort: 0,
          done: false,
        });
      }
    });
    this.instrumentSockets();
  }

  /** subscribe adds a batch handler; the returned function removes it. */
  subscribe(handler: BatchHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** ports returns the UDP port bound by each UDP input (after start), in configuration order. */
  get boundPorts(): number[] {
    const ports: number[] = [];
    const seen = new Set<InputConfiguration>();
    for (const s of this.slots) {
      if (s.input.type !== 'udp' || seen.has(s.input)) continue;
      seen.add(s.input);
      ports.push(s.boundPort);
    }
    return ports;
  }

  private instrumentSockets(): void {
    const m = this.r.metrics;
    const buffer = m.gauge({
      name: 'input_udp_receive_buffer_bytes',
      help: 'Receive buffer granted by the kernel to each UDP socket (the kernel doubles the requested size)',
      labelNames: ['input', 'worker'] as const,
    });
    const slots = this.slots;
    const drops: Gauge<'input'> = m.gauge({
      name: 'input_udp_kernel_drops',
      help: 'Datagrams the kernel dropped because a socket receive buffer was full (from /proc/net/udp), by input',
      labelNames: ['input'] as const,
      collect() {
        const seen = new Set<string>();
        for (const s of slots) {
          buffer.labels(s.inputName, s.workerName).set(s.receiveBuffer);
          if (s.input.type !== 'udp' || s.boundPort === 0 || seen.has(s.inputName)) continue;
          seen.add(s.inputName);
          const n = udpDrops(s.boundPort);
          if (n !== null) drops.labels(s.inputName).set(n);
        }
      },
    });
  }

  async start(): Promise<void> {
    if (this.stopped) throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'inlet/flow: component already stopped');
    if (this.slots.length === 0) {
      this.log.warn('no flow input configured');
      return;
    }
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: this.slots.length,
      maxThreads: this.slots.length,
      concurrentTasksPerWorker: 1,
      idleTimeout: Infinity,
      // Tasks run for the life of the service: Atomics.wait between tasks
      // would only block the event loop.
      atomics: 'disabled',
      maxQueue: 0,
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`workers not ready after ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.launchAll(), timeout]);
    } catch (cause) {
      await this.stop();
      throw new AkvoradoError('AKV_COMPONENT_START', `inlet/flow: ${(cause as Error).message}`, { cause });
    } finally {
      clearTimeout(timer);
    }
    this.checkBuffers();
    this.r.registerHealthcheck(() => {
      const dead = this.slots.filter((s) => s.done && s.input.type === 'udp').length;
      return dead === 0
        ? { status: 'ok', details: { workers: this.slots.length } }
        : { status: 'error', reason: `${dead} UDP worker(s) stopped` };
    });
  }

  // launchAll starts every worker. For a UDP input on port 0, the first
  // worker binds first and the others join the port it got.
  private async launchAll(): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const slot of this.slots) {
      if (slot.input.type === 'udp' && slot.workerName === '0' && parseListen(slot.input.listen)?.port === 0) {
        await this.launch(slot);
        const l = parseListen(slot.input.listen)!;
        const bound = `${l.host.includes(':') ? `[${l.host}]` : l.host}:${slot.boundPort}`;
        for (const other of this.slots) {
          if (other !== slot && other.input === slot.input) other.listen = bound;
        }
        continue;
      }
      pending.push(this.launch(slot));
    }
    await Promise.all(pending);
  }

  // launch starts one worker and resolves once its input is ready.
  private launch(slot: WorkerSlot): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    slot.port = port1;
    const task: WorkerTask = {
      port: port2,
      input: { ...slot.input, listen: slot.listen },
      defaultSamplingRate: this.config.defaultSamplingRate,
      overrideSamplingRate: this.config.overrideSamplingRate,
      rateLimit: this.config.rateLimit,
      batchSize: BATCH_SIZE,
      flushIntervalMs: 100,
      statsIntervalMs: 1000,
      maxOutstandingBatches: MAX_OUTSTANDING_BATCHES,
    };
    return new Promise<void>((resolve, reject) => {
      port1.on('message', (m: WorkerMessage) => {
        switch (m.kind) {
          case 'ready':
            slot.receiveBuffer = m.receiveBuffer;
            slot.boundPort = m.port;
            slot.receiver = m.receiver;
            resolve();
            break;
          case 'batch':
            this.deliver(new FlowBatch(m.capacity, m.buffer), m.length);
            // Handlers are done with the batch (they copy what they keep):
            // the memory goes back to the worker, which then neither
            // allocates nor zeroes ~470 kB per batch, and no thread's GC has
            // to collect it (measured: GC threads from 15% to 2% of a core
            // at 800k flows/s).
            if (!slot.done) port1.postMessage({ kind: 'recycle', buffer: m.buffer }, [m.buffer]);
            break;
          case 'stats':
            this.metrics.report(slot.id, slot.inputName, slot.workerName, m.exporters, m.packed, m.input);
            break;
          case 'done':
            slot.done = true;
            port1.close();
            break;
        }
      });
      slot.task = this.pool!.run(task, { transferList: [port2] });
      slot.task.then(
        (reason) => {
          slot.done = true;
          this.log.info({ input: slot.inputName, worker: slot.workerName, reason }, 'flow input ended');
          resolve();
        },
        (err: Error) => {
          slot.done = true;
          reject(err);
        },
      );
      // UDP receivers run until stop: the daemon watches them. File inputs may end.
      if (slot.input.type === 'udp') this.daemon.track(`inlet/flow ${slot.inputName}#${slot.workerName}`, slot.task);
    });
  }

  private checkBuffers(): void {
    const max = rmemMax();
    for (const s of this.slots) {
      if (s.input.type !== 'udp' || s.workerName !== '0') continue;
      this.log.info(
        { input: s.inputName, port: s.boundPort, workers: s.input.workers, receiveBuffer: s.receiveBuffer, receiver: s.receiver },
        'flow input listening',
      );
      // Linux doubles the requested size for its bookkeeping and caps the
      // request at net.core.rmem_max.
      const wanted = s.input.receiveBuffer;
      if (wanted > 0 && s.receiveBuffer < wanted) {
        this.log.warn(
          { input: s.inputName, requested: wanted, granted: s.receiveBuffer, rmemMax: max },
          'receive buffer smaller than requested: raise net.core.rmem_max',
        );
      }
    }
  }

  private deliver(batch: FlowBatch, length: number): void {
    batch.length = length;
    if (this.handlers.size === 0) {
      this.discarded.inc(length);
      return;
    }
    this.received.inc(length);
    for (const h of this.handlers) {
      try {
        h(batch);
      } catch (err) {
        this.log.error({ err }, 'flow batch handler failed');
      }
    }
  }

  /** stop tells every worker to stop, waits for their last batches, then ends the pool. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.pool === null) return;
    for (const s of this.slots) {
      if (s.task !== null && !s.done) s.port?.postMessage({ kind: 'stop' });
    }
    await Promise.allSettled(this.slots.map((s) => s.task));
    // The last messages (final batch, stats, done) were posted before each
    // task resolved; give the ports a turn to deliver them.
    await new Promise((resolve) => setImmediate(resolve));
    await this.pool.destroy();
    this.pool = null;
  }
}
