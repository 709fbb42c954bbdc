// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClickHouseError, type ClickHouse, type InsertFormat, type QueryOptions } from '../common/clickhouse/root.ts';
import { testClickHouse } from '../common/clickhouse/tests.ts';
import { mulberry32 } from '../common/helpers/random.ts';
import { newMock } from '../common/reporter/mock.ts';
import { tableColumns } from '../common/schema/clickhouse.ts';
import { Schema } from '../common/schema/root.ts';
import { Migrations } from '../configure/clickhouse/root.ts';
import { FlowBatch } from '../inlet/flow/batch.ts';
import { StringTable } from '../inlet/flow/strings.ts';
import { Block, plan, type Column } from './columns.ts';
import { BlockGroups, RunningRollups, sameAs, sameTargets, type Words } from './rollup.ts';
import { SinkComponent, type Options } from './sink.ts';

// Recent enough for the tables' TTL, at the start of an hour.
const HOUR = Math.floor(Date.now() / 1000 / 3600) * 3600 - 3 * 3600;
const SCHEMA = { enabled: ['MPLSLabels', 'SrcMAC', 'IPTTL'], disabled: [], mainTableOnly: [], notMainTableOnly: ['DstPort'] };

// randomBatch makes `n` flows over three hours, each of one of 30
// conversations (which fix the dimensions but DstPort), so that many are
// equal on every dimension.
function randomBatch(strings: StringTable, n: number, seed: number): FlowBatch {
  const rand = mulberry32(seed);
  let dims = rand;
  const pick = (k: number) => Math.floor(dims() * k);
  const names = ['edge1', 'edge2', 'core1'].map((s) => strings.intern(s));
  const ifNames = ['Gi0/0', 'Gi0/1', 'Te1/0/1', 'xe-0/0/0'].map((s) => strings.intern(s));
  const b = new FlowBatch(n);
  for (let k = 0; k < n; k++) {
    const i = b.begin();
    dims = rand;
    b.timeReceived[i] = HOUR + pick(3 * 3600);
    b.srcAddr.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, pick(4), pick(256)], i * 16);
    b.srcPort[i] = 1024 + pick(60_000);
    b.dstPort[i] = [443, 53][pick(2)]!;
    b.bytes[i] = 40 + pick(1500) + (rand() < 0.01 ? 2 ** 40 : 0);
    b.packets[i] = 1 + pick(10);
    b.mplsLabels.set([16 + pick(2), 17], i * 6);
    b.mplsCount[i] = pick(3);
    dims = mulberry32(1000 + pick(30));
    b.samplingRate[i] = [100, 1000][pick(2)]!;
    b.exporterAddress.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1 + pick(3)], i * 16);
    b.srcAS[i] = [0, 64500, 13335][pick(3)]!;
    b.dstAS[i] = [0, 15169][pick(2)]!;
    b.eType[i] = dims() < 0.8 ? 0x0800 : 0x86dd;
    b.proto[i] = [6, 17][pick(2)]!;
    b.flowDirection[i] = pick(2);
    b.inIfBoundary[i] = pick(3);
    b.srcCountry[i] = dims() < 0.5 ? ('F'.charCodeAt(0) << 8) | 'R'.charCodeAt(0) : 0;
    b.srcMAC[i] = pick(2);
    b.ipTTL[i] = 64;
    b.setStringId(i, 'exporterName', names[pick(3)]!);
    b.setStringId(i, 'inIfName', ifNames[pick(4)]!);
    b.commit();
  }
  return b;
}

