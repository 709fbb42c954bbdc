// SPDX-License-Identifier: AGPL-3.0-only
import type { SchemaNode } from '../config/schema.ts';

/** Configuration is the daemon section of each long-running service. */
export interface Configuration {
  /** stopTimeout bounds the ordered stop, in milliseconds. */
  stopTimeout: number;
}

/** schema declares the daemon section. */
export const schema = {
  'stop-timeout': {
    doc: 'How long components have to stop (flushing what they accepted) after SIGTERM or SIGINT before the process exits in error',
    format: 'duration',
    default: '30s',
  },
} satisfies SchemaNode;
