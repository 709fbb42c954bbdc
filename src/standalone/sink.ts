// SPDX-License-Identifier: AGPL-3.0-only
import type { ClickHouse } from '../common/clickhouse/root.ts';
import type { Component } from '../common/daemon/root.ts';
import type { Reporter } from '../common/reporter/root.ts';
import type { Schema } from '../common/schema/root.ts';
import type { FlowBatch } from '../inlet/flow/batch.ts';
import { STRINGS, type StringTable } from '../inlet/flow/strings.ts';
import { buildBlock, copyBatch, plan, type Chunk, type Plan } from './columns.ts';

/** Options tune the sink (tests use smaller values). */
export interface Options {
  /** table is where flows go. */
  table: string;
  /** batchRows starts an insert as soon as this many rows are pending. */
  batchRows: number;
  /** intervalMs is the longest time an accepted row waits before an insert starts. */
  intervalMs: number;
  /** maxPendingRows bounds the rows kept while inserts fail; rows beyond are dropped and counted. */
  maxPendingRows: number;
  /** stopAttempts is how many inserts `stop()` tries before giving up the rows left. */
  stopAttempts: number;
  /** strings is the table text columns' ids refer to. */
  strings: StringTable;
}

/** defaultOptions returns a fresh copy of the sink's defaults. */
export function defaultOptions(): Options {
  return { table: 'flows', batchRows: 100_000, intervalMs: 1000, maxPendingRows: 1_000_000, stopAttempts: 3, strings: STRINGS };
}

// Settings of every insert: rolled-up tables add up rows in background
// merges rather than on insert (see bench/clickhouse.bench.ts).
const INSERT_SETTINGS = { optimize_on_insert: 0, max_insert_threads: 2 };

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;

/**
 * SinkComponent writes enriched flows into the main flows table through a
 * ClickHouse driver (standalone: the embedded engine), in place of Kafka.
 * `send()` copies the rows at once (worker buffers are reused); inserts run
 * one at a time, when `batchRows` rows are pending or every `intervalMs`.
 * A failed insert keeps its rows and is retried with a doubling delay; while
 * inserts fail, rows beyond `maxPendingRows` are dropped and counted.
 * `stop()` inserts what was accepted.
 */
export class SinkComponent implements Component {
  readonly #r: Reporter;
  readonly #ch: ClickHouse;
  readonly #options: Options;
  readonly #plans: Plan[];
  readonly #metrics;
  readonly #sampler;
  #pending: Chunk[] = [];
  #pendingRows = 0;
  #inflight: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #backoffMs = 0;
  #retryAt = 0;
  #state: 'new' | 'started' | 'stopped' = 'new';

