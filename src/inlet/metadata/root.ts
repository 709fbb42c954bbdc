// SPDX-License-Identifier: AGPL-3.0-only
import type { Component } from '../../common/daemon/root.ts';
import { AkvoradoError } from '../../common/errors.ts';
import type { HealthResult, Reporter } from '../../common/reporter/root.ts';
import { Cache, type Answer } from './cache.ts';
import { resolveProviders, type Configuration } from './config.ts';
import { newHotCounters, newMetrics, type HotCounters, type Metrics } from './metrics.ts';
import { load, save } from './persist.ts';
import { defaultPollerOptions, Poller, type PollerOptions } from './poller.ts';
import type { Provider } from './provider/root.ts';
import { SnmpProvider } from './provider/snmp.ts';
import { StaticProvider } from './provider/static.ts';

export type { Answer } from './cache.ts';
export type { Boundary, ExporterInfo, InterfaceInfo, Provider, ProviderAnswer } from './provider/root.ts';

/** MetadataOptions are for tests: shorter breaker pauses, or providers replacing the configured ones. */
export type MetadataOptions = Partial<PollerOptions> & { providers?: Provider[] };

/**
 * MetadataComponent gives exporter names and interface names, descriptions
 * and speeds to the flow path. `lookup()` answers from an in-process cache
 * and, on a miss, schedules a poll of the providers (tried in order); the
 * flow path may wait for it with `waitFor()` up to `maxWait`. Used entries
 * are polled again every cache-refresh, unused ones expire after
 * cache-duration, and the cache survives restarts in cache-persist-file.
 */
export class MetadataComponent implements Component {
  private readonly r: Reporter;
  private readonly config: Configuration;
  private readonly cache = new Cache();
  private readonly counters: HotCounters = newHotCounters();
  private readonly metrics: Metrics;
  private readonly providers: Provider[];
  private readonly poller: Poller;
  private timer: NodeJS.Timeout | null = null;
  private started = false;
  private stopped = false;

  /** constructor validates the providers and declares metrics; `options` are for tests. */
  constructor(r: Reporter, config: Configuration, options: MetadataOptions = {}) {
    this.r = r.child('inlet/metadata');
    this.config = config;
    this.metrics = newMetrics(this.r, this.counters, () => this.cache.size);
    let resolved;
    try {
      resolved = resolveProviders(config.providers);
    } catch (cause) {
      const lines = (cause as Error).message.split('\n').map((l) => `metadata.providers.${l}`);
      throw new AkvoradoError('AKV_CONFIG_INVALID', lines.join('\n'), { cause });
    }
    this.providers =
      options.providers ??
      resolved.map((p) => (p.type === 'snmp' ? new SnmpProvider(this.r, p.config, this.metrics.forExporter) : new StaticProvider(p.config)));
    const { providers: _, ...pollerOptions } = options;
    this.poller = new Poller(this.r, this.providers, this.cache, this.metrics, this.counters, { ...defaultPollerOptions(), ...pollerOptions });
  }

  /** maxWait is how long the flow path may wait for a missing answer (ms). */
  get maxWait(): number {
    return this.config.maxWait;
  }

  /** start loads the persisted cache and starts the periodic check. */
  async start(): Promise<void> {
    if (this.stopped) throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'inlet/metadata: component already stopped');
    this.r.logger.info({ providers: this.providers.map((p) => p.type) }, 'starting metadata component');
    const file = this.config.cachePersistFile;
    if (file !== '') {
      try {
        const n = await load(file, this.cache, Date.now());
        this.metrics.loaded.inc(n);
        this.r.logger.info({ file, entries: n }, 'metadata cache loaded');
      } catch (err) {
        this.r.logger.warn({ file, err }, 'cannot load metadata cache, starting empty');
      }
    }
    this.timer = setInterval(() => this.check(), this.config.cacheCheckInterval);
    this.r.registerHealthcheck(() => this.health());
    this.started = true;
  }

  /**
   * lookup returns the cached answer for an interface, or null after
   * scheduling a poll of the exporter (concurrent misses share one poll).
   * On a miss, a first provider that knows the answer at once (static) gives
   * it, cached: the flows of a new exporter need not wait for a poll.
   * It is synchronous and allocates nothing on a hit. `exporterIP` is
   * written as formatIP() writes it (dotted quad for IPv4), the cache key.
   */
  lookup(exporterIP: string, ifIndex: number): Answer | null {
    const answer = this.cache.get(exporterIP, ifIndex, Date.now());
    if (answer !== undefined) {
      this.counters.hits++;
      return answer;
    }
    this.counters.misses++;
    if (!this.started || this.stopped) return null;
    // A first provider that answers at once (static) spares the flows a wait.
    const known = this.providers[0]?.answerNow?.(exporterIP, ifIndex) ?? null;
    if (known !== null) {
      this.cache.set(exporterIP, ifIndex, known, Date.now());
      return known;
    }
    void this.poller.request(exporterIP, ifIndex);
    return null;
  }

  /**
   * waitFor resolves when the polls that ask for these interfaces are over
   * (answered or failed) or after `timeoutMs` (default max-wait), whichever
   * comes first; it never rejects. Call lookup() again afterwards.
   */
  async waitFor(exporterIP: string, ifIndexes: readonly number[], timeoutMs = this.config.maxWait): Promise<void> {
    if (!this.started || this.stopped) throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'inlet/metadata: component not running');
    const polls = new Set<Promise<void>>();
    for (const i of ifIndexes) polls.add(this.poller.request(exporterIP, i));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([Promise.all(polls), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** query is lookup() that waits up to max-wait for a missing answer. */
  async query(exporterIP: string, ifIndex: number): Promise<Answer | null> {
    const answer = this.lookup(exporterIP, ifIndex);
    if (answer !== null) return answer;
    await this.waitFor(exporterIP, [ifIndex]);
    return this.cache.get(exporterIP, ifIndex, Date.now()) ?? null;
  }

  // check expires unused entries and refreshes used ones that are old.
  private check(): void {
    const { expired, refresh } = this.cache.sweep(Date.now(), this.config.cacheDuration, this.config.cacheRefresh);
    this.metrics.expired.inc(expired);
    for (const [exporterIP, ifIndexes] of refresh) {
      this.metrics.refreshes.inc(ifIndexes.length);
      for (const i of ifIndexes) void this.poller.request(exporterIP, i);
    }
  }

  private health(): HealthResult {
    const open = this.poller.openBreakers();
    const details = { cacheSize: this.cache.size, pausedExporters: open };
    const failing = this.poller.lastFailure > 0 && this.poller.lastFailure > this.poller.lastSuccess;
    if (failing && open > 0) return { status: 'degraded', reason: `${open} exporters paused after poll failures`, details };
    return { status: 'ok', details };
  }

  /** stop cancels polls in progress, stops the periodic check and saves the cache. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (!this.started) return;
    if (this.timer !== null) clearInterval(this.timer);
    for (const p of this.providers) p.close?.();
    await this.poller.stop();
    this.r.unregisterHealthcheck();
    const file = this.config.cachePersistFile;
    if (file !== '') {
      try {
        const n = await save(file, this.cache);
        this.r.logger.info({ file, entries: n }, 'metadata cache saved');
      } catch (err) {
        this.r.logger.error({ file, err }, 'cannot save metadata cache');
      }
    }
    this.r.logger.info('metadata component stopped');
  }
}
