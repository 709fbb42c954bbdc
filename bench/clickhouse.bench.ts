// SPDX-License-Identifier: AGPL-3.0-only
// Inserting flows into the embedded ClickHouse (chdb) as standalone does:
// enriched flow batches through its sink, which copies them into blocks,
// inserts them into flows as Native blocks and their sums into the
// rolled-up tables, with standalone's table settings (the figure without
// suffix). For comparison, the same
// flows as Native blocks into flows fed views (`.views`: the distributed
// setup, where views write the rolled-up tables) and into a copy of flows
// alone (`.table_alone`, and `.table_alone.two_at_once`: two inserts at
// once on two sessions, the engine's insert with both cores). Two kinds of
// flows: realistic ones (repetitive, as networks are) and a worst case
// (columns drawn uniformly).
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
import type { FlowBatch } from '../src/inlet/flow/batch.ts';
import { StringTable } from '../src/inlet/flow/strings.ts';
import { EngineComponent } from '../src/standalone/root.ts';
import { defaultOptions, SinkComponent } from '../src/standalone/sink.ts';
import { conversations, realisticBatches, uniformBatches } from './flow-batches.ts';
import { figure, type Figure } from './measure.ts';

// Large inserts: each insert writes a part per table, whose fixed cost
// (a file per column) larger batches spread over more rows.
const ROWS = 500_000;
// Rolled-up tables add up rows in background merges rather than on insert:
// summing on insert costs 4 to 5 times the insert itself on this machine.
const INSERT_SETTINGS = { optimize_on_insert: 0, max_insert_threads: 2 };

const SPEEDS = [1_000, 10_000, 100_000, 400_000];
const COUNTRIES = Buffer.from('USFRDEGBNLJPCNBRINRUZAAUCAITESSECHPLKRSG');

// ipv4Column writes IPv4-mapped IPv6 addresses, `address(i)` for row i.
function ipv4Column(block: NativeBlock, name: string, rows: number, address: (i: number) => number): void {
  const bytes = new Uint8Array(rows * 16);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < rows; i++) {
    bytes[i * 16 + 10] = 0xff;
    bytes[i * 16 + 11] = 0xff;
    view.setUint32(i * 16 + 12, address(i));
  }
  block.fixed(name, 'IPv6', bytes);
}

// countryColumn writes the country codes of COUNTRIES, `country(i)` (0 to 19) for row i.
function countryColumn(block: NativeBlock, name: string, rows: number, country: (i: number) => number): void {
  const v = new Uint8Array(rows * 2);
  for (let i = 0; i < rows; i++) {
    const k = 2 * country(i);
    v[i * 2] = COUNTRIES[k]!;
    v[i * 2 + 1] = COUNTRIES[k + 1]!;
  }
  block.fixed(name, 'FixedString(2)', v);
}

// timeColumn spreads the rows over the minute before `now`.
function timeColumn(block: NativeBlock, name: string, rows: number, now: number): void {
  const t = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) t[i] = now - Math.floor((i / rows) * 60);
  block.fixed(name, 'DateTime', t);
}

/**
 * realisticBlock makes `rows` flows the way a network repeats them: each
 * flow belongs to one of 5,000 conversations, chosen with a skew (a few
 * carry most flows). A conversation fixes everything but the hosts, the
 * client port and the counters: the exporter (8), both interfaces (48 per
 * exporter, with their names, speeds, boundaries), both networks (200, with
 * their AS, country, names and mask), EType (90% IPv4), Proto (TCP 80%, UDP
 * 18%, ICMP 2%), the server's port, the forwarding status and direction.
 * Hosts are one of 1,024 in their network, the client port is ephemeral,
 * Packets is small and Bytes follows. Text columns go as the table's type,
 * or all as String when `lowCardinality` is false.
 */
