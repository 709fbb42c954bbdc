// SPDX-License-Identifier: AGPL-3.0-only
import { AkvoradoError } from '../../common/errors.ts';

/** FilterProblem is one error in a filter, with where it is (line and column count from 1). */
export interface FilterProblem {
  /** message says what is wrong and what was expected. */
  message: string;
  /** offset is the position in the filter text, counted in UTF-16 code units from 0. */
  offset: number;
  /** line is the line of the problem, from 1. */
  line: number;
  /** column is the column of the problem on its line, from 1. */
  column: number;
}

/**
 * FilterError is raised for a filter that does not parse or does not fit the
 * schema (code AKV_CONSOLE_FILTER). It carries every problem found, in order.
 */
export class FilterError extends AkvoradoError {
  /** problems are the errors found, each with its position. */
  readonly problems: readonly FilterProblem[];

  constructor(problems: readonly FilterProblem[]) {
    const first = problems[0];
    const where = first === undefined ? '' : ` at line ${first.line}, column ${first.column}`;
    super('AKV_CONSOLE_FILTER', `invalid filter${where}: ${first?.message ?? 'unknown error'}`);
    this.name = 'FilterError';
    this.problems = problems;
  }

  /** toJSON adds the problems to the code and message, for the console API. */
  override toJSON(): { code: 'AKV_CONSOLE_FILTER'; message: string; errors: FilterProblem[] } {
    return { code: 'AKV_CONSOLE_FILTER', message: this.message, errors: this.problems.map((p) => ({ ...p })) };
  }
}

/** problemAt builds a FilterProblem for `offset` in `text`, computing its line and column. */
export function problemAt(text: string, offset: number, message: string): FilterProblem {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { message, offset, line, column: offset - lineStart + 1 };
}
