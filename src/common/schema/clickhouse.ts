// SPDX-License-Identifier: AGPL-3.0-only
import type { Column, Schema } from './root.ts';

/**
 * DDL_SETTINGS are the query settings the CREATE statements need:
 * LowCardinality(IPv6) (ExporterAddress, NextHop) is refused otherwise.
 */
export const DDL_SETTINGS: Readonly<Record<string, number>> = { allow_suspicious_low_cardinality_types: 1 };

/** Resolution is one rolled-up table: its interval and how long it keeps data. */
export interface Resolution {
  /** intervalSeconds is the width of the time buckets (0 for the main table). */
  intervalSeconds: number;
  /** ttlSeconds is how long rows stay (0 keeps them forever). */
  ttlSeconds: number;
}

/**
 * tableName names a flows table as Akvorado does: "flows" for the main
 * table, "flows_1m0s", "flows_5m0s", "flows_1h0m0s" for the rolled-up ones.
 */
export function tableName(intervalSeconds: number): string {
  if (intervalSeconds === 0) return 'flows';
  const h = Math.floor(intervalSeconds / 3600);
  const m = Math.floor((intervalSeconds % 3600) / 60);
  const s = intervalSeconds % 60;
  return `flows_${h > 0 ? `${h}h` : ''}${m}m${s}s`;
}

// quote quotes an identifier for ClickHouse.
function quote(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

function columnDDL(c: Column): string {
  if (c.alias !== undefined) return `${quote(c.name)} ${c.type} ALIAS ${c.alias}`;
  return `${quote(c.name)} ${c.type}${c.codec === undefined ? '' : ` CODEC(${c.codec})`}`;
}

// partitionFor picks a partition width so that a table holds a few dozen
// partitions over its TTL (ClickHouse prefers fewer, larger partitions).
function partitionFor(r: Resolution): string {
  const width = r.ttlSeconds === 0 ? 86_400 : Math.max(3600, Math.ceil(r.ttlSeconds / 24 / 3600) * 3600);
  return `toYYYYMMDDhhmmss(toStartOfInterval(TimeReceived, INTERVAL ${width} second))`;
}

/** tableColumns are the columns of a flows table at a resolution (rolled-up tables leave main-only ones out). */
export function tableColumns(schema: Schema, r: Resolution): Column[] {
  return schema.columns.filter((c) => r.intervalSeconds === 0 || !c.mainOnly);
}

/**
 * createTableSQL is the CREATE TABLE of a flows table: MergeTree for the
 * main table, SummingMergeTree summing Bytes and Packets for rolled-up ones,
 * ordered by the schema's sorting key, partitioned by time, with a TTL.
 */
export function createTableSQL(schema: Schema, r: Resolution, database = ''): string {
  const name = (database === '' ? '' : `${quote(database)}.`) + quote(tableName(r.intervalSeconds));
  const columns = tableColumns(schema, r);
  const present = new Set(columns.map((c) => c.name));
  const order = schema.sortingKey.filter((k) => present.has(k));
  const engine = r.intervalSeconds === 0 ? 'MergeTree' : 'SummingMergeTree((Bytes, Packets))';
  const lines = [
    `CREATE TABLE ${name}`,
    `(\n${columns.map((c) => `  ${columnDDL(c)}`).join(',\n')}\n)`,
    `ENGINE = ${engine}`,
    `PARTITION BY ${partitionFor(r)}`,
    `ORDER BY (${order.map(quote).join(', ')})`,
  ];
  if (r.ttlSeconds > 0) lines.push(`TTL TimeReceived + toIntervalSecond(${r.ttlSeconds})`);
  return lines.join('\n');
}

/**
 * rollupViewSQL is the materialized view feeding a rolled-up table from the
 * main one: time truncated to the interval, dimensions kept, counters
 * summed (sampling rate applied by the console at query time, as rows keep it).
 */
export function rollupViewSQL(schema: Schema, r: Resolution, database = ''): string {
  const prefix = database === '' ? '' : `${quote(database)}.`;
  const target = tableName(r.intervalSeconds);
  const columns = tableColumns(schema, r).filter((c) => c.alias === undefined);
  const select = columns.map((c) => {
    if (c.name === 'TimeReceived') return `toStartOfInterval(TimeReceived, toIntervalSecond(${r.intervalSeconds})) AS TimeReceived`;
    if (c.name === 'Bytes' || c.name === 'Packets') return `sum(${quote(c.name)}) AS ${quote(c.name)}`;
    return quote(c.name);
  });
  const groupBy = columns.filter((c) => c.name !== 'Bytes' && c.name !== 'Packets').map((c) => (c.name === 'TimeReceived' ? 'TimeReceived' : quote(c.name)));
  return [
    `CREATE MATERIALIZED VIEW ${prefix}${quote(`${target}_consumer`)} TO ${prefix}${quote(target)}`,
    `AS SELECT\n  ${select.join(',\n  ')}`,
    `FROM ${prefix}${quote('flows')}`,
    `GROUP BY ${groupBy.join(', ')}`,
  ].join('\n');
}
