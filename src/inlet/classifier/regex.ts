// SPDX-License-Identifier: AGPL-3.0-only
import { Regex, type RegexMatch } from './regex-vm.ts';

export { Regex, type RegexMatch } from './regex-vm.ts';

/**
 * Regular expressions of the rule language use RE2 syntax, as Go's regexp
 * in Akvorado (regex-parse.ts), and match in linear time (regex-vm.ts), so
 * no pattern can stall the inlet on a long interface description.
 */

/** MAX_REGEX_LENGTH bounds a pattern's size, in characters. */
export const MAX_REGEX_LENGTH = 4096;
const CACHE_SIZE = 1024;

/** newRegex compiles an RE2 pattern, or returns why it is invalid. */
export function newRegex(pattern: string): Regex | string {
  if (pattern.length > MAX_REGEX_LENGTH) return `regular expression longer than ${MAX_REGEX_LENGTH} characters`;
  try {
    return new Regex(pattern);
  } catch (err) {
    return `invalid regular expression ${JSON.stringify(pattern)}: ${(err as Error).message}`;
  }
}

// Compiled patterns by source. Rules hold a few literal patterns, but patterns
// built at run time (Format) could be endless: the cache is emptied when full.
const cache = new Map<string, Regex | string>();

/** compileRegex returns the cached compilation of an RE2 pattern, or why it is invalid. */
export function compileRegex(pattern: string): Regex | string {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = newRegex(pattern);
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

/**
 * expandTemplate fills a template from a match as Go's Regexp.Expand does:
 * `$1`, `${1}`, `$name`, `${name}`; `$$` is a dollar. A name is the longest
 * run of letters, digits and `_` (so `$1x` names group "1x": write `${1}x`);
 * a missing group gives an empty string, a malformed reference a literal `$`.
 */
export function expandTemplate(template: string, match: RegexMatch): string {
  return template.replace(/\$(?:\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))?/g, (whole, braced?: string, bare?: string) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare;
    if (name === undefined) return '$';
    const index = /^\d+$/.test(name) ? Number(name) : match.names.get(name);
    return index === undefined ? '' : (match.groups[index] ?? '');
  });
}