export function realisticBlock(schema: Schema, rows: number, seed: number, now: number, lowCardinality = true): { block: NativeBlock; columns: string[] } {
  const rand = mulberry32(seed);
  const CONVERSATIONS = 5_000;
  const conv = conversations(rand, CONVERSATIONS);
  const pick = new Uint16Array(rows);
  for (let i = 0; i < rows; i++) pick[i] = Math.floor(rand() * rand() * CONVERSATIONS);
  const packets = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) packets[i] = 1 + Math.floor(rand() * rand() * 20);
  const block = new NativeBlock(rows);
  const columns: string[] = [];
  for (const c of schema.columns) {
    if (c.alias !== undefined) continue;
    const type = c.type.replace(/^LowCardinality\((.*)\)$/, '$1');
    const side = c.name.startsWith('Src') || c.name.startsWith('In') ? 0 : 1;
    // The conversation's entity this column describes (an exporter, an interface, a network).
    const entity = c.name.startsWith('Exporter')
      ? (k: number) => conv[k]!.exporter
      : c.name.startsWith('InIf') || c.name.startsWith('OutIf')
        ? (k: number) => conv[k]!.exporter * 48 + (side === 0 ? conv[k]!.inIf : conv[k]!.outIf)
        : (k: number) => (side === 0 ? conv[k]!.src : conv[k]!.dst);
    columns.push(c.name);
    if (type === 'String') {
      const cardinality = c.name.startsWith('Exporter') ? 8 : c.name.includes('If') ? 384 : 60;
      const dict = Array.from({ length: cardinality }, (_, i) => Buffer.from(`${c.name.toLowerCase()}-${i}`));
      const idx = new Uint32Array(rows);
      for (let i = 0; i < rows; i++) idx[i] = entity(pick[i]!) % cardinality;
      if (lowCardinality && c.type !== type) block.lowCardinality(c.name, dict, idx);
      else block.strings(c.name, dict, idx);
    } else if (type === 'IPv6') {
      ipv4Column(block, c.name, rows, (i) => {
        const e = entity(pick[i]!);
        return c.name === 'ExporterAddress' ? 0xc0000200 + e : 0x0a000000 + e * 1024 + Math.floor(rand() * 1024);
      });
    } else if (type === 'FixedString(2)') {
      countryColumn(block, c.name, rows, (i) => entity(pick[i]!) % 20);
    } else if (type === 'DateTime') {
      timeColumn(block, c.name, rows, now);
    } else if (type === 'UInt64') {
      const v = new BigUint64Array(rows);
      for (let i = 0; i < rows; i++) {
        const p = packets[i]!;
        v[i] = BigInt(c.name === 'SamplingRate' ? 1000 : c.name === 'Packets' ? p : p * (conv[pick[i]!]!.proto === 6 ? 1200 : 120));
      }
      block.fixed(c.name, 'UInt64', v);
    } else if (type.startsWith('Enum8')) {
      const v = new Uint8Array(rows);
      for (let i = 0; i < rows; i++) {
        const k = pick[i]!;
        v[i] = c.name === 'FlowDirection' ? conv[k]!.direction + 1 : entity(k) % 48 < 8 ? 1 : 2;
      }
      block.fixed(c.name, 'Enum8', v);
    } else if (type === 'Array(UInt32)') {
      block.uint32Arrays(c.name, new Uint32Array(rows), new Uint8Array(rows), 1);
    } else if (['UInt8', 'UInt16', 'UInt32'].includes(type)) {
      const v = type === 'UInt8' ? new Uint8Array(rows) : type === 'UInt16' ? new Uint16Array(rows) : new Uint32Array(rows);
      for (let i = 0; i < rows; i++) {
        const k = pick[i]!;
        const f = conv[k]!;
        if (c.name === 'EType') v[i] = f.eType;
        else if (c.name === 'Proto') v[i] = f.proto;
        else if (c.name === 'ForwardingStatus') v[i] = f.forwarding;
        else if (c.name.endsWith('Port')) v[i] = f.proto === 1 ? 0 : (side === 0) === f.serverIsSrc ? f.service : 32768 + Math.floor(rand() * 28232);
        else if (c.name.endsWith('IfSpeed')) v[i] = SPEEDS[entity(k) % SPEEDS.length]!;
        else if (c.name.endsWith('AS')) v[i] = 64_500 + (entity(k) % 60);
        else if (c.name.endsWith('NetMask')) v[i] = [24, 22, 20, 16][entity(k) % 4]!;
        else v[i] = entity(k) % 256;
      }
      block.fixed(c.name, type as FixedType, v);
    } else {
      throw new Error(`bench: no generator for ${c.name} ${c.type}`);
    }
  }
  return { block, columns };
}

/**
 * uniformBlock makes `rows` flows whose columns are drawn independently,
 * many over their whole range (addresses, speeds, EType, Proto): the worst
 * case for sorting, compression and the rolled-up tables.
 */
