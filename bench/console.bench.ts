// SPDX-License-Identifier: AGPL-3.0-only
// The console's graph/line over 50 million generated flows in the embedded
// engine: the whole request path (HTTP, validation, table choice, the
// queries, the answer's JSON), as standalone serves it.
import { Embedded, Engine } from '../src/common/clickhouse/embedded.ts';
import { clickhouseConfig } from '../src/common/clickhouse/tests.ts';
import { HTTPServer } from '../src/common/httpserver/root.ts';
import { newMock } from '../src/common/reporter/mock.ts';
import { Schema } from '../src/common/schema/root.ts';
import type { QueryContext } from '../src/console/query/input.ts';
import type { LineResult } from '../src/console/query/line.ts';
import { rfc3339 } from '../src/console/query/input.ts';
import { consoleRoutes, newDependencies, PREFIX } from '../src/console/root.ts';
import { SavedFilters } from '../src/console/saved.ts';
import { consoleConfig } from '../src/console/tests.ts';
import { DATABASE, DAY, generated, tableRows } from './console-data.ts';
import { figure, type Figure } from './measure.ts';

/** ROWS is how many flows the benchmark generates. */
export const ROWS = 50_000_000;
const RUNS = 7;

/** Case is one timed request: its figure, its range and the table it must read. */
interface Case {
  name: string;
  range: number;
  table: string;
}

const CASES: Case[] = [
  { name: 'console.graph_line_24h.ms', range: DAY, table: 'flows_5m0s' },
  { name: 'console.graph_line_30d.ms', range: 30 * DAY, table: 'flows_1h0m0s' },
];

/** DIMENSIONS are the graph's dimensions: an AS (named from a dictionary) and an exporter. */
export const DIMENSIONS = ['SrcAS', 'ExporterName'];

// check throws unless the answer is a top 10 plus "Other", each with traffic, from the expected table.
function check(c: Case, body: LineResult): void {
  const fail = (why: string) => {
    throw new Error(`bench: ${c.name}: ${why}`);
  };
  if (body.table !== c.table) fail(`read ${body.table}, expected ${c.table}`);
  if (body.rows.length !== 11) fail(`${body.rows.length} rows, expected 10 and Other`);
  if (body.rows.at(-1)!.join() !== 'Other,Other') fail(`last row ${JSON.stringify(body.rows.at(-1))}, expected Other`);
  if (body.t.length < 100) fail(`${body.t.length} points`);
  body.points.forEach((p, k) => {
    if (p.length !== body.t.length) fail(`row ${k} has ${p.length} points for ${body.t.length} times`);
    if (!p.some((v) => v > 0)) fail(`row ${JSON.stringify(body.rows[k])} is empty`);
  });
  for (const k of [0, 10]) if (body.points[k]!.filter((v) => v > 0).length < body.t.length / 2) fail(`row ${JSON.stringify(body.rows[k])} is mostly empty`);
  for (let k = 1; k < 10; k++) if (body.average[k]! > body.average[k - 1]!) fail('rows not in decreasing order');
}

/**
 * measure times graph/line over the generated flows: for each case, a
 * warm-up request, then `runs` requests one after the other.
 */
export async function measure(rows: number, runs: number, log: (msg: string) => void): Promise<Figure[]> {
  const g = await generated(rows, log);
  if (g.generatedIn !== null) log(`generated ${rows} flows in ${g.generatedIn.toFixed(0)} s`);
  const engine = new Engine(g.dir);
  const ch = new Embedded(engine, DATABASE);
  const r = newMock();
  const config = consoleConfig();
  const ctx: QueryContext = {
    ch,
    schema: new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] }),
    clickhouse: clickhouseConfig('http://unused', DATABASE),
    console: config,
    now: () => g.end,
    metrics: null,
  };
  log(`rows: ${Object.entries(await tableRows(ch)).map(([t, n]) => `${t} ${n}`).join(', ')}`);
  const saved = new SavedFilters(r, ':memory:');
  const http = new HTTPServer(r, { listen: '127.0.0.1:0' }, 'console');
  http.app.register(consoleRoutes(newDependencies(ctx, saved, config)), { prefix: PREFIX });
  await saved.start();
  try {
    await http.start();
    const url = `http://127.0.0.1:${http.address!.port}${PREFIX}/graph/line`;
    const figures: Figure[] = [];
    for (const c of CASES) {
      const body = JSON.stringify({ start: rfc3339(g.end - c.range), end: rfc3339(g.end), dimensions: DIMENSIONS, limit: 10, units: 'l3bps' });
      const times: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i <= runs; i++) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const answer = await res.json();
        const ms = performance.now() - start;
        const used = process.cpuUsage(cpuStart);
        if (res.status !== 200) throw new Error(`bench: ${c.name}: status ${res.status}: ${JSON.stringify(answer)}`);
        check(c, answer as LineResult);
        if (i === 0) continue;
        times.push(ms);
        cpu.push((used.user + used.system) / 1000);
      }
      figures.push(figure(c.name, 'ms', times));
      // The CPU time of the whole process (the engine's threads included): less sensitive to the neighbours than the latency.
      figures.push(figure(c.name.replace(/\.ms$/, '.cpu_ms'), 'ms', cpu));
    }
    return figures;
  } finally {
    await http.stop();
    await saved.stop();
    await engine.close();
  }
}

export function run(): Promise<Figure[]> {
  return measure(ROWS, RUNS, (msg) => console.log(`# console: ${msg}`));
}
