// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { testClickHouse } from '../common/clickhouse/tests.ts';
import { ClickHouseError, type ClickHouse, type InsertData, type InsertFormat, type QueryOptions } from '../common/clickhouse/root.ts';
import { newMock } from '../common/reporter/mock.ts';
import { Schema } from '../common/schema/root.ts';
import { Migrations } from '../configure/clickhouse/root.ts';
import { FlowBatch } from '../inlet/flow/batch.ts';
import { StringTable } from '../inlet/flow/strings.ts';
import { SinkComponent, type Options } from './sink.ts';

// Recent enough for the tables' TTL.
const NOW = Math.floor(Date.now() / 1000);
const SCHEMA = { enabled: ['ICMPv4Type', 'ICMPv4Code', 'ICMPv6Type', 'ICMPv6Code', 'MPLSLabels', 'SrcMAC'], disabled: [], mainTableOnly: [], notMainTableOnly: [] };

// batchOf makes two rows with every kind of column set.
function batchOf(strings: StringTable): FlowBatch {
  const b = new FlowBatch(4);
  for (let k = 0; k < 2; k++) {
    const i = b.begin();
    b.timeReceived[i] = NOW + k;
    b.samplingRate[i] = 100;
    b.exporterAddress.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 + k], i * 16);
    b.bytes[i] = 1500 * (k + 1);
    b.packets[i] = k + 1;
    b.eType[i] = 0x0800;
    b.proto[i] = k === 0 ? 1 : 6;
    b.icmpType[i] = 8;
    b.flowDirection[i] = k === 0 ? 1 : 255;
    b.inIfBoundary[i] = 1;
    b.srcCountry[i] = ('F'.charCodeAt(0) << 8) | 'R'.charCodeAt(0);
    b.srcMAC[i] = 0x0242ac110002;
    b.mplsLabels.set([16, 17], i * 6);
    b.mplsCount[i] = k === 0 ? 2 : 0;
    b.setStringId(i, 'exporterName', strings.intern(k === 0 ? 'edge1.par1' : 'édge2'));
    b.commit();
  }
  return b;
}

test('sink: rows of a batch land in flows with their values', async (t) => {
  const ch = await testClickHouse(t);
  const schema = new Schema(SCHEMA);
  await new Migrations(newMock(), ch.config, ch.embedded, schema, null).run();
  const strings = new StringTable();
  const sink = new SinkComponent(newMock(), ch.embedded, schema, { strings, intervalMs: 50 });
  sink.start();
  const b = batchOf(strings);
  sink.send(b);
  // The batch is reused at once: the sink kept a copy.
  b.clear();
  b.begin();
  await sink.stop();
  const rows = await ch.embedded.select(
    'SELECT toUnixTimestamp(TimeReceived) AS t, ExporterAddress AS a, ExporterName AS n, Bytes, Packets, SrcCountry AS c, FlowDirection AS d, ' +
      'InIfBoundary AS ib, OutIfBoundary AS ob, ICMPv4Type AS it, ICMPv6Type AS i6, MPLSLabels AS m, SrcMAC AS mac FROM flows ORDER BY t',
  );
  assert.deepEqual(
    rows.map((r) => ({ ...r, Bytes: Number(r.Bytes), Packets: Number(r.Packets), mac: Number(r.mac) })),
    [
      { t: NOW, a: '::ffff:192.0.2.1', n: 'edge1.par1', Bytes: 1500, Packets: 1, c: 'FR', d: 'egress', ib: 'external', ob: 'undefined', it: 8, i6: 0, m: [16, 17], mac: 0x0242ac110002 },
      { t: NOW + 1, a: '::ffff:192.0.2.2', n: 'édge2', Bytes: 3000, Packets: 2, c: 'FR', d: 'undefined', ib: 'external', ob: 'undefined', it: 0, i6: 0, m: [], mac: 0x0242ac110002 },
    ],
  );
});

