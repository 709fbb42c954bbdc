// SPDX-License-Identifier: AGPL-3.0-only
import { AkvoradoError } from '../../common/errors.ts';
import type { QueryType } from '../metrics.ts';
import type { QueryContext } from './input.ts';

/** Params are the bound values of a query. */
export type Params = Record<string, string | number>;

/**
 * select runs a console query; a failure becomes AKV_CONSOLE_QUERY with
 * ClickHouse's message (the SQL itself goes to the cause, not to the user).
 */
export async function select<T>(ctx: QueryContext, type: QueryType, sql: string, params: Params): Promise<T[]> {
  ctx.metrics?.queries.labels(type).inc();
  const end = ctx.metrics?.duration.labels(type).startTimer();
  try {
    return await ctx.ch.select<T>(sql, { params });
  } catch (cause) {
    ctx.metrics?.errors.labels(type).inc();
    // ClickHouse quotes the whole statement after "In scope": keep it for the logs, not for the answer.
    const message = (cause as Error).message.replace(/:? In scope [\s\S]*$/, '');
    throw new AkvoradoError('AKV_CONSOLE_QUERY', `query failed: ${message}`, { cause });
  } finally {
    end?.();
  }
}

/** renameParams renames the {pN:Type} placeholders of a filter to {<prefix>N:Type}, so that two filters share a query. */
export function renameParams(sql: string, params: Params, prefix: string): { sql: string; params: Params } {
  const out: Params = {};
  for (const [k, v] of Object.entries(params)) out[`${prefix}${k.slice(1)}`] = v;
  return { sql: sql.replace(/\{p(\d+):/g, `{${prefix}$1:`), params: out };
}
