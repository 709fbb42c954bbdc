// SPDX-License-Identifier: AGPL-3.0-only
// Gives the C heap's free memory back to the system now and then (native/memory).
import type { Component } from './daemon/root.ts';
import { loadAddon } from './native.ts';
import type { Reporter } from './reporter/root.ts';

/** NativeMemory is native/memory's interface (see native/memory/README.md). */
export interface NativeMemory {
  /** trim runs malloc_trim(0) on a thread of libuv's pool; true when memory went back to the system. */
  trim(): Promise<boolean>;
}

/**
 * MemoryTrimmer runs `malloc_trim` every `interval` milliseconds (0: never).
 * The embedded ClickHouse and Node's buffers allocate with glibc's malloc,
 * which keeps what its threads free in its arenas and hands back to the
 * system only the free memory at the top of each heap: after each insert or
 * merge, tens of megabytes stay resident though unused. A trim takes a few
 * milliseconds on a thread of libuv's pool; one runs at a time.
 */
export class MemoryTrimmer implements Component {
  readonly #r: Reporter;
  readonly #interval: number;
  readonly #addon: NativeMemory | null;
  readonly #metrics;
  readonly #sampler;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(r: Reporter, interval: number, addon: NativeMemory | null = loadAddon<NativeMemory>('memory')) {
    this.#r = r.child('memory');
    this.#interval = interval;
    this.#addon = addon;
    // A failing trim would fail every interval: a few log lines a minute.
    this.#sampler = this.#r.newSampler(3, 60_000);
    const m = this.#r.metrics;
    this.#metrics = {
      trims: m.counter({ name: 'trims_total', help: 'Runs of malloc_trim, by whether memory went back to the system', labelNames: ['released'] as const }),
      duration: m.summary({ name: 'trim_duration_seconds', help: 'Time one malloc_trim took (on a thread of the pool)', percentiles: [0.5, 0.9, 0.99] }),
    };
  }

  start(): void {
    if (this.#interval <= 0) return;
    if (this.#addon === null) {
      this.#r.logger.warn('native/memory is not built: the C heap keeps the memory it frees (bash scripts/build-native.sh)');
      return;
    }
    this.#r.logger.debug({ interval: this.#interval }, 'returning free C heap memory to the system periodically');
    this.#timer = setInterval(() => {
      if (this.#running === null) this.#running = this.trim().finally(() => (this.#running = null));
    }, this.#interval);
    this.#timer.unref();
  }

  /** trim runs one malloc_trim now and counts it. */
  async trim(): Promise<void> {
    if (this.#addon === null) return;
    const end = this.#metrics.duration.startTimer();
    try {
      const released = await this.#addon.trim();
      this.#metrics.trims.labels(released ? 'yes' : 'no').inc();
    } catch (err) {
      if (this.#sampler.allow()) this.#r.logger.warn({ err }, 'cannot trim the C heap');
    } finally {
      end();
    }
  }

  async stop(): Promise<void> {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
