// SPDX-License-Identifier: AGPL-3.0-only
import type { SchemaNode } from '../config/schema.ts';

/** Configuration is the http section of each service. */
export interface Configuration {
  /** listen is host:port; an empty host listens on every address, port 0 picks one. */
  listen: string;
}

/** schemaWithDefault declares the http section with a per-service default address. */
export function schemaWithDefault(listen: string) {
  return {
    listen: {
      doc: 'Address of the HTTP server (metrics, healthcheck, API), as host:port',
      format: 'listen',
      default: listen,
    },
  } satisfies SchemaNode;
}
