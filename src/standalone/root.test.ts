// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testClickHouse } from '../common/clickhouse/tests.ts';
import { newMock } from '../common/reporter/mock.ts';
import { Schema } from '../common/schema/root.ts';
import { Migrations } from '../configure/clickhouse/root.ts';
import { EngineComponent } from './root.ts';

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
  const engine = new EngineComponent(r, ch.engine, migrations, ch.embedded);
  await engine.pollParts();
  let metrics = await r.getMetrics('akvorado_standalone_clickhouse_');
  assert.equal(metrics['akvorado_standalone_clickhouse_active_parts{table="flows"}'], 2, JSON.stringify(metrics));
  assert.equal(metrics['akvorado_standalone_clickhouse_active_parts{table="flows_1m0s"}'], undefined, 'no part, no series');
  assert.equal(metrics.akvorado_standalone_clickhouse_running_merges, 0);
  await insert();
  await engine.pollParts();
  metrics = await r.getMetrics('akvorado_standalone_clickhouse_');
  assert.equal(metrics['akvorado_standalone_clickhouse_active_parts{table="flows"}'], 3);
});
