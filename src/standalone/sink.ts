// SPDX-License-Identifier: AGPL-3.0-only
import type { ClickHouse } from '../common/clickhouse/root.ts';
import type { Component } from '../common/daemon/root.ts';
import type { Reporter } from '../common/reporter/root.ts';
import type { Schema } from '../common/schema/root.ts';
import type { FlowBatch } from '../inlet/flow/batch.ts';
import { STRINGS, type StringTable } from '../inlet/flow/strings.ts';
import { Block, buildBlock, plan, type Plan } from './columns.ts';
import { Rollups } from './rollup.ts';

/** Options tune the sink (tests use smaller values). */
export interface Options {
  /** table is where flows go. */
  table: string;
  /** batchRows starts an insert as soon as this many rows are pending (when none runs). */
  batchRows: number;
  /**
   * maxInsertRows bounds the rows of one insert: rows that arrive while an
   * insert runs gather into blocks of this many rows at most.
   */
  maxInsertRows: number;
  /** intervalMs is the longest time an accepted row waits before an insert starts. */
  intervalMs: number;
  /**
   * maxPendingRows bounds the rows accepted and not inserted yet (the
   * insert running included), while inserts fail or cannot keep up: rows
   * beyond are dropped and counted, memory does not grow.
   */
  maxPendingRows: number;
  /** stopAttempts is how many inserts `stop()` tries before giving up the rows left. */
  stopAttempts: number;
  /** strings is the table text columns' ids refer to. */
  strings: StringTable;
  /**
   * rollups are the intervals (seconds) of the rolled-up tables the sink
   * writes after each block (flows_1m0s for 60, ...): its rows added up by
   * time bucket and dimensions. Empty when views feed them.
   */
  rollups: number[];
}

/** defaultOptions returns a fresh copy of the sink's defaults. */
export function defaultOptions(): Options {
  return { table: 'flows', batchRows: 100_000, maxInsertRows: 250_000, intervalMs: 1000, maxPendingRows: 500_000, stopAttempts: 3, strings: STRINGS, rollups: [] };
}

// Settings of every insert: rolled-up tables add up rows in background
// merges rather than on insert (see bench/clickhouse.bench.ts).
const INSERT_SETTINGS = { optimize_on_insert: 0, max_insert_threads: 2 };

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;

// FREE_BLOCKS is how many emptied blocks are kept for reuse.
const FREE_BLOCKS = 2;

/**
 * SinkComponent writes enriched flows into the main flows table through a
 * ClickHouse driver (standalone: the embedded engine), in place of Kafka,
 * and their sums into the rolled-up tables (see rollup.ts).
 * `send()` copies the rows at once (worker buffers are reused) into blocks
 * of at most `maxInsertRows` rows; inserts run one at a time, a block each,
 * when `batchRows` rows are pending or every `intervalMs`. While an insert
 * runs, the next block fills up, so that inserts grow when the engine is
 * slow. A failed insert keeps its block and is retried with a doubling
 * delay, from the table where it failed. Rows beyond `maxPendingRows` (a slow or failing engine) are
 * dropped and counted. `stop()` inserts what was accepted.
 */
