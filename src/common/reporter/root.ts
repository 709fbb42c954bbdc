// SPDX-License-Identifier: AGPL-3.0-only
import type { DestinationStream } from 'pino';
import type { Registry } from 'prom-client';
import type { Configuration } from './config.ts';
import { Healthchecks, type Healthcheck, type HealthReport } from './healthcheck.ts';
import { BurstSampler, newLogger, type Logger } from './logger.ts';
import { Metrics, modulePrefix, newRegistry } from './metrics.ts';

export { BurstSampler, type Logger } from './logger.ts';
export type { HealthResult, HealthStatus, Healthcheck, HealthReport } from './healthcheck.ts';

/**
 * Reporter is what every component receives: a logger whose lines carry the
 * module name, metrics whose names carry the module prefix, and the
 * service's healthchecks. `child(module)` binds the module once.
 */
export class Reporter {
  readonly module: string;
  readonly logger: Logger;
  readonly metrics: Metrics;
  private readonly healthchecks: Healthchecks;

  constructor(module: string, logger: Logger, registry: Registry, healthchecks: Healthchecks) {
    this.module = module;
    this.logger = logger;
    this.metrics = new Metrics(registry, modulePrefix(module));
    this.healthchecks = healthchecks;
  }

  /** child returns a reporter for a module ("inlet/flow"), sharing registry and checks. */
  child(module: string): Reporter {
    return new Reporter(module, this.logger.child({ module }), this.metrics.registry, this.healthchecks);
  }

  /** newSampler makes a burst sampler for error logs on a per-packet path. */
  newSampler(burst = 3, periodMs = 10_000): BurstSampler {
    return new BurstSampler(burst, periodMs);
  }

  /** registerHealthcheck adds a check named after the module (and `name` if given). */
  registerHealthcheck(check: Healthcheck, name?: string): void {
    this.healthchecks.register(name === undefined ? this.module : `${this.module}/${name}`, check);
  }

  /** unregisterHealthcheck removes a check added by registerHealthcheck. */
  unregisterHealthcheck(name?: string): void {
    this.healthchecks.unregister(name === undefined ? this.module : `${this.module}/${name}`);
  }

  /** runHealthchecks runs every check of the service. */
  runHealthchecks(): Promise<HealthReport> {
    return this.healthchecks.run();
  }

  /** metricsText renders every metric of the service in Prometheus text format. */
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }

  /** metricsContentType is the Content-Type of metricsText(). */
  get metricsContentType(): string {
    return this.metrics.registry.contentType;
  }

  /** flush writes buffered log lines out (before exit). */
  flush(): Promise<void> {
    return new Promise((resolve) => this.logger.flush(() => resolve()));
  }
}

/** newReporter builds a service's root reporter. `destination` replaces stdout (tests). */
export function newReporter(config: Configuration, destination?: DestinationStream): Reporter {
  return new Reporter('', newLogger(config, destination), newRegistry(), new Healthchecks());
}
