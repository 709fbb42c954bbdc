// SPDX-License-Identifier: AGPL-3.0-only
//
// Micro-benchmark of the NetFlow decoder on one core: records decoded per
// second from realistic datagrams (testdata/builder.ts) into a FlowBatch
// that is emptied when full, as the inlet worker does. Time is the thread's
// CPU time, not wall time, so that other processes on a shared machine
// count less.
import { FlowBatch } from '../../batch.ts';
import { Exporter } from '../root.ts';
import { NetFlowDecoder } from './root.ts';
import { realisticIPFIX, realisticV5, realisticV9 } from './testdata/builder.ts';
import type { Realistic } from './testdata/builder.ts';
import type { Figure as BenchResult } from '../../../../../bench/measure.ts';


const RUNS = 5;
const RUN_MS = 1000;

// cpuMs returns the CPU time used by this thread, in milliseconds.
function cpuMs(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(name: string, set: Realistic): BenchResult {
  const decoder = new NetFlowDecoder({ timestampSource: 'input' });
  const exporter = new Exporter('192.0.2.1', Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 192, 0, 2, 1));
  const batch = new FlowBatch(8192);
  batch.onFull = (b) => b.clear();
  if (set.templates !== null) decoder.decode(set.templates, exporter, 1_700_000_000, batch);
  const datagrams = set.datagrams;
  const perDatagram = set.records / datagrams.length;
  const rates: number[] = [];
  // Warm up so that the decoder is optimized before the first run.
  for (let k = 0; k < 20000; k++) decoder.decode(datagrams[k % datagrams.length]!, exporter, 1_700_000_000, batch);
  for (let run = 0; run < RUNS; run++) {
    let n = 0;
    const start = cpuMs();
    let elapsed = 0;
    while (elapsed < RUN_MS) {
      for (let k = 0; k < 1000; k++) {
        decoder.decode(datagrams[(n + k) % datagrams.length]!, exporter, 1_700_000_000, batch);
      }
      n += 1000;
      elapsed = cpuMs() - start;
    }
    rates.push((n * perDatagram) / (elapsed / 1000));
  }
  const errors = exporter.stats.errors.reduce((a, b) => a + b, 0);
  if (errors !== 0) throw new RangeError(`${name}: ${errors} decoding errors`);
  rates.sort((a, b) => a - b);
  return {
    name,
    value: Math.round(rates[RUNS >> 1]!),
    unit: 'records/s',
    runs: RUNS,
    min: Math.round(rates[0]!),
    max: Math.round(rates[RUNS - 1]!),
  };
}

/** benchNetflow measures NetFlow v5, v9 and IPFIX decoding in records per second. */
export async function benchNetflow(): Promise<BenchResult[]> {
  return [
    measure('decode.netflow5.records_per_s', realisticV5(64)),
    measure('decode.netflow9.records_per_s', realisticV9(64)),
    measure('decode.ipfix.records_per_s', realisticIPFIX(64)),
  ];
}

if (import.meta.main) {
  for (const r of await benchNetflow()) console.log(JSON.stringify(r));
}