export class SinkComponent implements Component {
  readonly #r: Reporter;
  readonly #ch: ClickHouse;
  readonly #options: Options;
  readonly #plans: Plan[];
  readonly #rollups: Rollups;
  // How many tables the oldest block went into: an insert that failed
  // after flows resumes with the first rolled-up table left.
  #done = 0;
  readonly #metrics;
  readonly #rolledUp;
  readonly #sampler;
  readonly #capacity: number;
  // Blocks waiting for their insert, oldest first; the last one may still fill.
  #queue: Block[] = [];
  #free: Block[] = [];
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
    this.#rollups = new Rollups(schema, this.#plans, this.#options.rollups);
    this.#capacity = Math.max(1, Math.min(this.#options.maxInsertRows, this.#options.maxPendingRows));
    this.#sampler = this.#r.newSampler(3, 30_000);
    const m = this.#r.metrics;
    this.#metrics = {
      inserted: m.counter({ name: 'inserted_rows_total', help: 'Flows inserted into ClickHouse' }),
      dropped: m.counter({ name: 'dropped_rows_total', help: 'Flows dropped because too many were pending' }),
      errors: m.counter({ name: 'errors_total', help: 'Failed inserts' }),
      pending: m.gauge({ name: 'pending_rows', help: 'Flows accepted and not inserted yet' }),
      duration: m.summary({ name: 'insert_duration_seconds', help: 'Time to insert one block', percentiles: [0.5, 0.9, 0.99] }),
      rows: m.summary({ name: 'insert_rows', help: 'Rows of one insert', percentiles: [0.5, 0.9, 0.99] }),
      rolledUp: m.counter({ name: 'rollup_rows_total', help: 'Rows inserted into rolled-up tables', labelNames: ['table'] as const }),
    };
    this.#rolledUp = this.#rollups.levels.map((l) => this.#metrics.rolledUp.labels(l.table));
    for (const c of this.#rolledUp) c.inc(0);
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
    this.#r.logger.info({ table: this.#options.table, columns: this.#plans.length, maxInsertRows: this.#capacity }, 'starting flow sink');
    this.#timer = setInterval(() => this.#kick(true), this.#options.intervalMs);
  }

  /** send accepts the rows of an enriched batch (copied: the caller may reuse it). */
  send(batch: FlowBatch): void {
    if (batch.length === 0) return;
    if (this.#state === 'stopped') {
      this.#metrics.dropped.inc(batch.length);
      return;
    }
    const room = this.#options.maxPendingRows - this.#pendingRows;
    let n = batch.length;
    if (room < n) {
      this.#metrics.dropped.inc(n - Math.max(room, 0));
      if (this.#sampler.allow()) this.#r.logger.warn({ pending: this.#pendingRows }, 'too many pending flows, dropping');
      if (room <= 0) return;
      n = room;
    }
    for (let from = 0; from < n; ) {
      let block = this.#queue.at(-1);
      // The oldest block takes no rows while its insert runs or once it is in flows.
      if (block === undefined || block.room === 0 || (block === this.#queue[0] && (this.#inflight !== null || this.#done > 0))) {
        block = this.#free.pop() ?? new Block(this.#plans, this.#capacity);
        this.#queue.push(block);
      }
      const count = Math.min(block.room, n - from);
      block.append(this.#plans, batch, from, count);
      from += count;
    }
    this.#pendingRows += n;
    this.#metrics.pending.set(this.#pendingRows);
    if (this.#queue[0]!.rows >= this.#options.batchRows) this.#kick(false);
  }

  // kick starts an insert of the oldest block unless one runs or a retry
  // delay is not over; `timer` inserts a block below batchRows too.
  #kick(timer: boolean): void {
    if (this.#state !== 'started' || this.#inflight !== null || this.#queue.length === 0 || Date.now() < this.#retryAt) return;
    const block = this.#queue[0]!;
    if (block.rows === 0 || (!timer && block.rows < this.#options.batchRows && block.room > 0)) return;
    this.#inflight = this.#insert(block).then(
      () => {
        this.#inflight = null;
        const next = this.#queue[0];
        if (next !== undefined && (next.rows >= this.#options.batchRows || this.#queue.length > 1)) this.#kick(true);
      },
      () => {
        this.#inflight = null;
      },
    );
  }

  // insert writes the oldest block (`block`) into flows, then its sums into
  // the rolled-up tables; on failure it stays queued with the tables done.
  async #insert(block: Block): Promise<void> {
    const end = this.#metrics.duration.startTimer();
    try {
      if (this.#done === 0) {
        const { block: native, columns } = buildBlock(this.#plans, block, this.#options.strings);
        await this.#ch.insert(this.#options.table, columns, 'Native', native.encode(), { settings: INSERT_SETTINGS });
        this.#done = 1;
        this.#metrics.inserted.inc(block.rows);
      }
      const levels = this.#rollups.levels;
      if (this.#done <= levels.length) this.#rollups.group(block);
      for (; this.#done <= levels.length; this.#done++) {
        const i = this.#done - 1;
        const { block: native, columns } = this.#rollups.build(i, block, this.#options.strings);
        await this.#ch.insert(levels[i]!.table, columns, 'Native', native.encode(), { settings: INSERT_SETTINGS });
        this.#rolledUp[i]!.inc(this.#rollups.grouping(i).count);
      }
    } catch (err) {
      this.#metrics.errors.inc();
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.#backoffMs * 2));
      this.#retryAt = Date.now() + this.#backoffMs;
      if (this.#sampler.allow()) {
        const table = this.#done === 0 ? this.#options.table : this.#rollups.levels[this.#done - 1]!.table;
        this.#r.logger.error({ err, table, rows: block.rows, retryIn: this.#backoffMs }, 'flow insert failed');
      }
      throw err;
    }
    end();
    this.#metrics.rows.observe(block.rows);
    this.#done = 0;
    this.#backoffMs = 0;
    this.#retryAt = 0;
    this.#queue.shift();
    this.#pendingRows -= block.rows;
    this.#metrics.pending.set(this.#pendingRows);
    block.rows = 0;
    if (this.#free.length < FREE_BLOCKS) this.#free.push(block);
  }

  /** stop inserts the rows accepted so far (a few attempts), then refuses new ones. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    while (this.#inflight !== null) await this.#inflight.catch(() => undefined);
    if (this.#pendingRows > 0) this.#r.logger.info({ rows: this.#pendingRows }, 'inserting pending flows before stopping');
    for (let attempt = 0; attempt < this.#options.stopAttempts && this.#pendingRows > 0; ) {
      const block = this.#queue[0]!;
      if (block.rows === 0) {
        this.#queue.shift();
        continue;
      }
      const ok = await this.#insert(block).then(
        () => true,
        () => false,
      );
      if (!ok && ++attempt < this.#options.stopAttempts) await new Promise((resolve) => setTimeout(resolve, this.#backoffMs));
    }
    if (this.#pendingRows > 0) {
      this.#r.logger.error({ rows: this.#pendingRows }, 'flows lost at stop: inserts keep failing');
      this.#metrics.dropped.inc(this.#pendingRows);
    }
    this.#free = [];
    this.#queue = [];
    this.#r.logger.info('flow sink stopped');
  }
}
