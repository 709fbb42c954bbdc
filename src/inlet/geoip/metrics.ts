// SPDX-License-Identifier: AGPL-3.0-only
import type { Reporter } from '../../common/reporter/root.ts';

/** DATABASE_TYPES are the two kinds of databases, the `type` label of the metrics. */
export const DATABASE_TYPES = ['asn', 'geo'] as const;
/** DatabaseType is one of DATABASE_TYPES. */
export type DatabaseType = (typeof DATABASE_TYPES)[number];

/** newMetrics declares the GeoIP metrics, with both types at 0. */
export function newMetrics(r: Reporter) {
  const m = r.metrics;
  const type = ['type'] as const;
  const metrics = {
    databases: m.gauge({ name: 'databases_loaded', help: 'Database files currently loaded', labelNames: type }),
    networks: m.gauge({ name: 'networks', help: 'Networks with data in the loaded databases', labelNames: type }),
    records: m.gauge({ name: 'records', help: 'Distinct records (AS, country, state, city) in the loaded databases', labelNames: type }),
    loads: m.counter({ name: 'loads_total', help: 'Successful loads of a set of databases', labelNames: type }),
    errors: m.counter({ name: 'load_errors_total', help: 'Database files that could not be loaded', labelNames: type }),
    lastLoad: m.gauge({ name: 'last_load_timestamp_seconds', help: 'When the databases were last loaded', labelNames: type }),
    loadSeconds: m.gauge({ name: 'last_load_duration_seconds', help: 'How long the last load took', labelNames: type }),
  };
  for (const t of DATABASE_TYPES) {
    metrics.databases.labels(t).set(0);
    metrics.networks.labels(t).set(0);
    metrics.records.labels(t).set(0);
    metrics.loads.labels(t).inc(0);
    metrics.errors.labels(t).inc(0);
  }
  return metrics;
}
