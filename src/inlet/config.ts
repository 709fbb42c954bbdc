// SPDX-License-Identifier: AGPL-3.0-only
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';

/** Configuration is the inlet service's section. */
export type Configuration = BaseConfiguration;

/** schema declares the inlet service's section. */
export const schema = { ...baseSchema(':8081') };

/** service describes `akvorado inlet`. */
export const service: ServiceDefinition = {
  name: 'inlet',
  description: 'Receive flows (NetFlow, IPFIX, sFlow), decode and enrich them, and send them to Kafka',
  schema,
};
