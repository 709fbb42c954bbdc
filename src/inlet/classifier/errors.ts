// SPDX-License-Identifier: AGPL-3.0-only
import { AkvoradoError } from '../../common/errors.ts';

/** Position is a place in a rule: 0-based offset, 1-based line and column. */
export interface Position {
  offset: number;
  line: number;
  column: number;
}

/** positionAt turns an offset in `source` into a line and column (counted in characters). */
export function positionAt(source: string, offset: number): Position {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < source.length; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { offset, line, column: offset - start + 1 };
}

// excerptAt returns the source line holding `offset` and a caret under it,
// cut to about 60 characters around the offset so that long rules stay readable.
function excerptAt(source: string, offset: number): string {
  const lineStart = offset === 0 ? 0 : source.lastIndexOf('\n', offset - 1) + 1;
  let lineEnd = source.indexOf('\n', offset);
  if (lineEnd < 0) lineEnd = source.length;
  const from = Math.max(lineStart, offset - 30);
  const to = Math.min(lineEnd, offset + 30);
  const text = (from > lineStart ? '…' : '') + source.slice(from, to) + (to < lineEnd ? '…' : '');
  const caret = ' '.repeat(offset - from + (from > lineStart ? 1 : 0)) + '^';
  return `${text}\n${caret}`;
}

/**
 * ClassifierParseError is a rule that cannot be compiled: bad syntax, unknown
 * variable or function, wrong arity or types, invalid regular expression.
 * It is a configuration error (code AKV_CLASSIFIER_PARSE) and carries the
 * rule's index, the position, the reason alone and an excerpt with a caret.
 */
export class ClassifierParseError extends AkvoradoError {
  readonly ruleIndex: number;
  readonly position: Position;
  readonly reason: string;
  readonly excerpt: string;

  constructor(reason: string, source: string, offset: number, ruleIndex = 0) {
    const position = positionAt(source, offset);
    const excerpt = excerptAt(source, offset);
    super(
      'AKV_CLASSIFIER_PARSE',
      `rule ${ruleIndex}, line ${position.line}, column ${position.column}: ${reason} (near ${JSON.stringify(excerpt.split('\n')[0])})`,
    );
    this.name = 'ClassifierParseError';
    this.ruleIndex = ruleIndex;
    this.position = position;
    this.reason = reason;
    this.excerpt = excerpt;
  }

  /** withIndex returns the same error for the rule at `ruleIndex` of a list. */
  withIndex(source: string, ruleIndex: number): ClassifierParseError {
    return new ClassifierParseError(this.reason, source, this.position.offset, ruleIndex);
  }

  /** toJSON adds the position to the code and message. */
  override toJSON(): { code: 'AKV_CLASSIFIER_PARSE'; message: string } & Position & { rule: number } {
    return { code: 'AKV_CLASSIFIER_PARSE', message: this.message, rule: this.ruleIndex, ...this.position };
  }
}

/**
 * ClassifierRuntimeError is a rule that failed while running (a regular
 * expression or format built at run time is invalid, a division by zero).
 * The rule list stops there; the caller counts and logs it.
 */
export class ClassifierRuntimeError extends AkvoradoError {
  /** ruleIndex is set by the rule runner. */
  ruleIndex: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super('AKV_CLASSIFIER_RUNTIME', message, options);
    this.name = 'ClassifierRuntimeError';
    this.ruleIndex = -1;
  }
}
