// SPDX-License-Identifier: AGPL-3.0-only
import { FlowBatch } from '../../batch.ts';
import { parseIP } from '../../../../common/helpers/ip.ts';
import { Exporter } from '../root.ts';
import { SFlowDecoder } from './root.ts';
import { realisticSFlow } from './testdata/builder.ts';
import type { Figure as BenchResult } from '../../../../../bench/measure.ts';


const RUNS = 5;
const RUN_MS = 1000;

/**
 * benchSFlow measures how many flow samples per CPU second one core decodes
 * from the realistic datagrams into a batch that is emptied when full
 * (counter samples are decoded but not counted).
 */
export async function benchSFlow(): Promise<BenchResult[]> {
  const datagrams = realisticSFlow();
  // Copy every datagram into one receive buffer, as an input does, so the
  // decoder sees the same ArrayBuffer each time.
  const size = Math.max(...datagrams.map((d) => d.length));
  const receive = new Uint8Array(size);
  const decoder = new SFlowDecoder({ timestampSource: 'input' });
  const exporter = new Exporter('192.0.2.1', parseIP('192.0.2.1')!);
  const batch = new FlowBatch(4096);
  batch.onFull = (b) => b.clear();
  const now = Math.floor(Date.now() / 1000);

  const views = datagrams.map((d) => receive.subarray(0, d.length));
  const round = (): number => {
    let rows = 0;
    for (let i = 0; i < datagrams.length; i++) {
      receive.set(datagrams[i]!);
      rows += decoder.decode(views[i]!, exporter, now, batch);
    }
    return rows;
  };
  // Warm up so that the measured runs see optimized code.
  for (let i = 0; i < 20000; i++) round();

  const rates: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    await new Promise((resolve) => setImmediate(resolve));
    let rows = 0;
    const start = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    do {
      for (let i = 0; i < 1000; i++) rows += round();
    } while (Number(process.hrtime.bigint() - start) / 1e6 < RUN_MS);
    // CPU time, not wall time: on a shared machine, time spent descheduled
    // says nothing about the decoder. It still counts every thread of the
    // process (GC helpers included), so it errs on the slow side.
    const used = process.cpuUsage(cpu);
    rates.push(rows / ((used.user + used.system) / 1e6));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  return [
    {
      name: 'decode.sflow.samples_per_s',
      value: Math.round(sorted[Math.floor(sorted.length / 2)]!),
      unit: 'samples/s',
      runs: RUNS,
      min: Math.round(sorted[0]!),
      max: Math.round(sorted[sorted.length - 1]!),
    },
  ];
}

if (import.meta.main) {
  for (const r of await benchSFlow()) console.log(JSON.stringify(r));
}
