// SPDX-License-Identifier: AGPL-3.0-only
// graph/line and graph/table-interval: time series of the top N values of
// the dimensions, everything else gathered in an "Other" row. A first query
// ranks the values of the direct direction by the limit type and keeps the
// top N, then one query per series set (direct, reverse, previous period)
// sums by time bucket, the values outside the top N gathered as "Other".
import { quoteIdentifier as id } from '../../common/clickhouse/root.ts';
import { parseFilter, type FilterResult } from '../filter/root.ts';
import { InputError } from '../errors.ts';
import { dimensionKey, dimensionRender, OTHER, swapFilter, swapName } from './dimensions.ts';
import { checkColumns, checkDimensions, checkLimit, checkRange, rfc3339, type GraphInput, type QueryContext } from './input.ts';
import { renameParams, select, type Params } from './select.ts';
import { chooseTable, type TableChoice } from './table.ts';
import { unitSQL, type UnitSQL } from './units.ts';

/** Stats are per-row statistics over the points of a row. */
export interface Stats {
  min: number[];
  max: number[];
  average: number[];
  '95th': number[];
  last: number[];
}

/** LineResult is the answer of graph/line. */
export interface LineResult extends Stats {
  /** t are the starts of the time buckets (RFC 3339). */
  t: string[];
  /** rows are the dimension values of each series. */
  rows: string[][];
  /** points are the values of each series, one per time bucket. */
  points: number[][];
  /** axis is 1 for the direct direction, 2 for the reverse one, 3 and 4 for the previous period. */
  axis: number[];
  /** table and step say where the data came from and the bucket width in seconds. */
  table: string;
  step: number;
}

/** TOTAL labels the dimensions of the previous-period rows. */
export const TOTAL = 'Total';

/** previousOffset is how far back the previous period is: a day, a week, 30 days or a year, the smallest not shorter than the range. */
export function previousOffset(range: number): number {
  for (const p of [86_400, 7 * 86_400, 30 * 86_400]) if (range <= p) return p;
  return 365 * 86_400;
}

