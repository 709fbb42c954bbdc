// SPDX-License-Identifier: AGPL-3.0-only
import { readFile, stat } from 'node:fs/promises';
import type { Component } from '../../common/daemon/root.ts';
import { AkvoradoError } from '../../common/errors.ts';
import type { PrefixTable } from '../../common/helpers/prefix-table.ts';
import type { HealthResult, Reporter } from '../../common/reporter/root.ts';
import type { Configuration } from './config.ts';
import { DATABASE_TYPES, newMetrics, type DatabaseType } from './metrics.ts';
import { buildDataset, type Dataset } from './dataset.ts';
import { loadMMDB } from './mmdb.ts';
import { RecordSet, type GeoRecord } from './records.ts';

export type { GeoRecord } from './records.ts';

/** POLL_INTERVAL_MS is how often database files are checked for changes. */
export const POLL_INTERVAL_MS = 5000;

/** Options tune the component (tests poll faster). */
export interface Options {
  pollIntervalMs?: number;
}

// FileState follows one configured file: `seen` is the stat signature of
// the last attempt (null: missing), so a file is retried only when it
// changes; `inUse` tells whether the current dataset holds its data.
interface FileState {
  readonly path: string;
  seen: string | null;
  inUse: boolean;
  status: 'loaded' | 'missing' | 'error';
  error: string;
}

/**
 * GeoIPComponent loads MaxMind DB files (ASN and geo) into one prefix table
 * and answers lookups for the enricher without allocating. Files are polled
 * and reloaded when they change (an atomic rename is the safe way to replace
 * one); until the new files have loaded completely, the old data keeps
 * answering, and a file that fails to load is counted and logged.
 *
 * Several files of one type: for each address, the last file in the list
 * that knows the address wins (so a local override goes last). This is
 * settled at load time, so a lookup is one table lookup whatever the
 * number of files.
 *
 * lookup() returns an entry (-1: unknown address) that gives both answers
 * through asnOf(), asOf() (index into asnRecords) and geoOf() (index into
 * geoRecords): an enricher wanting AS and country does one lookup per
 * address. lookupASN(), lookupAS() and lookupGeo() are shortcuts. A reload
 * swaps tables and records together between two tasks of the event loop,
 * never during one: use the entries and records in the same synchronous run
 * as the lookups.
 */
export class GeoIPComponent implements Component {
  private readonly r: Reporter;
  private readonly config: Configuration;
  private readonly pollMs: number;
  private readonly metrics;
  private readonly sampler;
  private readonly files: Record<DatabaseType, FileState[]>;
  private data: Dataset;
  private timer: NodeJS.Timeout | null;
  private polling: Promise<void> | null;
  private state: 'new' | 'started' | 'stopped';

  constructor(r: Reporter, config: Configuration, options: Options = {}) {
    this.r = r.child('inlet/geoip');
    this.config = config;
    this.pollMs = options.pollIntervalMs ?? POLL_INTERVAL_MS;
    this.metrics = newMetrics(this.r);
    this.sampler = this.r.newSampler(3, 30_000);
    const files = (paths: string[]) => paths.map((path): FileState => ({ path, seen: null, inUse: false, status: 'missing', error: '' }));
    this.files = { asn: files(config.asnDatabase), geo: files(config.geoDatabase) };
    this.data = buildDataset([], new RecordSet(), [], new RecordSet());
    this.timer = null;
    this.polling = null;
    this.state = 'new';
  }

  /** asnRecords are the records asOf() and lookupAS() index. */
  get asnRecords(): readonly GeoRecord[] {
    return this.data.asnRecords;
  }

  /** geoRecords are the records geoOf() and lookupGeo() index. */
  get geoRecords(): readonly GeoRecord[] {
    return this.data.geoRecords;
  }

  /** lookup returns the entry of the 16 bytes at `off`, -1 when no database knows them. */
  lookup(addr: Uint8Array, off: number): number {
    return this.data.table.lookup(addr, off);
  }

  /** lookupBatch is lookup for `count` addresses at addr[off + i * stride], into out[i]. */
  lookupBatch(addr: Uint8Array, off: number, stride: number, count: number, out: Int32Array): void {
    this.data.table.lookupBatch(addr, off, stride, count, out);
  }

  /** asnOf returns the AS number of an entry (0: unknown). */
  asnOf(entry: number): number {
    return entry < 0 ? 0 : this.data.entryASN[entry]!;
  }

  /** asOf returns the index in asnRecords of an entry (-1: unknown). */
  asOf(entry: number): number {
    return entry < 0 ? -1 : this.data.entryAS[entry]!;
  }

  /** geoOf returns the index in geoRecords of an entry (-1: unknown). */
  geoOf(entry: number): number {
    return entry < 0 ? -1 : this.data.entryGeo[entry]!;
  }

  /** lookupASN returns the AS number of the 16 bytes at `off`, 0 when unknown. */
  lookupASN(addr: Uint8Array, off: number): number {
    return this.asnOf(this.data.table.lookup(addr, off));
  }

