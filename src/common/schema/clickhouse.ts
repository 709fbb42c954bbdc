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

/** tableColumns are the columns of a flows table at a resolution (rolled-up tables leave main-only ones out). */
export function tableColumns(schema: Schema, r: Resolution): Column[] {
  return schema.columns.filter((c) => r.intervalSeconds === 0 || !c.mainOnly);
}