export function uniformBlock(schema: Schema, rows: number, seed: number, now: number): { block: NativeBlock; columns: string[] } {
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
      ipv4Column(block, c.name, rows, () => (c.name === 'ExporterAddress' ? 0xc0000200 + Math.floor(rand() * 8) : Math.floor(rand() * 2 ** 32)));
    } else if (type === 'FixedString(2)') {
      countryColumn(block, c.name, rows, () => Math.floor(rand() * 20));
    } else if (type === 'DateTime') {
      timeColumn(block, c.name, rows, now);
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

type Generator = typeof realisticBlock;

/** Series are the rates of one kind of insert, run after run. */
interface Series {
  rates: number[];
  perCpu: number[];
  encodeRates: number[];
}

// nextMinute gives each set of flows its own minute, the one after the
// previous set's: flows reach the engine in time order, so its parts
// cover consecutive times and merges mostly append them one after the
// other. (Until 2026-11-26 every set fell in the same minute: merges then
// interleaved the rows of all parts, 7.5 µs of CPU per merged row instead
// of 2.0, and those of a series ran during the next sets.)
let clock = Math.floor(Date.now() / 1000);
function nextMinute(): number {
  clock += 60;
  return clock;
}

// insertSeries inserts `runs` blocks (after one warm-up block) into `table`;
// a rate covers building the Native block and the insert, perCpu divides
// the rows by the CPU time the whole process (the engine's threads
// included) spent meanwhile, which the neighbours' load does not inflate.
async function insertSeries(ch: Embedded, table: string, make: Generator, schema: Schema, runs: number, seed: number): Promise<Series> {
  const out: Series = { rates: [], perCpu: [], encodeRates: [] };
  for (let i = 0; i <= runs; i++) {
    const { block, columns } = make(schema, ROWS, seed + i, nextMinute());
    const cpu = process.cpuUsage();
    const built = performance.now();
    const data = block.encode();
    const encoded = performance.now();
    await ch.insert(table, columns, 'Native', data, { settings: INSERT_SETTINGS });
    const done = performance.now();
    const used = process.cpuUsage(cpu);
    if (i === 0) continue;
    out.rates.push(ROWS / ((done - built) / 1000));
    out.perCpu.push(ROWS / ((used.user + used.system) / 1e6));
    out.encodeRates.push(ROWS / ((encoded - built) / 1000));
  }
  return out;
}

// pairSeries inserts `runs` pairs of blocks (after a warm-up pair) into
// `table`, the two of a pair at once on two insert sessions of the engine:
// what the engine's insert alone gives with both cores. A rate counts the
// rows of both blocks over the time from the start of both inserts to the
// end of the later one (blocks encoded before).
async function pairSeries(ch: Embedded, table: string, make: Generator, schema: Schema, runs: number, seed: number): Promise<Series> {
  const out: Series = { rates: [], perCpu: [], encodeRates: [] };
  for (let i = 0; i <= runs; i++) {
    const blocks = [make(schema, ROWS, seed + 2 * i, nextMinute()), make(schema, ROWS, seed + 2 * i + 1, nextMinute())].map(({ block, columns }) => ({ columns, data: block.encode() }));
    const cpu = process.cpuUsage();
    const start = performance.now();
    await Promise.all(blocks.map((b) => ch.insert(table, b.columns, 'Native', b.data, { settings: INSERT_SETTINGS })));
    const done = performance.now();
    const used = process.cpuUsage(cpu);
    if (i === 0) continue;
    out.rates.push((2 * ROWS) / ((done - start) / 1000));
    out.perCpu.push((2 * ROWS) / ((used.user + used.system) / 1e6));
  }
  return out;
}

// sinkSeries sends `runs` sets of ROWS flows (after a warm-up set)
// through standalone's sink, writing flows and the rolled-up tables, into
// the database `ch` works on (migrated without views); a rate covers the
// copy into blocks, the Native encoding and the inserts, until flush()
// returns. One sink serves the whole series, as one serves a standalone
// for its life: its blocks and buffers are reused from set to set.
// (Until 2026-11-27 each set had its own sink, ended by stop(): every set
// allocated its blocks again.)
async function sinkSeries(ch: Embedded, make: typeof realisticBatches, schema: Schema, runs: number, seed: number): Promise<Series> {
  const out: Series = { rates: [], perCpu: [], encodeRates: [] };
  const strings = new StringTable();
  const sink = new SinkComponent(newMock(), ch, schema, { strings, rollups: [60, 300, 3600], maxPendingRows: ROWS, intervalMs: 60_000 });
  sink.start();
  try {
    for (let i = 0; i <= runs; i++) {
      const batches: FlowBatch[] = make(strings, ROWS, 8192, seed + i, nextMinute());
      const cpu = process.cpuUsage();
      const start = performance.now();
      for (const b of batches) sink.send(b);
      await sink.flush();
      const done = performance.now();
      const used = process.cpuUsage(cpu);
      if (i === 0) continue;
      out.rates.push(ROWS / ((done - start) / 1000));
      out.perCpu.push(ROWS / ((used.user + used.system) / 1e6));
    }
  } finally {
    await sink.stop();
  }
  const each = out.rates.map((r, k) => `${Math.round(r / 1000)}k (${Math.round(1e9 / out.perCpu[k]!)} ns of CPU per row)`);
  console.log(`# clickhouse: the sink's sets: ${each.join(', ')}`);
  return out;
}

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-bench-chdb-'));
  // As many insert sessions as standalone: the sink inserts blocks side by side.
  const engine = new Engine(dir, [], defaultOptions().parallelInserts + 1);
  try {
    const figures: Figure[] = [];
    const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
    // Standalone's database: no views feed the rolled-up tables.
    const sinkDB = new Embedded(engine, 'bench_sink');
    await engine.run('CREATE DATABASE bench_sink');
    const migrations = new Migrations(newMock(), clickhouseConfig('http://unused', 'bench_sink'), sinkDB, schema, null, { rollupViews: false });
    await migrations.run();
    // The tables' settings of standalone (smaller write buffers).
    await new EngineComponent(newMock(), engine, migrations, sinkDB).tune();
    for (const [suffix, make] of [['', realisticBatches], ['.worst_case', uniformBatches]] as const) {
      const sink = await sinkSeries(sinkDB, make, schema, 5, 0);
      figures.push(
        figure(`clickhouse.embedded.insert_rows_per_s${suffix}`, 'rows/s', sink.rates),
        figure(`clickhouse.embedded.insert_rows_per_cpu_s${suffix}`, 'rows/s', sink.perCpu),
      );
    }
    const rolled = await sinkDB.select<{ t: string; n: string }>(
      "SELECT table AS t, toString(sum(rows)) AS n FROM system.parts WHERE database = 'bench_sink' AND active GROUP BY t ORDER BY t",
    );
    console.log(`# clickhouse: rows stored by the sink: ${rolled.map((r) => `${r.t} ${r.n}`).join(', ')}`);
    const [flows] = await sinkDB.select<{ n: string }>('SELECT count() AS n FROM flows');
    if (Number(flows!.n) !== ROWS * 12) throw new Error(`bench: expected ${ROWS * 12} rows, found ${flows!.n}`);
    // Its background merges would run during the next series.
    await engine.run('DROP DATABASE bench_sink SYNC');

    const ch = new Embedded(engine, 'bench');
    await engine.run('CREATE DATABASE bench');
    await new Migrations(newMock(), clickhouseConfig('http://unused', 'bench'), ch, schema, null).run();
    // A copy of flows without views: the cost of the table alone.
    await ch.exec('CREATE TABLE flows_alone AS flows', { settings: { allow_suspicious_low_cardinality_types: 1 } });
    for (const [suffix, make] of [['', realisticBlock], ['.worst_case', uniformBlock]] as const) {
      const views = await insertSeries(ch, 'flows', make, schema, 5, 0);
      const alone = await insertSeries(ch, 'flows_alone', make, schema, 4, 100);
      const pairs = await pairSeries(ch, 'flows_alone', make, schema, 4, 200);
      figures.push(
        figure(`clickhouse.embedded.insert_rows_per_s${suffix}.table_alone.two_at_once`, 'rows/s', pairs.rates),
        figure(`clickhouse.embedded.insert_rows_per_cpu_s${suffix}.table_alone.two_at_once`, 'rows/s', pairs.perCpu),
        figure(`clickhouse.embedded.insert_rows_per_s${suffix}.views`, 'rows/s', views.rates),
        figure(`clickhouse.embedded.insert_rows_per_cpu_s${suffix}.views`, 'rows/s', views.perCpu),
        figure(`clickhouse.embedded.insert_rows_per_s${suffix}.table_alone`, 'rows/s', alone.rates),
        figure(`clickhouse.embedded.insert_rows_per_cpu_s${suffix}.table_alone`, 'rows/s', alone.perCpu),
        figure(`clickhouse.native_encode_rows_per_s${suffix}`, 'rows/s', views.encodeRates),
      );
    }
    const [count] = await ch.select<{ n: string }>('SELECT count() AS n FROM flows');
    if (Number(count!.n) !== ROWS * 12) throw new Error(`bench: expected ${ROWS * 12} rows, found ${count!.n}`);
    const [alone] = await ch.select<{ n: string }>('SELECT count() AS n FROM flows_alone');
    if (Number(alone!.n) !== ROWS * 30) throw new Error(`bench: expected ${ROWS * 30} rows in flows_alone, found ${alone!.n}`);
    return figures;
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
