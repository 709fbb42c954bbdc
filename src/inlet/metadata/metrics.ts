// SPDX-License-Identifier: AGPL-3.0-only
import type { Counter, Gauge } from '../../common/reporter/metrics.ts';
import type { Reporter } from '../../common/reporter/root.ts';

/** POLL_ERRORS are the kinds of SNMP poll failures, the `error` label of poller_errors_total. */
export const POLL_ERRORS = ['timeout', 'auth', 'agent', 'invalid', 'other'] as const;
/** PollError is one of POLL_ERRORS. */
export type PollError = (typeof POLL_ERRORS)[number];

/**
 * HotCounters are plain numbers bumped once per flow (lookups) or per missed
 * flow (poll requests); the scrape adds them to their counters, so the flow
 * path never calls prom-client.
 */
export interface HotCounters {
  hits: number;
  misses: number;
  coalesced: number;
  breakerSkipped: number;
}

/** newHotCounters returns counters at zero. */
export function newHotCounters(): HotCounters {
  return { hits: 0, misses: 0, coalesced: 0, breakerSkipped: 0 };
}

/** newMetrics declares the metadata component's metrics. */
export function newMetrics(r: Reporter, hot: HotCounters, size: () => number) {
  const m = r.metrics;
  // fromHot declares a counter that follows one of the hot counters.
  const fromHot = (name: string, help: string, key: keyof HotCounters) => {
    let reported = 0;
    const c: Counter = m.counter({
      name,
      help,
      collect: (): void => {
        c.inc(hot[key] - reported);
        reported = hot[key];
      },
    });
    return c;
  };
  fromHot('cache_hits_total', 'Lookups answered from the cache', 'hits');
  fromHot('cache_misses_total', 'Lookups not in the cache (a poll is scheduled)', 'misses');
  fromHot('poller_coalesced_requests_total', 'Poll requests merged into a pending or running poll of the same exporter', 'coalesced');
  fromHot('poller_breaker_skipped_total', 'Poll requests refused because the exporter is paused', 'breakerSkipped');
  const sizeGauge: Gauge = m.gauge({
    name: 'cache_size_entries',
    help: 'Interfaces in the cache',
    collect: (): void => sizeGauge.set(size()),
  });
  const requests = m.counter({ name: 'poller_requests_total', help: 'SNMP requests sent, by exporter', labelNames: ['exporter'] as const });
  const successes = m.counter({ name: 'poller_successes_total', help: 'SNMP requests answered, by exporter', labelNames: ['exporter'] as const });
  const errors = m.counter({
    name: 'poller_errors_total',
    help: 'SNMP requests failed, by exporter and error type',
    labelNames: ['exporter', 'error'] as const,
  });
  const breakerOpen = m.counter({
    name: 'poller_breaker_open_total',
    help: 'Times polling an exporter was paused after consecutive failures, by exporter',
    labelNames: ['exporter'] as const,
  });
  return {
    expired: m.counter({ name: 'cache_expired_entries_total', help: 'Cache entries removed because unused for cache-duration' }),
    refreshes: m.counter({ name: 'cache_refreshes_total', help: 'Cache entries polled again because used since their last update' }),
    loaded: m.counter({ name: 'cache_loaded_entries_total', help: 'Cache entries read from the persisted file' }),
    polls: m.counter({ name: 'poller_polls_total', help: 'Polls of an exporter through the providers (one may send several SNMP requests)' }),
    pollFailures: m.counter({ name: 'poller_failed_polls_total', help: 'Polls of an exporter that failed (a provider handling it got no answer)' }),
    breakerOpened: (exporter: string) => breakerOpen.labels(exporter),
    forExporter: newExporterCounters(requests, successes, errors),
  };
}

/** Metrics are the metadata component's metrics. */
export type Metrics = ReturnType<typeof newMetrics>;

/** ExporterCounters are one exporter's poller counters, resolved once. */
export interface ExporterCounters {
  requests: { inc(n?: number): void };
  successes: { inc(n?: number): void };
  errors: Record<PollError, { inc(n?: number): void }>;
}

function newExporterCounters(
  requests: ReturnType<Reporter['metrics']['counter']>,
  successes: ReturnType<Reporter['metrics']['counter']>,
  errors: ReturnType<Reporter['metrics']['counter']>,
): (exporter: string) => ExporterCounters {
  const known = new Map<string, ExporterCounters>();
  return (exporter: string) => {
    let c = known.get(exporter);
    if (c === undefined) {
      const byType = Object.fromEntries(POLL_ERRORS.map((t) => [t, errors.labels(exporter, t)])) as ExporterCounters['errors'];
      // Error series start at 0 so that dashboards see them before the first failure.
      for (const e of Object.values(byType)) e.inc(0);
      c = { requests: requests.labels(exporter), successes: successes.labels(exporter), errors: byType };
      c.requests.inc(0);
      c.successes.inc(0);
      known.set(exporter, c);
    }
    return c;
  };
}
