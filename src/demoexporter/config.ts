// SPDX-License-Identifier: AGPL-3.0-only
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';

/** Configuration is the demo exporter's section. */
export type Configuration = BaseConfiguration;

/** schema declares the demo exporter's section. */
export const schema = { ...baseSchema(':8082') };

/** service describes `akvorado demo-exporter`. */
export const service: ServiceDefinition = {
  name: 'demo-exporter',
  description: 'Send realistic NetFlow, IPFIX and sFlow to a collector and answer SNMP for the fake exporters',
  schema,
};
