// SPDX-License-Identifier: AGPL-3.0-only
import type { SchemaNode } from '../config/schema.ts';

/** LOG_LEVELS are the levels a logger may be set to. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Configuration is the reporting section of each service. */
export interface Configuration {
  level: LogLevel;
  format: 'auto' | 'json' | 'pretty';
}

/** schema declares the reporting section. */
export const schema = {
  level: { doc: 'Minimum level of the logs', format: LOG_LEVELS, default: 'info' },
  format: {
    doc: 'Log format: "pretty" for people, "json" for collectors; "auto" is pretty on a terminal, JSON otherwise',
    format: ['auto', 'json', 'pretty'],
    default: 'auto',
  },
} satisfies SchemaNode;
