// SPDX-License-Identifier: AGPL-3.0-only
import { schema as flowSchemaSection, type Configuration as SchemaConfiguration } from '../common/schema/config.ts';
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';

/** Configuration is the standalone service's section. */
export interface Configuration extends BaseConfiguration {
  schema: SchemaConfiguration;
}

/**
 * schema declares the standalone service's section. Its HTTP server listens
 * on the loopback by default: a first run on a laptop should not expose it.
 */
export const schema = { ...baseSchema('127.0.0.1:8080'), schema: flowSchemaSection };

/** service describes `akvorado standalone`. */
export const service: ServiceDefinition = {
  name: 'standalone',
  description: 'Inlet and console in one process with an embedded ClickHouse, no Kafka',
  schema,
  options: {
    demo: { type: 'boolean', default: false, describe: 'Also run the demo exporter against this instance' },
    'data-dir': { type: 'string', default: './akvorado-data', describe: 'Where the embedded ClickHouse keeps its data' },
  },
};
