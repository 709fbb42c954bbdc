// SPDX-License-Identifier: AGPL-3.0-only
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';

export type { Counter, Gauge, Histogram, Summary } from 'prom-client';

/** MetricOptions describe one metric; `name` is relative to the module prefix. */
export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** collect is called before each scrape (gauges fed from plain counters). */
  collect?: () => void | Promise<void>;
}

/** modulePrefix turns a module name ("inlet/flow") into a metric prefix ("akvorado_inlet_flow_"). */
export function modulePrefix(module: string): string {
  const clean = module.replace(/[^a-zA-Z0-9]+/g, '_').replace(/^_|_$/g, '');
  return clean === '' ? 'akvorado_' : `akvorado_${clean}_`;
}

/** newRegistry makes a registry with Node's process metrics (CPU, memory, event loop). */
export function newRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Metrics creates metrics whose names carry the module prefix, in the
 * service's registry (never prom-client's global one). Asking twice for the
 * same name returns the same metric.
 */
export class Metrics {
  readonly registry: Registry;
  readonly prefix: string;

  constructor(registry: Registry, prefix: string) {
    this.registry = registry;
    this.prefix = prefix;
  }

  counter<L extends string = string>(o: MetricOptions<L>): Counter<L> {
    return this.existing(o.name) ?? new Counter<L>(this.options(o));
  }

  gauge<L extends string = string>(o: MetricOptions<L>): Gauge<L> {
    return this.existing(o.name) ?? new Gauge<L>(this.options(o));
  }

  histogram<L extends string = string>(o: MetricOptions<L> & { buckets?: number[] }): Histogram<L> {
    return (
      this.existing(o.name) ??
      new Histogram<L>({ ...this.options(o), ...(o.buckets === undefined ? {} : { buckets: o.buckets }) })
    );
  }

  summary<L extends string = string>(o: MetricOptions<L> & { percentiles?: number[] }): Summary<L> {
    return (
      this.existing(o.name) ??
      new Summary<L>({
        ...this.options(o),
        percentiles: o.percentiles ?? [0.5, 0.9, 0.99],
        maxAgeSeconds: 600,
        ageBuckets: 5,
      })
    );
  }

  private existing<M>(name: string): M | undefined {
    return this.registry.getSingleMetric(this.prefix + name) as M | undefined;
  }

  private options<L extends string>(o: MetricOptions<L>) {
    return {
      name: this.prefix + o.name,
      help: o.help,
      labelNames: o.labelNames ?? [],
      registers: [this.registry],
      ...(o.collect === undefined ? {} : { collect: o.collect }),
    };
  }
}
