// SPDX-License-Identifier: AGPL-3.0-only

/** Figure is one benchmark result: `value` is the median of `runs` runs. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  runs: number;
  min: number;
  max: number;
}

/** MeasureOptions tune a rate measurement. */
export interface MeasureOptions {
  runs?: number;
  /** runMs is how long each run lasts at least. */
  runMs?: number;
  /** warmupMs runs the function before measuring (JIT). */
  warmupMs?: number;
}

/** median of a list of numbers. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** figure summarizes several runs of a measurement. */
export function figure(name: string, unit: string, values: readonly number[]): Figure {
  return { name, value: median(values), unit, runs: values.length, min: Math.min(...values), max: Math.max(...values) };
}

/**
 * measureRate calls `step` (which returns how many items it processed) in a
 * loop for `runMs`, `runs` times, and returns items per second.
 */
export function measureRate(name: string, unit: string, step: () => number, o: MeasureOptions = {}): Figure {
  const runs = o.runs ?? 5;
  const runMs = o.runMs ?? 1000;
  const warmupEnd = performance.now() + (o.warmupMs ?? 300);
  while (performance.now() < warmupEnd) step();
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    let items = 0;
    const start = performance.now();
    let now = start;
    while (now - start < runMs) {
      items += step();
      now = performance.now();
    }
    rates.push(Math.round((items * 1000) / (now - start)));
  }
  return figure(name, unit, rates);
}
