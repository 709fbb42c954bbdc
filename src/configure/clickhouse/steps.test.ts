// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clickhouseConfig } from '../../common/clickhouse/tests.ts';
import { tableColumns, tableName } from '../../common/schema/clickhouse.ts';
import { Schema } from '../../common/schema/root.ts';
import { plan } from './steps.ts';

const schema = new Schema({ enabled: ['SrcMAC', 'MPLSLabels'], disabled: ['SrcAS'], mainTableOnly: ['InIfDescription'], notMainTableOnly: [] });
const steps = plan(schema, clickhouseConfig('http://127.0.0.1:8123', 'default'), { brokers: ['127.0.0.1:9092'], topic: 'flows-x' });
const sqlOf = (name: string) => steps.find((s) => s.name === name)!.sql;

describe('ClickHouse migration steps from the schema', () => {
  it('names tables as Akvorado does', () => {
    assert.deepEqual([0, 60, 300, 3600].map(tableName), ['flows', 'flows_1m0s', 'flows_5m0s', 'flows_1h0m0s']);
  });

  it('creates the main table with every enabled column', () => {
    const sql = sqlOf('flows table');
    assert.match(sql, /^CREATE TABLE `flows`\n/m);
    assert.match(sql, /^ {2}`SrcAddr` IPv6 CODEC\(ZSTD\(1\)\),$/m);
    assert.match(sql, /^ {2}`SrcNetPrefix` String ALIAS CASE WHEN EType = 0x800/m);
    assert.match(sql, /^ {2}`SrcMAC` UInt64,$/m);
    assert.match(sql, /^ {2}`MPLSLabels` Array\(UInt32\),?$/m);
    assert.doesNotMatch(sql, /`SrcAS`/, 'disabled column');
    assert.match(sql, /^ENGINE = MergeTree$/m);
    // The sorting key keeps its order and skips disabled columns.
    assert.match(sql, /^ORDER BY \(`TimeReceived`, `ExporterAddress`, `EType`, `Proto`, `InIfName`, `ForwardingStatus`, `OutIfName`, `DstAS`, `SamplingRate`\)$/m);
    assert.match(sql, /^TTL TimeReceived \+ toIntervalSecond\(1296000\)$/m);
  });

  it('leaves main-table-only columns out of the rolled-up tables and sums the counters', () => {
    const r = { intervalSeconds: 60, ttlSeconds: 7 * 86_400 };
    const names = tableColumns(schema, r).map((c) => c.name);
    for (const n of ['SrcAddr', 'DstAddr', 'SrcPort', 'SrcNetPrefix', 'MPLSLabels', 'InIfDescription']) assert.ok(!names.includes(n), n);
    for (const n of ['TimeReceived', 'ExporterAddress', 'DstAS', 'InIfName', 'OutIfDescription', 'Bytes', 'Packets']) assert.ok(names.includes(n), n);
    const sql = sqlOf('flows_1m0s table');
    assert.match(sql, /^ENGINE = SummingMergeTree\(\(Bytes, Packets\)\)$/m);
    const view = sqlOf('flows_1m0s view');
    assert.match(view, /^CREATE MATERIALIZED VIEW `flows_1m0s_consumer` TO `flows_1m0s`$/m);
    assert.match(view, /toStartOfInterval\(TimeReceived, toIntervalSecond\(60\)\) AS TimeReceived/);
    assert.doesNotMatch(view, /GROUP BY|sum\(/, 'the engine adds up rows');
    // Every dimension is in the sorting key, the primary key is the main table's.
    assert.match(sql, /^PRIMARY KEY \(`TimeReceived`, `ExporterAddress`, `EType`, `Proto`, `InIfName`, `ForwardingStatus`, `OutIfName`, `DstAS`, `SamplingRate`\)$/m);
    assert.match(sql, /^ORDER BY \(`TimeReceived`, .*`SamplingRate`, `ExporterName`, .*`DstCountry`, .*`OutIfDescription`, .*\)$/m);
    assert.doesNotMatch(sql.split('\nORDER BY')[1]!, /`Bytes`|`Packets`|PacketSize/);
    assert.doesNotMatch(view, /PacketSize/, 'aliases are computed, not copied');
  });

  it('orders steps so that dictionaries come before the tables reading them and views after their tables', () => {
    const names = steps.map((s) => s.name);
    assert.ok(names.indexOf('icmp dictionary') < names.indexOf('flows table'));
    assert.ok(names.indexOf('flows_1m0s table') < names.indexOf('flows_1m0s view'));
    assert.ok(names.indexOf('Kafka engine table') < names.indexOf('Kafka consumer view'));
    assert.equal(new Set(steps.map((s) => s.object)).size, steps.length, 'one step per object');
  });

  it('reads the topic with the schema inline and hashes every statement', () => {
    const kafka = sqlOf('Kafka engine table');
    assert.match(kafka, /kafka_topic_list = 'flows-x'/);
    assert.match(kafka, /format_schema = 'syntax = "proto3";\n\nmessage FlowMessage \{\n {2}uint32 TimeReceived = 1;/);
    for (const s of steps) assert.ok(s.sql.endsWith(`COMMENT 'akvorado ${s.hash}'`), s.name);
    // Another TTL changes the table's hash, not its views'.
    const config = clickhouseConfig('http://127.0.0.1:8123', 'default');
    const other = plan(schema, { ...config, resolutions: config.resolutions.map((r) => (r.interval === 60_000 ? { ...r, ttl: 1000 } : r)) }, null);
    const hash = (list: typeof steps, name: string) => list.find((s) => s.name === name)!.hash;
    assert.notEqual(hash(other, 'flows_1m0s table'), hash(steps, 'flows_1m0s table'));
    assert.equal(hash(other, 'flows table'), hash(steps, 'flows table'));
  });

  it('leaves the views of the rolled-up tables out on request, and nothing else', () => {
    const without = plan(schema, clickhouseConfig('http://127.0.0.1:8123', 'default'), null, { rollupViews: false });
    const all = plan(schema, clickhouseConfig('http://127.0.0.1:8123', 'default'), null);
    assert.deepEqual(
      all.filter((s) => !without.some((w) => w.name === s.name && w.hash === s.hash)).map((s) => s.name),
      ['flows_1m0s view', 'flows_5m0s view', 'flows_1h0m0s view'],
    );
    assert.equal(without.length, all.length - 3);
  });
});
