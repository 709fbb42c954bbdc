// SPDX-License-Identifier: AGPL-3.0-only
import type { NativeBlock } from '../common/clickhouse/native.ts';
import type { ClickHouse } from '../common/clickhouse/root.ts';
import { Spooled } from '../common/clickhouse/spool.ts';
import type { Component } from '../common/daemon/root.ts';
import type { HealthResult } from '../common/reporter/healthcheck.ts';
import type { Reporter } from '../common/reporter/root.ts';
import type { Schema } from '../common/schema/root.ts';
import type { FlowBatch } from '../inlet/flow/batch.ts';
import { STRINGS, type StringTable } from '../inlet/flow/strings.ts';
import { Block, buildBlock, plan, type Plan } from './columns.ts';
import { SINK_DEFAULTS } from './config.ts';
import { RunningRollups } from './rollup.ts';
import { Spares } from './spares.ts';

/** Options tune the sink (tests use smaller values). */
export interface Options {
  /** table is where flows go. */
  table: string;
  /**
   * batchRows starts an insert as soon as this many rows are pending (when
   * none runs). Unless given, maxInsertRows: while flows come faster than a
   * block a second, the engine gets full blocks, not one as soon as an insert
   * ends (measured: twice as many inserts and parts to merge at 300,000
   * flows/s with 100,000).
   */
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
   * inserts running included), while inserts fail or cannot keep up: rows
   * beyond are dropped and counted, memory does not grow. The default, 3
   * blocks, lets a block fill while two are inserted.
   */
  maxPendingRows: number;
  /**
   * parallelInserts is how many prepared blocks may be inserted at once
   * (the engine runs them side by side when it has as many insert sessions).
   */
  parallelInserts: number;
  /** stopAttempts is how many inserts `stop()` tries before giving up the rows left. */
  stopAttempts: number;
  /** strings is the table text columns' ids refer to. */
  strings: StringTable;
  /**
   * rollups are the intervals (seconds) of the rolled-up tables the sink
   * writes (flows_1m0s for 60, ...): the rows of its blocks added up by
   * time bucket and dimensions, once per bucket of the finest one (see
   * RunningRollups). Empty when views feed them.
   */
  rollups: number[];
  /**
   * sumsDelayMs is how long after the end of a minute (the finest rolled-up
   * table's bucket) the running sums are written (see RunningRollups).
   */
  sumsDelayMs: number;
  /**
   * sumsWhenIdle writes the running sums at the interval's tick when no
   * insert runs or waits and inserts ran less than half of the interval
   * before (an engine keeping up), rather than once a minute.
   */
  sumsWhenIdle: boolean;
}

/** defaultOptions returns a fresh copy of the sink's defaults. */
export function defaultOptions(): Options {
  return {
    table: 'flows',
    batchRows: SINK_DEFAULTS.insertFlows,
    maxInsertRows: SINK_DEFAULTS.insertFlows,
    intervalMs: SINK_DEFAULTS.insertInterval,
    maxPendingRows: SINK_DEFAULTS.maxPendingFlows,
    parallelInserts: SINK_DEFAULTS.parallelInserts,
    stopAttempts: 3,
    strings: STRINGS,
    rollups: [],
    sumsDelayMs: 5000,
    sumsWhenIdle: true,
  };
}

// Settings of every insert: rolled-up tables add up rows in background
// merges rather than on insert (see bench/clickhouse.bench.ts).
const INSERT_SETTINGS = { optimize_on_insert: 0, max_insert_threads: 2 };

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 10_000;

// DROP_HEALTH_MS is how long the sink's healthcheck says degraded after a drop.
const DROP_HEALTH_MS = 10_000;

// SPARE_IDLE_MS is how long emptied blocks are kept for reuse without
// being used (see Spares).
const SPARE_IDLE_MS = 30_000;

// nextFlush is when the running sums of the current bucket (of `interval`
// seconds) are written: `delay` after its end, so that rows received late
// (from another worker, or timed by an exporter's clock) still join it.
function nextFlush(interval: number, delay: number): number {
  const ms = interval * 1000;
  return Math.floor(Date.now() / ms) * ms + ms + delay;
}

