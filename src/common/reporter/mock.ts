// SPDX-License-Identifier: AGPL-3.0-only
import { Writable } from 'node:stream';
import { newReporter, type Reporter } from './root.ts';

/** MockReporter is a real Reporter whose log lines are kept in memory. */
export interface MockReporter extends Reporter {
  /** logs returns the log lines written so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** getMetrics returns metrics whose name starts with `prefix`, as "name{labels}" → value. */
  getMetrics(prefix: string): Promise<Record<string, number>>;
}

/** newMock returns a reporter for tests: debug level, logs captured, its own registry. */
export function newMock(): MockReporter {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      cb();
    },
  });
  const r = newReporter({ level: 'debug', format: 'json' }, sink) as MockReporter;
  r.logs = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  r.getMetrics = (prefix) => getMetrics(r, prefix);
  return r;
}

async function getMetrics(r: Reporter, prefix: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const metric of await r.metrics.registry.getMetricsAsJSON()) {
    if (!metric.name.startsWith(prefix)) continue;
    for (const v of metric.values) {
      const labels = Object.entries(v.labels)
        .map(([k, x]) => `${k}="${String(x)}"`)
        .join(',');
      const name = (v as { metricName?: string }).metricName ?? metric.name;
      out[labels === '' ? name : `${name}{${labels}}`] = v.value;
    }
  }
  return out;
}