  constructor(r: Reporter, ch: ClickHouse, schema: Schema, options: Partial<Options> = {}) {
    this.#r = r.child('standalone/sink');
    this.#ch = ch;
    this.#options = { ...defaultOptions(), ...options };
    this.#plans = plan(schema);
    this.#sampler = this.#r.newSampler(3, 30_000);
    const m = this.#r.metrics;
    this.#metrics = {
      inserted: m.counter({ name: 'inserted_rows_total', help: 'Flows inserted into ClickHouse' }),
      dropped: m.counter({ name: 'dropped_rows_total', help: 'Flows dropped because too many were pending' }),
      errors: m.counter({ name: 'errors_total', help: 'Failed inserts' }),
      pending: m.gauge({ name: 'pending_rows', help: 'Flows accepted and not inserted yet' }),
      duration: m.summary({ name: 'insert_duration_seconds', help: 'Time to insert one block', percentiles: [0.5, 0.9, 0.99] }),
    };
    this.#metrics.dropped.inc(0);
    this.#metrics.errors.inc(0);
  }

  /** columns are the table columns the sink writes. */
  get columns(): string[] {
    return this.#plans.map((p) => p.name);
  }

  /** start begins the periodic inserts. */
  start(): void {
    if (this.#state !== 'new') throw new Error('standalone sink: already started');
    this.#state = 'started';
    this.#r.logger.info({ table: this.#options.table, columns: this.#plans.length }, 'starting flow sink');
    this.#timer = setInterval(() => this.#kick(), this.#options.intervalMs);
  }

  /** send accepts the rows of an enriched batch (copied: the caller may reuse it). */
  send(batch: FlowBatch): void {
    if (batch.length === 0) return;
    if (this.#state === 'stopped') {
      this.#metrics.dropped.inc(batch.length);
      return;
    }
    const room = this.#options.maxPendingRows - this.#pendingRows;
    if (room < batch.length) {
      this.#metrics.dropped.inc(batch.length - Math.max(room, 0));
      if (this.#sampler.allow()) this.#r.logger.warn({ pending: this.#pendingRows }, 'too many pending flows, dropping');
      if (room <= 0) return;
      const chunk = copyBatch(this.#plans, batch);
      this.#push(truncate(chunk, room));
    } else {
      this.#push(copyBatch(this.#plans, batch));
    }
    if (this.#pendingRows >= this.#options.batchRows) this.#kick();
  }

  #push(chunk: Chunk): void {
    this.#pending.push(chunk);
    this.#pendingRows += chunk.rows;
    this.#metrics.pending.set(this.#pendingRows);
  }

  // kick starts an insert unless one runs or a retry delay is not over.
  #kick(): void {
    if (this.#inflight !== null || this.#pendingRows === 0 || Date.now() < this.#retryAt) return;
    this.#inflight = this.#insert().then(
      () => {
        this.#inflight = null;
        if (this.#pendingRows >= this.#options.batchRows) this.#kick();
      },
      () => {
        this.#inflight = null;
      },
    );
  }

  // insert writes the pending rows as one block; on failure they stay pending.
  async #insert(): Promise<void> {
    const chunks = this.#pending;
    this.#pending = [];
    const { block, columns } = buildBlock(this.#plans, chunks, this.#options.strings);
    const end = this.#metrics.duration.startTimer();
    try {
      await this.#ch.insert(this.#options.table, columns, 'Native', block.encode(), { settings: INSERT_SETTINGS });
    } catch (err) {
      this.#pending = [...chunks, ...this.#pending];
      this.#metrics.errors.inc();
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.#backoffMs * 2));
      this.#retryAt = Date.now() + this.#backoffMs;
      if (this.#sampler.allow()) this.#r.logger.error({ err, rows: block.rows, retryIn: this.#backoffMs }, 'flow insert failed');
      throw err;
    }
    end();
    this.#backoffMs = 0;
    this.#retryAt = 0;
    this.#pendingRows -= block.rows;
    this.#metrics.pending.set(this.#pendingRows);
    this.#metrics.inserted.inc(block.rows);
  }

  /** stop inserts the rows accepted so far (a few attempts), then refuses new ones. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#inflight !== null) await this.#inflight;
    if (this.#pendingRows > 0) this.#r.logger.info({ rows: this.#pendingRows }, 'inserting pending flows before stopping');
    for (let attempt = 0; attempt < this.#options.stopAttempts && this.#pendingRows > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, this.#backoffMs));
      await this.#insert().catch(() => undefined);
    }
    if (this.#pendingRows > 0) {
      this.#r.logger.error({ rows: this.#pendingRows }, 'flows lost at stop: inserts keep failing');
      this.#metrics.dropped.inc(this.#pendingRows);
    }
    this.#r.logger.info('flow sink stopped');
  }
}

// truncate keeps the first `rows` rows of a chunk.
function truncate(chunk: Chunk, rows: number): Chunk {
  const ratio = (v: ArrayBufferView & { subarray(a: number, b: number): ArrayBufferView; length: number }) =>
    v.subarray(0, (v.length / chunk.rows) * rows);
  return {
    rows,
    columns: chunk.columns.map((c) => ('labels' in c ? { labels: c.labels.subarray(0, (c.labels.length / chunk.rows) * rows), counts: c.counts.subarray(0, rows) } : ratio(c as Uint8Array))),
  };
}
