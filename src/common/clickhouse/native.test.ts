// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { NativeBlock } from './native.ts';
import { Spooled } from './spool.ts';
import { testClickHouse } from './tests.ts';

test('Native blocks insert into ClickHouse column by column, with type conversions', async (t) => {
  const ch = await testClickHouse(t);
  await ch.embedded.exec(
    "CREATE TABLE t (n UInt32, big UInt64, at DateTime, addr IPv6, name LowCardinality(String), dir Enum8('undefined' = 0, 'ingress' = 1), labels Array(UInt32)) ENGINE = MergeTree ORDER BY n",
  );
  const rows = 3;
  const block = new NativeBlock(rows);
  block.fixed('n', 'UInt32', new Uint32Array([1, 2, 300_000]));
  block.fixed('big', 'UInt64', new BigUint64Array([1n, 2n ** 40n, 0n]));
  block.fixed('at', 'DateTime', new Uint32Array([1_700_000_000, 1_700_000_060, 0]));
  const addr = new Uint8Array(48);
  addr.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1], 0);
  addr.set([0x20, 0x01, 0x0d, 0xb8], 16);
  block.fixed('addr', 'IPv6', addr);
  block.strings('name', [Buffer.from(''), Buffer.from('edge1'), Buffer.from('Zürich "core"')], new Uint32Array([1, 2, 0]));
  block.fixed('dir', 'Enum8', new Uint8Array([1, 0, 1]));
  block.uint32Arrays('labels', new Uint32Array([10, 11, 0, 0, 0, 0, 7, 0]), new Uint8Array([2, 0, 1]), 3);
  const encoded = block.encode();
  assert.equal(encoded.length, block.bytes);
  // Written piece by piece to a spool file: the same bytes, the computed columns through one scratch buffer.
  const scratches = new Set<Uint8Array>();
  let scratch = new Uint8Array(0);
  const spooled = Spooled.write((put) =>
    block.write(put, (size) => {
      if (scratch.length < size) scratch = new Uint8Array(size * 2);
      scratches.add(scratch);
      return scratch;
    }),
  );
  t.after(() => spooled.remove());
  assert.deepEqual(spooled.read(), Buffer.from(encoded));
  assert.equal(spooled.bytes, encoded.length);
  assert.ok(scratches.size <= 2, 'the scratch buffer is reused');
  for (const driver of [ch.embedded, ch.http]) {
    await driver.insert('t', ['n', 'big', 'at', 'addr', 'name', 'dir', 'labels'], 'Native', encoded);
    await driver.insert('t', ['n', 'big', 'at', 'addr', 'name', 'dir', 'labels'], 'Native', spooled);
    assert.ok(existsSync(spooled.path), 'the driver leaves a spooled file to its owner');
  }
  const got = await ch.embedded.select('SELECT n, toString(big) AS big, toUnixTimestamp(at) AS at, toString(addr) AS addr, name, dir, labels FROM t ORDER BY n LIMIT 5 BY n');
  const one = [
    { n: 1, big: '1', at: 1_700_000_000, addr: '::ffff:192.0.2.1', name: 'edge1', dir: 'ingress', labels: [10, 11] },
    { n: 2, big: String(2 ** 40), at: 1_700_000_060, addr: '2001:db8::', name: 'Zürich "core"', dir: 'undefined', labels: [] },
    { n: 300_000, big: '0', at: 0, addr: '::', name: '', dir: 'ingress', labels: [7] },
  ];
  assert.deepEqual(got, one.flatMap((row) => [row, row, row, row]));
});

test('LowCardinality columns carry only the strings their rows use, with the narrowest index', async (t) => {
  const ch = await testClickHouse(t);
  await ch.embedded.exec('CREATE TABLE lc (n UInt32, name LowCardinality(String), plain String) ENGINE = MergeTree ORDER BY n');
  // 300 strings used: indexes need 16 bits; id 1 is never used.
  const dictionary = Array.from({ length: 400 }, (_, i) => Buffer.from(i === 0 ? '' : `if-${i}é`));
  const rows = 1000;
  const ids = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) ids[i] = i % 3 === 0 ? 0 : 2 + ((i * 7) % 299);
  const block = new NativeBlock(rows);
  block.fixed('n', 'UInt32', Uint32Array.from({ length: rows }, (_, i) => i));
  block.lowCardinality('name', dictionary, ids);
  block.lowCardinality('plain', dictionary, ids);
  const data = block.encode();
  // Keys and one 16-bit index per row, not a string per row.
  assert.ok(data.length < rows * 4 + 2 * (rows * 2 + 300 * 10 + 32) + 100, `block of ${data.length} bytes`);
  for (const driver of [ch.embedded, ch.http]) await driver.insert('lc', ['n', 'name', 'plain'], 'Native', data);
  const got = await ch.embedded.select<{ n: number; name: string; plain: string }>('SELECT n, name, plain FROM lc ORDER BY n');
  assert.equal(got.length, 2 * rows);
  for (let i = 0; i < 2 * rows; i++) {
    const n = i >> 1;
    const want = dictionary[ids[n]!]!.toString();
    assert.deepEqual(got[i], { n, name: want, plain: want });
  }
  // A small dictionary takes 8-bit indexes.
  const small = new NativeBlock(2);
  small.lowCardinality('name', dictionary, new Uint32Array([5, 5]));
  // block header, name, type, 3 × UInt64, one key ('if-5é'), UInt64 rows, 2 × UInt8.
  assert.equal(small.encode().length, 2 + 5 + 23 + 8 * 3 + 7 + 8 + 2);
});

