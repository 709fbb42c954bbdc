// SPDX-License-Identifier: AGPL-3.0-only
// The input shared by the graph endpoints, its JSON schema, and the checks
// JSON schema cannot express (times, dimensions of this schema, limits).
import type { ClickHouse } from '../../common/clickhouse/root.ts';
import type { Configuration as ClickHouseConfiguration } from '../../common/clickhouse/config.ts';
import type { Schema } from '../../common/schema/root.ts';
import { UNITS, type ConsoleConfiguration, type Unit } from '../config.ts';
import { InputError } from '../errors.ts';
import type { QueryMetrics } from '../metrics.ts';

/** QueryContext is what the queries need: ClickHouse, the schema, the configuration and a clock. */
export interface QueryContext {
  ch: ClickHouse;
  schema: Schema;
  clickhouse: Pick<ClickHouseConfiguration, 'resolutions'>;
  console: ConsoleConfiguration;
  /** now returns the current time in seconds since the epoch. */
  now: () => number;
  /** metrics count the queries (null in tests that do not look at them). */
  metrics: QueryMetrics | null;
}

/** GraphInput is the body of graph/line, graph/table-interval and (mostly) graph/sankey. */
export interface GraphInput {
  start: string;
  end: string;
  points: number;
  dimensions: string[];
  limit: number;
  limitType: 'avg' | 'max' | 'last';
  filter: string;
  units: Unit;
  bidirectional: boolean;
  previousPeriod: boolean;
  truncatev4: number;
  truncatev6: number;
}

/** graphInputSchema is the JSON schema of GraphInput (fastify fills the defaults). */
export const graphInputSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['start', 'end'],
  properties: {
    start: { type: 'string', format: 'date-time' },
    end: { type: 'string', format: 'date-time' },
    points: { type: 'integer', minimum: 5, maximum: 2000, default: 200 },
    dimensions: { type: 'array', items: { type: 'string' }, maxItems: 10, default: [] },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    limitType: { type: 'string', enum: ['avg', 'max', 'last'], default: 'avg' },
    filter: { type: 'string', default: '' },
    units: { type: 'string', enum: [...UNITS], default: 'l3bps' },
    bidirectional: { type: 'boolean', default: false },
    previousPeriod: { type: 'boolean', default: false },
    truncatev4: { type: 'integer', minimum: 0, maximum: 32, default: 32 },
    truncatev6: { type: 'integer', minimum: 0, maximum: 128, default: 128 },
  },
} as const;

/** seconds reads an RFC 3339 time as whole seconds since the epoch. */
export function seconds(text: string, field: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new InputError(`${field}: expected an RFC 3339 time, got ${JSON.stringify(text)}`, `/${field}`);
  return Math.floor(ms / 1000);
}

/** rfc3339 writes seconds since the epoch as an RFC 3339 UTC time. */
export function rfc3339(s: number): string {
  return new Date(s * 1000).toISOString().replace('.000Z', 'Z');
}

/** checkRange reads start and end and checks that start comes first. */
export function checkRange(input: { start: string; end: string }): { start: number; end: number } {
  const start = seconds(input.start, 'start');
  const end = seconds(input.end, 'end');
  if (start >= end) throw new InputError(`end: expected a time after start (${input.start}), got ${input.end}`, '/end');
  return { start, end };
}

/** checkDimensions checks that each dimension is an enabled column usable as a dimension, once. */
export function checkDimensions(schema: Schema, dimensions: readonly string[], path = '/dimensions'): void {
  dimensions.forEach((d, i) => {
    const c = schema.column(d);
    if (c === undefined || c.notDimension) throw new InputError(`dimensions: unknown or disabled dimension ${JSON.stringify(d)}`, `${path}/${i}`);
    if (dimensions.indexOf(d) !== i) throw new InputError(`dimensions: ${d} given twice`, `${path}/${i}`);
  });
}

/** checkLimit checks the top N against console.dimensions-limit. */
export function checkLimit(ctx: QueryContext, limit: number): void {
  if (limit > ctx.console.dimensionsLimit) {
    throw new InputError(`limit: expected at most ${ctx.console.dimensionsLimit} (console.dimensions-limit), got ${limit}`, '/limit');
  }
}

/** checkColumns checks that the columns a unit needs are enabled. */
export function checkColumns(schema: Schema, columns: readonly string[], units: string): void {
  for (const c of columns) if (!schema.has(c)) throw new InputError(`units: ${units} needs column ${c}, which is disabled`, '/units');
}
