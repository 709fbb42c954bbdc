// SPDX-License-Identifier: AGPL-3.0-only
import { schema as clickhouseSchema, type Configuration as ClickHouseConfiguration } from '../common/clickhouse/config.ts';
import { schema as reportingSchema, type Configuration as ReportingConfiguration } from '../common/reporter/config.ts';
import { schema as flowSchemaSection, type Configuration as SchemaConfiguration } from '../common/schema/config.ts';
import type { ServiceDefinition } from '../common/service.ts';
import { schema as kafkaSchema, type Configuration as KafkaConfiguration } from '../inlet/kafka/config.ts';

/** Configuration is the configure service's section (a one-shot command: no HTTP server). */
export interface Configuration {
  reporting: ReportingConfiguration;
  schema: SchemaConfiguration;
  kafka: KafkaConfiguration;
  clickhouse: ClickHouseConfiguration;
}

/** schema declares the configure service's section. */
export const schema = { reporting: reportingSchema, schema: flowSchemaSection, kafka: kafkaSchema, clickhouse: clickhouseSchema };

/** service describes `akvorado configure`. */
export const service: ServiceDefinition = {
  name: 'configure',
  description: 'Create or update the Kafka topic and the ClickHouse tables (one-shot, idempotent)',
  schema,
  options: {
    kafka: { type: 'boolean', default: true, describe: 'Also create or update the Kafka topic and the Kafka engine table (--no-kafka skips both)' },
    wait: { type: 'string', default: '60s', describe: 'How long to wait for Kafka and ClickHouse to answer before giving up' },
  },
  run: async (config, args) => (await import('./root.ts')).run(config as Configuration, args),
};