test('LowCardinality columns of more than 65,536 strings take 32-bit indexes', async (t) => {
  const ch = await testClickHouse(t);
  await ch.embedded.exec('CREATE TABLE wide (n UInt32, name LowCardinality(String)) ENGINE = MergeTree ORDER BY n');
  const rows = 70_000;
  const dictionary = Array.from({ length: rows }, (_, i) => Buffer.from(`name-${i}`));
  // Rows use the strings backwards: the indexes are not the ids.
  const ids = Uint32Array.from({ length: rows }, (_, i) => rows - 1 - i);
  const block = new NativeBlock(rows);
  block.fixed('n', 'UInt32', Uint32Array.from({ length: rows }, (_, i) => i));
  block.lowCardinality('name', dictionary, ids);
  await ch.embedded.insert('wide', ['n', 'name'], 'Native', block.encode());
  const got = await ch.embedded.select<{ n: number; name: string }>('SELECT n, name FROM wide WHERE n IN (0, 1, 65535, 65536, 69999) ORDER BY n');
  assert.deepEqual(got, [0, 1, 65535, 65536, 69999].map((n) => ({ n, name: `name-${rows - 1 - n}` })));
});

test('LowCardinality indexes written into a buffer given: the same bytes, beyond 256 strings too', () => {
  const dictionary = Array.from({ length: 400 }, (_, i) => Buffer.from(`s${i}`));
  for (const used of [3, 256, 257, 300]) {
    const rows = 1000;
    const ids = Uint32Array.from({ length: rows }, (_, i) => 399 - (i % used));
    const plain = new NativeBlock(rows);
    plain.lowCardinality('lc', dictionary, ids);
    const into = new Uint8Array(rows + 5).fill(0xee);
    const given = new NativeBlock(rows);
    given.lowCardinality('lc', dictionary, ids, into);
    assert.deepEqual(given.encode(), plain.encode(), `${used} strings`);
    // Up to 256 strings, the block holds the buffer given as its indexes: changing it changes the block.
    into[0] = 7;
    assert.equal(Buffer.compare(given.encode(), plain.encode()) !== 0, used <= 256, `${used} strings`);
  }
  // Too small a buffer is not used.
  const block = new NativeBlock(3);
  block.lowCardinality('lc', dictionary, new Uint32Array([1, 2, 1]), new Uint8Array(2));
  const reference = new NativeBlock(3);
  reference.lowCardinality('lc', dictionary, new Uint32Array([1, 2, 1]));
  assert.deepEqual(block.encode(), reference.encode());
});

test('Native blocks encode into a buffer given for reuse, the same bytes', () => {
  const block = new NativeBlock(3);
  block.fixed('n', 'UInt32', new Uint32Array([1, 2, 3]));
  block.strings('s', [Buffer.from('a'), Buffer.from('x'.repeat(200))], new Uint32Array([1, 0, 1]));
  block.lowCardinality('lc', [Buffer.from('a'), Buffer.from('b')], new Uint32Array([1, 1, 0]));
  block.uint32Arrays('labels', new Uint32Array([5, 6, 0, 0, 9, 0]), new Uint8Array([2, 0, 1]), 2);
  const fresh = block.encode();
  const reused = new Uint8Array(fresh.length + 100).fill(0xee);
  let asked = 0;
  const again = block.encode((size) => {
    asked = size;
    return reused;
  });
  assert.equal(asked, fresh.length);
  assert.equal(again.buffer, reused.buffer);
  assert.deepEqual(again, fresh);
  // Block header; each column's name, type and data (the 200-byte string has a 2-byte length).
  const sizes = [2, 2 + 7 + 12, 2 + 7 + (202 + 2 + 202), 3 + 23 + (24 + 4 + 8 + 3), 7 + 14 + (3 * 8 + 3 * 4)];
  assert.equal(fresh.length, sizes.reduce((a, b) => a + b));
  assert.throws(() => block.encode(() => new Uint8Array(fresh.length - 1)), /do not fit/);
});
