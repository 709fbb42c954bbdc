// SPDX-License-Identifier: AGPL-3.0-only
import { schema as clickhouseSchema, type Configuration as ClickHouseConfiguration } from '../common/clickhouse/config.ts';
import type { SchemaNode } from '../common/config/schema.ts';
import { schema as flowSchemaSection, type Configuration as SchemaConfiguration } from '../common/schema/config.ts';
import { COLUMNS } from '../common/schema/definition.ts';
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';

/** UNITS are the units a graph can be drawn in (see docs/api.md). */
export const UNITS = ['l3bps', 'l2bps', 'pps', 'inl2%', 'outl2%'] as const;

/** Unit is one of UNITS. */
export type Unit = (typeof UNITS)[number];

/** GRAPH_TYPES are the kinds of graph of the visualize page. */
export const GRAPH_TYPES = ['stacked', 'stacked100', 'lines', 'grid', 'sankey'] as const;

/** ConsoleConfiguration is the console section: defaults of the web UI, authentication, saved filters. */
export interface ConsoleConfiguration {
  defaultVisualizeOptions: { start: string; end: string; dimensions: string[]; filter: string; limit: number; units: Unit; graphType: string };
  homepageGraphFilter: string;
  dimensionsLimit: number;
  auth: {
    headers: { login: string; name: string; email: string; logoutUrl: string };
    defaultUser: { login: string; name: string; email: string };
  };
  database: { savedFilters: string };
}

/** Configuration is the console service's section. */
export interface Configuration extends BaseConfiguration, ConsoleConfiguration {
  schema: SchemaConfiguration;
  clickhouse: ClickHouseConfiguration;
}

const NAMES = new Set(COLUMNS.filter((c) => !c.notDimension).map((c) => c.name));

// dimensionList accepts a list of dimension names of the flow schema.
function dimensionList(value: unknown): void {
  if (!Array.isArray(value)) throw new TypeError('expected a list of dimension names');
  for (const v of value) if (typeof v !== 'string' || !NAMES.has(v)) throw new TypeError(`unknown dimension ${JSON.stringify(v)}`);
}

/** consoleSchema declares the console's own keys (in the console section, beside http, clickhouse, ...). */
export const consoleSchema = {
  'default-visualize-options': {
    start: { doc: 'Start of the default time range of the visualize page (as typed in its date picker)', format: String, default: '6 hours ago' },
    end: { doc: 'End of the default time range of the visualize page', format: String, default: 'now' },
    dimensions: { doc: 'Default dimensions of the visualize page', format: dimensionList, default: ['SrcAS'] },
    filter: { doc: 'Default filter of the visualize page', format: String, default: 'InIfBoundary = external' },
    limit: { doc: 'Default number of rows (top N) of the visualize page', format: 'nat', default: 10 },
    units: { doc: 'Default units of the visualize page', format: [...UNITS], default: 'l3bps' },
    'graph-type': { doc: 'Default graph type of the visualize page', format: [...GRAPH_TYPES], default: 'stacked' },
  },
  'homepage-graph-filter': {
    doc: 'Filter of the 24-hour graph on the home page (widget/graph)',
    format: String,
    default: 'InIfBoundary = external',
  },
  'dimensions-limit': { doc: 'Largest top N a graph may ask for', format: 'nat', default: 50 },
  auth: {
    headers: {
      login: { doc: 'Header carrying the user login, set by the authenticating reverse proxy', format: String, default: 'Remote-User' },
      name: { doc: 'Header carrying the user display name', format: String, default: 'Remote-Name' },
      email: { doc: 'Header carrying the user email', format: String, default: 'Remote-Email' },
      'logout-url': { doc: 'Header carrying the URL to log out (empty: none)', format: String, default: 'X-Logout-URL' },
    },
    'default-user': {
      login: { doc: 'Login used when the login header is absent (empty: such requests are refused)', format: String, default: '__default' },
      name: { doc: 'Display name of the default user', format: String, default: 'Default User' },
      email: { doc: 'Email of the default user', format: String, default: '' },
    },
  },
  database: {
    'saved-filters': {
      doc: 'SQLite file holding saved filters, relative to the working directory (":memory:" keeps them in memory until exit)',
      format: String,
      default: 'akvorado-console.sqlite',
    },
  },
} satisfies SchemaNode;

/** schema declares the console service's sections. */
export const schema = { ...baseSchema(':8080'), schema: flowSchemaSection, clickhouse: clickhouseSchema, ...consoleSchema };

/** service describes `akvorado console`. */
export const service: ServiceDefinition = {
  name: 'console',
  description: 'Web console and API to explore the flows stored in ClickHouse',
  schema,
  run: async (config) => (await import('./root.ts')).run(config as Configuration),
};
