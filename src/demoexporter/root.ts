// SPDX-License-Identifier: AGPL-3.0-only
import { randomInt } from 'node:crypto';
import { serve } from '../cmd/serve.ts';
import { parseListen } from '../common/config/formats.ts';
import type { Component } from '../common/daemon/root.ts';
import { AkvoradoError } from '../common/errors.ts';
import type { Reporter } from '../common/reporter/root.ts';
import type { Configuration, ExporterConfiguration } from './config.ts';
import { diurnalFactor, hourOf } from './diurnal.ts';
import { resolveExporters } from './exporters.ts';
import type { Interface } from './interfaces.ts';
import { newMetrics } from './metrics.ts';
import { Sender } from './sender.ts';
import { SnmpAgent } from './snmp.ts';

/** TICK_MS is how often the exporters send what accrued since the previous tick. */
export const TICK_MS = 100;

/** Options tune the component for tests: a faster template refresh, a fixed clock. */
export interface Options {
  tickMs?: number;
  templateIntervalMs?: number;
  now?: () => number;
}

/** ExporterInfo describes one running demo exporter, for wiring a collector to it. */
export interface ExporterInfo {
  name: string;
  address: string;
  protocol: string;
  samplingRate: number;
  /** domain is the NetFlow source ID, IPFIX observation domain and sFlow sub-agent ID. */
  domain: number;
  snmpPort: number;
  snmpCommunity: string;
  interfaces: readonly Interface[];
}

/**
 * DemoExporterComponent runs the fake exporters: each sends flows of its
 * protocol from its own address to the collector, at a rate that follows
 * the hour of the day, and answers SNMP on its address for its interfaces.
 */
export class DemoExporterComponent implements Component {
  readonly #r: Reporter;
  readonly #config: ExporterConfiguration;
  readonly #senders: Sender[];
  readonly #agents: SnmpAgent[];
  readonly #tickMs: number;
  readonly #now: () => number;
  readonly #sampler;
  readonly #seed: number;
  #timer: NodeJS.Timeout | null = null;
  #lastMs = 0;
  #state: 'new' | 'started' | 'stopped' = 'new';

  constructor(r: Reporter, config: ExporterConfiguration, options: Options = {}) {
    this.#r = r.child('demoexporter');
    this.#config = config;
    this.#tickMs = options.tickMs ?? TICK_MS;
    this.#now = options.now ?? Date.now;
    this.#sampler = this.#r.newSampler(1, 60_000);
    const metrics = newMetrics(this.#r);
    const specs = resolveExporters(config.exporters);
    const seed = config.seed === 0 ? randomInt(1, 0x7fffffff) : config.seed;
    this.#seed = seed;
    const flowTarget = parseListen(config.target)!;
    const sflowTarget = parseListen(config.sflowTarget)!;
    const now = this.#now();
    const onError = (address: string) => (err: Error) => {
      if (this.#sampler.allow()) this.#r.logger.warn({ exporter: address, err }, 'demo exporter error');
    };
    this.#senders = specs.map((spec) => {
      // Each exporter booted some days ago, at its own time.
      const bootMs = now - (3 + spec.rank) * 86_400_000 - spec.rank * 3_600_000;
      const target = spec.protocol === 'sflow' ? sflowTarget : flowTarget;
      return new Sender(spec, target, (seed + spec.rank * 0x9e3779b1) >>> 0, bootMs, metrics, onError(spec.address), options.templateIntervalMs);
    });
    this.#agents = this.#senders.map((s) => {
      const errors = metrics.errors.labels(s.spec.address, 'snmp');
      errors.inc(0);
      const log = onError(s.spec.address);
      return new SnmpAgent(s.spec.address, config.snmpPort, s.spec.name, config.snmpCommunity, s.topology, (err) => {
        errors.inc();
        log(err);
      });
    });
  }

  /** exporters describes the exporters: addresses, protocols, SNMP agents and interfaces. */
  exporters(): ExporterInfo[] {
    return this.#senders.map(({ spec, topology }) => ({
      name: spec.name,
      address: spec.address,
      protocol: spec.protocol,
      samplingRate: spec.samplingRate,
      domain: spec.domain,
      snmpPort: this.#config.snmpPort,
      snmpCommunity: this.#config.snmpCommunity,
      interfaces: topology.interfaces,
    }));
  }

  /** start binds every exporter's flow socket and SNMP agent, then starts sending. */
  async start(): Promise<void> {
    if (this.#state !== 'new') throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'demo exporter: start() after stop()');
    this.#state = 'started';
    // The seed is logged so that a run can be replayed.
    this.#r.logger.info({ exporters: this.#senders.length, target: this.#config.target, sflowTarget: this.#config.sflowTarget, seed: this.#seed }, 'starting demo exporter');
    try {
      for (const [i, sender] of this.#senders.entries()) {
        const { address, name } = sender.spec;
        await sender.start().catch((cause: unknown) => {
          throw new AkvoradoError('AKV_COMPONENT_START', `demo exporter ${name}: cannot bind ${address}: ${(cause as Error).message}`, { cause });
        });
        await this.#agents[i]!.start().catch((cause: unknown) => {
          throw new AkvoradoError('AKV_COMPONENT_START', `demo exporter ${name}: cannot bind SNMP agent to ${address}:${this.#config.snmpPort}: ${(cause as Error).message}`, { cause });
        });
      }
    } catch (err) {
      await this.#close();
      throw err;
    }
    this.#lastMs = this.#now();
    this.#timer = setInterval(() => this.#tick(), this.#tickMs);
  }

  /** stop stops sending and closes every socket and agent; it may be called more than once. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    const started = this.#state === 'started';
    this.#state = 'stopped';
    if (!started) return;
    await this.#close();
    this.#r.logger.info('demo exporter stopped');
  }

  /** tick sends, for each exporter, the flows due since the last tick (at most one second's worth). */
  tick(nowMs: number): void {
    const elapsed = Math.min(Math.max(nowMs - this.#lastMs, 0), 1000);
    this.#lastMs = nowMs;
    const perExporter = (this.#config.flowsPerSecond * diurnalFactor(hourOf(nowMs))) / this.#senders.length;
    for (const s of this.#senders) {
      const due = s.carry + (perExporter * elapsed) / 1000;
      const n = Math.floor(due);
      s.carry = due - n;
      s.send(n, nowMs);
    }
  }

  #tick(): void {
    this.tick(this.#now());
  }

  async #close(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    for (let i = this.#senders.length - 1; i >= 0; i--) {
      await this.#agents[i]!.stop();
      await this.#senders[i]!.stop();
    }
    // libuv releases closed UDP handles in the close phase of the event
    // loop, which follows the check phase (setImmediate): after two checks,
    // nothing this component opened is left.
    await new Promise(setImmediate);
    await new Promise(setImmediate);
  }
}

/** run runs `akvorado demo-exporter`: the exporters, with metrics on the HTTP server. */
export function run(config: Configuration): Promise<number> {
  return serve('demo-exporter', config, ({ r }) => [['demo-exporter', new DemoExporterComponent(r, config)]]);
}
