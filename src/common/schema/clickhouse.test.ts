// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTableSQL, rollupViewSQL, tableColumns, tableName } from './clickhouse.ts';
import { Schema } from './root.ts';

const schema = new Schema({ enabled: ['SrcMAC', 'MPLSLabels'], disabled: ['SrcAS'], mainTableOnly: ['InIfDescription'], notMainTableOnly: [] });

describe('ClickHouse DDL from the schema', () => {
  it('names tables as Akvorado does', () => {
    assert.deepEqual([0, 60, 300, 3600].map(tableName), ['flows', 'flows_1m0s', 'flows_5m0s', 'flows_1h0m0s']);
  });

  it('creates the main table with every enabled column', () => {
    const sql = createTableSQL(schema, { intervalSeconds: 0, ttlSeconds: 15 * 86_400 });
    assert.match(sql, /^CREATE TABLE `flows`\n/);
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
    const sql = createTableSQL(schema, r);
    assert.match(sql, /^ENGINE = SummingMergeTree\(\(Bytes, Packets\)\)$/m);
    const view = rollupViewSQL(schema, r);
    assert.match(view, /^CREATE MATERIALIZED VIEW `flows_1m0s_consumer` TO `flows_1m0s`$/m);
    assert.match(view, /toStartOfInterval\(TimeReceived, toIntervalSecond\(60\)\) AS TimeReceived/);
    assert.match(view, /sum\(`Bytes`\) AS `Bytes`/);
    assert.doesNotMatch(view, /GROUP BY .*`Bytes`/);
    assert.doesNotMatch(view, /PacketSize/, 'aliases are computed, not copied');
  });
});
