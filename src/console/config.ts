// SPDX-License-Identifier: AGPL-3.0-only
import { schema as flowSchemaSection, type Configuration as SchemaConfiguration } from '../common/schema/config.ts';
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';

/** Configuration is the console service's section. */
export interface Configuration extends BaseConfiguration {
  schema: SchemaConfiguration;
}

/** schema declares the console service's section. */
export const schema = { ...baseSchema(':8080'), schema: flowSchemaSection };

/** service describes `akvorado console`. */
export const service: ServiceDefinition = {
  name: 'console',
  description: 'Web console and API to explore the flows stored in ClickHouse',
  schema,
};
