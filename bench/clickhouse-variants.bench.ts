// SPDX-License-Identifier: AGPL-3.0-only
// Where an insert into the embedded ClickHouse spends its time: the same
// Native blocks (realistic flows), inserted from a file into a Null table,
// a copy of flows without views and flows with its views, with text columns
// as String or LowCardinality, and under a few insert settings. Variants
// run interleaved in one process; background merges are stopped so that
// each insert is charged its own work. Figures are CPU time of the process
// per insert of ROWS rows (the engine's threads included): the neighbours'
// load inflates them much less than elapsed time.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Embedded, Engine } from '../src/common/clickhouse/embedded.ts';
import { quoteString } from '../src/common/clickhouse/root.ts';
import { clickhouseConfig } from '../src/common/clickhouse/tests.ts';
import { newMock } from '../src/common/reporter/mock.ts';
import { Schema } from '../src/common/schema/root.ts';
import { Migrations } from '../src/configure/clickhouse/root.ts';
import { realisticBlock } from './clickhouse.bench.ts';
import { figure, type Figure } from './measure.ts';

const ROWS = 500_000;
const RUNS = 4;
const BASE = 'optimize_on_insert = 0, max_insert_threads = 2';

// [figure name, table, text columns as LowCardinality, settings]
const VARIANTS: Array<[string, string, boolean, string]> = [
  ['null.string', 'flows_null', false, BASE],
  ['null.lowcardinality', 'flows_null', true, BASE],
  ['table_alone.string', 'flows_alone', false, BASE],
  ['table_alone.lowcardinality', 'flows_alone', true, BASE],
  ['views.string', 'flows', false, BASE],
  ['views.lowcardinality', 'flows', true, BASE],
  ['views.max_insert_threads_1', 'flows', true, 'optimize_on_insert = 0, max_insert_threads = 1'],
  ['views.parallel_view_processing', 'flows', true, `${BASE}, parallel_view_processing = 1`],
  ['views.min_insert_block_size_0', 'flows', true, `${BASE}, min_insert_block_size_rows = 0, min_insert_block_size_bytes = 0`],
];

export async function run(): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-bench-chdb-'));
  const engine = new Engine(dir);
  const files: string[] = [];
  try {
    const ch = new Embedded(engine, 'bench');
    await engine.run('CREATE DATABASE bench');
    const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
    await new Migrations(newMock(), clickhouseConfig('http://unused', 'bench'), ch, schema, null).run();
    const suspicious = { settings: { allow_suspicious_low_cardinality_types: 1 } };
    await ch.exec('CREATE TABLE flows_null AS flows ENGINE = Null', suspicious);
    await ch.exec('CREATE TABLE flows_alone AS flows', suspicious);
    await ch.exec('SYSTEM STOP MERGES');
    // Two blocks of each encoding, written once: inserts read them from the file.
    const now = Math.floor(Date.now() / 1000);
    const blocks = new Map<boolean, string[]>();
    let columns: string[] = [];
    for (const lc of [false, true]) {
      const paths: string[] = [];
      for (let i = 0; i < 2; i++) {
        const built = realisticBlock(schema, ROWS, i, now, lc);
        columns = built.columns;
        const path = join(dir, `block-${lc}-${i}.native`);
        writeFileSync(path, built.block.encode());
        paths.push(path);
        files.push(path);
      }
      blocks.set(lc, paths);
    }
    const cpu = new Map<string, number[]>();
    for (let i = 0; i < RUNS; i++) {
      for (const [name, table, lc, settings] of VARIANTS) {
        const file = blocks.get(lc)![i % 2]!;
        const start = process.cpuUsage();
        await ch.exec(`INSERT INTO ${table} (${columns.join(', ')}) FROM INFILE ${quoteString(file)} SETTINGS ${settings} FORMAT Native`);
        const used = process.cpuUsage(start);
        cpu.set(name, [...(cpu.get(name) ?? []), (used.user + used.system) / 1000]);
      }
    }
    return VARIANTS.map(([name]) => figure(`clickhouse.variants.${name}.cpu_ms`, 'ms', cpu.get(name)!));
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
