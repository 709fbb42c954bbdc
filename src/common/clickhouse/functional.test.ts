// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { newMock } from '../reporter/mock.ts';
import { Server } from './server.ts';
import { HTTP } from './http.ts';
import { ClickHouseError, type ClickHouse } from './root.ts';
import { NativeBlock } from './native.ts';
import { clickhouseConfig, testClickHouse } from './tests.ts';

// rowBinary encodes (UInt32, String) rows.
function rowBinary(rows: Array<[number, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [n, s] of rows) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    const str = Buffer.from(s);
    parts.push(b, Buffer.from([str.length]), str);
  }
  return Buffer.concat(parts);
}

for (const driver of ['http', 'embedded'] as const) {
  test(`${driver} driver: DDL, binary and JSON inserts, bound parameters, errors`, async (t) => {
    const ch = await testClickHouse(t);
    const c: ClickHouse = ch[driver];
    assert.equal(await c.ping(), true);
    await c.exec('CREATE TABLE t (n UInt32, s String) ENGINE = MergeTree ORDER BY n');
    await c.insert('t', ['n', 's'], 'RowBinary', rowBinary([[1, 'one'], [2, "it's"], [3, 'tab\there']]));
    await c.insert('t', ['n', 's'], 'JSONEachRow', Buffer.from('{"n":4,"s":"four"}\n{"n":5,"s":"five"}\n'));
    const rows = await c.select<{ n: number; s: string }>('SELECT n, s FROM t WHERE n >= {min:UInt32} ORDER BY n', { params: { min: 2 } });
    assert.deepEqual(rows, [
      { n: 2, s: "it's" },
      { n: 3, s: 'tab\there' },
      { n: 4, s: 'four' },
      { n: 5, s: 'five' },
    ]);
    // A value that would break a spliced query is only ever data.
    const evil = "x' OR 1=1 --";
    assert.deepEqual(await c.select('SELECT n FROM t WHERE s = {s:String}', { params: { s: evil } }), []);
    const setting = await c.select<{ v: string }>("SELECT getSetting('max_threads') AS v", { settings: { max_threads: 3 } });
    assert.equal(String(setting[0]!.v), '3');
    await assert.rejects(c.select('SELECT * FROM missing_table'), (err: unknown) => err instanceof ClickHouseError && err.chCode === 60);
    await assert.rejects(c.exec('CREATE TABLE oops ('), (err: unknown) => err instanceof ClickHouseError && err.chCode === 62);
  });
}

test('HTTP endpoint: plain requests as ClickHouse answers them', async (t) => {
  const ch = await testClickHouse(t);
  const base = ch.server.url;
  assert.equal(await (await fetch(`${base}/ping`)).text(), 'Ok.\n');
  let res = await fetch(`${base}/?database=${ch.database}&query=${encodeURIComponent('SELECT currentDatabase() AS d, {x:UInt8} + 1 AS y FORMAT JSONEachRow')}&param_x=41`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-clickhouse-format'), 'JSONEachRow');
  assert.deepEqual(JSON.parse(await res.text()), { d: ch.database, y: 42 });
  // Statement in the body with inline data, gzipped.
  await fetch(`${base}/?database=${ch.database}`, { method: 'POST', body: 'CREATE TABLE t (a UInt8) ENGINE = Memory' });
  res = await fetch(`${base}/?database=${ch.database}`, { method: 'POST', headers: { 'Content-Encoding': 'gzip' }, body: gzipSync('INSERT INTO t FORMAT TSV\n1\n2\n3\n') });
  assert.equal(res.status, 200, await res.clone().text());
  res = await fetch(`${base}/?database=${ch.database}`, { method: 'POST', body: 'SELECT sum(a) FROM t' });
  assert.equal(await res.text(), '6\n');
  res = await fetch(`${base}/?query=${encodeURIComponent("SELECT 1 +")}`);
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('x-clickhouse-exception-code'), '62');
  assert.match(await res.text(), /^Code: 62\. DB::Exception: .*SYNTAX_ERROR/);
});

test('HTTP endpoint: read-only mode and authentication', async (t) => {
  const ch = await testClickHouse(t);
  const server = new Server(newMock(), { listen: '127.0.0.1:0', readonly: true, username: 'reader', password: 's3cret' }, ch.engine);
  await server.start();
  t.after(() => server.stop());
  const good = new HTTP({ ...clickhouseConfig(server.url, ch.database), username: 'reader', password: 's3cret' });
  const bad = new HTTP({ ...clickhouseConfig(server.url, ch.database), username: 'reader', password: 'nope' });
  t.after(async () => {
    await good.close();
    await bad.close();
  });
  assert.deepEqual(await good.select('SELECT 1 AS one'), [{ one: 1 }]);
  await assert.rejects(good.exec('CREATE TABLE t (a UInt8) ENGINE = Memory'), (err: unknown) => err instanceof ClickHouseError && err.chCode === 164);
  await assert.rejects(bad.select('SELECT 1'), (err: unknown) => err instanceof ClickHouseError && err.chCode === 516);
});

test('embedded driver: a query does not wait for an insert running', async (t) => {
  const ch = await testClickHouse(t);
  await ch.embedded.exec('CREATE TABLE big (a UInt64, b UInt64, c UInt64, d UInt64) ENGINE = MergeTree ORDER BY (b, a)');
  // Several million rows: an insert of a good second.
  const rows = 4_000_000;
  const block = new NativeBlock(rows);
  for (const name of ['a', 'b', 'c', 'd']) {
    const v = new BigUint64Array(rows);
    for (let i = 0; i < rows; i++) v[i] = BigInt((i * 2654435761) % 1000003);
    block.fixed(name, 'UInt64', v);
  }
  const order: string[] = [];
  const insert = ch.embedded.insert('big', ['a', 'b', 'c', 'd'], 'Native', block.encode()).then(() => order.push('insert'));
  await new Promise((resolve) => setTimeout(resolve, 100));
  const query = ch.embedded.select('SELECT 1 AS one').then(() => order.push('query'));
  await Promise.all([insert, query]);
  assert.deepEqual(order, ['query', 'insert']);
  const [n] = await ch.embedded.select<{ n: string }>('SELECT count() AS n FROM big');
  assert.equal(Number(n!.n), rows);
});

test('embedded driver: inserts given at once run side by side', async (t) => {
  const ch = await testClickHouse(t);
  // Each row's default sleeps: an insert of one row takes 0.6 s, whatever the machine's load.
  await ch.embedded.exec('CREATE TABLE slow (a UInt8, s UInt8 DEFAULT sleepEachRow(0.6)) ENGINE = MergeTree ORDER BY a');
  const block = new NativeBlock(1);
  block.fixed('a', 'UInt8', new Uint8Array([7]));
  const data = block.encode();
  const start = performance.now();
  await Promise.all([ch.embedded.insert('slow', ['a'], 'Native', data), ch.embedded.insert('slow', ['a'], 'Native', data)]);
  const elapsed = performance.now() - start;
  // One after the other, they would take 1.2 s at least.
  assert.ok(elapsed < 1150, `two inserts took ${Math.round(elapsed)} ms`);
  const [n] = await ch.embedded.select<{ n: string }>('SELECT count() AS n FROM slow WHERE a = 7');
  assert.equal(Number(n!.n), 2);
});
