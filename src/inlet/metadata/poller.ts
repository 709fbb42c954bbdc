// SPDX-License-Identifier: AGPL-3.0-only
import type { Reporter } from '../../common/reporter/root.ts';
import type { Cache } from './cache.ts';
import type { HotCounters, Metrics } from './metrics.ts';
import type { ExporterInfo, InterfaceInfo, Provider } from './provider/root.ts';

/** PollerOptions tune coalescing and the circuit breaker (tests shorten them). */
export interface PollerOptions {
  /** batchDelay is how long a first request waits for others to join its poll (ms). */
  batchDelay: number;
  /** breakerThreshold is how many consecutive failed polls pause an exporter. */
  breakerThreshold: number;
  /** breakerPause is how long a paused exporter is not polled (ms). */
  breakerPause: number;
}

/** defaultPollerOptions returns the production settings. */
export function defaultPollerOptions(): PollerOptions {
  return { batchDelay: 5, breakerThreshold: 3, breakerPause: 60_000 };
}

// Batch is one poll of an exporter: the ifIndexes asked for, and a promise
// settled when the poll is over (whatever its outcome).
class Batch {
  readonly ifIndexes = new Set<number>();
  readonly done: Promise<void>;
  resolve!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }
}

// ExporterState is the polling state of one exporter: at most one poll
// running (`current`) and one gathering ifIndexes for later (`next`).
class ExporterState {
  current: Batch | null = null;
  next: Batch | null = null;
  timer: NodeJS.Timeout | null = null;
  failures = 0;
  pausedUntil = 0;
}

const DONE = Promise.resolve();

/**
 * Poller asks the providers about exporters and stores their answers in the
 * cache. Requests for one exporter are coalesced: an ifIndex already asked
 * for joins the poll that has it, a new one joins the next poll, which
 * starts when the running one ends (or after `batchDelay` when none runs),
 * so a burst of misses makes one request per exporter. An exporter whose
 * polls fail `breakerThreshold` times in a row is paused for `breakerPause`.
 */
export class Poller {
  private readonly r: Reporter;
  private readonly providers: readonly Provider[];
  private readonly cache: Cache;
  private readonly metrics: Metrics;
  private readonly hot: HotCounters;
  private readonly options: PollerOptions;
  private readonly states = new Map<string, ExporterState>();
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  /** lastSuccess is when a poll last got an answer (0: never). */
  lastSuccess = 0;
  /** lastFailure is when a poll last failed (0: never). */
  lastFailure = 0;

  constructor(r: Reporter, providers: readonly Provider[], cache: Cache, metrics: Metrics, hot: HotCounters, options: PollerOptions) {
    this.r = r;
    this.hot = hot;
    this.providers = providers;
    this.cache = cache;
    this.metrics = metrics;
    this.options = options;
  }

  /** request asks for an exporter's interfaces; the promise settles when the poll that has them ends. */
  request(exporterIP: string, ifIndex: number): Promise<void> {
    if (this.stopped) return DONE;
    let st = this.states.get(exporterIP);
    if (st === undefined) this.states.set(exporterIP, (st = new ExporterState()));
    if (st.pausedUntil > Date.now()) {
      this.hot.breakerSkipped++;
      return DONE;
    }
    if (st.current?.ifIndexes.has(ifIndex)) {
      this.hot.coalesced++;
      return st.current.done;
    }
    if (st.next !== null) {
      if (!st.next.ifIndexes.has(ifIndex)) st.next.ifIndexes.add(ifIndex);
      this.hot.coalesced++;
      return st.next.done;
    }
    const b = (st.next = new Batch());
    b.ifIndexes.add(ifIndex);
    if (st.current === null) {
      const s = st;
      st.timer = setTimeout(() => this.launch(exporterIP, s), this.options.batchDelay);
    }
    return b.done;
  }

  /** openBreakers counts the exporters paused now. */
  openBreakers(): number {
    const now = Date.now();
    let n = 0;
    for (const st of this.states.values()) if (st.pausedUntil > now) n++;
    return n;
  }

  // launch starts the exporter's next poll.
  private launch(exporterIP: string, st: ExporterState): void {
    st.timer = null;
    const b = st.next;
    if (b === null || this.stopped) return;
    st.next = null;
    st.current = b;
    const p = this.poll(exporterIP, st, [...b.ifIndexes]).finally(() => {
      this.running.delete(p);
      st.current = null;
      b.resolve();
      if (st.next === null || this.stopped) return;
      if (st.pausedUntil > Date.now()) {
        // Paused by this poll: what waited for the next one is not polled.
        st.next.resolve();
        st.next = null;
        return;
      }
      this.launch(exporterIP, st);
    });
    this.running.add(p);
  }

  // poll asks each provider in turn for what the previous ones left; it never rejects.
  private async poll(exporterIP: string, st: ExporterState, ifIndexes: number[]): Promise<void> {
    this.metrics.polls.inc();
    let exporter: ExporterInfo | null = null;
    const found = new Map<number, InterfaceInfo | null>();
    let remaining = ifIndexes;
    let failure: unknown = null;
    for (const provider of this.providers) {
      try {
        const answer = await provider.query(exporterIP, remaining);
        if (answer === null) continue;
        exporter ??= answer.exporter;
        for (const [i, iface] of answer.interfaces) found.set(i, iface);
        remaining = remaining.filter((i) => !found.has(i));
        if (remaining.length === 0) break;
      } catch (err) {
        failure = err;
        break;
      }
    }
    const now = Date.now();
    if (exporter !== null) {
      // After a failure, what is missing may exist: it is not stored as unknown.
      for (const i of ifIndexes) {
        const iface = found.get(i);
        if (iface === undefined && failure !== null) continue;
        this.cache.set(exporterIP, i, { exporter, interface: iface ?? null }, now);
      }
    }
    if (failure === null) {
      st.failures = 0;
      this.lastSuccess = now;
      return;
    }
    this.metrics.pollFailures.inc();
    this.lastFailure = now;
    st.failures++;
    if (st.failures >= this.options.breakerThreshold) {
      st.pausedUntil = now + this.options.breakerPause;
      this.metrics.breakerOpened(exporterIP).inc();
      this.r.logger.warn({ exporter: exporterIP, failures: st.failures, pauseMs: this.options.breakerPause, err: failure }, 'exporter paused after consecutive poll failures');
    }
  }

  /** stop refuses new requests, settles pending ones, and waits for running polls (providers were closed first). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const st of this.states.values()) {
      if (st.timer !== null) clearTimeout(st.timer);
      st.timer = null;
      st.next?.resolve();
      st.next = null;
    }
    await Promise.all([...this.running]);
  }
}