// FailingOnce fails the first insert into `table`.
class FailingOnce implements ClickHouse {
  readonly kind = 'embedded' as const;
  readonly database: string;
  failed = false;
  readonly #ch: ClickHouse;
  readonly #table: string;
  constructor(ch: ClickHouse, table: string) {
    this.#ch = ch;
    this.#table = table;
    this.database = ch.database;
  }
  select<T>(sql: string, options?: QueryOptions): Promise<T[]> {
    return this.#ch.select<T>(sql, options);
  }
  exec(sql: string, options?: QueryOptions): Promise<void> {
    return this.#ch.exec(sql, options);
  }
  async insert(table: string, columns: readonly string[], format: InsertFormat, data: Uint8Array, options?: QueryOptions): Promise<void> {
    if (table === this.#table && !this.failed) {
      this.failed = true;
      throw new ClickHouseError('injected', 999, 'TEST');
    }
    await this.#ch.insert(table, columns, format, data, options);
  }
  ping(): Promise<boolean> {
    return this.#ch.ping();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

test('rollups: the rolled-up tables hold what ClickHouse adds up from flows', async (t) => {
  const ch = await testClickHouse(t);
  const schema = new Schema(SCHEMA);
  await new Migrations(newMock(), ch.config, ch.embedded, schema, null, { rollupViews: false }).run();
  const views = await ch.embedded.select<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' AND name LIKE 'flows%'",
  );
  assert.deepEqual(views, [], 'no view feeds the rolled-up tables');
  const strings = new StringTable();
  const failing = new FailingOnce(ch.embedded, 'flows_5m0s');
  const r = newMock();
  // Blocks of at most 3,000 rows: rows of one bucket land in several blocks.
  // The sums are written at stop (not when idle): each flow counted once, rows added up across blocks.
  const sink = new SinkComponent(r, failing, schema, { strings, intervalMs: 20, batchRows: 1000, maxInsertRows: 3000, rollups: [300, 60, 3600], sumsWhenIdle: false });
  sink.start();
  for (let k = 0; k < 8; k++) sink.send(randomBatch(strings, 1000, k + 1));
  await sink.stop();
  assert.ok(failing.failed, 'an insert into flows_5m0s failed once');

  const [flows] = await ch.embedded.select<{ n: string }>('SELECT count() AS n FROM flows');
  assert.equal(Number(flows!.n), 8000, 'the failed block went into flows once');
  const dims = (
    await ch.embedded.select<{ name: string }>(
      "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'flows_1m0s' AND default_kind = '' AND name NOT IN ('TimeReceived', 'Bytes', 'Packets') ORDER BY name",
    )
  ).map((c) => c.name);
  assert.ok(dims.includes('DstPort') && dims.includes('SrcMAC') && !dims.includes('SrcPort') && !dims.includes('MPLSLabels'), dims.join(', '));
  const metrics = await r.getMetrics('akvorado_standalone_sink_');
  for (const [interval, table] of [
    [60, 'flows_1m0s'],
    [300, 'flows_5m0s'],
    [3600, 'flows_1h0m0s'],
  ] as const) {
    const sums = (from: string, time: string) =>
      ch.embedded.select(
        `SELECT toUnixTimestamp(${time}) AS t, ${dims.join(', ')}, toString(sum(Bytes)) AS b, toString(sum(Packets)) AS p FROM ${from} GROUP BY ALL ORDER BY ALL`,
      );
    const expected = await sums('flows', `toStartOfInterval(TimeReceived, toIntervalSecond(${interval}))`);
    const got = await sums(table, 'TimeReceived');
    assert.ok(expected.length > 10, `${table}: ${expected.length} groups`);
    assert.deepEqual(got, expected, table);
    const [stored] = await ch.embedded.select<{ n: string }>(`SELECT count() AS n FROM ${table}`);
    // Each block adds its rows up: fewer rows than flows, more than groups (blocks split them).
    assert.ok(Number(stored!.n) < 8000 && Number(stored!.n) >= expected.length, `${table}: ${stored!.n} rows`);
    assert.equal(metrics[`akvorado_standalone_sink_rollup_rows_total{table="${table}"}`], Number(stored!.n));
  }
  assert.equal(metrics.akvorado_standalone_sink_errors_total, 1);
  assert.equal(metrics.akvorado_standalone_sink_inserted_rows_total, 8000);
});

test('rollups: rows apart on any one dimension stay apart, main-only columns are left out', () => {
  const schema = new Schema(SCHEMA);
  const plans = plan(schema);
  const rolled = new Set(tableColumns(schema, { intervalSeconds: 60, ttlSeconds: 0 }).map((c) => c.name));
  const dims = plans.map((p, k) => [p, k] as const).filter(([p]) => rolled.has(p.name) && !['TimeReceived', 'Bytes', 'Packets'].includes(p.name));
  const mainOnly = plans.map((p, k) => [p, k] as const).filter(([p]) => !rolled.has(p.name));
  assert.ok(dims.length > 30 && mainOnly.length >= 4, `${dims.length} dimensions, ${mainOnly.length} main-only`);
  const strings = new StringTable();
  const base = randomBatch(strings, 1, 7);
  const rows = 3 + dims.length + mainOnly.length;
  const block = new Block(plans, rows + 5);
  for (let i = 0; i < rows; i++) block.append(plans, base, 0, 1);
  const words = (c: Column) => (ArrayBuffer.isView(c) ? c : c.labels);
  const width = (c: Column) => words(c).length / block.capacity;
  // Rows 3...: one dimension changed each (its first word), then one main-only column each.
  [...dims, ...mainOnly].forEach(([, k], m) => {
    const c = block.columns[k]!;
    words(c)[(3 + m) * width(c)]! ^= 1;
  });
  const time = block.columns[plans.findIndex((p) => p.name === 'TimeReceived')]! as Uint32Array;
  const t0 = time[0]!;
  time[1] = t0 - (t0 % 60) + 59; // same minute
  time[2] = t0 - (t0 % 3600) + 3600; // the next hour
  const groups = new BlockGroups(schema, plans, 60);
  assert.ok(!groups.rolledPlans.some((p) => p.name === 'SrcAddr') && groups.rolledPlans.some((p) => p.name === 'ExporterName'));
  groups.group(block);
  // The comparison alone (groups are only compared when their hashes are equal).
  dims.forEach(([p], m) => assert.ok(!groups.sameDimensions(block, 0, 3 + m), p.name));
  mainOnly.forEach(([p], m) => assert.ok(groups.sameDimensions(block, 0, 3 + dims.length + m), p.name));
  const g = groups.grouping;
  // Base rows 0, 1 and those changed on a main-only column together; row 2 alone (next hour); one group per changed dimension.
  assert.equal(g.count, 2 + dims.length);
  assert.equal(g.rep[0], 0);
  assert.equal(g.bytes[0], base.bytes[0]! * (2 + mainOnly.length));
  assert.equal(g.packets[0], base.packets[0]! * (2 + mainOnly.length));
  assert.deepEqual([...g.rep.subarray(1, g.count)], [2, ...dims.map((_, m) => 3 + m)]);
  assert.equal(g.time[0], t0 - (t0 % 60));
  assert.equal(g.time[1], t0 - (t0 % 3600) + 3600);
});

test('rollups: rows whose hashes match but whose dimensions differ are grouped again, apart', () => {
  // Both hashes of two different rows rarely collide: rows 0 and 1 are
  // hashed equal, then row 1's first dimension changes before they are
  // grouped, as if its values had collided with row 0's.
  const schema = new Schema(SCHEMA);
  const plans = plan(schema);
  const strings = new StringTable();
  const base = randomBatch(strings, 1, 7);
  const block = new Block(plans, 8);
  for (let i = 0; i < 3; i++) block.append(plans, base, 0, 1);
  const groups = new BlockGroups(schema, plans, 60);
  const steps = groups.groupSteps(block);
  assert.equal(steps.next().done, false); // the first columns hashed
  const first = groups.words(block)[0]!;
  first.values[first.width]! ^= 1;
  while (steps.next().done !== true);
  const g = groups.grouping;
  assert.ok(!groups.sameDimensions(block, 0, 1));
  assert.equal(g.count, 2);
  assert.deepEqual([...g.rep.subarray(0, 2)], [0, 1]);
  assert.equal(g.bytes[0], 2 * base.bytes[0]!);
  assert.equal(g.bytes[1], base.bytes[0]!);
});

test('rollups: a group whose hashes match a running one but whose dimensions differ gets its own row', () => {
  // As above, one level up: the block's row is hashed equal to the running
  // table's, then its first dimension changes before the two are matched.
  const schema = new Schema(SCHEMA);
  const plans = plan(schema);
  const strings = new StringTable();
  const base = randomBatch(strings, 1, 7);
  const blocks = [0, 1].map(() => {
    const block = new Block(plans, 4);
    block.append(plans, base, 0, 1);
    return block;
  });
  const running = new RunningRollups(schema, plans, [60], 100);
  assert.ok(running.add(blocks[0]!));
  const steps = running.addSteps(blocks[1]!);
  assert.equal(steps.next().done, false); // the first columns hashed
  const first = new BlockGroups(schema, plans, 60).words(blocks[1]!)[0]!;
  first.values[0]! ^= 1;
  let r = steps.next();
  while (r.done !== true) r = steps.next();
  assert.equal(r.value, true);
  assert.equal(running.groups, 2);
});

test('rollups: a block added up in steps yields between them and sums as when added at once', () => {
  const schema = new Schema(SCHEMA);
  const plans = plan(schema);
  const strings = new StringTable();
  const batch = randomBatch(strings, 150_000, 11);
  const block = new Block(plans, batch.length);
  block.append(plans, batch, 0, batch.length);
  const once = new RunningRollups(schema, plans, [60, 300, 3600], 200_000);
  const stepped = new RunningRollups(schema, plans, [60, 300, 3600], 200_000);
  assert.equal(once.add(block), true);
  const steps = stepped.addSteps(block);
  let yields = 0;
  let r = steps.next();
  for (; r.done !== true; r = steps.next()) {
    yields++;
    // The running table shows no group of the block before the last step.
    assert.equal(stepped.groups, 0);
  }
  assert.equal(r.value, true);
  assert.ok(yields >= 8, `${yields} steps`);
  assert.ok(once.groups > 1000 && once.groups < batch.length, `${once.groups} groups`);
  assert.equal(stepped.groups, once.groups);
  once.flush();
  stepped.flush();
  for (let i = 0; i < once.levels.length; i++) {
    const a = once.build(i, strings).block.encode((n) => new Uint8Array(n));
    const b = stepped.build(i, strings).block.encode((n) => new Uint8Array(n));
    assert.ok(Buffer.from(a).equals(Buffer.from(b)), once.levels[i]!.table);
  }
});

test('rollups: a flush before a time writes out the earlier groups and keeps the later ones, each in its order', () => {
  const schema = new Schema(SCHEMA);
  const plans = plan(schema);
  const strings = new StringTable();
  const batch = randomBatch(strings, 20_000, 5);
  const before = HOUR + 3600;
  const [all, early, late] = [0, 1, 2].map(() => new Block(plans, batch.length));
  for (let i = 0; i < batch.length; i++) {
    all!.append(plans, batch, i, 1);
    (batch.timeReceived[i]! < before ? early! : late!).append(plans, batch, i, 1);
  }
  assert.ok(early!.rows > 1000 && late!.rows > 1000);
  const running = () => new RunningRollups(schema, plans, [60, 300, 3600], 100_000);
  const encoded = (r: RunningRollups, i: number) => Buffer.from(r.build(i, strings).block.encode((n) => new Uint8Array(n)));
  const [both, a, b] = [running(), running(), running()];
  both!.add(all!);
  a!.add(early!);
  b!.add(late!);
  assert.equal(both!.groups, a!.groups + b!.groups);
  assert.equal(both!.flush(before), a!.groups);
  a!.flush();
  for (let i = 0; i < 3; i++) assert.ok(encoded(both!, i).equals(encoded(a!, i)), `earlier groups of ${both!.levels[i]!.table}`);
  both!.clear();
  assert.equal(both!.groups, b!.groups);
  // The later groups are found again where they moved: no new group, sums added.
  both!.add(late!);
  b!.add(late!);
  assert.equal(both!.groups, b!.groups);
  assert.equal(both!.flush(), b!.groups);
  b!.flush();
  for (let i = 0; i < 3; i++) assert.ok(encoded(both!, i).equals(encoded(b!, i)), `later groups of ${both!.levels[i]!.table}`);
  both!.clear();
  assert.equal(both!.groups, 0);
  // reset empties the table whatever it holds: the same rows then make the same groups.
  both!.add(all!);
  both!.reset();
  assert.equal(both!.groups, 0);
  both!.add(early!);
  assert.equal(both!.groups, a!.groups);
});

test('rollups: intervals that are not multiples of the finest one are refused, naming the key', () => {
  const schema = new Schema(SCHEMA);
  const plans = plan(schema);
  assert.throws(() => new RunningRollups(schema, plans, [60, 90, 3600], 100), /^Error: clickhouse\.resolutions: .*\(60 s\), not 90 s$/);
  assert.deepEqual(
    new RunningRollups(schema, plans, [3600, 60, 300, 0], 100).levels.map((l) => [l.table, l.intervalSeconds]),
    [
      ['flows_1m0s', 60],
      ['flows_5m0s', 300],
      ['flows_1h0m0s', 3600],
    ],
  );
});

test('rollups: the check of grouped rows finds one differing word', () => {
  // Six rows, two groups (first rows 0 and 1); a 2-word column and a 1-word one.
  const wide: Words = { values: new Uint32Array([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]), width: 2 };
  const narrow: Words = { values: new Uint8Array([7, 8, 7, 8, 7, 8]), width: 1 };
  const group = new Int32Array([0, 1, 0, 1, 0, 1]);
  const rep = new Int32Array([0, 1]);
  const scratch = { values: new Uint32Array(0) };
  assert.ok(sameAs([wide, narrow], 6, group, rep, 2, scratch));
  // The second word of row 4 differs from its group's (row 0).
  wide.values[9] = 9;
  assert.ok(!sameAs([wide, narrow], 6, group, rep, 2, scratch));
  assert.ok(sameAs([narrow], 6, group, rep, 2, scratch));
  // The last row differs from its group's (row 1) on the narrow column only.
  narrow.values[5] = 0;
  assert.ok(!sameAs([narrow], 6, group, rep, 2, scratch));
});

test('rollups: the check of grouped rows finds a differing word in any column of a quad, and after it', () => {
  // Five rows, two groups (first rows 0 and 1); five one-word columns of
  // three widths: the first four are checked at once, the fifth alone.
  const columns = (): Words[] => [
    { values: new Uint32Array([1, 2, 1, 2, 1]), width: 1 },
    { values: new Uint8Array([3, 4, 3, 4, 3]), width: 1 },
    { values: new Uint16Array([5, 6, 5, 6, 5]), width: 1 },
    { values: new Uint32Array([7, 8, 7, 8, 7]), width: 1 },
    { values: new Uint8Array([9, 0, 9, 0, 9]), width: 1 },
  ];
  const group = new Int32Array([0, 1, 0, 1, 0]);
  const rep = new Int32Array([0, 1]);
  const scratch = { values: new Uint32Array(0) };
  assert.ok(sameAs(columns(), 5, group, rep, 2, scratch));
  for (let c = 0; c < 5; c++) {
    for (const row of [3, 4]) {
      const words = columns();
      words[c]!.values[row] = 99;
      assert.ok(!sameAs(words, 5, group, rep, 2, scratch), `column ${c}, row ${row}`);
    }
  }
});

test('rollups: the check of the matches in the running table finds one differing word, rows without a match left out', () => {
  // A block of three rows and a table of two; rows 0 and 2 match table row 1, row 1 has no match.
  const block: Words[] = [
    { values: new Uint32Array([1, 2, 0, 0, 1, 2]), width: 2 },
    { values: new Uint8Array([7, 9, 7]), width: 1 },
  ];
  const table: Words[] = [
    { values: new Uint32Array([5, 5, 1, 2]), width: 2 },
    { values: new Uint8Array([0, 7]), width: 1 },
  ];
  const rep = new Int32Array([0, 1, 2]);
  const target = new Int32Array([1, -1, 1]);
  assert.ok(sameTargets(block, table, rep, target, 3));
  // The second word of row 2 differs from table row 1's.
  block[0]!.values[5] = 3;
  assert.ok(!sameTargets(block, table, rep, target, 3));
  assert.ok(sameTargets(block, table, rep, target, 2), 'row 2 left out');
  // Through the rows of groups: group 1 stands for row 0.
  assert.ok(sameTargets(block, table, new Int32Array([1, 0]), new Int32Array([-1, 1]), 2));
  block[1]!.values[0] = 8;
  assert.ok(!sameTargets(block, table, new Int32Array([1, 0]), new Int32Array([-1, 1]), 2));
});

test('rollups: the sums of many blocks are written when the engine is idle, else once their minute is over or when too many', async (t) => {
  const ch = await testClickHouse(t);
  const schema = new Schema(SCHEMA);
  await new Migrations(newMock(), ch.config, ch.embedded, schema, null, { rollupViews: false }).run();
  const strings = new StringTable();
  const dims = (
    await ch.embedded.select<{ name: string }>(
      "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'flows_1m0s' AND default_kind = '' AND name NOT IN ('TimeReceived', 'Bytes', 'Packets') ORDER BY name",
    )
  ).map((c) => c.name);
  const sums = (from: string, time: string, where: string) =>
    ch.embedded.select(
      `SELECT toUnixTimestamp(${time}) AS t, ${dims.join(', ')}, toString(sum(Bytes)) AS b, toString(sum(Packets)) AS p FROM ${from} WHERE ${where} GROUP BY ALL ORDER BY ALL`,
    );
  const tables = [
    [60, 'flows_1m0s'],
    [300, 'flows_5m0s'],
    [3600, 'flows_1h0m0s'],
  ] as const;
  // Each round sends 8 blocks of 1,000 flows (on 3 hours) of its own exporter.
  const round = async (exporter: string, options: Partial<Options>) => {
    const r = newMock();
    const sink = new SinkComponent(r, ch.embedded, schema, { strings, intervalMs: 20, batchRows: 1000, rollups: [60, 300, 3600], ...options });
    t.after(() => sink.stop());
    sink.start();
    const name = strings.intern(exporter);
    for (let k = 0; k < 8; k++) {
      const b = randomBatch(strings, 1000, k + 1);
      for (let i = 0; i < b.length; i++) b.setStringId(i, 'exporterName', name);
      sink.send(b);
    }
    return { r, sink, where: `ExporterName = '${exporter}'` };
  };

  // The minute's sums are written 1 hour after its end here, not when idle: only stop() writes them.
  {
    const { r, sink, where } = await round('late', { maxInsertRows: 10_000, sumsDelayMs: 3_600_000, sumsWhenIdle: false });
    const deadline = Date.now() + 20_000;
    let metrics = await r.getMetrics('akvorado_standalone_sink_');
    while (metrics.akvorado_standalone_sink_inserted_rows_total !== 8000 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      metrics = await r.getMetrics('akvorado_standalone_sink_');
    }
    assert.equal(metrics.akvorado_standalone_sink_inserted_rows_total, 8000, 'every block is in flows');
    const minutes = await sums('flows', 'toStartOfMinute(TimeReceived)', where);
    assert.equal(metrics.akvorado_standalone_sink_rollup_running_groups, minutes.length, 'the running sums hold one group per minute and dimensions');
    for (const [, table] of tables) assert.equal(metrics[`akvorado_standalone_sink_rollup_rows_total{table="${table}"}`], 0, `${table} not written yet`);
    await sink.stop();
    metrics = await r.getMetrics('akvorado_standalone_sink_');
    assert.equal(metrics.akvorado_standalone_sink_rollup_running_groups, 0);
    for (const [interval, table] of tables) {
      const expected = await sums('flows', `toStartOfInterval(TimeReceived, toIntervalSecond(${interval}))`, where);
      assert.deepEqual(await sums(table, 'TimeReceived', where), expected, table);
      // Written once: a row per group of a minute, in every table (their merges add minutes up).
      const [stored] = await ch.embedded.select<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ${where}`);
      assert.equal(Number(stored!.n), minutes.length, `${table}: one row per group of a minute`);
      assert.equal(metrics[`akvorado_standalone_sink_rollup_rows_total{table="${table}"}`], minutes.length);
    }
  }

  // At most 500 groups (maxInsertRows) are held: full, they are written with the next block.
  {
    const { r, sink, where } = await round('full', { maxInsertRows: 500, sumsDelayMs: 3_600_000, sumsWhenIdle: false });
    await sink.stop();
    const metrics = await r.getMetrics('akvorado_standalone_sink_');
    assert.equal(metrics.akvorado_standalone_sink_inserted_rows_total, 8000);
    for (const [interval, table] of tables) {
      const expected = await sums('flows', `toStartOfInterval(TimeReceived, toIntervalSecond(${interval}))`, where);
      assert.deepEqual(await sums(table, 'TimeReceived', where), expected, table);
    }
    // Counted as written: the table's merges may have added its rows up already.
    const written = metrics['akvorado_standalone_sink_rollup_rows_total{table="flows_1m0s"}']!;
    const groups = (await sums('flows', 'toStartOfMinute(TimeReceived)', where)).length;
    assert.ok(written > groups, `written several times: ${written} rows for ${groups} groups`);
  }

  // By default an engine keeping up gets the sums within a tick of their flows.
  {
    const { r, sink, where } = await round('idle', { maxInsertRows: 10_000 });
    const deadline = Date.now() + 20_000;
    const written = async () => (await r.getMetrics('akvorado_standalone_sink_'))['akvorado_standalone_sink_rollup_rows_total{table="flows_1h0m0s"}'];
    while ((await written()) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.ok((await written()) > 0, 'written before stop');
    await sink.stop();
    for (const [interval, table] of tables) {
      const expected = await sums('flows', `toStartOfInterval(TimeReceived, toIntervalSecond(${interval}))`, where);
      assert.deepEqual(await sums(table, 'TimeReceived', where), expected, table);
    }
  }
});
