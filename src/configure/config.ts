// SPDX-License-Identifier: AGPL-3.0-only
import { schema as reportingSchema, type Configuration as ReportingConfiguration } from '../common/reporter/config.ts';
import { schema as flowSchemaSection, type Configuration as SchemaConfiguration } from '../common/schema/config.ts';
import type { ServiceDefinition } from '../common/service.ts';

/** Configuration is the configure service's section (a one-shot command: no HTTP server). */
export interface Configuration {
  reporting: ReportingConfiguration;
  schema: SchemaConfiguration;
}

/** schema declares the configure service's section. */
export const schema = { reporting: reportingSchema, schema: flowSchemaSection };

/** service describes `akvorado configure`. */
export const service: ServiceDefinition = {
  name: 'configure',
  description: 'Create or update the Kafka topic and the ClickHouse tables (one-shot, idempotent)',
  schema,
};
