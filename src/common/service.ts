// SPDX-License-Identifier: AGPL-3.0-only
import type { ServiceName } from './config/root.ts';
import type { SchemaNode } from './config/schema.ts';
import { schema as daemonSchema, type Configuration as DaemonConfiguration } from './daemon/config.ts';
import { schemaWithDefault as httpSchema, type Configuration as HTTPConfiguration } from './httpserver/config.ts';
import { schema as reportingSchema, type Configuration as ReportingConfiguration } from './reporter/config.ts';

/** BaseConfiguration is what every long-running service has: logs, HTTP server, stop deadline. */
export interface BaseConfiguration {
  reporting: ReportingConfiguration;
  http: HTTPConfiguration;
  daemon: DaemonConfiguration;
}

/** baseSchema declares the sections of BaseConfiguration with the service's HTTP address. */
export function baseSchema(listen: string) {
  return {
    reporting: reportingSchema,
    http: httpSchema(listen),
    daemon: daemonSchema,
  } satisfies SchemaNode;
}

/**
 * ServiceDefinition describes a service command: its configuration schema
 * and, once the service exists, how to run it (returning the exit code).
 */
export interface ServiceDefinition {
  name: ServiceName;
  description: string;
  schema: SchemaNode;
  /** options are the command-line flags of this service besides -c, --check and --dump. */
  options?: Record<string, { type: 'boolean' | 'string'; describe: string; default?: boolean | string }>;
  /** run is absent while this version does not provide the service. */
  run?: (config: unknown, args: Record<string, unknown>) => Promise<number>;
}
