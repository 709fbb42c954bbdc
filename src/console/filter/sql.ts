// SPDX-License-Identifier: AGPL-3.0-only
// Compiles the syntax tree of a filter into a ClickHouse boolean expression.
// Values never enter the SQL text: each becomes a {pN:Type} placeholder bound
// in `params`. The only words emitted are schema column names, operators,
// and the functions `has`, `hasAny` and `NOT`.
import type { Column, Schema } from '../../common/schema/root.ts';
import { COLUMNS, type FilterKind } from '../../common/schema/definition.ts';
import { problemAt, type FilterProblem } from './errors.ts';
import type { Expr, ListNode, ValueNode, Word } from './parser.ts';
import { ETYPES, formatIP, formatPrefix, parseASN, parseMAC, parseProto, parseSubnet, parseUint } from './values.ts';

/** Compiled is a filter turned into SQL. */
export interface Compiled {
  /** sql is a boolean ClickHouse expression, for a WHERE clause. */
  sql: string;
  /** params bind the {pN:Type} placeholders of `sql` (query_params of @clickhouse/client, params of chdb). */
  params: Record<string, string | number>;
  /** columns are the schema columns the filter references, in order of appearance. */
  columns: string[];
  /** mainTableOnly tells whether a referenced column exists only in the main flows table. */
  mainTableOnly: boolean;
}

const NUMERIC = ['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOTIN'];
const STRING = ['=', '!=', 'LIKE', 'UNLIKE', 'ILIKE', 'IUNLIKE', 'IN', 'NOTIN'];
const EQUALITY = ['=', '!=', 'IN', 'NOTIN'];

/** OPERATORS lists the operators each kind of column takes, in the order completion proposes them. */
export const OPERATORS: Readonly<Record<Exclude<FilterKind, 'none'>, readonly string[]>> = {
  uint: NUMERIC,
  asn: NUMERIC,
  string: STRING,
  prefix: STRING,
  ip: ['=', '!=', '<<', '!<<', 'IN', 'NOTIN'],
  etype: EQUALITY,
  proto: EQUALITY,
  boundary: EQUALITY,
  direction: EQUALITY,
  mac: EQUALITY,
  'uint-array': EQUALITY,
};

/** KEYWORDS lists the bare words each enumerated kind takes. */
export const KEYWORDS: Readonly<Partial<Record<FilterKind, readonly string[]>>> = {
  boundary: ['external', 'internal', 'undefined'],
  direction: ['ingress', 'egress', 'undefined'],
  etype: ['IPv4', 'IPv6'],
};

// SQL_OPS renders the filter's operators; IN and NOTIN are rendered apart.
const SQL_OPS: Readonly<Record<string, string>> = {
  '=': '=', '!=': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=',
  LIKE: 'LIKE', UNLIKE: 'NOT LIKE', ILIKE: 'ILIKE', IUNLIKE: 'NOT ILIKE',
};

// COMPARABLE kinds allow a column on the right-hand side of a comparison
// (SrcAS != DstAS); string columns take only = and != (OPERATORS), and a LIKE
// pattern is always a pattern.
const COMPARABLE: ReadonlySet<FilterKind> = new Set(['uint', 'asn', 'string']);

const byLowerName = new WeakMap<Schema, Map<string, Column>>();

/** resolveColumn finds an enabled column by name, in any case. */
export function resolveColumn(schema: Schema, name: string): Column | undefined {
  let m = byLowerName.get(schema);
  if (m === undefined) {
    m = new Map(schema.columns.map((c) => [c.name.toLowerCase(), c]));
    byLowerName.set(schema, m);
  }
  return m.get(name.toLowerCase());
}

// baseType strips LowCardinality() and Array() from a ClickHouse type.
function baseType(type: string): string {
  const m = /^(?:LowCardinality|Array)\((.*)\)$/.exec(type);
  return m === null ? type : baseType(m[1]!);
}

const UINT_MAX: Readonly<Record<string, bigint>> = {
  UInt8: 0xffn, UInt16: 0xffffn, UInt32: 0xffff_ffffn, UInt64: 0xffff_ffff_ffff_ffffn,
};