  /** lookupAS returns the index in asnRecords for the 16 bytes at `off`, or -1. */
  lookupAS(addr: Uint8Array, off: number): number {
    return this.asOf(this.data.table.lookup(addr, off));
  }

  /** lookupGeo returns the index in geoRecords for the 16 bytes at `off`, or -1. */
  lookupGeo(addr: Uint8Array, off: number): number {
    return this.geoOf(this.data.table.lookup(addr, off));
  }

  /** start loads the databases; without `optional`, a file that cannot be loaded is an error naming it. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'inlet/geoip: start() after stop()');
    this.r.logger.info({ asn: this.config.asnDatabase, geo: this.config.geoDatabase }, 'starting GeoIP');
    const failed = await this.load();
    if (failed !== null && !this.config.optional) {
      throw new AkvoradoError('AKV_GEOIP_DATABASE', `inlet/geoip: cannot load database ${failed.path}: ${failed.error}`);
    }
    this.state = 'started';
    this.r.registerHealthcheck(() => this.health());
    if (this.files.asn.length + this.files.geo.length > 0) {
      this.timer = setInterval(() => {
        this.polling ??= this.poll().finally(() => {
          this.polling = null;
        });
      }, this.pollMs);
      this.timer.unref();
    }
  }

  /** stop ends the polling; lookups keep answering with the data loaded. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    const started = this.state === 'started';
    this.state = 'stopped';
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.polling;
    if (started) this.r.unregisterHealthcheck();
    this.r.logger.info('GeoIP stopped');
  }

  /** reload checks the files now (what the poller does), for tests and signals. */
  async reload(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = null;
    });
    await this.polling;
  }

  // poll reloads the databases when a file changed since the last attempt.
  private async poll(): Promise<void> {
    let changed = false;
    for (const f of [...this.files.asn, ...this.files.geo]) if ((await signature(f.path)) !== f.seen) changed = true;
    if (changed && this.state !== 'stopped') await this.load();
  }

  // load reads every file into a new dataset and swaps it in, unless a file
  // failed to load or a file in use went missing: the old dataset is then
  // kept. It returns the first failing file, or null.
  private async load(): Promise<FileState | null> {
    const start = performance.now();
    const sets = { asn: new RecordSet(), geo: new RecordSet() };
    const tables: Record<DatabaseType, PrefixTable[]> = { asn: [], geo: [] };
    const networks = { asn: 0, geo: 0 };
    let failed: FileState | null = null;
    let keepOld = false;
    for (const type of DATABASE_TYPES) {
      for (const f of this.files[type]) {
        f.seen = await signature(f.path);
        try {
          if (f.seen === null) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
          const { table, info } = loadMMDB(await readFile(f.path), sets[type]);
          tables[type].push(table);
          networks[type] += info.networks;
          f.status = 'loaded';
          f.error = '';
          this.r.logger.info({ type, path: f.path, databaseType: info.databaseType, networks: info.networks }, 'GeoIP database loaded');
        } catch (err) {
          const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
          f.status = missing ? 'missing' : 'error';
          f.error = (err as Error).message;
          failed ??= f;
          if (!missing || f.inUse) keepOld = true;
          if (!missing) this.metrics.errors.labels(type).inc();
          if (this.sampler.allow()) this.r.logger.warn({ type, path: f.path, err }, 'cannot load GeoIP database');
        }
      }
    }
    if (keepOld && this.state === 'started') return failed;
    this.data = buildDataset(tables.asn, sets.asn, tables.geo, sets.geo);
    const seconds = (performance.now() - start) / 1000;
    for (const type of DATABASE_TYPES) {
      for (const f of this.files[type]) f.inUse = f.status === 'loaded';
      this.metrics.databases.labels(type).set(tables[type].length);
      this.metrics.networks.labels(type).set(networks[type]);
      this.metrics.records.labels(type).set(sets[type].records.length - 1);
      this.metrics.loads.labels(type).inc();
      this.metrics.lastLoad.labels(type).set(Date.now() / 1000);
      this.metrics.loadSeconds.labels(type).set(seconds);
    }
    return failed;
  }

  private health(): HealthResult {
    const details: Record<string, string> = {};
    let ok = true;
    for (const type of DATABASE_TYPES) {
      for (const f of this.files[type]) {
        details[f.path] = f.status === 'error' ? `error: ${f.error}` : f.status;
        if (f.status !== 'loaded') ok = false;
      }
    }
    return ok ? { status: 'ok', details } : { status: 'degraded', reason: 'some GeoIP databases are not loaded', details };
  }
}

// signature identifies a version of a file (null: missing); a rename over
// it changes the inode, an in-place rewrite the size or the time.
async function signature(path: string): Promise<string | null> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Other errors (EACCES) then surface when the file is read.
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : `error:${code}`;
  }
}
