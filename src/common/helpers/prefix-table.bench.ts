// SPDX-License-Identifier: AGPL-3.0-only
//
// Micro-benchmark of PrefixTable lookups on one core: a table of 500k random
// IPv4 prefixes (/8 to /32, most of them /16 to /24, as in a routing table)
// plus 100k IPv6 prefixes, looked up with random addresses stored 16 bytes
// per row as in a flow batch.
import { figure, type Figure } from '../../../bench/measure.ts';
import { PrefixTableBuilder } from './prefix-table-builder.ts';
import type { PrefixTable } from './prefix-table.ts';
import { mulberry32 } from './random.ts';

/** ROWS is the number of addresses looked up per step (one batch). */
const ROWS = 8192;

// randomTable builds the table of the benchmark.
function randomTable(rand: () => number, v4: number, v6: number): PrefixTable {
  const b = new PrefixTableBuilder();
  const addr = new Uint8Array(16);
  for (let i = 0; i < v4; i++) {
    addr.fill(0);
    addr[10] = 0xff;
    addr[11] = 0xff;
    for (let k = 12; k < 16; k++) addr[k] = Math.floor(rand() * 256);
    const r = rand();
    const len = r < 0.05 ? 8 + Math.floor(rand() * 8) : r < 0.9 ? 16 + Math.floor(rand() * 9) : 25 + Math.floor(rand() * 8);
    b.add(addr, 0, 96 + len, i % 65_536);
  }
  for (let i = 0; i < v6; i++) {
    addr.fill(0);
    addr[0] = 0x20 | Math.floor(rand() * 16);
    for (let k = 1; k < 16; k++) addr[k] = Math.floor(rand() * 256);
    b.add(addr, 0, 19 + Math.floor(rand() * 46), i % 65_536);
  }
  return b.build();
}

// randomRows fills a batch of addresses: IPv4-mapped or global IPv6.
function randomRows(rand: () => number, v6: boolean): Uint8Array {
  const rows = new Uint8Array(ROWS * 16);
  for (let i = 0; i < ROWS; i++) {
    const o = i * 16;
    if (v6) {
      rows[o] = 0x20 | Math.floor(rand() * 16);
      for (let k = 1; k < 16; k++) rows[o + k] = Math.floor(rand() * 256);
    } else {
      rows[o + 10] = 0xff;
      rows[o + 11] = 0xff;
      for (let k = 12; k < 16; k++) rows[o + k] = Math.floor(rand() * 256);
    }
  }
  return rows;
}

/**
 * measureCpuRate is measureRate (bench/measure.ts) timed with this thread's
 * CPU time rather than wall time, so that other processes on a shared
 * machine count less (as the decoder benchmarks do).
 */
export function measureCpuRate(name: string, unit: string, step: () => number, runs = 5, runMs = 1000): Figure {
  const cpuMs = () => {
    const u = process.threadCpuUsage();
    return (u.user + u.system) / 1000;
  };
  const warmupEnd = cpuMs() + 300;
  while (cpuMs() < warmupEnd) step();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let items = 0;
    const start = cpuMs();
    let now = start;
    while (now - start < runMs) {
      items += step();
      now = cpuMs();
    }
    rates.push(Math.round((items * 1000) / (now - start)));
  }
  return figure(name, unit, rates);
}

/** lookupStep returns a step for measureCpuRate: one lookup per row of `rows`. */
export function lookupStep(lookup: (addr: Uint8Array, off: number) => number, rows: Uint8Array): () => number {
  let sink = 0;
  return () => {
    for (let o = 0; o < rows.length; o += 16) sink += lookup(rows, o);
    // Keep the sum alive so the loop is not optimized away.
    if (sink === Number.MIN_SAFE_INTEGER) throw new RangeError('unreachable');
    return rows.length >> 4;
  };
}

/** batchStep returns a step for measureCpuRate: lookupBatch over every row of `rows`. */
export function batchStep(table: PrefixTable, rows: Uint8Array): () => number {
  const out = new Int32Array(rows.length >> 4);
  return () => {
    table.lookupBatch(rows, 0, 16, out.length, out);
    return out.length;
  };
}

/** run measures PrefixTable build time and lookups per second, IPv4 and IPv6. */
export async function run(): Promise<Figure[]> {
  const rand = mulberry32(7);
  const start = performance.now();
  const table = randomTable(rand, 500_000, 100_000);
  const buildMs = performance.now() - start;
  const v4 = randomRows(rand, false);
  const v6 = randomRows(rand, true);
  const lookup = (addr: Uint8Array, off: number) => table.lookup(addr, off);
  return [
    figure('prefix_table.build_500k_v4_100k_v6', 'ms', [Math.round(buildMs)]),
    figure('prefix_table.memory', 'MiB', [Math.round(table.memoryBytes / 1048576)]),
    measureCpuRate('prefix_table.lookup_v4', 'lookups/s', lookupStep(lookup, v4)),
    measureCpuRate('prefix_table.lookup_v6', 'lookups/s', lookupStep(lookup, v6)),
    measureCpuRate('prefix_table.lookup_batch_v4', 'lookups/s', batchStep(table, v4)),
    measureCpuRate('prefix_table.lookup_batch_v6', 'lookups/s', batchStep(table, v6)),
  ];
}

if (import.meta.main) {
  for (const r of await run()) console.log(JSON.stringify(r));
}
