// SPDX-License-Identifier: AGPL-3.0-only
import type { Counter, Gauge } from '../../common/reporter/metrics.ts';
import type { Reporter } from '../../common/reporter/root.ts';

/**
 * HotCounters are plain numbers that the enricher bumps per flow or per
 * batch; the scrape adds them to their counters, so enrichment never calls
 * prom-client.
 */
export interface HotCounters {
  /** enriched counts flows enriched and handed to the outputs. */
  enriched: number;
  /** rejectedExporter and rejectedInterface count flows dropped by Reject(). */
  rejectedExporter: number;
  rejectedInterface: number;
  /** withoutMetadata counts flows sent while an interface lookup had no answer. */
  withoutMetadata: number;
  /** classifierHits and classifierMisses count uses of the classification caches. */
  classifierHits: number;
  classifierMisses: number;
  /** held counts batches held for metadata; overflow those sent at once because too many were held. */
  held: number;
  overflow: number;
  /** expired counts cached exporters and interfaces forgotten after classifier-cache-duration. */
  expired: number;
}

/** newHotCounters returns counters at zero. */
export function newHotCounters(): HotCounters {
  return {
    enriched: 0,
    rejectedExporter: 0,
    rejectedInterface: 0,
    withoutMetadata: 0,
    classifierHits: 0,
    classifierMisses: 0,
    held: 0,
    overflow: 0,
    expired: 0,
  };
}

/** Gauges are the values the enricher reports as gauges, read at scrape time. */
export interface Gauges {
  heldBatches: () => number;
  strings: () => number;
  exporters: () => number;
  interfaces: () => number;
}

/** newMetrics declares the core component's metrics (akvorado_inlet_core_...). */
export function newMetrics(r: Reporter, hot: HotCounters, gauges: Gauges): void {
  const m = r.metrics;
  const fromHot = (name: string, help: string, read: () => number): void => {
    let reported = 0;
    const c: Counter = m.counter({
      name,
      help,
      collect: (): void => {
        const v = read();
        c.inc(v - reported);
        reported = v;
      },
    });
  };
  fromHot('flows_enriched_total', 'Flows enriched and handed to the outputs', () => hot.enriched);
  let rejectedExporter = 0;
  let rejectedInterface = 0;
  const rejected: Counter<'type'> = m.counter({
    name: 'flows_rejected_total',
    help: 'Flows dropped by a Reject() classifier rule, by rule type',
    labelNames: ['type'] as const,
    collect: (): void => {
      rejected.labels('exporter').inc(hot.rejectedExporter - rejectedExporter);
      rejected.labels('interface').inc(hot.rejectedInterface - rejectedInterface);
      rejectedExporter = hot.rejectedExporter;
      rejectedInterface = hot.rejectedInterface;
    },
  });
  fromHot('flows_without_metadata_total', 'Flows sent with empty exporter or interface names: no metadata provider answered within max-wait', () => hot.withoutMetadata);
  fromHot('classifier_cache_hits_total', 'Exporter and interface classifications reused from the cache', () => hot.classifierHits);
  fromHot('classifier_cache_misses_total', 'Exporter and interface classifications computed (new, changed or expired)', () => hot.classifierMisses);
  fromHot('classifier_cache_expired_total', 'Cached exporters and interfaces forgotten after classifier-cache-duration', () => hot.expired);
  fromHot('held_batches_total', 'Batches held while waiting for metadata', () => hot.held);
  fromHot('held_overflow_batches_total', 'Batches with missing metadata sent at once because too many batches were held (in all, or for one of their exporters)', () => hot.overflow);
  const gauge = (name: string, help: string, read: () => number) => {
    const g: Gauge = m.gauge({ name, help, collect: (): void => g.set(read()) });
  };
  gauge('held_batches', 'Batches currently held while waiting for metadata', gauges.heldBatches);
  gauge('strings_entries', 'Distinct strings interned for the enriched columns (never removed)', gauges.strings);
  gauge('classifier_cache_exporters', 'Exporters in the classification cache', gauges.exporters);
  gauge('classifier_cache_interfaces', 'Interfaces in the classification cache', gauges.interfaces);
}
