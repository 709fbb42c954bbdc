// SPDX-License-Identifier: AGPL-3.0-only
import type { Figure } from './measure.ts';

/**
 * SUITES lists the benchmark suites by name. Each is loaded only when run. A
 * suite that cannot run (a missing tool, a missing service) throws with the
 * reason instead of printing a figure.
 */
export const SUITES: Record<string, () => Promise<Figure[]>> = {
  reporter: async () => (await import('./reporter.bench.ts')).run(),
  receive: async () => (await import('./receive.bench.ts')).run(),
  kafka: async () => (await import('./kafka.bench.ts')).run(),
  encode: async () => (await import('./encode.bench.ts')).run(),
  clickhouse: async () => (await import('./clickhouse.bench.ts')).run(),
  'clickhouse-variants': async () => (await import('./clickhouse-variants.bench.ts')).run(),
  standalone: async () => (await import('./standalone.bench.ts')).run(),
  console: async () => (await import('./console.bench.ts')).run(),
  enrich: async () => (await import('../src/inlet/core/bench.ts')).run(),
  lookup: async () => [
    ...(await (await import('../src/common/helpers/prefix-table.bench.ts')).run()),
    ...(await (await import('../src/inlet/geoip/bench.ts')).run()),
  ],
  decode: async () => [
    ...(await (await import('../src/inlet/flow/decoder/netflow/bench.ts')).benchNetflow()),
    ...(await (await import('../src/inlet/flow/decoder/sflow/bench.ts')).benchSFlow()),
  ],
};
