// SPDX-License-Identifier: AGPL-3.0-only
// npm run bench [-- SUITE...]: runs the named suites (all by default), prints
// a table for people and one `BENCH {json}` line per figure for tools.
import { cpus } from 'node:os';
import type { Figure } from './measure.ts';
import { SUITES } from './suites.ts';

const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !(n in SUITES));
if (unknown.length > 0) {
  console.error(`unknown suite(s): ${unknown.join(', ')}; known: ${Object.keys(SUITES).join(', ')}`);
  process.exit(64);
}
const names = asked.length > 0 ? asked : Object.keys(SUITES);
console.log(`# node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`);

const rows: Figure[] = [];
let failed = 0;
for (const name of names) {
  try {
    for (const f of await SUITES[name]!()) {
      rows.push(f);
      console.log(`BENCH ${JSON.stringify(f)}`);
    }
  } catch (err) {
    failed++;
    console.log(`# suite ${name} cannot run: ${(err as Error).message}`);
  }
}

const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 2 });
const width = Math.max(4, ...rows.map((r) => r.name.length));
console.log(`\n${'name'.padEnd(width)}  ${'median'.padStart(14)}  ${'min'.padStart(14)}  ${'max'.padStart(14)}  unit (runs)`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(width)}  ${fmt(r.value).padStart(14)}  ${fmt(r.min).padStart(14)}  ${fmt(r.max).padStart(14)}  ${r.unit} (${r.runs})`,
  );
}
process.exitCode = failed > 0 ? 1 : 0;
