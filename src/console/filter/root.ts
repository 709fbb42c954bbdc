// SPDX-License-Identifier: AGPL-3.0-only
// The console's filter language: user filters such as
// `InIfBoundary = external AND SrcAS IN (AS15169, AS13335)` turned into a
// ClickHouse WHERE expression whose values are all query parameters.
// docs/filter.md is the reference for users.
import type { Schema } from '../../common/schema/root.ts';
import { FilterError, problemAt } from './errors.ts';
import { nestingOffset } from './lexer.ts';
import { parse, type Expr } from './parser.ts';
import { compile, type Compiled } from './sql.ts';

export { FilterError, type FilterProblem } from './errors.ts';
export { completeFilter, quoteValue, type Candidate, type Completion } from './complete.ts';

/** FilterResult is a filter compiled to SQL, with its parameters and the columns it needs. */
export type FilterResult = Compiled;

/** MAX_FILTER_LENGTH bounds the text of a filter, in UTF-16 code units: filters are typed by people. */
export const MAX_FILTER_LENGTH = 16_384;

/** MAX_FILTER_NESTING bounds nested parentheses and NOTs, which the parser and the compiler recurse into. */
export const MAX_FILTER_NESTING = 200;

/**
 * parseFilter compiles a filter for the given schema. An empty filter (blanks
 * and comments only) gives `1`, which selects everything. Any problem throws
 * a FilterError (code AKV_CONSOLE_FILTER) listing each one with its position.
 */
export function parseFilter(text: string, schema: Schema): FilterResult {
  if (text.length > MAX_FILTER_LENGTH) {
    throw new FilterError([problemAt(text, MAX_FILTER_LENGTH, `filter longer than ${MAX_FILTER_LENGTH} characters`)]);
  }
  const deep = nestingOffset(text, MAX_FILTER_NESTING);
  if (deep >= 0) throw new FilterError([problemAt(text, deep, `filter nested too deeply (more than ${MAX_FILTER_NESTING} parentheses and NOTs)`)]);
  let expr: Expr | null;
  let result: Compiled | ReturnType<typeof compile>;
  try {
    expr = parse(text);
    if (expr === null) return { sql: '1', params: {}, columns: [], mainTableOnly: false };
    result = compile(text, expr, schema);
  } catch (err) {
    // A backstop for MAX_FILTER_NESTING: nesting exhausts the stack of the
    // recursive descent, and that is the user's input, not a bug.
    if (err instanceof RangeError) throw new FilterError([problemAt(text, 0, 'filter nested too deeply')]);
    throw err;
  }
  if (Array.isArray(result)) throw new FilterError(result);
  return result;
}
