// SPDX-License-Identifier: AGPL-3.0-only
// Inserting flows into the embedded ClickHouse (chdb) through the driver
// standalone uses: Native blocks built from columnar data, into the flows
// table created by the migrations, rolled-up views and exporters view
// included (every insert also feeds them, as in production).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Embedded, Engine } from '../src/common/clickhouse/embedded.ts';
import { NativeBlock, type FixedType } from '../src/common/clickhouse/native.ts';
import { clickhouseConfig } from '../src/common/clickhouse/tests.ts';
import { mulberry32 } from '../src/common/helpers/random.ts';
import { newMock } from '../src/common/reporter/mock.ts';
import { Schema } from '../src/common/schema/root.ts';
import { Migrations } from '../src/configure/clickhouse/root.ts';
import { figure, type Figure } from './measure.ts';

// Large inserts: each insert writes a part per table, whose fixed cost
// (a file per column) larger batches spread over more rows.
const ROWS = 500_000;
// Rolled-up tables add up rows in background merges rather than on insert:
// summing on insert costs 4 to 5 times the insert itself on this machine.
const INSERT_SETTINGS = { optimize_on_insert: 0, max_insert_threads: 2 };

/** buildBlock makes `rows` flows for the columns of the schema, with realistic cardinalities. */
export function buildBlock(schema: Schema, rows: number, seed: number, now: number): { block: NativeBlock; columns: string[] } {
  const rand = mulberry32(seed);
  const block = new NativeBlock(rows);
  const columns: string[] = [];
  for (const c of schema.columns) {
    if (c.alias !== undefined) continue;
    const type = c.type.replace(/^LowCardinality\((.*)\)$/, '$1');
    const lowCardinality = c.type !== type;
    columns.push(c.name);
    if (type === 'String') {
      const cardinality = c.name.startsWith('Exporter') ? 8 : c.name.includes('Country') ? 40 : 60;
      const dict = Array.from({ length: cardinality }, (_, i) => Buffer.from(`${c.name.toLowerCase()}-${i}`));
      const idx = new Uint32Array(rows);
      for (let i = 0; i < rows; i++) idx[i] = Math.floor(rand() * rand() * cardinality);
      if (lowCardinality) block.lowCardinality(c.name, dict, idx);
      else block.strings(c.name, dict, idx);
    } else if (type === 'IPv6') {
      const bytes = new Uint8Array(rows * 16);
      for (let i = 0; i < rows; i++) {
        bytes[i * 16 + 10] = 0xff;
        bytes[i * 16 + 11] = 0xff;
        const v = c.name === 'ExporterAddress' ? 0xc0000200 + Math.floor(rand() * 8) : Math.floor(rand() * 2 ** 32);
        new DataView(bytes.buffer).setUint32(i * 16 + 12, v);
      }
      block.fixed(c.name, 'IPv6', bytes);
    } else if (type === 'FixedString(2)') {
      const countries = Buffer.from('USFRDEGBNLJPCNBRINRUZAAUCAITESSECHPLKRSG');
      const v = new Uint8Array(rows * 2);
      for (let i = 0; i < rows; i++) {
        const k = 2 * Math.floor(rand() * 20);
        v[i * 2] = countries[k]!;
        v[i * 2 + 1] = countries[k + 1]!;
      }
      block.fixed(c.name, 'FixedString(2)', v);
    } else if (type === 'DateTime') {
      const t = new Uint32Array(rows);
      for (let i = 0; i < rows; i++) t[i] = now - Math.floor((i / rows) * 60);
      block.fixed(c.name, 'DateTime', t);
    } else if (type === 'UInt64') {
      const v = new BigUint64Array(rows);
      for (let i = 0; i < rows; i++) v[i] = BigInt(c.name === 'SamplingRate' ? 1000 : 64 + Math.floor(rand() * 1500));
      block.fixed(c.name, 'UInt64', v);
    } else if (type.startsWith('Enum8')) {
      const v = new Uint8Array(rows);
      for (let i = 0; i < rows; i++) v[i] = Math.floor(rand() * 3);
      block.fixed(c.name, 'Enum8', v);
    } else if (type === 'Array(UInt32)') {
      block.uint32Arrays(c.name, new Uint32Array(rows), new Uint8Array(rows), 1);
    } else if (['UInt8', 'UInt16', 'UInt32'].includes(type)) {
      const width = type === 'UInt8' ? 1 : type === 'UInt16' ? 2 : 4;
      const v = width === 1 ? new Uint8Array(rows) : width === 2 ? new Uint16Array(rows) : new Uint32Array(rows);
      const max = c.name.endsWith('AS') ? 60 : c.name.endsWith('Port') ? 1024 : 2 ** (8 * width);
      for (let i = 0; i < rows; i++) v[i] = Math.floor(rand() * rand() * max);
      block.fixed(c.name, type as FixedType, v);
    } else {
      throw new Error(`bench: no generator for ${c.name} ${c.type}`);
    }
  }
  return { block, columns };
}

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-bench-chdb-'));
  const engine = new Engine(dir);
  try {
    const ch = new Embedded(engine, 'bench');
    await engine.run('CREATE DATABASE bench');
    const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
    await new Migrations(newMock(), clickhouseConfig('http://unused', 'bench'), ch, schema, null).run();
    const now = Math.floor(Date.now() / 1000);
    const rates: number[] = [];
    const encodeRates: number[] = [];
    // One warm-up batch, then measured ones.
    for (let i = 0; i < 6; i++) {
      const { block, columns } = buildBlock(schema, ROWS, i, now);
      const built = performance.now();
      const data = block.encode();
      const encoded = performance.now();
      await ch.insert('flows', columns, 'Native', data, { settings: INSERT_SETTINGS });
      const done = performance.now();
      if (i === 0) continue;
      rates.push(ROWS / ((done - built) / 1000));
      encodeRates.push(ROWS / ((encoded - built) / 1000));
    }
    const [count] = await ch.select<{ n: string }>('SELECT count() AS n FROM flows');
    if (Number(count!.n) !== ROWS * 6) throw new Error(`bench: expected ${ROWS * 6} rows, found ${count!.n}`);
    // The same rows into a copy of flows without views: the cost of the table alone.
    await ch.exec('CREATE TABLE flows_alone AS flows', { settings: { allow_suspicious_low_cardinality_types: 1 } });
    const alone: number[] = [];
    for (let i = 0; i < 4; i++) {
      const data = buildBlock(schema, ROWS, 100 + i, now).block.encode();
      const start = performance.now();
      await ch.insert('flows_alone', buildBlock(schema, 1, 0, now).columns, 'Native', data, { settings: INSERT_SETTINGS });
      alone.push(ROWS / ((performance.now() - start) / 1000));
    }
    return [
      figure('clickhouse.embedded.insert_rows_per_s', 'rows/s', rates),
      figure('clickhouse.embedded.insert_rows_per_s.table_alone', 'rows/s', alone),
      figure('clickhouse.native_encode_rows_per_s', 'rows/s', encodeRates),
    ];
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
