// SPDX-License-Identifier: AGPL-3.0-only
// Number formatting for axes, tooltips and tables.

const PREFIXES = ['', 'k', 'M', 'G', 'T', 'P'];

/** formatSI writes a value with an SI prefix and 3 significant digits (12.3M). */
export function formatSI(v: number): string {
  let i = 0;
  let x = Math.abs(v);
  // 999.7 rounds up to 1000 with 3 digits: it is 1.00k.
  while (x >= 999.5 && i < PREFIXES.length - 1) {
    x /= 1000;
    i++;
  }
  const digits = x === 0 ? '0' : x.toPrecision(3);
  return `${v < 0 ? '-' : ''}${digits}${PREFIXES[i]}`;
}

/** UNIT_LABELS names the units of the API. */
export const UNIT_LABELS: Readonly<Record<string, string>> = {
  l3bps: 'L3 bps',
  l2bps: 'L2 bps',
  pps: 'pps',
  'inl2%': 'in L2 %',
  'outl2%': 'out L2 %',
};

/** formatUnit writes a rate in the given unit (12.3Mbps, 45%). */
export function formatUnit(v: number, units: string): string {
  if (units.endsWith('%')) return `${v.toFixed(v >= 10 ? 0 : 1)}%`;
  return `${formatSI(v)}${units === 'pps' ? 'pps' : 'bps'}`;
}
