// SPDX-License-Identifier: AGPL-3.0-only
import { schema as flowSchemaSection, type Configuration as SchemaConfiguration } from '../common/schema/config.ts';
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';
import { schema as coreSchema, type Configuration as CoreConfiguration } from './core/config.ts';
import { schema as flowSchema, type Configuration as FlowConfiguration } from './flow/config.ts';
import { schema as geoipSchema, type Configuration as GeoIPConfiguration } from './geoip/config.ts';
import { schema as kafkaSchema, type Configuration as KafkaConfiguration } from './kafka/config.ts';
import { schema as metadataSchema, type Configuration as MetadataConfiguration } from './metadata/config.ts';

/** Configuration is the inlet service's section. */
export interface Configuration extends BaseConfiguration {
  flow: FlowConfiguration;
  metadata: MetadataConfiguration;
  geoip: GeoIPConfiguration;
  core: CoreConfiguration;
  kafka: KafkaConfiguration;
  schema: SchemaConfiguration;
}

/** schema declares the inlet service's section. */
export const schema = {
  ...baseSchema(':8081'),
  flow: flowSchema,
  metadata: metadataSchema,
  geoip: geoipSchema,
  core: coreSchema,
  kafka: kafkaSchema,
  schema: flowSchemaSection,
};

/** service describes `akvorado inlet`. */
export const service: ServiceDefinition = {
  name: 'inlet',
  description: 'Receive flows (NetFlow, IPFIX, sFlow), decode and enrich them, and send them to Kafka',
  schema,
  run: async (config) => (await import('./root.ts')).run(config as Configuration),
};
