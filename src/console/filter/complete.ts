// SPDX-License-Identifier: AGPL-3.0-only
// Completion for the filter editor: what may come at the cursor. A small
// lexer replays the tokens before the cursor through the states of the
// grammar (column, operator, value, list, connective); it is forgiving where
// the parser is strict, since the text being typed is rarely complete.
import type { FilterKind } from '../../common/schema/definition.ts';
import type { Schema } from '../../common/schema/root.ts';
import { tokens, type Token } from './lexer.ts';
import { KEYWORDS, OPERATORS, resolveColumn } from './sql.ts';
import { PROTOCOLS } from './values.ts';

/** Candidate is one proposal: `label` is the text that replaces `from`..`to`. */
export interface Candidate {
  /** label is inserted as is. */
  label: string;
  /** detail says what it is (column kind, operator meaning, value). */
  detail: string;
  /** quoted tells whether label is a quoted string. */
  quoted: boolean;
}

/** Completion is what completeFilter proposes. */
export interface Completion {
  /** from is where the replaced text starts (offset from 0). */
  from: number;
  /** to is where it ends (excluded). */
  to: number;
  /** candidates are the proposals known without ClickHouse. */
  candidates: Candidate[];
  /**
   * needsValues asks the caller for values of `column` starting with `prefix`
   * (exporter names, AS names...): they live in ClickHouse, the caller adds
   * them as quoted candidates (see quoteValue).
   */
  needsValues?: { column: string; prefix: string };
}

const WORD_OPS = new Set(['IN', 'NOTIN', 'LIKE', 'UNLIKE', 'ILIKE', 'IUNLIKE']);
const SYMBOL_OPS = new Set(['=', '!=', '<', '<=', '>', '>=', '<<', '!<<']);

const KIND_DETAIL: Readonly<Record<FilterKind, string>> = {
  ip: 'IP address', prefix: 'IP prefix', string: 'string', uint: 'integer', asn: 'AS number', etype: 'IPv4 or IPv6',
  proto: 'IP protocol', boundary: 'interface boundary', direction: 'flow direction', mac: 'MAC address',
  'uint-array': 'list of integers', none: '',
};

const OP_DETAIL: Readonly<Record<string, string>> = {
  '=': 'equal', '!=': 'not equal', '<': 'less than', '<=': 'less or equal', '>': 'greater than', '>=': 'greater or equal',
  '<<': 'in subnet', '!<<': 'not in subnet', IN: 'one of a list', NOTIN: 'none of a list', LIKE: 'matches pattern (% and _)',
  UNLIKE: 'does not match pattern', ILIKE: 'matches pattern, any case', IUNLIKE: 'does not match pattern, any case',
};

// COMMON_PROTOCOLS come first when completing Proto.
const COMMON_PROTOCOLS = ['tcp', 'udp', 'icmp', 'icmpv6', 'gre', 'esp', 'ah', 'sctp', 'ipv6', 'ipip', 'ospf', 'pim', 'vrrp'];

/** quoteValue quotes a value for the filter language ("..." with \" and \\ escaped). */
export function quoteValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

