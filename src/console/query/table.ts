// SPDX-License-Identifier: AGPL-3.0-only
// Which flows table answers a query: the coarsest one that is fine enough,
// still holds the start of the range, and has every column needed.
import type { Configuration as ClickHouseConfiguration } from '../../common/clickhouse/config.ts';
import { tableName } from '../../common/schema/clickhouse.ts';
import type { Schema } from '../../common/schema/root.ts';

/** TableChoice is the table a query reads and the width of its time buckets. */
export interface TableChoice {
  /** table is the flows table name (flows, flows_1m0s, ...). */
  table: string;
  /** interval is the table's own resolution in seconds (0 for the main table). */
  interval: number;
  /** step is the width of the query's time buckets in seconds: a multiple of `interval`, at least 1. */
  step: number;
}

/** TableRequest is what the choice depends on; times are in seconds since the epoch. */
export interface TableRequest {
  start: number;
  end: number;
  /** points is how many time buckets the caller wants over [start, end). */
  points: number;
  /** columns are the columns the query reads (dimensions, filter, units). */
  columns: readonly string[];
  /** now is the current time, against which retention is measured. */
  now: number;
  /** oldest is the oldest time read, when before start (previous period); defaults to start. */
  oldest?: number;
}

/**
 * chooseTable picks the table for a query. Among the tables that have
 * every column of `columns` (a main-table-only column leaves the main table
 * alone), it keeps those whose retention covers `start` (or `oldest`); among these, it
 * takes the coarsest whose resolution is at most the point width
 * ((end-start)/points), or the finest of them when all are coarser. When no
 * table keeps data that old, the one keeping data the longest is used. The
 * step is the point width rounded up to a multiple of the table's interval.
 */
export function chooseTable(config: Pick<ClickHouseConfiguration, 'resolutions'>, schema: Schema, req: TableRequest): TableChoice {
  const width = Math.max(1, Math.floor((req.end - req.start) / Math.max(1, req.points)));
  const needsMain = req.columns.some((n) => schema.column(n)?.mainOnly ?? false);
  const tables = config.resolutions
    .map((r) => ({ interval: Math.round(r.interval / 1000), ttl: Math.round(r.ttl / 1000) }))
    .filter((r) => r.interval === 0 || !needsMain)
    .sort((a, b) => a.interval - b.interval);
  if (tables.length === 0) tables.push({ interval: 0, ttl: 0 });
  const oldest = Math.min(req.oldest ?? req.start, req.start);
  const covering = tables.filter((r) => r.ttl === 0 || req.now - r.ttl <= oldest);
  let chosen;
  if (covering.length === 0) {
    chosen = tables.reduce((best, r) => (best.ttl !== 0 && (r.ttl === 0 || r.ttl > best.ttl) ? r : best));
  } else {
    const fine = covering.filter((r) => r.interval <= width);
    chosen = fine.length > 0 ? fine.at(-1)! : covering[0]!;
  }
  const unit = Math.max(1, chosen.interval);
  return { table: tableName(chosen.interval), interval: chosen.interval, step: Math.ceil(width / unit) * unit };
}
