// SPDX-License-Identifier: AGPL-3.0-only
import type { Component } from '../../common/daemon/root.ts';
import { AkvoradoError } from '../../common/errors.ts';
import type { Reporter } from '../../common/reporter/root.ts';
import { ClassifierSet } from '../classifier/root.ts';
import { FlowBatch } from '../flow/batch.ts';
import type { BatchHandler } from '../flow/root.ts';
import { STRINGS, type StringTable } from '../flow/strings.ts';
import { Networks } from '../networks/root.ts';
import type { Configuration } from './config.ts';
import { Enricher, type GeoSource, type MetadataSource, type Misses } from './enrich.ts';
import { newHotCounters, newMetrics, type HotCounters } from './metrics.ts';

/** MAX_HELD_BATCHES bounds the batches held while waiting for metadata. */
export const MAX_HELD_BATCHES = 64;

/**
 * MAX_HELD_PER_EXPORTER bounds the held batches waiting for one exporter,
 * so that an exporter slow to answer cannot take every slot from the others.
 */
export const MAX_HELD_PER_EXPORTER = 8;

/** Metadata is what the core component needs of the metadata component. */
export interface Metadata extends MetadataSource {
  readonly maxWait: number;
  waitFor(exporterIP: string, ifIndexes: readonly number[], timeoutMs?: number): Promise<void>;
}

/** Dependencies are the components the core component reads. */
export interface Dependencies {
  metadata: Metadata;
  /** geoip is null when no GeoIP component runs. */
  geoip: GeoSource | null;
  /** strings defaults to the process-wide table the Kafka encoder reads. */
  strings?: StringTable;
  /** maxHeld overrides MAX_HELD_BATCHES (tests). */
  maxHeld?: number;
  /** maxHeldPerExporter overrides MAX_HELD_PER_EXPORTER (tests). */
  maxHeldPerExporter?: number;
}

/**
 * CoreComponent enriches the decoded batches on the main thread, between
 * the flow component and the outputs (Kafka): exporter and interface names,
 * descriptions, speeds and classification, AS numbers, countries, networks.
 * When some interfaces of a batch have no metadata yet, the batch is copied
 * and held until the metadata component answers or max-wait passes, then
 * enriched again with what is known and sent; at most MAX_HELD_BATCHES are
 * held, at most MAX_HELD_PER_EXPORTER waiting for one exporter, the others
 * go out at once. Flows rejected by a classifier are
 * dropped. Everything is counted under akvorado_inlet_core_.
 */
export class CoreComponent implements Component {
  private readonly r: Reporter;
  private readonly metadata: Metadata;
  private readonly enricher: Enricher;
  private readonly hot: HotCounters = newHotCounters();
  private readonly handlers = new Set<BatchHandler>();
  private readonly pending = new Set<Promise<void>>();
  private readonly maxHeld: number;
  private readonly maxHeldPerExporter: number;
  /** heldBy counts the held batches waiting for each exporter. */
  private readonly heldBy = new Map<string, number>();
  private readonly sampler;
  private stopped = false;

  /** The constructor compiles the rules and the networks; it throws AKV_CONFIG_INVALID or AKV_CLASSIFIER_PARSE. */
  constructor(r: Reporter, config: Configuration, deps: Dependencies) {
    this.r = r.child('inlet/core');
    this.metadata = deps.metadata;
    this.maxHeld = deps.maxHeld ?? MAX_HELD_BATCHES;
    this.maxHeldPerExporter = deps.maxHeldPerExporter ?? MAX_HELD_PER_EXPORTER;
    this.sampler = this.r.newSampler(3, 30_000);
    const strings = deps.strings ?? STRINGS;
    let networks: Networks;
    try {
      networks = new Networks(config.networks);
    } catch (err) {
      throw new AkvoradoError('AKV_CONFIG_INVALID', `core.${(err as Error).message}`, { cause: err });
    }
    const classifiers = new ClassifierSet(this.r.child('inlet/core/classifier'), config);
    this.enricher = new Enricher(config, { metadata: deps.metadata, geoip: deps.geoip, networks, classifiers, strings }, this.hot);
    newMetrics(this.r, this.hot, {
      heldBatches: () => this.pending.size,
      strings: () => strings.size,
      exporters: () => this.enricher.exporterCount,
      interfaces: () => this.enricher.interfaceCount,
    });
  }

  /** subscribe adds a handler of enriched batches; the returned function removes it. */
  subscribe(handler: BatchHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** heldBatches is the number of batches waiting for metadata. */
  get heldBatches(): number {
    return this.pending.size;
  }

  /**
   * handle enriches a batch from the flow component and hands it to the
   * handlers, now or (missing metadata) once the wait is over. The batch is
   * not kept past the call: a held batch is a copy.
   */
  handle(batch: FlowBatch): void {
    if (batch.length === 0) return;
    const canHold = !this.stopped && this.pending.size < this.maxHeld;
    const misses: Misses | null = canHold ? new Map() : null;
    const missing = this.enricher.resolve(batch, misses);
    if (missing === 0) {
      this.send(batch);
      return;
    }
    if (!canHold || !this.mayHold(misses!)) {
      if (!this.stopped) this.hot.overflow++;
      this.hot.withoutMetadata += missing;
      this.send(batch);
      return;
    }
    this.hot.held++;
    const copy = new FlowBatch(batch.capacity, batch.buffer.slice(0));
    copy.length = batch.length;
    for (const ip of misses!.keys()) this.heldBy.set(ip, (this.heldBy.get(ip) ?? 0) + 1);
    const p = this.hold(copy, misses!).finally(() => {
      this.pending.delete(p);
      for (const ip of misses!.keys()) {
        const n = this.heldBy.get(ip)! - 1;
        if (n === 0) this.heldBy.delete(ip);
        else this.heldBy.set(ip, n);
      }
    });
    this.pending.add(p);
  }

  // mayHold tells whether every exporter a batch waits for has a free slot.
  private mayHold(misses: Misses): boolean {
    for (const ip of misses.keys()) if ((this.heldBy.get(ip) ?? 0) >= this.maxHeldPerExporter) return false;
    return true;
  }

  // hold waits for the missing metadata (at most max-wait), then enriches
  // the copy again with what is known and sends it.
  private async hold(batch: FlowBatch, misses: Misses): Promise<void> {
    const waits: Array<Promise<void>> = [];
    for (const [ip, ifIndexes] of misses) waits.push(this.metadata.waitFor(ip, ifIndexes, this.metadata.maxWait));
    try {
      await Promise.all(waits);
    } catch (err) {
      // waitFor only fails when metadata is not running: send what is known.
      if (this.sampler.allow()) this.r.logger.warn({ err }, 'cannot wait for metadata');
    }
    this.hot.withoutMetadata += this.enricher.resolve(batch, null);
    this.send(batch);
  }

  // send finishes a resolved batch and hands it to the handlers.
  private send(batch: FlowBatch): void {
    this.enricher.finish(batch);
    this.hot.enriched += batch.length;
    if (batch.length === 0) return;
    for (const h of this.handlers) {
      try {
        h(batch);
      } catch (err) {
        if (this.sampler.allow()) this.r.logger.error({ err }, 'enriched batch handler failed');
      }
    }
  }

  /** start logs the configuration summary; enrichment needs no resource. */
  start(): void {
    if (this.stopped) throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'inlet/core: component already stopped');
    this.r.logger.info('starting core component');
  }

  /** stop sends the held batches once their wait is over (at most max-wait). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.pending);
    this.r.logger.info('core component stopped');
  }
}
