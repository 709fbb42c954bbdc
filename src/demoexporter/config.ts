// SPDX-License-Identifier: AGPL-3.0-only
import { parseListen } from '../common/config/formats.ts';
import { defaultsOf, type SchemaNode } from '../common/config/schema.ts';
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';
import { resolveExporters } from './exporters.ts';

export { PROTOCOLS, type Protocol } from './exporters.ts';

// exportersFormat accepts a number of exporters or a list of exporters.
function exportersFormat(value: unknown): void {
  resolveExporters(value as number | Array<Record<string, unknown>>);
}

function targetFormat(value: unknown): void {
  const t = typeof value === 'string' ? parseListen(value) : null;
  if (t === null || t.host === '' || t.port === 0) throw new TypeError(`expected host:port, got ${JSON.stringify(value)}`);
}

/** exporterSettings declares the demo exporter's own settings (without the base sections). */
export const exporterSettings = {
  target: { doc: 'Collector address (host:port) the NetFlow v9 and IPFIX exporters send to', format: targetFormat, default: '127.0.0.1:2055' },
  'sflow-target': { doc: 'Collector address (host:port) the sFlow exporters send to', format: targetFormat, default: '127.0.0.1:6343' },
  exporters: {
    doc: 'Fake exporters: a number (their protocols cycle through netflow-v9, ipfix, sflow) or a list of exporters (name, address, protocol, sampling-rate)',
    format: exportersFormat,
    freeform: true,
    default: 3 as unknown,
  },
  'flows-per-second': { doc: 'Flow records (sFlow: samples) per second sent by all exporters together at the evening peak; the rate follows the local hour of the day', format: 'nat', default: 2000 },
  'snmp-port': { doc: 'UDP port of the SNMP agents; each exporter answers SNMP v2c on its own address at this port', format: 'port', default: 1161 },
  'snmp-community': { doc: 'SNMP v2c community the agents answer to', format: String, default: 'public' },
  seed: { doc: 'Seed of the traffic generator, so that a run can be replayed (0: a random seed)', format: 'int', default: 0 },
} satisfies SchemaNode;

/** ExporterSetting is one element of the `exporters` list, as written (kebab-case keys). */
export type ExporterSetting = Record<string, unknown>;

/** ExporterConfiguration is what the demo exporter component takes. */
export interface ExporterConfiguration {
  target: string;
  sflowTarget: string;
  exporters: number | ExporterSetting[];
  flowsPerSecond: number;
  snmpPort: number;
  snmpCommunity: string;
  seed: number;
}

/** Configuration is the demo exporter's section. */
export interface Configuration extends BaseConfiguration, ExporterConfiguration {}

/** schema declares the demo exporter's section. */
export const schema = { ...baseSchema(':8082'), ...exporterSettings };

/** defaultConfiguration returns a fresh copy of the demo exporter component's defaults. */
export function defaultConfiguration(): ExporterConfiguration {
  return defaultsOf<ExporterConfiguration>(exporterSettings);
}

/** service describes `akvorado demo-exporter`. */
export const service: ServiceDefinition = {
  name: 'demo-exporter',
  description: 'Send realistic NetFlow, IPFIX and sFlow to a collector and answer SNMP for the fake exporters',
  schema,
  run: async (config) => (await import('./root.ts')).run(config as Configuration),
};