/** percentile95 is the nearest-rank 95th percentile: the smallest value at least 95% of the points are not above. */
export function percentile95(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

interface Direction {
  filter: FilterResult;
  units: UnitSQL;
  dims: string[];
  shift: number;
}

interface Bucketed {
  choice: TableChoice;
  start: number;
  n: number;
}

const timeRange = (from: string, to: string) => `TimeReceived >= toDateTime({${from}:UInt32}) AND TimeReceived < toDateTime({${to}:UInt32})`;
const bucket = (from: string) => `intDiv(toUInt32(TimeReceived) - {${from}:UInt32}, {step:UInt32}) AS i`;

// keysHash is one 64-bit hash of the keys of the dimensions: the top N is
// ranked by it and the series look their rows up in it by it, so that both
// group by one integer instead of a tuple (holding strings). Strings are
// hashed first on their own: for a LowCardinality column, once per distinct
// value. The hash depends on the types: the reverse direction's columns
// match the direct ones because the schema defines both sides alike. Two
// rows of different keys sharing a hash are not expected.
function keysHash(ctx: QueryContext, dims: readonly string[]): string {
  const keys = dims.map((d) => (ctx.schema.column(d)!.type.includes('String') ? `cityHash64(${dimensionKey(ctx.schema, d)})` : dimensionKey(ctx.schema, d)));
  return `cityHash64(${keys.join(', ')})`;
}

/** TopRow is one of the top N: the hash of its keys (as a decimal string) and its rendered dimensions. */
interface TopRow {
  h: string;
  dims: string[];
}

// topSQL ranks the keys of the direct direction's dimensions by the limit
// type over the range and keeps the first N, with the hash of their keys
// (see keysHash) and their rendering. Rendering is one-to-one, so keys rank
// as their rendered values would; ties go to the smallest rendering.
function topSQL(ctx: QueryContext, b: Bucketed, input: GraphInput, top: Direction): { sql: string; params: Params } {
  const table = id(b.choice.table);
  const tf = renameParams(top.filter.sql, top.filter.params, 'tf');
  const params: Params = { ...tf.params, step: b.choice.step, start: b.start, end: b.start + b.n * b.choice.step, limit: input.limit, lasti: b.n - 1, truncate4: input.truncatev4, truncate6: input.truncatev6 };
  const where = `${timeRange('start', 'end')} AND (${tf.sql})`;
  const h = keysHash(ctx, top.dims);
  const anyKeys = (key: (d: string, k: number) => string, name: string) => top.dims.map((d, k) => `any(${key(d, k)}) AS ${name}${k}`).join(', ');
  const render = top.dims.map((d, k) => `${dimensionRender(ctx.schema, d, `a${k}`)} AS d${k}`).join(', ');
  const order = top.dims.map((_, k) => `d${k}`).join(', ');
  // avg ranks by the sum over the range: no need to sum each bucket first.
  // max and last sum each bucket of each row first, still grouped by the hash.
  const ranked =
    input.limitType === 'avg'
      ? `SELECT ${h} AS h, toString(h) AS hs, ${anyKeys((d) => dimensionKey(ctx.schema, d), 'a')}, ${render} FROM ${table} WHERE ${where} GROUP BY h ORDER BY ${top.units.sum} DESC, ${order} LIMIT {limit:UInt32}`
      : [
          `SELECT toString(h) AS hs, ${anyKeys((_, k) => `k${k}`, 'a')}, ${render} FROM (`,
          `SELECT ${bucket('start')}, ${h} AS h, ${anyKeys((d) => dimensionKey(ctx.schema, d), 'k')}, ${top.units.sum} AS v FROM ${table} WHERE ${where} GROUP BY i, h`,
          `) GROUP BY h ORDER BY ${input.limitType === 'max' ? 'max(v)' : 'sumIf(v, i = {lasti:UInt32})'} DESC, ${order} LIMIT {limit:UInt32}`,
        ].join('\n');
  return { sql: `SELECT hs AS h, ${order} FROM (${ranked})`, params };
}

// seriesSQL builds the query of one series set: the sum of `dir` by time
// bucket and row of the top N. The rows are found by the hash of their keys
// (see keysHash): r is the rank of the row in the top N (from 1), or 0 for
// "Other". Only the hash is computed per flow: the keys are neither
// grouped by nor rendered, the top N query rendered them.
function seriesSQL(ctx: QueryContext, b: Bucketed, input: GraphInput, top: TopRow[] | null, dir: Direction, prefix: string): { sql: string; params: Params } {
  const table = id(b.choice.table);
  const f = renameParams(dir.filter.sql, dir.filter.params, `${prefix}f`);
  const params: Params = { ...f.params, step: b.choice.step, from: b.start - dir.shift, to: b.start - dir.shift + b.n * b.choice.step };
  const where = `${timeRange('from', 'to')} AND (${f.sql})`;
  if (top === null || dir.dims.length === 0) {
    return { sql: `SELECT ${bucket('from')}, ${dir.units.sum} / {step:UInt32} AS v FROM ${table} WHERE ${where} GROUP BY i`, params };
  }
  Object.assign(params, {
    truncate4: input.truncatev4,
    truncate6: input.truncatev6,
    top: `[${top.map((t) => t.h).join(',')}]`,
    ranks: `[${top.map((_, k) => k + 1).join(',')}]`,
  });
  const h = keysHash(ctx, dir.dims);
  const rank = `transform(${h}, {top:Array(UInt64)}, {ranks:Array(UInt32)}, toUInt32(0))`;
  // The bucket and the rank are grouped as one 64-bit integer: cheaper for the hash table than the pair.
  const ir = `bitShiftLeft(toUInt64(intDiv(toUInt32(TimeReceived) - {from:UInt32}, {step:UInt32})), 32) + ${rank}`;
  return {
    sql: `SELECT bitShiftRight(ir, 32) AS i, bitAnd(ir, 0xffffffff) AS r, v FROM (SELECT ${ir} AS ir, ${dir.units.sum} / {step:UInt32} AS v FROM ${table} WHERE ${where} GROUP BY ir)`,
    params,
  };
}

type Series = Map<string, { dims: string[]; values: number[] }>;

// collect turns result rows into series of n points each; `label` gives the dimensions of a row.
function collect(rows: Array<Record<string, unknown>>, label: (r: Record<string, unknown>) => string[], n: number): Series {
  const out: Series = new Map();
  for (const r of rows) {
    const dims = label(r);
    const key = JSON.stringify(dims);
    let s = out.get(key);
    if (s === undefined) out.set(key, (s = { dims, values: new Array<number>(n).fill(0) }));
    const i = Number(r['i']);
    if (i >= 0 && i < n) s.values[i]! += Number(r['v']);
  }
  return out;
}

/** stats computes the per-row statistics of series. */
export function stats(points: readonly number[][]): Stats {
  return {
    min: points.map((p) => (p.length === 0 ? 0 : Math.min(...p))),
    max: points.map((p) => (p.length === 0 ? 0 : Math.max(...p))),
    average: points.map((p) => (p.length === 0 ? 0 : p.reduce((a, b) => a + b, 0) / p.length)),
    '95th': points.map(percentile95),
    last: points.map((p) => p.at(-1) ?? 0),
  };
}

/** lineQuery answers graph/line (and feeds graph/table-interval and widget/graph). */
export async function lineQuery(ctx: QueryContext, input: GraphInput): Promise<LineResult> {
  const { start, end } = checkRange(input);
  checkDimensions(ctx.schema, input.dimensions);
  checkLimit(ctx, input.limit);
  const direct: Direction = { filter: parseFilter(input.filter, ctx.schema), units: unitSQL(input.units), dims: input.dimensions, shift: 0 };
  let reverse: Direction | null = null;
  if (input.bidirectional) {
    const dims = input.dimensions.map(swapName);
    dims.forEach((d, k) => {
      if (!ctx.schema.has(d)) throw new InputError(`dimensions: ${input.dimensions[k]} has no reverse (${d} is disabled)`, `/dimensions/${k}`);
    });
    reverse = { filter: parseFilter(swapFilter(input.filter, ctx.schema), ctx.schema), units: unitSQL(input.units, true), dims, shift: 0 };
  }
  const all = reverse === null ? [direct] : [direct, reverse];
  checkColumns(ctx.schema, all.flatMap((d) => d.units.columns), input.units);
  const offset = input.previousPeriod ? previousOffset(end - start) : 0;
  const columns = all.flatMap((d) => [...d.dims, ...d.filter.columns, ...d.units.columns]);
  const choice = chooseTable(ctx.clickhouse, ctx.schema, { start, end, points: input.points, columns, now: ctx.now(), oldest: start - offset });
  const first = Math.floor(start / choice.step) * choice.step;
  const b: Bucketed = { choice, start: first, n: Math.ceil((end - first) / choice.step) };

  // The top N first (none without dimensions), then the series of each set: the direct and reverse ones find their rows in it.
  const top: Promise<TopRow[]> =
    input.dimensions.length === 0
      ? Promise.resolve([])
      : (async () => {
          const { sql, params } = topSQL(ctx, b, input, direct);
          const rows = await select<Record<string, unknown>>(ctx, 'line', sql, params);
          return rows.map((r) => ({ h: String(r['h']), dims: input.dimensions.map((_, k) => String(r[`d${k}`])) }));
        })();
  const sets: Array<{ axis: number; dir: Direction; ranked: boolean }> = [{ axis: 1, dir: direct, ranked: true }];
  if (reverse !== null) sets.push({ axis: 2, dir: reverse, ranked: true });
  if (offset > 0) {
    sets.push({ axis: 3, dir: { ...direct, dims: [], shift: offset }, ranked: false });
    if (reverse !== null) sets.push({ axis: 4, dir: { ...reverse, dims: [], shift: offset }, ranked: false });
  }
  const others = input.dimensions.map(() => OTHER);
  const results = await Promise.all(
    sets.map(async (s, k) => {
      const rows = s.ranked && s.dir.dims.length > 0 ? await top : null;
      const { sql, params } = seriesSQL(ctx, b, input, rows, s.dir, `s${k}`);
      const label = rows === null ? () => [] : (r: Record<string, unknown>) => (Number(r['r']) === 0 ? others : rows[Number(r['r']) - 1]!.dims);
      return collect(await select<Record<string, unknown>>(ctx, 'line', sql, params), label, b.n);
    }),
  );

  // Rows in the order of the limit type, "Other" last; every direction lists them all.
  const rank = (v: number[]) => (input.limitType === 'avg' ? v.reduce((a, x) => a + x, 0) : input.limitType === 'max' ? Math.max(...v) : v.at(-1)!);
  const otherKey = JSON.stringify(input.dimensions.map(() => OTHER));
  const main = [...results[0]!.entries()].filter(([k]) => input.dimensions.length === 0 || k !== otherKey);
  main.sort(([ka, a], [kb, b2]) => rank(b2.values) - rank(a.values) || (ka < kb ? -1 : ka > kb ? 1 : 0));
  const keys = main.map(([k, s]) => [k, s.dims] as const);
  if (input.dimensions.length > 0 && results.slice(0, reverse === null ? 1 : 2).some((r) => r.has(otherKey))) {
    keys.push([otherKey, input.dimensions.map(() => OTHER)]);
  }
  if (keys.length === 0 && input.dimensions.length === 0) keys.push(['[]', []]);
  const out: LineResult = { t: [], rows: [], points: [], axis: [], table: choice.table, step: choice.step, ...stats([]) };
  for (let i = 0; i < b.n; i++) out.t.push(rfc3339(b.start + i * choice.step));
  sets.forEach((s, k) => {
    const previous = s.axis >= 3;
    for (const [key, dims] of previous ? ([['[]', input.dimensions.map(() => TOTAL)]] as const) : keys) {
      out.rows.push([...dims]);
      out.points.push(results[k]!.get(key)?.values ?? new Array<number>(b.n).fill(0));
      out.axis.push(s.axis);
    }
  });
  Object.assign(out, stats(out.points));
  return out;
}