// atLeast returns `buffer` if it holds `size` bytes, else a new one a quarter larger than needed.
function atLeast(buffer: Uint8Array | undefined, size: number): Uint8Array {
  return buffer !== undefined && buffer.length >= size ? buffer : new Uint8Array(Math.ceil(size * 1.25));
}

// nextTurn resolves after the events waiting (I/O, messages) are handled.
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// stepped runs work done in steps (see rollup.ts), the event loop running between them.
async function stepped<T>(steps: Generator<void, T>): Promise<T> {
  for (;;) {
    await nextTurn();
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** Insert is one encoded insert of a prepared block. */
interface Insert {
  table: string;
  columns: string[];
  /** data is spooled as soon as it is encoded (see spool.ts), and removed once inserted. */
  data: Spooled;
  /** rows inserted: the block's rows for flows, its groups for a rolled-up table. */
  rows: number;
  /** rollup is the index of the rolled-up table (its counter), -1 for flows. */
  rollup: number;
}

/**
 * Prepared is a block encoded for its insert into flows, or the running
 * sums encoded for their inserts into each rolled-up table (`sums`).
 */
interface Prepared {
  /** rows are the flows of the block (0 for sums). */
  rows: number;
  inserts: Insert[];
  /** done is how many of its inserts succeeded: a failed one resumes there. */
  done: number;
  sums: boolean;
}

/**
 * SinkComponent writes enriched flows into the main flows table through a
 * ClickHouse driver (standalone: the embedded engine), in place of Kafka,
 * and their sums into the rolled-up tables (see rollup.ts).
 * `send()` copies the rows at once (worker buffers are reused) into blocks
 * of at most `maxInsertRows` rows. A block is encoded as a Native block for
 * flows, whose insert may start at once, when `batchRows` rows are pending
 * and no insert runs, every `intervalMs` likewise, and as soon as it is
 * full even while inserts run: the engine's inserts and the encoding of the
 * next block overlap. Encoded blocks are then added up into the running
 * sums of the rolled-up tables, one after the other, and emptied for
 * reuse; the next blocks' inserts do not wait for that. Up to
 * `parallelInserts` encoded blocks are inserted at once; while they run,
 * the next block fills up, so that inserts grow when the engine is slow.
 * The running sums are encoded for their tables at a tick of `intervalMs`
 * when no insert runs or waits and inserts ran less than half of the
 * interval before (`sumsWhenIdle`), else those of the minutes over once the
 * block encoded after the end of their minute (and `sumsDelayMs`) is added up,
 * on their own if no block comes, or as soon as they hold `maxInsertRows`
 * groups; their inserts (one table after the other) run beside those of
 * the blocks, one set of sums at a time: the engine needs
 * `parallelInserts + 1` insert sessions. A failed insert keeps its
 * prepared block or sums and is retried with a doubling delay, from the
 * table where it failed.
 * Rows beyond `maxPendingRows` (a slow or failing engine) are dropped and
 * counted. `stop()` inserts what was accepted: every block, then the sums
 * of all of them, once.
 */
export class SinkComponent implements Component {
  readonly #r: Reporter;
  readonly #ch: ClickHouse;
  readonly #options: Options;
  readonly #plans: Plan[];
  readonly #rollups: RunningRollups;
  // When the running sums of the rolled-up tables are next written (Date.now(); 0: none held).
  #flushAt = 0;
  readonly #metrics;
  readonly #rolledUp;
  readonly #sampler;
  readonly #capacity: number;
  // Blocks filling up, oldest first: only the last one may take rows.
  #queue: Block[] = [];
  // Emptied blocks for reuse.
  readonly #blocks: Spares<Block>;
  // The buffer where the columns that are not written as they are get encoded, one after the other.
  #scratch: Uint8Array = new Uint8Array(0);
  // The buffers of the one-byte indexes of text columns, one per column (see buildBlock).
  readonly #indexes: Uint8Array[] = [];
  // Blocks and sums encoded and waiting for their inserts (or inserting), oldest first.
  #prepared: Prepared[] = [];
  readonly #maxPrepared: number;
  #pendingRows = 0;
  // The prepared blocks whose inserts run, and their end.
  readonly #running = new Map<Prepared, Promise<void>>();
  // Blocks encoded and waiting to be added up for the rolled-up tables, oldest first.
  #adding: Block[] = [];
  // The adding up of encoded blocks and the writing of the sums, if running.
  #summing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  // Time inserts ran since the last tick, since when they run, and whether
  // they ran less than half of the interval before the last tick.
  #busyMs = 0;
  #busySince = 0;
  #spare = true;
  #backoffMs = 0;
  #retryAt = 0;
  // The last failed insert's error while inserts fail (null once one passes), and the last drop (Date.now()).
  #failure: { message: string; since: number } | null = null;
  #dropped: { at: number; why: string } | null = null;
  // 'stopping': no rows accepted, every block and the running sums due.
  #state: 'new' | 'started' | 'stopping' | 'stopped' = 'new';
  // How many flush() calls run: every block and the running sums are due meanwhile.
  #flushing = 0;
  // Inserts failed so far (stop() and flush() give up after stopAttempts).
  #failedInserts = 0;

  constructor(r: Reporter, ch: ClickHouse, schema: Schema, options: Partial<Options> = {}) {
    this.#r = r.child('standalone/sink');
    this.#ch = ch;
    this.#options = { ...defaultOptions(), ...(options.maxInsertRows === undefined ? {} : { batchRows: options.maxInsertRows }), ...options };
    this.#plans = plan(schema);
    this.#capacity = Math.max(1, Math.min(this.#options.maxInsertRows, this.#options.maxPendingRows));
    this.#rollups = new RunningRollups(schema, this.#plans, this.#options.rollups, this.#capacity);
    // One more than the inserts running: the next block is encoded meanwhile.
    this.#maxPrepared = Math.max(1, this.#options.parallelInserts) + 1;
    // As many blocks as the pending rows fill.
    this.#blocks = new Spares({ max: Math.ceil(this.#options.maxPendingRows / this.#capacity), idleMs: SPARE_IDLE_MS, size: (b) => b.capacity });
    this.#sampler = this.#r.newSampler(3, 30_000);
    const m = this.#r.metrics;
    this.#metrics = {
      inserted: m.counter({ name: 'inserted_rows_total', help: 'Flows inserted into ClickHouse' }),
      dropped: m.counter({ name: 'dropped_rows_total', help: 'Flows dropped because too many were pending' }),
      errors: m.counter({ name: 'errors_total', help: 'Failed inserts' }),
      pending: m.gauge({ name: 'pending_rows', help: 'Flows accepted and not inserted yet' }),
      duration: m.summary({ name: 'insert_duration_seconds', help: 'Time to insert one block', percentiles: [0.5, 0.9, 0.99] }),
      encoding: m.summary({ name: 'encode_duration_seconds', help: 'Time to encode one block for its insert into flows', percentiles: [0.5, 0.9, 0.99] }),
      rows: m.summary({ name: 'insert_rows', help: 'Rows of one insert', percentiles: [0.5, 0.9, 0.99] }),
      rolledUp: m.counter({ name: 'rollup_rows_total', help: 'Rows inserted into rolled-up tables', labelNames: ['table'] as const }),
      spooled: m.gauge({ name: 'spooled_bytes', help: 'Bytes of encoded inserts waiting or running, in the spool directory' }),
      runningGroups: m.gauge({ name: 'rollup_running_groups', help: 'Groups of flows added up for the rolled-up tables and not written yet' }),
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
    this.#r.registerHealthcheck(() => this.health());
    this.#r.logger.info({ table: this.#options.table, columns: this.#plans.length, maxInsertRows: this.#capacity }, 'starting flow sink');
    this.#timer = setInterval(() => {
      this.#blocks.trim();
      const now = performance.now();
      const busy = this.#busyMs + (this.#running.size > 0 ? now - this.#busySince : 0);
      this.#busyMs = 0;
      this.#busySince = now;
      this.#spare = busy < this.#options.intervalMs / 2;
      this.#kick(true);
    }, this.#options.intervalMs);
  }

  /** send accepts the rows of an enriched batch (copied: the caller may reuse it). */
  send(batch: FlowBatch): void {
    if (batch.length === 0) return;
    if (this.#state === 'stopping' || this.#state === 'stopped') {
      this.#drop(batch.length, 'the sink is stopping');
      return;
    }
    const room = this.#options.maxPendingRows - this.#pendingRows;
    let n = batch.length;
    if (room < n) {
      this.#drop(n - Math.max(room, 0), 'too many waiting for ClickHouse (max-pending-flows)');
      if (this.#sampler.allow()) this.#r.logger.warn({ pending: this.#pendingRows }, 'too many pending flows, dropping');
      if (room <= 0) return;
      n = room;
    }
    for (let from = 0; from < n; ) {
      let block = this.#queue.at(-1);
      if (block === undefined || block.room === 0) {
        block = this.#blocks.take() ?? new Block(this.#plans, this.#capacity);
        this.#queue.push(block);
      }
      const count = Math.min(block.room, n - from);
      block.append(this.#plans, batch, from, count);
      from += count;
    }
    this.#pendingRows += n;
    this.#metrics.pending.set(this.#pendingRows);
    const oldest = this.#queue[0]!;
    if (oldest.room === 0 || oldest.rows >= this.#options.batchRows) this.#kick(false);
  }

  // kick encodes the blocks due (see the class) while fewer than
  // maxPrepared wait for their inserts or to be added up, starts adding up
  // those encoded (one block at a time) and the writing of the running sums
  // when due, and starts the inserts of prepared ones while fewer than
  // parallelInserts run, unless a retry delay is not over; `timer`
  // encodes a block below batchRows too.
  #kick(timer: boolean): void {
    if (this.#state !== 'started' && this.#state !== 'stopping') return;
    const idle = this.#running.size === 0 && this.#prepared.length === 0;
    // Sums prepared (at most a few) do not count: they have an insert session of their own.
    while (this.#adding.length < this.#maxPrepared && this.#prepared.filter((p) => !p.sums).length < this.#maxPrepared && this.#due(timer)) {
      this.#encode(this.#queue.shift()!);
    }
    if (this.#summing === null) {
      // An engine with time to spare (no insert now, inserts less than half
      // of the last interval) gets the sums at once (with the block or
      // alone): the rolled-up tables then trail flows by a second, not a
      // minute. Without a block to add up, the running sums alone when their time has come.
      const soon = timer && idle && this.#spare && this.#options.sumsWhenIdle;
      if (this.#adding.length > 0 || ((timer || this.#draining()) && (this.#flushDue() || (soon && this.#rollups.groups > 0)))) {
        this.#summing = this.#sum(soon).finally(() => {
          this.#summing = null;
          this.#kick(false);
        });
      }
    }
    this.#start();
  }

  // due tells whether the oldest block filling up is to be encoded now (see the class).
  #due(timer: boolean): boolean {
    const block = this.#queue[0];
    if (block === undefined) return false;
    const idle = this.#running.size === 0 && this.#prepared.length === 0;
    return (
      block.room === 0 ||
      this.#queue.length > 1 ||
      (block.rows > 0 && (this.#draining() || (idle && (timer || block.rows >= this.#options.batchRows))))
    );
  }

  // start runs the inserts of prepared blocks while fewer than
  // parallelInserts run, and those of the oldest sums prepared if none
  // run, unless a retry delay is not over.
  #start(): void {
    if (Date.now() < this.#retryAt) return;
    const running = [...this.#running.keys()];
    let sums = running.filter((p) => p.sums).length;
    let blocks = running.length - sums;
    for (const p of this.#prepared) {
      if (this.#running.has(p) || (p.sums ? sums >= 1 : blocks >= this.#options.parallelInserts)) continue;
      if (p.sums) sums++;
      else blocks++;
      const run = this.#insert(p).then(
        () => {
          this.#ended(p);
          this.#kick(false);
        },
        () => {
          this.#ended(p);
          this.#failedInserts++;
        },
      );
      if (this.#running.size === 0) this.#busySince = performance.now();
      this.#running.set(p, run);
    }
  }

  // ended forgets the inserts of `p` done (or failed), and counts the time inserts ran.
  #ended(p: Prepared): void {
    this.#running.delete(p);
    if (this.#running.size === 0) this.#busyMs += performance.now() - this.#busySince;
  }

  // encode encodes a block for its insert into flows, which may start at
  // once, and leaves it to be added up for the rolled-up tables (then
  // emptied for reuse): the inserts of the next blocks need not wait for
  // the sums of the previous ones.
  #encode(block: Block): void {
    const rows = block.rows;
    const end = this.#metrics.encoding.startTimer();
    try {
      const { block: native, columns } = buildBlock(this.#plans, block, this.#options.strings, this.#indexesOf);
      const insert = { table: this.#options.table, columns, data: this.#spool(native), rows, rollup: -1 };
      this.#add({ rows, inserts: [insert], done: 0, sums: false });
    } catch (err) {
      // Encoding reads arrays the sink filled itself: the spool may be full.
      this.#metrics.errors.inc();
      this.#drop(rows, 'cannot encode or spool them');
      this.#pendingRows -= rows;
      this.#metrics.pending.set(this.#pendingRows);
      this.#r.logger.error({ err, rows }, 'cannot encode flows for their insert, dropping them');
      block.clear();
      this.#blocks.give(block);
      return;
    }
    end();
    if (this.#rollups.levels.length === 0) {
      block.clear();
      this.#blocks.give(block);
    } else {
      this.#adding.push(block);
    }
  }

  // sum adds up the rows of the encoded blocks into the running sums of
  // the rolled-up tables, one block after the other, then encodes the sums
  // for their tables when due (`soon`: the engine has time to spare). It
  // lets the event loop run between steps (a block of 250,000 flows takes
  // a hundred milliseconds or more), so that the workers' batches are taken meanwhile.
  async #sum(soon: boolean): Promise<void> {
    for (let block = this.#adding[0]; block !== undefined; block = this.#adding[0]) {
      try {
        if (!(await stepped(this.#rollups.addSteps(block)))) {
          // The running sums are full: written, and started again with this block.
          await this.#flush(true);
          await stepped(this.#rollups.addSteps(block));
        }
        if (this.#flushAt === 0 && this.#rollups.groups > 0) this.#flushAt = nextFlush(this.#rollups.levels[0]!.intervalSeconds, this.#options.sumsDelayMs);
      } catch (err) {
        this.#lost(err);
      }
      this.#metrics.runningGroups.set(this.#rollups.groups);
      this.#adding.shift();
      block.clear();
      this.#blocks.give(block);
    }
    try {
      if (this.#rollups.groups > 0 && (soon || this.#flushDue())) await this.#flush(soon || this.#draining());
    } catch (err) {
      this.#lost(err);
    }
  }

  // lost empties the running sums after an unexpected error.
  #lost(err: unknown): void {
    // Not expected: the sums are the sink's own arrays. The flows are in their blocks' inserts.
    this.#metrics.errors.inc();
    this.#rollups.reset();
    this.#flushAt = 0;
    this.#metrics.runningGroups.set(0);
    this.#r.logger.error({ err }, 'cannot add flows up for the rolled-up tables, their running sums are lost');
  }

  // spool writes an encoded block to a spool file.
  #spool(block: NativeBlock): Spooled {
    return Spooled.write((put) => block.write(put, this.#scratchOf));
  }

  // scratchOf gives the scratch buffer, of `size` bytes at least.
  readonly #scratchOf = (size: number): Uint8Array => (this.#scratch = atLeast(this.#scratch, size));

  // indexesOf gives the buffer of the k-th text column's indexes, of `size` bytes at least.
  readonly #indexesOf = (k: number, size: number): Uint8Array => (this.#indexes[k] = atLeast(this.#indexes[k], size));

  // unspool removes the spool files of a prepared block.
  #unspool(p: Prepared): void {
    for (const insert of p.inserts) insert.data.remove();
  }

  // add adds a prepared block or sums, whose inserts may start.
  #add(p: Prepared): void {
    this.#prepared.push(p);
    this.#spooledChanged();
    this.#start();
  }

  // spooledChanged sets the gauge of the bytes the prepared inserts hold in the spool.
  #spooledChanged(): void {
    let bytes = 0;
    for (const p of this.#prepared) for (const insert of p.inserts) bytes += insert.data.bytes;
    this.#metrics.spooled.set(bytes);
  }

  // draining tells whether every block and the running sums are due (stop() or flush() runs).
  #draining(): boolean {
    return this.#state === 'stopping' || this.#flushing > 0;
  }

  // flushDue tells whether the running sums are to be written now: their
  // time has come, or the sink drains and every block accepted is added up.
  #flushDue(): boolean {
    if (this.#rollups.groups === 0) return false;
    if (this.#draining()) return this.#queue.length === 0 && this.#adding.length === 0;
    return Date.now() >= this.#flushAt;
  }

  // flush prepares the inserts of the running sums into each rolled-up
  // table and removes them: all of them, or (`all` false: their minute is
  // over, the engine busy) those of the minutes before the current one.
  async #flush(all: boolean): Promise<void> {
    const levels = this.#rollups.levels;
    const interval = levels[0]!.intervalSeconds;
    const now = Math.floor(Date.now() / 1000);
    const rows = this.#rollups.flush(all ? Infinity : now - (now % interval));
    const p: Prepared = { rows: 0, inserts: [], done: 0, sums: true };
    try {
      for (let i = 0; i < levels.length && rows > 0; i++) {
        await nextTurn();
        const { block: sums, columns } = this.#rollups.build(i, this.#options.strings);
        p.inserts.push({ table: levels[i]!.table, columns, data: this.#spool(sums), rows, rollup: i });
      }
    } catch (err) {
      this.#unspool(p);
      throw err;
    }
    this.#rollups.clear();
    this.#flushAt = this.#rollups.groups > 0 ? nextFlush(interval, this.#options.sumsDelayMs) : 0;
    this.#metrics.runningGroups.set(this.#rollups.groups);
    if (p.inserts.length > 0) this.#add(p);
  }

  // insert runs the inserts of a prepared block (`p`) left to do; on
  // failure it stays prepared with the tables done.
  async #insert(p: Prepared): Promise<void> {
    const end = this.#metrics.duration.startTimer();
    try {
      for (; p.done < p.inserts.length; p.done++) {
        const insert = p.inserts[p.done]!;
        await this.#ch.insert(insert.table, insert.columns, 'Native', insert.data, { settings: INSERT_SETTINGS });
        if (insert.rollup < 0) this.#metrics.inserted.inc(insert.rows);
        else this.#rolledUp[insert.rollup]!.inc(insert.rows);
      }
    } catch (err) {
      this.#metrics.errors.inc();
      this.#failure = { message: err instanceof Error ? err.message : String(err), since: this.#failure?.since ?? Date.now() };
      this.#backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(MIN_BACKOFF_MS, this.#backoffMs * 2));
      this.#retryAt = Date.now() + this.#backoffMs;
      if (this.#sampler.allow()) {
        this.#r.logger.error({ err, table: p.inserts[p.done]!.table, rows: p.rows, retryIn: this.#backoffMs }, 'flow insert failed');
      }
      throw err;
    }
    end();
    this.#unspool(p);
    if (p.rows > 0) this.#metrics.rows.observe(p.rows);
    this.#backoffMs = 0;
    this.#retryAt = 0;
    this.#failure = null;
    this.#prepared.splice(this.#prepared.indexOf(p), 1);
    this.#spooledChanged();
    this.#pendingRows -= p.rows;
    this.#metrics.pending.set(this.#pendingRows);
  }

  /**
   * flush inserts the rows accepted so far (and those sent meanwhile) and
   * writes the running sums of the rolled-up tables, the sink staying
   * started; it throws once `stopAttempts` inserts failed meanwhile (the
   * rows stay pending, retried as usual). The benchmark measures the sink
   * with it, one sink for all its sets as in standalone.
   */
  async flush(): Promise<void> {
    if (this.#state !== 'started') throw new Error('standalone sink: flush() needs a started sink');
    this.#flushing++;
    try {
      if (!(await this.#drain())) throw new Error(`standalone sink: flush(): inserts keep failing: ${this.#failure?.message ?? 'unknown error'}`);
    } finally {
      this.#flushing--;
    }
  }

  // drain inserts every block and the running sums, side by side as
  // usual, until all are in (it returns true) or stopAttempts inserts
  // failed meanwhile (false).
  async #drain(): Promise<boolean> {
    const failed = this.#failedInserts;
    for (;;) {
      if (this.#state === 'stopped') return false;
      this.#kick(true);
      if (this.#pendingRows === 0 && this.#rollups.groups === 0 && this.#prepared.length === 0 && this.#adding.length === 0) return true;
      if (this.#failedInserts - failed >= this.#options.stopAttempts) return false;
      const busy = [...this.#running.values(), ...(this.#summing === null ? [] : [this.#summing])];
      if (busy.length > 0) await Promise.race(busy);
      else await new Promise((resolve) => setTimeout(resolve, Math.max(0, this.#retryAt - Date.now())));
    }
  }

  /** stop inserts the rows accepted so far (a few attempts), then refuses new ones. */
  async stop(): Promise<void> {
    if (this.#state === 'stopping' || this.#state === 'stopped') return;
    this.#state = 'stopping';
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    if (this.#pendingRows > 0) this.#r.logger.info({ rows: this.#pendingRows }, 'inserting pending flows before stopping');
    await this.#drain();
    while (this.#running.size > 0 || this.#summing !== null) await Promise.allSettled([...this.#running.values(), this.#summing]);
    this.#state = 'stopped';
    if (this.#pendingRows > 0) {
      this.#r.logger.error({ rows: this.#pendingRows }, 'flows lost at stop: inserts keep failing');
      this.#drop(this.#pendingRows, 'inserts kept failing at stop');
    }
    const sums = this.#prepared.filter((p) => p.done < p.inserts.length).length + (this.#rollups.groups > 0 ? 1 : 0);
    if (sums > 0 && this.#pendingRows === 0) this.#r.logger.error('sums of the rolled-up tables lost at stop: inserts keep failing');
    this.#blocks.clear();
    for (const p of this.#prepared) this.#unspool(p);
    this.#queue = [];
    this.#adding = [];
    this.#prepared = [];
    this.#spooledChanged();
    this.#r.unregisterHealthcheck();
    this.#r.logger.info('flow sink stopped');
  }

  /**
   * health is degraded while inserts fail (they are retried) and for
   * DROP_HEALTH_MS after flows were dropped, ok otherwise.
   */
  health(): HealthResult {
    const details = { pendingFlows: this.#pendingRows, maxPendingFlows: this.#options.maxPendingRows };
    if (this.#failure !== null) {
      const since = new Date(this.#failure.since).toISOString();
      return { status: 'degraded', reason: `inserts failing since ${since}, retried: ${this.#failure.message}`, details };
    }
    if (this.#dropped !== null && Date.now() - this.#dropped.at < DROP_HEALTH_MS) {
      return { status: 'degraded', reason: `flows dropped in the last ${DROP_HEALTH_MS / 1000} s: ${this.#dropped.why}`, details };
    }
    return { status: 'ok', details };
  }

  // drop counts rows dropped, and why for the healthcheck.
  #drop(rows: number, why: string): void {
    this.#metrics.dropped.inc(rows);
    this.#dropped = { at: Date.now(), why };
  }
}
