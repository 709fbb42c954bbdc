// SPDX-License-Identifier: AGPL-3.0-only
// Values proposed by the filter completion that live in ClickHouse: AS
// names, exporter and interface names, and the values seen in the last day
// for the other string columns. The typed prefix is always a bound param.
import { quoteIdentifier as id } from '../../common/clickhouse/root.ts';
import type { Candidate } from '../filter/root.ts';
import type { QueryContext } from './input.ts';
import { select } from './select.ts';
import { chooseTable } from './table.ts';

/** MAX_VALUES bounds the values proposed at once. */
export const MAX_VALUES = 20;

const EXPORTER_COLUMNS = new Set(['ExporterName', 'ExporterGroup', 'ExporterRole', 'ExporterSite', 'ExporterRegion', 'ExporterTenant']);

/**
 * completionValues returns candidates for `column` starting with `prefix`
 * (case-insensitive). Candidates with `quoted` set are to be quoted by the
 * caller; AS numbers are proposed as words (AS13335) with their name.
 */
export async function completionValues(ctx: QueryContext, column: string, prefix: string): Promise<Candidate[]> {
  const c = ctx.schema.column(column);
  if (c === undefined) return [];
  const params = { prefix, limit: MAX_VALUES };
  if (c.filter === 'asn') {
    const digits = /^(?:as)?(\d*)$/i.exec(prefix);
    const where = digits !== null ? 'startsWith(toString(asn), {digits:String})' : 'positionCaseInsensitiveUTF8(name, {prefix:String}) = 1';
    const rows = await select<{ asn: number; name: string }>(
      ctx,
      'complete',
      `SELECT asn, name FROM asns_data WHERE ${where} ORDER BY asn LIMIT {limit:UInt32}`,
      { ...params, digits: digits?.[1] ?? '' },
    );
    return rows.map((r) => ({ label: `AS${r.asn}`, detail: r.name, quoted: false }));
  }
  if (c.filter !== 'string') return [];
  let source: string;
  let name: string;
  let where = '';
  let order = 'v';
  const extra: Record<string, number> = {};
  const iface = /^(?:In|Out)If(Name|Description|Connectivity|Provider)$/.exec(column);
  if (EXPORTER_COLUMNS.has(column) || iface !== null) {
    source = 'exporters';
    name = iface === null ? column : `If${iface[1]}`;
  } else {
    // Other columns: the values of the last day, by decreasing traffic.
    const now = ctx.now();
    const choice = chooseTable(ctx.clickhouse, ctx.schema, { start: now - 86_400, end: now, points: 1, columns: [column], now });
    source = choice.table;
    name = column;
    where = 'TimeReceived >= toDateTime({from:UInt32}) AND ';
    extra['from'] = now - 86_400;
    order = 'sum(Bytes * SamplingRate) DESC, v';
  }
  const v = c.type.startsWith('FixedString') ? `replaceAll(toString(${id(name)}), '\\0', '')` : `toString(${id(name)})`;
  const rows = await select<{ v: string }>(
    ctx,
    'complete',
    `SELECT ${v} AS v FROM ${id(source)} WHERE ${where}v != '' AND positionCaseInsensitiveUTF8(v, {prefix:String}) = 1 GROUP BY v ORDER BY ${order} LIMIT {limit:UInt32}`,
    { ...params, ...extra },
  );
  return rows.map((r) => ({ label: r.v, detail: column, quoted: true }));
}
