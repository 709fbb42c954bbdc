// SPDX-License-Identifier: AGPL-3.0-only
// Dimensions as the console shows them: every value rendered as a string by
// ClickHouse (AS numbers with their name, addresses without ::ffff:), and
// the swap of sides used by the reverse direction of bidirectional graphs.
import type { Schema } from '../../common/schema/root.ts';
import { quoteIdentifier as id } from '../../common/clickhouse/root.ts';
import { tokens } from '../filter/lexer.ts';
import { resolveColumn } from '../filter/sql.ts';

/** Truncation gives the prefix lengths SrcAddr/DstAddr are cut to (32 and 128 keep them whole). */
export interface Truncation {
  v4: number;
  v6: number;
}

/** OTHER labels the values outside the top N. */
export const OTHER = 'Other';

/** swapName gives the other side of a Src/Dst or InIf/OutIf column (the name itself for the others). */
export function swapName(name: string): string {
  for (const [a, b] of [
    ['Src', 'Dst'],
    ['Dst', 'Src'],
    ['InIf', 'OutIf'],
    ['OutIf', 'InIf'],
  ] as const) {
    if (name.startsWith(a)) return b + name.slice(a.length);
  }
  return name;
}

/**
 * swapFilter rewrites a filter for the reverse direction: each column name
 * in a column position (start, after `(`, AND, OR, NOT) becomes its other
 * side when the schema has it. Values are never touched.
 */
export function swapFilter(text: string, schema: Schema): string {
  let out = '';
  let last = 0;
  let previous: string | null = null;
  for (const t of tokens(text)) {
    if (t.kind === 'comment') continue;
    const atColumn = previous === null || previous === '(' || ['AND', 'OR', 'NOT'].includes(previous.toUpperCase());
    if (t.kind === 'word' && atColumn) {
      const c = resolveColumn(schema, t.text);
      const other = c === undefined ? undefined : schema.column(swapName(c.name));
      if (other !== undefined) {
        out += text.slice(last, t.start) + other.name;
        last = t.end;
      }
    }
    previous = t.kind === 'open' ? '(' : t.text;
  }
  return out + text.slice(last);
}

/**
 * dimensionSQL renders a dimension as a String expression. Addresses are
 * cut to the truncation lengths (bound as {truncate4:UInt8} and
 * {truncate6:UInt8}, which the caller passes).
 */
export function dimensionSQL(schema: Schema, name: string): string {
  return dimensionRender(schema, name, dimensionKey(schema, name));
}

/**
 * dimensionKey is the value a dimension is grouped by before it is rendered:
 * the column itself, or the truncated address. Rendering is one-to-one
 * (dimensionRender), so grouping and comparing keys gives the same rows as
 * grouping and comparing their rendered strings, for far less work per row.
 */
export function dimensionKey(schema: Schema, name: string): string {
  const c = schema.column(name)!;
  const q = id(c.name);
  if (c.name === 'SrcAddr' || c.name === 'DstAddr') {
    const mapped = `(IPv6CIDRToRange(${q}, 96).1 = toIPv6('::ffff:0.0.0.0'))`;
    return `IPv6CIDRToRange(${q}, toUInt8(if(${mapped}, 96 + {truncate4:UInt8}, {truncate6:UInt8}))).1`;
  }
  return q;
}

/** dimensionRender renders `key`, a value of dimensionKey for the dimension `name`, as a String expression. */
export function dimensionRender(schema: Schema, name: string, key: string): string {
  const c = schema.column(name)!;
  if (c.name === 'SrcAddr' || c.name === 'DstAddr' || c.filter === 'ip') return `replaceRegexpOne(toString(${key}), '^::ffff:', '')`;
  if (c.filter === 'asn') return `concat(toString(${key}), ': ', dictGetOrDefault('asns', 'name', ${key}, '???'))`;
  // A protocol has 8 bits: larger values (none in practice) keep their number, not the name of their low byte.
  if (c.filter === 'proto') return `if(${key} < 256, dictGetOrDefault('protocols', 'name', toUInt8(${key}), toString(${key})), toString(${key}))`;
  if (c.filter === 'etype') return `multiIf(${key} = 0x800, 'IPv4', ${key} = 0x86dd, 'IPv6', toString(${key}))`;
  if (c.filter === 'mac') return `MACNumToString(${key})`;
  if (c.type.startsWith('FixedString')) return `replaceAll(toString(${key}), '\\0', '')`;
  return `toString(${key})`;
}