// Bound is one value ready to bind: its ClickHouse type and value.
type Bound = { type: string; value: string | number };

class Compiler {
  readonly params: Record<string, string | number> = {};
  readonly columns: string[] = [];
  readonly problems: FilterProblem[] = [];
  mainTableOnly = false;
  private readonly text: string;
  private readonly schema: Schema;

  constructor(text: string, schema: Schema) {
    this.text = text;
    this.schema = schema;
  }

  problem(at: number, message: string): string {
    this.problems.push(problemAt(this.text, at, message));
    return 'false';
  }

  bind(b: Bound): string {
    const name = `p${Object.keys(this.params).length}`;
    this.params[name] = b.value;
    return `{${name}:${b.type}}`;
  }

  use(c: Column): string {
    if (!this.columns.includes(c.name)) this.columns.push(c.name);
    if (c.mainOnly) this.mainTableOnly = true;
    return c.name;
  }

  expr(e: Expr): string {
    switch (e.type) {
      case 'or':
        return e.items.map((i) => this.expr(i)).join(' OR ');
      case 'and':
        return e.items.map((i) => (i.type === 'or' ? `(${this.expr(i)})` : this.expr(i))).join(' AND ');
      case 'not':
        return `NOT (${this.expr(e.expr)})`;
      case 'condition':
        return this.condition(e.column, e.operator, e.value);
    }
  }

  column(w: Word): Column | null {
    const c = resolveColumn(this.schema, w.text);
    if (c === undefined) {
      const known = COLUMNS.find((d) => d.name.toLowerCase() === w.text.toLowerCase());
      this.problem(w.start, known === undefined ? `unknown column "${w.text}"` : `column ${known.name} is not enabled (see schema.enabled)`);
      return null;
    }
    if (c.filter === 'none') {
      this.problem(w.start, `column ${c.name} cannot be used in a filter`);
      return null;
    }
    return c;
  }

  condition(cw: Word, op: Word, value: ValueNode | ListNode): string {
    const c = this.column(cw);
    if (c === null) return 'false';
    const kind = c.filter as Exclude<FilterKind, 'none'>;
    const ops = OPERATORS[kind];
    if (!ops.includes(op.text)) {
      return this.problem(op.start, `operator ${op.text} does not apply to ${c.name}: use ${ops.slice(0, -1).join(', ')} or ${ops.at(-1)}`);
    }
    const list = op.text === 'IN' || op.text === 'NOTIN';
    if (list && value.type !== 'list') return this.problem(value.start, `${op.text} takes a list of values in parentheses`);
    if (!list && value.type === 'list') return this.problem(value.start, `${op.text} takes a single value, not a list`);
    const name = this.use(c);
    if (value.type === 'value' && !value.quoted && COMPARABLE.has(kind) && op.text in SQL_OPS && !op.text.endsWith('LIKE')) {
      const other = resolveColumn(this.schema, value.text);
      if (other !== undefined) return this.compareColumns(c, op, other, value);
    }
    if (kind === 'ip') return this.ip(name, op.text, value);
    const values = value.type === 'list' ? value.items : [value];
    const bound: string[] = [];
    for (const v of values) {
      const b = this.value(c, kind, op.text, v);
      if (b !== null) bound.push(this.bind(b));
    }
    if (bound.length !== values.length) return 'false';
    if (kind === 'uint-array') {
      const sql = list ? `hasAny(${name}, [${bound.join(', ')}])` : `has(${name}, ${bound[0]})`;
      return op.text === '!=' || op.text === 'NOTIN' ? `NOT ${sql}` : sql;
    }
    if (list) return `${name} ${op.text === 'IN' ? 'IN' : 'NOT IN'} (${bound.join(', ')})`;
    return `${name} ${SQL_OPS[op.text]} ${bound[0]}`;
  }