// unquote reads the text of a (possibly unterminated) quoted string.
function unquote(t: string, closed: boolean): string {
  const body = t.slice(1, closed ? -1 : undefined);
  return body.replace(/\\(["'\\])/g, '$1');
}

type State = 'expr' | 'op' | 'value' | 'list' | 'listsep' | 'after' | 'invalid';

/**
 * completeFilter proposes what may be typed at `cursor`: column names, then
 * the operators of that column, then values (keywords it knows, or a
 * `needsValues` request for values that live in ClickHouse), then AND / OR.
 */
export function completeFilter(text: string, cursor: number, schema: Schema): Completion {
  cursor = Math.max(0, Math.min(cursor, text.length));
  const all = tokens(text);
  let toks = all.filter((t) => t.start < cursor);
  const inComment = all.some(
    (t) => t.kind === 'comment' && t.start < cursor && (cursor < t.end || (cursor === t.end && (!t.closed || t.text.startsWith('--')))),
  );
  if (inComment) return { from: cursor, to: cursor, candidates: [] };
  const last = toks.at(-1);
  // The token under the cursor (a word, an operator, an unfinished string) is being typed.
  let partial: Token | null = null;
  if (last !== undefined && last.end >= cursor && (last.kind === 'word' || last.kind === 'op' || (last.kind === 'string' && (!last.closed || last.end > cursor)))) {
    if (!(last.kind === 'op' && last.end === cursor && SYMBOL_OPS.has(last.text))) partial = last;
  }
  if (partial !== null) toks = toks.slice(0, -1);
  const from = partial?.start ?? cursor;
  const to = partial?.end ?? cursor;
  const upto = partial === null ? '' : partial.text.slice(0, cursor - partial.start);
  const typed = partial?.kind === 'string' ? unquote(upto, false) : upto;

  // Replay the tokens before the cursor.
  let state: State = 'expr';
  let column = '';
  let operator = '';
  let depth = 0;
  for (const t of toks) {
    if (t.kind === 'comment') continue;
    const upper = t.text.toUpperCase();
    switch (state) {
      case 'expr':
        if (t.kind === 'open') depth++;
        else if (t.kind === 'word' && upper === 'NOT') state = 'expr';
        else if (t.kind === 'word') [state, column] = ['op', t.text];
        else state = 'invalid';
        break;
      case 'op':
        if ((t.kind === 'op' && SYMBOL_OPS.has(t.text)) || (t.kind === 'word' && WORD_OPS.has(upper))) [state, operator] = ['value', upper];
        else state = 'invalid';
        break;
      case 'value':
        if (operator === 'IN' || operator === 'NOTIN') state = t.kind === 'open' ? 'list' : 'invalid';
        else state = t.kind === 'word' || t.kind === 'string' ? 'after' : 'invalid';
        break;
      case 'list':
        state = t.kind === 'word' || t.kind === 'string' ? 'listsep' : 'invalid';
        break;
      case 'listsep':
        state = t.kind === 'comma' ? 'list' : t.kind === 'close' ? 'after' : 'invalid';
        break;
      case 'after':
        if (t.kind === 'word' && (upper === 'AND' || upper === 'OR')) state = 'expr';
        else if (t.kind === 'close' && depth > 0) depth--;
        else state = 'invalid';
        break;
      case 'invalid':
        break;
    }
  }

  const lower = typed.toLowerCase();
  const starts = (s: string) => s.toLowerCase().startsWith(lower);
  const candidates: Candidate[] = [];
  const keyword = (label: string, detail: string) => {
    if (starts(label)) candidates.push({ label, detail, quoted: false });
  };
  const result: Completion = { from, to, candidates };
  const c = resolveColumn(schema, column);
  switch (state) {
    case 'expr':
      for (const col of schema.columns) if (col.filter !== 'none') keyword(col.name, KIND_DETAIL[col.filter]);
      keyword('NOT', 'negate a condition');
      break;
    case 'op':
      if (c !== undefined && c.filter !== 'none') for (const op of OPERATORS[c.filter]) keyword(op, OP_DETAIL[op]!);
      break;
    case 'value':
    case 'list':
      if (c === undefined || c.filter === 'none') break;
      if (state === 'value' && (operator === 'IN' || operator === 'NOTIN')) {
        if (partial === null) candidates.push({ label: '(', detail: 'start of a list', quoted: false });
        break;
      }
      if (c.filter === 'proto') {
        for (const p of COMMON_PROTOCOLS) keyword(p, `IP protocol ${PROTOCOLS.get(p)}`);
        for (const p of PROTOCOLS.keys()) if (!COMMON_PROTOCOLS.includes(p)) keyword(p, `IP protocol ${PROTOCOLS.get(p)}`);
      }
      for (const k of KEYWORDS[c.filter] ?? []) keyword(k, KIND_DETAIL[c.filter]);
      if (c.filter === 'string' || c.filter === 'asn' || c.filter === 'prefix') result.needsValues = { column: c.name, prefix: typed };
      break;
    case 'listsep':
      candidates.push({ label: ',', detail: 'next value', quoted: false }, { label: ')', detail: 'end of the list', quoted: false });
      break;
    case 'after':
      keyword('AND', 'both conditions');
      keyword('OR', 'either condition');
      if (depth > 0 && partial === null) candidates.push({ label: ')', detail: 'close parenthesis', quoted: false });
      break;
    case 'invalid':
      break;
  }
  return result;
}
