// SPDX-License-Identifier: AGPL-3.0-only
import type { ExporterInfo, InterfaceInfo } from './provider/root.ts';

/**
 * Answer is what the cache knows about one interface of an exporter.
 * `interface` is null when the exporter is known but this ifIndex is not
 * (SNMP noSuchInstance, ifIndex 0, no provider knows it).
 */
export interface Answer {
  readonly exporter: ExporterInfo;
  readonly interface: InterfaceInfo | null;
}

/** CacheEntry is one cached interface with its times (milliseconds since the epoch). */
export interface CacheEntry {
  answer: Answer;
  /** updated is when a provider last answered for it. */
  updated: number;
  /** accessed is when the flow path last used it. */
  accessed: number;
}

/** SweepResult lists what one check of the cache removed and what it wants polled again. */
export interface SweepResult {
  expired: number;
  refresh: Map<string, number[]>;
}

/**
 * Cache holds answers by exporter, then by ifIndex: two map lookups and no
 * allocation per flow (the answer objects are built when stored). It runs on
 * the main thread only, like the enrichment that reads it.
 */
export class Cache {
  private readonly exporters = new Map<string, Map<number, CacheEntry>>();
  private count = 0;

  /** size is the number of cached interfaces. */
  get size(): number {
    return this.count;
  }

  /** get returns the entry of an interface and marks it used at `now`. */
  get(exporterIP: string, ifIndex: number, now: number): Answer | undefined {
    const e = this.exporters.get(exporterIP)?.get(ifIndex);
    if (e === undefined) return undefined;
    e.accessed = now;
    return e.answer;
  }

  /** set stores an answer; a new entry counts as used at `accessed` (default: `updated`). */
  set(exporterIP: string, ifIndex: number, answer: Answer, updated: number, accessed?: number): void {
    let byIndex = this.exporters.get(exporterIP);
    if (byIndex === undefined) {
      byIndex = new Map();
      this.exporters.set(exporterIP, byIndex);
    }
    const e = byIndex.get(ifIndex);
    if (e === undefined) {
      byIndex.set(ifIndex, { answer, updated, accessed: accessed ?? updated });
      this.count++;
      return;
    }
    e.answer = answer;
    e.updated = updated;
    if (accessed !== undefined) e.accessed = accessed;
  }

  /**
   * sweep removes entries unused for `duration` ms and lists, by exporter,
   * the entries used since their last update that are older than `refresh` ms.
   */
  sweep(now: number, duration: number, refresh: number): SweepResult {
    const out: SweepResult = { expired: 0, refresh: new Map() };
    for (const [exporterIP, byIndex] of this.exporters) {
      for (const [ifIndex, e] of byIndex) {
        if (now - e.accessed >= duration) {
          byIndex.delete(ifIndex);
          this.count--;
          out.expired++;
        } else if (now - e.updated >= refresh && e.accessed > e.updated) {
          let list = out.refresh.get(exporterIP);
          if (list === undefined) out.refresh.set(exporterIP, (list = []));
          list.push(ifIndex);
        }
      }
      if (byIndex.size === 0) this.exporters.delete(exporterIP);
    }
    return out;
  }

  /** entries walks every cached interface (persistence). */
  *entries(): Generator<[string, number, CacheEntry]> {
    for (const [exporterIP, byIndex] of this.exporters) {
      for (const [ifIndex, e] of byIndex) yield [exporterIP, ifIndex, e];
    }
  }
}