// Failing fails its first `failures` inserts, then passes them on.
class Failing implements ClickHouse {
  readonly kind = 'embedded' as const;
  readonly database: string;
  failures: number;
  inserted = 0;
  private readonly ch: ClickHouse;
  constructor(ch: ClickHouse, failures: number) {
    this.ch = ch;
    this.database = ch.database;
    this.failures = failures;
  }
  select<T>(sql: string, options?: QueryOptions): Promise<T[]> {
    return this.ch.select<T>(sql, options);
  }
  exec(sql: string, options?: QueryOptions): Promise<void> {
    return this.ch.exec(sql, options);
  }
  async insert(table: string, columns: readonly string[], format: InsertFormat, data: InsertData, options?: QueryOptions): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new ClickHouseError('injected', 999, 'TEST');
    }
    await this.ch.insert(table, columns, format, data, options);
    this.inserted++;
  }
  ping(): Promise<boolean> {
    return this.ch.ping();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

// failingSink starts a sink on a migrated database whose first `failures` inserts fail.
async function failingSink(t: TestContext, failures: number, options: Partial<Options> = {}) {
  const ch = await testClickHouse(t);
  const schema = new Schema(SCHEMA);
  await new Migrations(newMock(), ch.config, ch.embedded, schema, null).run();
  const strings = new StringTable();
  const failing = new Failing(ch.embedded, failures);
  const r = newMock();
  const sink = new SinkComponent(r, failing, schema, { strings, intervalMs: 20, ...options });
  sink.start();
  return { ch, strings, failing, r, sink };
}

test('sink: healthy again once an insert passes after failures', async (t) => {
  const { strings, failing, r, sink } = await failingSink(t, 1);
  sink.send(batchOf(strings));
  const deadline = Date.now() + 10_000;
  while (failing.failures > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  // The report of the service, as /healthcheck gives it.
  let report = await r.runHealthchecks();
  assert.equal(report.checks['standalone/sink']?.status, 'degraded', JSON.stringify(report));
  while (failing.inserted === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  report = await r.runHealthchecks();
  assert.equal(report.checks['standalone/sink']?.status, 'ok', JSON.stringify(report));
  assert.equal(report.checks['standalone/sink']?.details?.pendingFlows, 0);
  await sink.stop();
  assert.equal((await r.runHealthchecks()).checks['standalone/sink'], undefined, 'unregistered at stop');
});

test('sink: failed inserts are retried, rows beyond the bound are dropped', async (t) => {
  const { ch, strings, failing, r, sink } = await failingSink(t, 2, { maxPendingRows: 3 });
  assert.equal(sink.health().status, 'ok');
  sink.send(batchOf(strings));
  sink.send(batchOf(strings)); // 2 + 2 > 3: one row dropped
  // Degraded: first for the failing inserts, then for the drop (10 s).
  const seen = new Set<string>();
  const deadline = Date.now() + 10_000;
  while (failing.inserted === 0 && Date.now() < deadline) {
    seen.add(sink.health().reason ?? 'ok');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok([...seen].some((reason) => /^inserts failing since \d{4}-.*, retried: injected/.test(reason)), [...seen].join('; '));
  const health = sink.health();
  assert.equal(health.status, 'degraded');
  assert.equal(health.reason, 'flows dropped in the last 10 s: too many waiting for ClickHouse (max-pending-flows)');
  assert.equal(health.details?.maxPendingFlows, 3);
  await sink.stop();
  assert.equal(failing.failures, 0);
  const [row] = await ch.embedded.select<{ n: string }>('SELECT count() AS n FROM flows');
  assert.equal(Number(row!.n), 3, JSON.stringify(r.logs().filter((l) => (l.level as number) >= 40)));
  const metrics = await r.getMetrics('akvorado_standalone_sink_');
  assert.equal(metrics.akvorado_standalone_sink_dropped_rows_total, 1);
  assert.equal(metrics.akvorado_standalone_sink_errors_total, 2);
  assert.equal(metrics.akvorado_standalone_sink_inserted_rows_total, 3);
  assert.equal(metrics.akvorado_standalone_sink_pending_rows, 0);
});

// Gated passes inserts on once `open()` is called, and records their sizes.
class Gated extends Failing {
  sizes: number[] = [];
  /** waiting is how many inserts wait at the gate. */
  waiting = 0;
  #open: () => void = () => undefined;
  #gate = new Promise<void>((resolve) => (this.#open = resolve));
  readonly #only: string | null;
  /** `only` gates the inserts into that table alone (null: all). */
  constructor(ch: ClickHouse, only: string | null = null) {
    super(ch, 0);
    this.#only = only;
  }
  open(): void {
    this.#open();
  }
  override async insert(table: string, columns: readonly string[], format: InsertFormat, data: InsertData, options?: QueryOptions): Promise<void> {
    if (this.#only !== null && table !== this.#only) return super.insert(table, columns, format, data, options);
    this.waiting++;
    await this.#gate;
    this.waiting--;
    await super.insert(table, columns, format, data, options);
    // Native: varuint(columns) varuint(rows), both below 128 here.
    this.sizes.push((data instanceof Uint8Array ? data : data.read())[1]!);
  }
}

// gatedSink starts a sink whose inserts wait for `gated.open()`; the test's end opens it and stops the sink.
async function gatedSink(t: TestContext, options: Partial<Options>, only: string | null = null) {
  const ch = await testClickHouse(t);
  const schema = new Schema(SCHEMA);
  await new Migrations(newMock(), ch.config, ch.embedded, schema, null, { rollupViews: false }).run();
  const strings = new StringTable();
  const gated = new Gated(ch.embedded, only);
  const r = newMock();
  const sink = new SinkComponent(r, gated, schema, { strings, intervalMs: 10, maxPendingRows: 100, ...options });
  t.after(async () => {
    gated.open();
    await sink.stop();
  });
  sink.start();
  return { ch, strings, gated, r, sink };
}

test('sink: inserts hold at most maxInsertRows; rows keep coming while one runs', async (t) => {
  const { ch, strings, gated, r, sink } = await gatedSink(t, { batchRows: 3, maxInsertRows: 5 });
  const b = batchOf(strings);
  // Bytes above 2^32 survive the copy into UInt64.
  b.bytes[0] = 2 ** 40 + 3;
  // 2 rows at a time: the first block's insert starts at 4 rows (batchRows
  // 3) and waits; the next 8 rows fill a block of 5 (maxInsertRows) and one of 3.
  for (let k = 0; k < 6; k++) sink.send(b);
  await new Promise((resolve) => setTimeout(resolve, 50));
  gated.open();
  await sink.stop();
  // The first two blocks are inserted side by side (parallelInserts 2): either may end first.
  assert.deepEqual([...gated.sizes.slice(0, 2)].sort(), [4, 5]);
  assert.equal(gated.sizes[2], 3);
  const [row] = await ch.embedded.select<{ n: string; big: string }>('SELECT count() AS n, countIf(Bytes = 1099511627779) AS big FROM flows');
  assert.deepEqual({ n: Number(row!.n), big: Number(row!.big) }, { n: 12, big: 6 });
  const metrics = await r.getMetrics('akvorado_standalone_sink_');
  assert.equal(metrics.akvorado_standalone_sink_inserted_rows_total, 12);
  assert.equal(metrics.akvorado_standalone_sink_dropped_rows_total, 0);
});

test('sink: blocks are encoded and inserted while others are inserted, at most parallelInserts at once', async (t) => {
  const { ch, strings, gated, r, sink } = await gatedSink(t, { batchRows: 4, maxInsertRows: 4, parallelInserts: 2 });
  const b = batchOf(strings);
  // 4 full blocks: two inserted at once, one more encoded and waiting, the last one filled.
  for (let k = 0; k < 8; k++) sink.send(b);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(gated.waiting, 2, 'two inserts run at once, no more');
  let metrics = await r.getMetrics('akvorado_standalone_sink_');
  assert.equal(metrics.akvorado_standalone_sink_encode_duration_seconds_count, 3, 'a third block is encoded meanwhile');
  assert.equal(metrics.akvorado_standalone_sink_pending_rows, 16);
  gated.open();
  await sink.stop();
  assert.deepEqual(gated.sizes, [4, 4, 4, 4]);
  const [row] = await ch.embedded.select<{ n: string }>('SELECT count() AS n FROM flows');
  assert.equal(Number(row!.n), 16);
  metrics = await r.getMetrics('akvorado_standalone_sink_');
  assert.equal(metrics.akvorado_standalone_sink_inserted_rows_total, 16);
  assert.equal(metrics.akvorado_standalone_sink_pending_rows, 0);
});

test('sink: the rolled-up tables\' sums are inserted beside the blocks, one set at a time', async (t) => {
  // Inserts into flows_1m0s wait: the sums are held, not the blocks (one insert of them at a time).
  const { ch, strings, gated, r, sink } = await gatedSink(t, { batchRows: 4, maxInsertRows: 4, parallelInserts: 1, rollups: [60, 300, 3600] }, 'flows_1m0s');
  const b = batchOf(strings);
  const metric = async (name: string) => (await r.getMetrics('akvorado_standalone_sink_'))[`akvorado_standalone_sink_${name}`];
  const until = async (what: string, f: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await f()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(await f(), what);
  };
  for (let round = 1; round <= 3; round++) {
    sink.send(b);
    sink.send(b);
    // The block is inserted, then its sums are written at the next tick (the engine idle but for sums).
    await until(`block ${round} inserted`, async () => (await metric('inserted_rows_total')) === 4 * round);
    if (round === 1) await until('the first sums wait', async () => gated.waiting === 1);
  }
  assert.equal(gated.waiting, 1, 'one insert of sums at a time');
  assert.equal(await metric('rollup_rows_total{table="flows_1m0s"}'), 0);
  gated.open();
  await sink.stop();
  assert.equal(await metric('inserted_rows_total'), 12);
  const [row] = await ch.embedded.select<{ b: string; p: string }>('SELECT toString(sum(Bytes)) AS b, toString(sum(Packets)) AS p FROM flows_1m0s');
  assert.deepEqual(row, { b: String(6 * 4500), p: String(6 * 3) });
});

test('sink: flush inserts the rows accepted and their sums, the sink still taking rows', async (t) => {
  const ch = await testClickHouse(t);
  const schema = new Schema(SCHEMA);
  await new Migrations(newMock(), ch.config, ch.embedded, schema, null, { rollupViews: false }).run();
  const strings = new StringTable();
  const r = newMock();
  // No tick: only flush() and full blocks make inserts.
  const sink = new SinkComponent(r, ch.embedded, schema, { strings, intervalMs: 60_000, batchRows: 100, maxInsertRows: 100, rollups: [60, 300, 3600] });
  sink.start();
  const count = async (table: string) => Number((await ch.embedded.select<{ n: string }>(`SELECT toString(count()) AS n FROM ${table}`))[0]!.n);
  const b = batchOf(strings);
  for (let round = 1; round <= 2; round++) {
    sink.send(b);
    sink.send(b);
    await sink.flush();
    assert.equal(await count('flows'), 4 * round);
    const [sums] = await ch.embedded.select<{ b: string }>('SELECT toString(sum(Bytes)) AS b FROM flows_1h0m0s');
    assert.equal(sums!.b, String(2 * 4500 * round));
    assert.equal(sink.health().status, 'ok');
  }
  await sink.stop();
  assert.equal(await count('flows'), 8);
});

test('sink: flush throws once inserts keep failing, the rows kept for later', async (t) => {
  // 5 failures: flush gives up after 3 (stopAttempts), stop() gets the rows in.
  const { ch, strings, r, sink } = await failingSink(t, 5, { intervalMs: 60_000, stopAttempts: 3 });
  sink.send(batchOf(strings));
  await assert.rejects(sink.flush(), /^Error: standalone sink: flush\(\): inserts keep failing: .*injected/);
  assert.equal((await r.getMetrics('akvorado_standalone_sink_')).akvorado_standalone_sink_pending_rows, 2);
  await sink.stop();
  const [row] = await ch.embedded.select<{ n: string }>('SELECT toString(count()) AS n FROM flows');
  assert.equal(row!.n, '2');
  await assert.rejects(sink.flush(), /needs a started sink/);
});

// Ordered records the table of each insert, in the order they start.
class Ordered extends Failing {
  tables: string[] = [];
  constructor(ch: ClickHouse) {
    super(ch, 0);
  }
  override insert(table: string, columns: readonly string[], format: InsertFormat, data: InsertData, options?: QueryOptions): Promise<void> {
    this.tables.push(table);
    return super.insert(table, columns, format, data, options);
  }
}

test('sink: stop inserts every block, then the sums of all of them once', async (t) => {
  const ch = await testClickHouse(t);
  const schema = new Schema(SCHEMA);
  await new Migrations(newMock(), ch.config, ch.embedded, schema, null, { rollupViews: false }).run();
  const strings = new StringTable();
  const ordered = new Ordered(ch.embedded);
  const r = newMock();
  // No tick before stop(): the blocks are due as they fill up.
  const sink = new SinkComponent(r, ordered, schema, { strings, intervalMs: 60_000, batchRows: 4, maxInsertRows: 4, maxPendingRows: 100, parallelInserts: 3, rollups: [60, 300, 3600] });
  sink.start();
  const b = batchOf(strings);
  for (let k = 0; k < 6; k++) sink.send(b);
  await sink.stop();
  // Three blocks, whose inserts do not wait for their rows to be added up;
  // the sums once, after the last block (before, once after each block).
  assert.deepEqual(ordered.tables, ['flows', 'flows', 'flows', 'flows_1m0s', 'flows_5m0s', 'flows_1h0m0s']);
  const [row] = await ch.embedded.select<{ b: string; n: string }>('SELECT toString(sum(Bytes)) AS b, toString(count()) AS n FROM flows_1m0s');
  assert.equal(row!.b, String(6 * 4500));
  const metrics = await r.getMetrics('akvorado_standalone_sink_');
  assert.equal(metrics['akvorado_standalone_sink_rollup_rows_total{table="flows_1m0s"}'], Number(row!.n));
});

// Recording records each insert's spool file and whether it was there.
class Recording extends Failing {
  files: Array<{ path: string; bytes: number; there: boolean }> = [];
  constructor(ch: ClickHouse) {
    super(ch, 0);
  }
  override async insert(table: string, columns: readonly string[], format: InsertFormat, data: InsertData, options?: QueryOptions): Promise<void> {
    assert.ok(!(data instanceof Uint8Array), 'the sink spools its inserts');
    this.files.push({ path: data.path, bytes: data.bytes, there: existsSync(data.path) && statSync(data.path).size === data.bytes });
    await super.insert(table, columns, format, data, options);
  }
}

test('sink: blocks are spooled to files once encoded, removed once inserted, kept for a retry', async (t) => {
  const ch = await testClickHouse(t);
  const schema = new Schema(SCHEMA);
  await new Migrations(newMock(), ch.config, ch.embedded, schema, null).run();
  const strings = new StringTable();
  const recording = new Recording(ch.embedded);
  // The first insert fails: it is retried from the same file.
  recording.failures = 1;
  const r = newMock();
  const sink = new SinkComponent(r, recording, schema, { strings, intervalMs: 10, batchRows: 4, maxInsertRows: 4 });
  sink.start();
  const b = batchOf(strings);
  for (let k = 1; k <= 3; k++) {
    // A block of 4 rows, inserted before the next one.
    sink.send(b);
    sink.send(b);
    const deadline = Date.now() + 10_000;
    while (recording.inserted < k && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(recording.inserted, k);
    assert.equal((await r.getMetrics('akvorado_standalone_sink_')).akvorado_standalone_sink_spooled_bytes, 0, 'no file left once inserted');
  }
  await sink.stop();
  // The failed attempt and its retry read the same file; 3 blocks, 3 files.
  assert.equal(recording.files.length, 4);
  assert.equal(recording.files[0]!.path, recording.files[1]!.path);
  assert.equal(new Set(recording.files.map((f) => f.path)).size, 3);
  assert.ok(recording.files.every((f) => f.there && f.bytes > 0), 'each insert reads a whole file');
  for (const f of recording.files) assert.equal(existsSync(f.path), false, `${f.path} removed`);
  const [row] = await ch.embedded.select<{ n: string; bytes: string }>('SELECT count() AS n, sum(Bytes) AS bytes FROM flows');
  assert.deepEqual({ n: Number(row!.n), bytes: Number(row!.bytes) }, { n: 12, bytes: 6 * 4500 });
});
