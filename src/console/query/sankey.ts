// SPDX-License-Identifier: AGPL-3.0-only
// graph/sankey: traffic between the values of two or more dimensions over
// the whole range. Each dimension keeps its own top N values (by traffic),
// the others become "Other"; one query with a WITH subquery per dimension.
import { quoteIdentifier as id } from '../../common/clickhouse/root.ts';
import { parseFilter } from '../filter/root.ts';
import { InputError } from '../errors.ts';
import { dimensionSQL, OTHER } from './dimensions.ts';
import { checkColumns, checkDimensions, checkLimit, checkRange, type GraphInput, type QueryContext } from './input.ts';
import { renameParams, select } from './select.ts';
import { chooseTable } from './table.ts';
import { unitSQL } from './units.ts';

/** SankeyResult is the answer of graph/sankey. */
export interface SankeyResult {
  /** rows are the combinations of dimension values, by decreasing traffic. */
  rows: string[][];
  /** xps is the average rate of each row over the range, in the requested unit. */
  xps: number[];
  /** nodes are the node labels ("Other <dimension>" for the values outside a top N). */
  nodes: string[];
  /** links join nodes of adjacent dimensions, with their rate. */
  links: Array<{ source: string; target: string; xps: number }>;
}

/** sankeyQuery answers graph/sankey. */
export async function sankeyQuery(ctx: QueryContext, input: GraphInput): Promise<SankeyResult> {
  const { start, end } = checkRange(input);
  if (input.dimensions.length < 2) throw new InputError('dimensions: expected at least two dimensions for a sankey graph', '/dimensions');
  checkDimensions(ctx.schema, input.dimensions);
  checkLimit(ctx, input.limit);
  const filter = parseFilter(input.filter, ctx.schema);
  const units = unitSQL(input.units);
  checkColumns(ctx.schema, units.columns, input.units);
  const columns = [...input.dimensions, ...filter.columns, ...units.columns];
  const choice = chooseTable(ctx.clickhouse, ctx.schema, { start, end, points: input.points, columns, now: ctx.now() });
  const unit = Math.max(1, choice.interval);
  const from = Math.floor(start / unit) * unit;
  const to = Math.ceil(end / unit) * unit;
  const f = renameParams(filter.sql, filter.params, 'f');
  const where = `TimeReceived >= toDateTime({from:UInt32}) AND TimeReceived < toDateTime({to:UInt32}) AND (${f.sql})`;
  const exprs = input.dimensions.map((d) => dimensionSQL(ctx.schema, d));
  const table = id(choice.table);
  const sql = [
    `WITH ${exprs.map((e, k) => `top${k} AS (SELECT ${e} AS d FROM ${table} WHERE ${where} GROUP BY d ORDER BY ${units.sum} DESC, d LIMIT {limit:UInt32})`).join(',\n')}`,
    `SELECT ${exprs.map((e, k) => `if(${e} IN top${k}, ${e}, '${OTHER}') AS d${k}`).join(', ')}, ${units.sum} / {range:UInt32} AS v`,
    `FROM ${table} WHERE ${where} GROUP BY ${exprs.map((_, k) => `d${k}`).join(', ')} ORDER BY v DESC, ${exprs.map((_, k) => `d${k}`).join(', ')}`,
  ].join('\n');
  const params = { ...f.params, from, to, range: to - from, limit: input.limit, truncate4: input.truncatev4, truncate6: input.truncatev6 };
  const result = await select<Record<string, unknown>>(ctx, 'sankey', sql, params);

  const out: SankeyResult = { rows: [], xps: [], nodes: [], links: [] };
  const labels = new Map<string, string>();
  const used = new Set<string>();
  const label = (k: number, value: string): string => {
    const key = `${k}\u0000${value}`;
    let l = labels.get(key);
    if (l === undefined) {
      l = value === OTHER ? `${OTHER} ${input.dimensions[k]}` : value;
      if (used.has(l)) l = `${l} (${input.dimensions[k]})`;
      used.add(l);
      labels.set(key, l);
      out.nodes.push(l);
    }
    return l;
  };
  const links = new Map<string, { source: string; target: string; xps: number }>();
  for (const r of result) {
    const dims = input.dimensions.map((_, k) => String(r[`d${k}`]));
    const v = Number(r['v']);
    out.rows.push(dims);
    out.xps.push(v);
    const names = dims.map((d, k) => label(k, d));
    for (let k = 0; k + 1 < names.length; k++) {
      const key = `${names[k]}\u0000${names[k + 1]}`;
      const link = links.get(key);
      if (link === undefined) links.set(key, { source: names[k]!, target: names[k + 1]!, xps: v });
      else link.xps += v;
    }
  }
  out.links = [...links.values()].sort((a, b) => b.xps - a.xps);
  return out;
}
