// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClickHouse } from '../common/clickhouse/root.ts';
import { testClickHouse } from '../common/clickhouse/tests.ts';
import { newMock } from '../common/reporter/mock.ts';
import { Schema } from '../common/schema/root.ts';
import { Migrations } from '../configure/clickhouse/root.ts';
import { EngineComponent, partsToDelayInsert } from './root.ts';

test('engine: the parts of each flows table are counted', async (t) => {
  const ch = await testClickHouse(t);
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const migrations = new Migrations(newMock(), ch.config, ch.embedded, schema, null, { rollupViews: false });
  await migrations.run();
  await ch.embedded.exec('SYSTEM STOP MERGES flows');
  const insert = () => ch.embedded.exec('INSERT INTO flows (TimeReceived, SamplingRate, Bytes, Packets) VALUES (now(), 1, 100, 1)');
  await insert();
  await insert();
  const r = newMock();
  // Not started: start() and stop() would open and close the engine the tests share.
  const engine = new EngineComponent(r, ch.engine, migrations, ch.embedded, null, 3);
  await engine.pollParts();
  assert.equal(engine.health().status, 'ok');
  let metrics = await r.getMetrics('akvorado_standalone_clickhouse_');
  assert.equal(metrics['akvorado_standalone_clickhouse_active_parts{table="flows"}'], 2, JSON.stringify(metrics));
  assert.equal(metrics['akvorado_standalone_clickhouse_active_parts{table="flows_1m0s"}'], undefined, 'no part, no series');
  assert.equal(metrics.akvorado_standalone_clickhouse_running_merges, 0);
  await insert();
  await engine.pollParts();
  metrics = await r.getMetrics('akvorado_standalone_clickhouse_');
  assert.equal(metrics['akvorado_standalone_clickhouse_active_parts{table="flows"}'], 3);
  // Three parts in one partition: at the threshold, the health says merges fall behind.
  const health = engine.health();
  assert.equal(health.status, 'degraded');
  assert.match(health.reason!, /^merges fall behind: 3 active parts in a partition of flows; ClickHouse slows inserts down from 6$/);
  // The threshold started from is half of the engine's own.
  assert.ok((await partsToDelayInsert(ch.embedded)) >= 100);
});

test('engine: a failed count of the parts makes the health degraded until one passes', async (t) => {
  const ch = await testClickHouse(t);
  const r = newMock();
  let fail = true;
  // The engine's answers, or a failure while `fail`.
  const flaky: ClickHouse = Object.assign(Object.create(ch.embedded) as ClickHouse, {
    select: <T>(sql: string) => (fail ? Promise.reject(new Error('engine gone')) : ch.embedded.select<T>(sql)),
  });
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const engine = new EngineComponent(r, ch.engine, new Migrations(newMock(), ch.config, ch.embedded, schema, null), flaky, null, 10);
  await engine.pollParts();
  assert.deepEqual({ ...engine.health(), details: undefined }, { status: 'degraded', reason: 'cannot count the parts of the flows tables: engine gone', details: undefined });
  assert.ok(r.logs().some((l) => l.msg === 'cannot count the parts of the flows tables'));
  fail = false;
  await engine.pollParts();
  assert.equal(engine.health().status, 'ok');
});

test('engine: the flows tables write through smaller buffers, compact parts, horizontal merges and no statistics, set once, kept by the migrations', async (t) => {
  const ch = await testClickHouse(t);
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const migrations = new Migrations(newMock(), ch.config, ch.embedded, schema, null, { rollupViews: false });
  await migrations.run();
  const engine = new EngineComponent(newMock(), ch.engine, migrations, ch.embedded);
  const tables = async () =>
    await ch.embedded.select<{ name: string; set: number; v: number }>(
      "SELECT name, toUInt8(position(create_table_query, 'max_compress_block_size = 262144') > 0 AND position(create_table_query, 'min_rows_for_wide_part = 1048576') > 0 AND position(create_table_query, 'vertical_merge_algorithm_min_rows_to_activate = 4194304') > 0 AND position(create_table_query, 'auto_statistics_types = \\'\\'') > 0) AS set, toUInt32(metadata_version) AS v FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'flows') AND endsWith(engine, 'MergeTree') ORDER BY name",
    );
  // An insert of 300,000 flows, more than 10 MiB: a wide part by default.
  const insert = async () => {
    await ch.embedded.exec(
      'INSERT INTO flows (TimeReceived, SamplingRate, Bytes, Packets, SrcAddr, DstAddr) SELECT now(), 1, number, 1, toIPv6(toIPv4(number)), toIPv6(toIPv4(number + 7)) FROM numbers(300000)',
    );
    const [part] = await ch.embedded.select<{ type: string }>(
      "SELECT part_type AS type FROM system.parts WHERE database = currentDatabase() AND table = 'flows' AND active ORDER BY modification_time DESC, name DESC LIMIT 1",
    );
    return part!.type;
  };
  assert.ok((await tables()).every((x) => x.set === 0));
  assert.equal(await insert(), 'Wide');
  await engine.tune();
  const once = await tables();
  assert.deepEqual(once.map((x) => x.name), ['flows', 'flows_1h0m0s', 'flows_1m0s', 'flows_5m0s']);
  assert.ok(once.every((x) => x.set === 1), JSON.stringify(once));
  assert.equal(await insert(), 'Compact');
  // Again, and the migrations again: nothing changes.
  await engine.tune();
  assert.equal((await migrations.run()).applied.length, 0);
  assert.deepEqual(await tables(), once);
  const [row] = await ch.embedded.select<{ n: string }>('SELECT toString(count()) AS n FROM flows');
  assert.equal(row!.n, '600000');
});
