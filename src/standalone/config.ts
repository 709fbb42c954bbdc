// SPDX-License-Identifier: AGPL-3.0-only
import { schema as clickhouseSchema, type Configuration as ClickHouseConfiguration } from '../common/clickhouse/config.ts';
import type { SchemaNode } from '../common/config/schema.ts';
import { schema as flowSchemaSection, type Configuration as SchemaConfiguration } from '../common/schema/config.ts';
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';
import { consoleSchema, type ConsoleConfiguration } from '../console/config.ts';
import { exporterSettings as demoExporterSettings, type ExporterConfiguration as DemoExporterConfiguration } from '../demoexporter/config.ts';
import { schema as inletSchema, type Configuration as InletConfiguration } from '../inlet/config.ts';

/** StandaloneConfiguration holds the settings only standalone has. */
export interface StandaloneConfiguration {
  /** clickhouseListen is where the embedded ClickHouse answers over HTTP, read-only ('' = nowhere). */
  clickhouseListen: string;
  /** demoExporter is the demo exporter run by --demo. */
  demoExporter: DemoExporterConfiguration;
  /** sink is how enriched flows go into the embedded ClickHouse. */
  sink: { insertFlows: number; insertInterval: number; parallelInserts: number; maxPendingFlows: number };
  /** memoryTrimInterval is how often free C heap memory goes back to the system, in ms (0: never). */
  memoryTrimInterval: number;
}

/** Configuration is the standalone service's section: the inlet's and the console's sections without Kafka. */
export interface Configuration
  extends BaseConfiguration,
    ConsoleConfiguration,
    StandaloneConfiguration,
    Pick<InletConfiguration, 'flow' | 'metadata' | 'geoip' | 'core'> {
  schema: SchemaConfiguration;
  clickhouse: ClickHouseConfiguration;
}

/**
 * SINK_DEFAULTS are the sink's limits unless configured (the sink's own
 * defaults too). They suit 2 cores (bench/standalone.bench.ts): two inserts
 * at once and 750,000 pending flows stored 15 to 30% more flows than one
 * and 500,000, for 50 to 170 MiB more memory at peak.
 */
export const SINK_DEFAULTS: StandaloneConfiguration['sink'] = { insertFlows: 250_000, insertInterval: 5000, parallelInserts: 2, maxPendingFlows: 750_000 };

/** standaloneSchema declares the settings only standalone has. */
export const standaloneSchema = {
  'clickhouse-listen': {
    doc: 'Address (host:port) where the embedded ClickHouse answers read-only queries over its HTTP interface, e.g. for clickhouse-client or Grafana (empty: not served)',
    format: String,
    default: '',
  },
  sink: {
    'insert-flows': { doc: 'Most flows in one insert into the flows table (fewer: less memory, more parts to merge)', format: 'positive', default: SINK_DEFAULTS.insertFlows },
    'insert-interval': {
      doc: 'Longest time an accepted flow waits for its insert when fewer than insert-flows are pending, and how often the rolled-up tables get their sums while the engine keeps up (shorter: fresher graphs, but more parts to merge: at 100,000 flows/s, 1s took twice the CPU of 5s)',
      format: 'duration',
      default: '5s',
    },
    'parallel-inserts': {
      doc: 'Inserts of flows run at once, each on its own session of the embedded ClickHouse, besides one of the rolled-up tables\' sums (1 uses less memory; 2 stores more flows when inserts are the bottleneck)',
      format: 'positive',
      default: SINK_DEFAULTS.parallelInserts,
    },
    'max-pending-flows': {
      doc: 'Most flows accepted and not inserted yet; beyond, flows are dropped and counted in akvorado_standalone_sink_dropped_rows_total (memory stays bounded)',
      format: 'positive',
      default: SINK_DEFAULTS.maxPendingFlows,
    },
  },
  'memory-trim-interval': {
    doc: 'How often memory freed in the C heap (by the embedded ClickHouse after each insert or merge, by Node.js buffers) is given back to the system with malloc_trim (0: never; glibc alone keeps most of it resident)',
    format: 'duration',
    default: '250ms',
  },
  // With --demo and no configuration file, the inlet listens where the demo
  // exporter sends and polls its SNMP port (root.ts, withDemo).
  'demo-exporter': demoExporterSettings,
} satisfies SchemaNode;

/**
 * schema declares the standalone service's section. Its HTTP server listens
 * on the loopback by default: a first run on a laptop should not expose it.
 * The clickhouse section only matters for its database, resolutions and AS
 * names (the engine is embedded: `servers` is not used).
 */
export const schema = {
  ...baseSchema('127.0.0.1:8080'),
  schema: flowSchemaSection,
  flow: inletSchema.flow,
  metadata: inletSchema.metadata,
  geoip: inletSchema.geoip,
  core: inletSchema.core,
  clickhouse: clickhouseSchema,
  ...consoleSchema,
  ...standaloneSchema,
};

/** service describes `akvorado standalone`. */
export const service: ServiceDefinition = {
  name: 'standalone',
  description: 'Inlet and console in one process with an embedded ClickHouse, no Kafka',
  schema,
  options: {
    demo: { type: 'boolean', default: false, describe: 'Also run the demo exporter against this instance' },
    'data-dir': { type: 'string', default: './akvorado-data', describe: 'Where the embedded ClickHouse keeps its data' },
  },
  run: async (config, args) => (await import('./root.ts')).run(config as Configuration, args),
};
