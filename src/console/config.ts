// SPDX-License-Identifier: AGPL-3.0-only
import { baseSchema, type BaseConfiguration, type ServiceDefinition } from '../common/service.ts';

/** Configuration is the console service's section. */
export type Configuration = BaseConfiguration;

/** schema declares the console service's section. */
export const schema = { ...baseSchema(':8080') };

/** service describes `akvorado console`. */
export const service: ServiceDefinition = {
  name: 'console',
  description: 'Web console and API to explore the flows stored in ClickHouse',
  schema,
};
