// SPDX-License-Identifier: AGPL-3.0-only

// HOURLY is the share of the evening peak at each hour of the day (local
// time), shaped like an eyeball network's day: lowest before dawn, a slow
// climb through the working day and a peak around 21:00.
const HOURLY = [
  0.8, 0.62, 0.46, 0.35, 0.29, 0.27, 0.31, 0.4, 0.5, 0.57, 0.62, 0.66, 0.7, 0.7, 0.69, 0.7, 0.73, 0.77, 0.83, 0.9, 0.97, 1, 0.97, 0.9,
];

/** PEAK_HOUR is the hour of the day when diurnalFactor() is 1. */
export const PEAK_HOUR = 21;
/** TROUGH_HOUR is the hour of the day when diurnalFactor() is lowest. */
export const TROUGH_HOUR = 5;

/**
 * diurnalFactor returns the traffic rate at `hour` (0 to 24, fractional) as
 * a share of the evening peak, between 0.27 and 1. Hours are joined with a
 * cosine ease so that the curve has no corners and wraps at midnight.
 */
export function diurnalFactor(hour: number): number {
  const h = ((hour % 24) + 24) % 24;
  const i = Math.floor(h);
  const t = h - i;
  const a = HOURLY[i]!;
  const b = HOURLY[(i + 1) % 24]!;
  const ease = (1 - Math.cos(Math.PI * t)) / 2;
  return a + (b - a) * ease;
}

/** hourOf returns the local hour of the day of a time in milliseconds, with minutes as a fraction. */
export function hourOf(ms: number): number {
  const d = new Date(ms);
  return d.getHours() + d.getMinutes() / 60 + d.getSeconds() / 3600;
}
