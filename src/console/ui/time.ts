// SPDX-License-Identifier: AGPL-3.0-only
// Time ranges as typed by users: "now", "6 hours ago", or a date.

/** PRESETS are the ranges offered in one click: [label, start, end]. */
export const PRESETS: ReadonlyArray<readonly [string, string, string]> = [
  ['Last hour', '1 hour ago', 'now'],
  ['Last 6 hours', '6 hours ago', 'now'],
  ['Last 24 hours', '24 hours ago', 'now'],
  ['Last 7 days', '7 days ago', 'now'],
  ['Last 30 days', '30 days ago', 'now'],
];

const SECONDS: Readonly<Record<string, number>> = { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800, month: 2592000, year: 31536000 };

/** parseTime reads a time as typed (relative to now, or a date) and returns it, or null. */
export function parseTime(text: string, now: Date = new Date()): Date | null {
  const t = text.trim().toLowerCase();
  if (t === 'now') return now;
  const m = /^(\d+(?:\.\d+)?)\s*(second|minute|hour|day|week|month|year)s?\s+ago$/.exec(t);
  if (m !== null) return new Date(now.getTime() - Number(m[1]) * SECONDS[m[2]!]! * 1000);
  if (!/^\d{4}-\d{2}-\d{2}/.test(t)) return null;
  const d = new Date(text.trim());
  return Number.isNaN(d.getTime()) ? null : d;
}

/** rfc3339 writes a date as the API wants it, without milliseconds. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
