// SPDX-License-Identifier: AGPL-3.0-only

/** Character sets of RE2 regular expressions, as tests on code points. */

/** CharTest tells whether a code point belongs to a set. */
export type CharTest = (cp: number) => boolean;

/** range matches code points from lo to hi. */
export const range = (lo: number, hi: number): CharTest => (cp) => cp >= lo && cp <= hi;
/** anyOf matches what any test matches. */
export const anyOf = (...tests: CharTest[]): CharTest => (cp) => tests.some((t) => t(cp));
/** not matches what test does not. */
export const not = (test: CharTest): CharTest => (cp) => !test(cp);

/** DIGIT is RE2's \d. */
export const DIGIT = range(0x30, 0x39);
/** WORD is RE2's \w. */
export const WORD = anyOf(DIGIT, range(0x41, 0x5a), range(0x61, 0x7a), (cp) => cp === 0x5f);
/** SPACE is RE2's \s (ASCII white space but \v). */
export const SPACE: CharTest = (cp) => cp === 0x20 || (cp >= 0x09 && cp <= 0x0d && cp !== 0x0b);
/** isWordChar is RE2's \w, used by \b. */
export const isWordChar = WORD;

/** POSIX holds the ASCII classes usable as [[:name:]]. */
export const POSIX: Record<string, CharTest> = {
  alnum: anyOf(DIGIT, range(0x41, 0x5a), range(0x61, 0x7a)),
  alpha: anyOf(range(0x41, 0x5a), range(0x61, 0x7a)),
  ascii: range(0, 0x7f),
  blank: (cp) => cp === 0x20 || cp === 0x09,
  cntrl: (cp) => cp <= 0x1f || cp === 0x7f,
  digit: DIGIT,
  graph: range(0x21, 0x7e),
  lower: range(0x61, 0x7a),
  print: range(0x20, 0x7e),
  punct: anyOf(range(0x21, 0x2f), range(0x3a, 0x40), range(0x5b, 0x60), range(0x7b, 0x7e)),
  space: (cp) => cp === 0x20 || (cp >= 0x09 && cp <= 0x0d),
  upper: range(0x41, 0x5a),
  word: WORD,
  xdigit: anyOf(DIGIT, range(0x41, 0x46), range(0x61, 0x66)),
};

/**
 * unicodeClass tests \pN or \p{Greek} with the JavaScript engine's own
 * \p{...}: a one-character match cannot backtrack.
 */
export function unicodeClass(name: string): CharTest {
  const GENERAL = /^(C|Cc|Cf|Co|Cs|L|Ll|Lm|Lo|Lt|Lu|M|Mc|Me|Mn|N|Nd|Nl|No|P|Pc|Pd|Pe|Pf|Pi|Po|Ps|S|Sc|Sk|Sm|So|Z|Zl|Zp|Zs)$/;
  if (name === 'Any') return () => true;
  if (!/^[A-Za-z_]+$/.test(name)) throw new Error(`invalid Unicode class ${JSON.stringify(name)}`);
  let re: RegExp;
  try {
    re = new RegExp(`^\\p{${GENERAL.test(name) ? name : `Script=${name}`}}$`, 'u');
  } catch {
    throw new Error(`unknown Unicode class ${JSON.stringify(name)}`);
  }
  return (cp) => re.test(String.fromCodePoint(cp));
}

/** otherCase returns the code point of the other case, or -1. */
export function otherCase(cp: number): number {
  const s = String.fromCodePoint(cp);
  for (const o of [s.toLowerCase(), s.toUpperCase()]) {
    if (o !== s && [...o].length === 1) return o.codePointAt(0)!;
  }
  return -1;
}

/** foldTest makes a test case-insensitive. */
export function foldTest(test: CharTest): CharTest {
  return (cp) => {
    if (test(cp)) return true;
    const o = otherCase(cp);
    return o >= 0 && test(o);
  };
}
