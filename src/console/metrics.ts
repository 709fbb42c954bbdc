// SPDX-License-Identifier: AGPL-3.0-only
import type { Counter, Histogram } from '../common/reporter/metrics.ts';
import type { Reporter } from '../common/reporter/root.ts';

/** QueryMetrics count the console's ClickHouse queries, by kind of request (`type`). */
export interface QueryMetrics {
  queries: Counter<'type'>;
  errors: Counter<'type'>;
  duration: Histogram<'type'>;
}

/** QUERY_TYPES are the kinds of console queries, created at 0 so dashboards see them before the first one. */
export const QUERY_TYPES = ['line', 'sankey', 'complete', 'widget'] as const;

/** QueryType is one of QUERY_TYPES. */
export type QueryType = (typeof QUERY_TYPES)[number];

/** newQueryMetrics registers akvorado_console_clickhouse_{queries_total,errors_total,query_duration_seconds}. */
export function newQueryMetrics(r: Reporter): QueryMetrics {
  const m = r.child('console/clickhouse').metrics;
  const out: QueryMetrics = {
    queries: m.counter({ name: 'queries_total', help: 'Queries sent to ClickHouse', labelNames: ['type'] as const }),
    errors: m.counter({ name: 'errors_total', help: 'Queries to ClickHouse that failed', labelNames: ['type'] as const }),
    duration: m.histogram({
      name: 'query_duration_seconds',
      help: 'Time ClickHouse took to answer',
      labelNames: ['type'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    }),
  };
  for (const t of QUERY_TYPES) {
    out.queries.labels(t).inc(0);
    out.errors.labels(t).inc(0);
  }
  return out;
}