  compareColumns(c: Column, op: Word, other: Column, v: ValueNode): string {
    if (other.filter !== c.filter) return this.problem(v.start, `cannot compare ${c.name} with ${other.name}: they hold different kinds of values`);
    return `${c.name} ${SQL_OPS[op.text]} ${this.use(other)}`;
  }

  value(c: Column, kind: FilterKind, op: string, v: ValueNode): Bound | null {
    const fail = (expected: string): null => {
      this.problem(v.start, `${c.name}: expected ${expected}, got ${JSON.stringify(v.text)}`);
      return null;
    };
    const type = baseType(c.type);
    switch (kind) {
      case 'uint':
      case 'uint-array': {
        const max = UINT_MAX[type]!;
        const n = parseUint(v.text, max);
        if (n === null) return fail(`an integer from 0 to ${max}`);
        return { type, value: n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString() };
      }
      case 'asn': {
        const n = parseASN(v.text);
        return n === null ? fail('an AS number (AS65000 or 65000)') : { type, value: n };
      }
      case 'proto': {
        const n = parseProto(v.text);
        return n === null ? fail('a protocol name (tcp, udp, icmp, ...) or a number from 0 to 255') : { type, value: n };
      }
      case 'etype': {
        const n = ETYPES.get(v.text.toLowerCase());
        return n === undefined ? fail('IPv4 or IPv6') : { type, value: n };
      }
      case 'boundary':
      case 'direction': {
        const words = KEYWORDS[kind]!;
        const w = v.text.toLowerCase();
        return words.includes(w) ? { type: 'String', value: w } : fail(words.join(', ').replace(/, (\w+)$/, ' or $1'));
      }
      case 'mac': {
        const n = parseMAC(v.text);
        return n === null ? fail('a MAC address (00:11:22:33:44:55)') : { type, value: n };
      }
      case 'prefix': {
        if (op.endsWith('LIKE')) return { type: 'String', value: v.text };
        const s = parseSubnet(v.text);
        return s === null ? fail('a subnet (192.0.2.0/24, 2001:db8::/32)') : { type: 'String', value: formatPrefix(s) };
      }
      default:
        return { type: 'String', value: v.text };
    }
  }

  // ip compiles a condition on an IPv6 column: addresses by equality, subnets as ranges of addresses.
  ip(name: string, op: string, value: ValueNode | ListNode): string {
    const values = value.type === 'list' ? value.items : [value];
    const addresses: string[] = [];
    const ranges: string[] = [];
    for (const v of values) {
      const s = parseSubnet(v.text);
      if (s === null) {
        this.problem(v.start, `${name}: expected an IP address or subnet (192.0.2.1, 2001:db8::/32), got ${JSON.stringify(v.text)}`);
      } else if (s.bits === 128) {
        addresses.push(this.bind({ type: 'IPv6', value: formatIP(s.first) }));
      } else {
        const first = this.bind({ type: 'IPv6', value: formatIP(s.first) });
        const last = this.bind({ type: 'IPv6', value: formatIP(s.last) });
        ranges.push(`${name} >= ${first} AND ${name} <= ${last}`);
      }
    }
    if (addresses.length + ranges.length !== values.length) return 'false';
    const negate = op === '!=' || op === '!<<' || op === 'NOTIN';
    if (ranges.length === 0) {
      if (value.type === 'value') return `${name} ${negate ? '!=' : '='} ${addresses[0]}`;
      return `${name} ${negate ? 'NOT IN' : 'IN'} (${addresses.join(', ')})`;
    }
    const terms = [...(addresses.length === 0 ? [] : [`${name} IN (${addresses.join(', ')})`]), ...ranges.map((r) => `(${r})`)];
    const sql = terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
    return negate ? `NOT ${sql}` : sql;
  }
}

/** compile turns a syntax tree into SQL for `schema`; problems are returned, not thrown. */
export function compile(text: string, expr: Expr, schema: Schema): Compiled | FilterProblem[] {
  const c = new Compiler(text, schema);
  const sql = c.expr(expr);
  if (c.problems.length > 0) return c.problems;
  return { sql, params: c.params, columns: c.columns, mainTableOnly: c.mainTableOnly };
}
