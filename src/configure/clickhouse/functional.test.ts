// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClickHouse } from '../../common/clickhouse/root.ts';
import { testClickHouse } from '../../common/clickhouse/tests.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { Schema } from '../../common/schema/root.ts';
import { Migrations } from './root.ts';

const DAY = 86_400_000;
const baseSchema = () => new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });

// describe gives the shape of every object of a database, names and types
// of columns, engines with their TTL, so that two databases compare.
async function describe(ch: ClickHouse, db: string): Promise<Record<string, unknown>> {
  const tables = await ch.select<{ name: string; engine: string; engine_full: string; sorting_key: string; primary_key: string }>(
    "SELECT name, engine, engine_full, sorting_key, primary_key FROM system.tables WHERE database = {db:String} ORDER BY name",
    { params: { db } },
  );
  const columns = await ch.select<{ table: string; name: string; type: string; default_kind: string }>(
    'SELECT table, name, type, default_kind FROM system.columns WHERE database = {db:String} ORDER BY table, position',
    { params: { db } },
  );
  const out: Record<string, unknown> = {};
  for (const t of tables) {
    out[t.name] = {
      // Columns added to a rolled-up table join the end of its sorting key: compare the sets.
      engine: t.engine_full.replace(/COMMENT '.*'$/, '').replace(/ORDER BY \([^)]*\)/, 'ORDER BY (...)').replaceAll(db, 'DB'),
      primaryKey: t.primary_key,
      sortingKey: t.sorting_key.split(', ').sort(),
      columns: columns.filter((c) => c.table === t.name).map((c) => `${c.name} ${c.type}${c.default_kind === '' ? '' : ` ${c.default_kind}`}`),
    };
  }
  return out;
}

