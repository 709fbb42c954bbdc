// SPDX-License-Identifier: AGPL-3.0-only
import { ClassifierRuntimeError } from './errors.ts';
import type { Type, Value } from './types.ts';

/**
 * Format() of the rule language is a small printf: `%s` and `%v` print any
 * value, `%d` an integer, `%q` a double-quoted string, `%%` a percent sign.
 * Flags, widths and other verbs are refused (Go's fmt would print them as
 * `%!x(...)` noise into a classification).
 */

// Splits a format into literal text and verbs; a verb is `%` and one character.
function* pieces(fmt: string): Generator<{ text: string } | { verb: string; pos: number }> {
  let last = 0;
  for (let i = fmt.indexOf('%'); i >= 0; i = fmt.indexOf('%', last)) {
    if (i > last) yield { text: fmt.slice(last, i) };
    const verb = fmt[i + 1] ?? '';
    last = i + 2;
    if (verb === '%') yield { text: '%' };
    else yield { verb, pos: i };
  }
  if (last < fmt.length) yield { text: fmt.slice(last) };
}

/**
 * checkFormat checks a literal format against its arguments' types at compile
 * time; it returns why they do not fit, or null.
 */
export function checkFormat(fmt: string, types: readonly Type[]): string | null {
  let n = 0;
  for (const p of pieces(fmt)) {
    if ('text' in p) continue;
    if (!'sdvq'.includes(p.verb) || p.verb === '') return `Format: unsupported verb "%${p.verb}" (use %s, %d, %v, %q or %%)`;
    const t = types[n++];
    if (t === undefined) return `Format: missing argument for "%${p.verb}"`;
    if (p.verb === 'd' && t !== 'int') return `Format: "%d" expects an integer, got a ${t}`;
    if (p.verb === 'q' && t !== 'string') return `Format: "%q" expects a string, got a ${t}`;
  }
  if (n < types.length) return `Format: ${types.length - n} argument(s) left over`;
  return null;
}

function show(v: Value): string {
  return Array.isArray(v) ? `[${v.map(show).join(' ')}]` : String(v);
}

/** formatValues formats at run time; a bad format (built at run time) throws ClassifierRuntimeError. */
export function formatValues(fmt: string, args: readonly Value[]): string {
  const types = args.map((a): Type => (typeof a === 'string' ? 'string' : typeof a === 'number' ? 'int' : typeof a === 'boolean' ? 'bool' : 'array'));
  const problem = checkFormat(fmt, types);
  if (problem !== null) throw new ClassifierRuntimeError(problem);
  let out = '';
  let n = 0;
  for (const p of pieces(fmt)) {
    if ('text' in p) out += p.text;
    else if (p.verb === 'q') out += JSON.stringify(args[n++]);
    else out += show(args[n++]!);
  }
  return out;
}