test('migrations: create, run again, then change columns and TTLs in place', async (t) => {
  const ch = await testClickHouse(t);
  const r = newMock();
  const first = await new Migrations(r, ch.config, ch.http, baseSchema(), null).run();
  assert.equal(first.skipped.length, 0);
  assert.ok(first.applied.includes('flows table') && first.applied.includes('flows_1h0m0s view') && first.applied.includes('asns dictionary'));

  // Dictionaries answer from the shipped data.
  const [names] = await ch.http.select<{ as: string; p: string; port: string; icmp: string }>(
    "SELECT dictGet('asns', 'name', toUInt32(13335)) AS as, dictGet('protocols', 'name', toUInt8(6)) AS p, " +
      "dictGet('ports', 'name', (toUInt8(6), toUInt16(443))) AS port, dictGet('icmp', 'name', (toUInt8(1), toUInt8(8), toUInt8(0))) AS icmp",
  );
  assert.deepEqual(names, { as: 'Cloudflare', p: 'TCP', port: 'https', icmp: 'echo-request' });

  // A flow in the main table reaches every rolled-up table and the exporters.
  await ch.http.exec(
    "INSERT INTO flows (TimeReceived, ExporterAddress, ExporterName, InIfName, OutIfName, SamplingRate, Bytes, Packets) VALUES (now(), '::ffff:192.0.2.1', 'edge1', 'et0', 'et1', 1000, 1500, 1)",
  );
  for (const table of ['flows', 'flows_1m0s', 'flows_5m0s', 'flows_1h0m0s']) {
    const [row] = await ch.http.select<{ b: string }>(`SELECT sum(Bytes) AS b FROM ${table}`);
    assert.equal(Number(row!.b), 1500, table);
  }
  // The exporters table is refreshed every minute; refresh it now.
  await ch.http.exec('SYSTEM REFRESH VIEW exporters_consumer');
  await ch.http.exec('SYSTEM WAIT VIEW exporters_consumer');
  const exporters = await ch.http.select<{ ExporterName: string; IfName: string }>('SELECT ExporterName, IfName FROM exporters FINAL ORDER BY IfName');
  assert.deepEqual(exporters, [
    { ExporterName: 'edge1', IfName: 'et0' },
    { ExporterName: 'edge1', IfName: 'et1' },
  ]);

  const second = await new Migrations(r, ch.config, ch.http, baseSchema(), null).run();
  assert.deepEqual(second.applied, []);
  assert.equal(second.skipped.length, first.applied.length);

  // Enable columns, one main-table-only; change two TTLs and an AS name.
  const schema = new Schema({ enabled: ['SrcMAC', 'DstMAC', 'IPTTL', 'SrcAddrNAT'], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const config = {
    ...ch.config,
    resolutions: ch.config.resolutions.map((res) => (res.interval === 300_000 ? { ...res, ttl: 30 * DAY } : res.interval === 0 ? { ...res, ttl: 0 } : res)),
    asns: { '13335': 'Cloudflare, Inc.', '64999': 'lab' },
  };
  const third = await new Migrations(r, config, ch.http, schema, null).run();
  for (const step of ['flows table', 'flows_5m0s table', 'flows_1m0s view', 'asns dictionary data']) assert.ok(third.applied.includes(step), step);
  assert.ok(third.skipped.includes('protocols dictionary'));

  // The altered database matches one created from scratch with the new configuration.
  const fresh = await testClickHouse(t);
  await new Migrations(r, { ...config, database: fresh.database }, fresh.http, schema, null).run();
  assert.deepEqual(await describe(ch.http, ch.database), await describe(fresh.http, fresh.database));
  const [ttl] = await ch.http.select<{ engine_full: string }>("SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = 'flows_5m0s'", { params: { db: ch.database } });
  assert.match(ttl!.engine_full, /TTL TimeReceived \+ toIntervalSecond\(2592000\)/);
  const [as] = await ch.http.select<{ a: string; b: string }>("SELECT dictGet('asns', 'name', toUInt32(13335)) AS a, dictGet('asns', 'name', toUInt32(64999)) AS b");
  assert.deepEqual(as, { a: 'Cloudflare, Inc.', b: 'lab' });
  // The earlier flow is still there.
  const [kept] = await ch.http.select<{ b: string }>('SELECT sum(Bytes) AS b FROM flows');
  assert.equal(Number(kept!.b), 1500);

  const fourth = await new Migrations(r, config, ch.http, schema, null).run();
  assert.deepEqual(fourth.applied, []);

  // A disabled column leaves the main table; rolled-up tables keep it (it is
  // in their sorting key), and say so.
  const fewer = new Schema({ enabled: ['SrcMAC', 'DstMAC', 'IPTTL', 'SrcAddrNAT'], disabled: ['SrcGeoCity'], mainTableOnly: [], notMainTableOnly: [] });
  await new Migrations(r, config, ch.http, fewer, null).run();
  const where = await ch.http.select<{ table: string }>(
    "SELECT table FROM system.columns WHERE database = {db:String} AND name = 'SrcGeoCity' ORDER BY table",
    { params: { db: ch.database } },
  );
  assert.deepEqual(where.map((w) => w.table), ['flows_1h0m0s', 'flows_1m0s', 'flows_5m0s']);
  assert.ok(r.logs().some((l) => l.msg === 'column kept: it is part of the sorting key (drop the table to remove it)' && l.column === 'SrcGeoCity'));
  assert.deepEqual((await new Migrations(r, config, ch.http, fewer, null).run()).applied, []);
});

test('migrations: rolled-up tables add up rows of equal dimensions only', async (t) => {
  const ch = await testClickHouse(t);
  await new Migrations(newMock(), ch.config, ch.embedded, baseSchema(), null).run();
  const insert = (country: string, bytes: number) =>
    ch.embedded.exec(
      `INSERT INTO flows (TimeReceived, ExporterAddress, SrcCountry, SamplingRate, Bytes, Packets) VALUES (toStartOfHour(now()), '::ffff:192.0.2.1', '${country}', 1, ${bytes}, 1)`,
    );
  // Separate inserts, then a merge: rows differing only in SrcCountry stay apart.
  await insert('FR', 100);
  await insert('FR', 200);
  await insert('DE', 1000);
  await ch.embedded.exec('OPTIMIZE TABLE flows_1m0s FINAL');
  const rows = await ch.embedded.select<{ c: string; b: string; n: string }>('SELECT SrcCountry AS c, Bytes AS b, count() OVER () AS n FROM flows_1m0s ORDER BY c');
  assert.deepEqual(rows.map((x) => [x.c, Number(x.b), Number(x.n)]), [['DE', 1000, 2], ['FR', 300, 2]]);
});

test('migrations: without rollup views, the views go and the rolled-up tables stay with their rows', async (t) => {
  const ch = await testClickHouse(t);
  const views = async () =>
    (
      await ch.embedded.select<{ name: string }>(
        "SELECT name FROM system.tables WHERE database = currentDatabase() AND engine = 'MaterializedView' ORDER BY name",
      )
    ).map((v) => v.name);
  await new Migrations(newMock(), ch.config, ch.embedded, baseSchema(), null).run();
  assert.deepEqual(await views(), ['exporters_consumer', 'flows_1h0m0s_consumer', 'flows_1m0s_consumer', 'flows_5m0s_consumer']);
  await ch.embedded.exec("INSERT INTO flows (TimeReceived, SamplingRate, Bytes, Packets) VALUES (now(), 1, 100, 1)");
  const r = newMock();
  const result = await new Migrations(r, ch.config, ch.embedded, baseSchema(), null, { rollupViews: false }).run();
  assert.deepEqual(await views(), ['exporters_consumer']);
  assert.deepEqual(result.applied, [], 'nothing else changes');
  const [kept] = await ch.embedded.select<{ b: string }>('SELECT sum(Bytes) AS b FROM flows_5m0s');
  assert.equal(Number(kept!.b), 100);
  // And back: the views come again.
  await new Migrations(newMock(), ch.config, ch.embedded, baseSchema(), null).run();
  assert.equal((await views()).length, 4);
});

test('migrations: Kafka engine table, its views, and a changed sorting key refused with the step named', async (t) => {
  const ch = await testClickHouse(t);
  const r = newMock();
  const kafka = { brokers: ['127.0.0.1:1'], topic: 'flows-test' };
  const result = await new Migrations(r, ch.config, ch.embedded, baseSchema(), kafka).run();
  for (const step of ['Kafka engine table', 'Kafka consumer view', 'Kafka errors view', 'Kafka errors table']) assert.ok(result.applied.includes(step), step);
  const [row] = await ch.embedded.select<{ n: string }>(
    "SELECT count() AS n FROM system.tables WHERE database = {db:String} AND engine = 'Kafka'",
    { params: { db: ch.database } },
  );
  assert.equal(Number(row!.n), 1);
  // A new schema gives a new Kafka table; the old one goes.
  const schema = new Schema({ enabled: ['IPTTL'], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  await new Migrations(r, ch.config, ch.embedded, schema, kafka).run();
  const kafkaTables = await ch.embedded.select<{ name: string }>(
    "SELECT name FROM system.tables WHERE database = {db:String} AND name LIKE 'flows\\_%\\_raw%' ORDER BY name",
    { params: { db: ch.database } },
  );
  const raw = `flows_${schema.hash()}_raw`;
  assert.deepEqual(kafkaTables.map((x) => x.name), [raw, `${raw}_consumer`, `${raw}_errors`]);

  await ch.embedded.exec('ALTER TABLE exporters MODIFY COMMENT \'changed by hand\'');
  await ch.embedded.exec('ALTER TABLE exporters MODIFY ORDER BY (ExporterAddress, IfName)');
  const settings = { allow_suspicious_low_cardinality_types: 1 };
  await ch.embedded.exec('CREATE TABLE flows_1m0s_copy AS flows_1m0s', { settings });
  await ch.embedded.exec('DROP VIEW flows_1m0s_consumer');
  await ch.embedded.exec('DROP TABLE flows_1m0s');
  await ch.embedded.exec('CREATE TABLE flows_1m0s AS flows_1m0s_copy ENGINE = SummingMergeTree((Bytes, Packets)) PRIMARY KEY (TimeReceived) ORDER BY (TimeReceived, ExporterAddress) COMMENT \'akvorado old\'', { settings });
  await assert.rejects(new Migrations(r, ch.config, ch.embedded, schema, kafka).run(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'AKV_CONFIGURE_CLICKHOUSE');
    assert.match(err.message, /^flows_1m0s table: table flows_1m0s: primary key is \(TimeReceived\), the configuration needs \(TimeReceived, ExporterAddress, /);
    return true;
  });
});
