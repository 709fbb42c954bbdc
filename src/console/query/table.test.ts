// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Schema } from '../../common/schema/root.ts';
import { chooseTable } from './table.ts';

const HOUR = 3600;
const DAY = 86_400;
const NOW = 1_750_000_000 - (1_750_000_000 % DAY);
const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
// The default resolutions: main 15 days, 1m 7 days, 5m 90 days, 1h 1 year (in ms, as the configuration holds them).
const config = {
  resolutions: [
    { interval: 0, ttl: 15 * DAY * 1000 },
    { interval: 60_000, ttl: 7 * DAY * 1000 },
    { interval: 300_000, ttl: 90 * DAY * 1000 },
    { interval: 3_600_000, ttl: 365 * DAY * 1000 },
  ],
};

const cases: Array<{ mark: string; range: number; ago?: number; points: number; columns?: string[]; cfg?: typeof config; want: [string, number] }> = [
  { mark: '1h, 60 points: 1m', range: HOUR, points: 60, want: ['flows_1m0s', 60] },
  { mark: '1h, 200 points: main table, 18 s', range: HOUR, points: 200, want: ['flows', 18] },
  { mark: '1h, 12 points: 5m', range: HOUR, points: 12, want: ['flows_5m0s', 300] },
  { mark: '1h, 10 points: 5m, step rounded up to 10m', range: HOUR, points: 10, want: ['flows_5m0s', 600] },
  { mark: '24h, 200 points: 5m, 432 s rounded up to 600', range: DAY, points: 200, want: ['flows_5m0s', 600] },
  { mark: '24h, 24 points: 1h', range: DAY, points: 24, want: ['flows_1h0m0s', HOUR] },
  { mark: '24h, 1440 points: 1m', range: DAY, points: 1440, want: ['flows_1m0s', 60] },
  { mark: '30 days, 200 points: 1h (3.6 h → 4 h)', range: 30 * DAY, points: 200, want: ['flows_1h0m0s', 4 * HOUR] },
  { mark: '30 days, 720 points: 1h', range: 30 * DAY, points: 720, want: ['flows_1h0m0s', HOUR] },
  { mark: '30 days, 8640 points: 1m is gone, 5m', range: 30 * DAY, points: 8640, want: ['flows_5m0s', 300] },
  { mark: '1h ten days ago: 1m expired, main table', range: HOUR, ago: 10 * DAY, points: 60, want: ['flows', 60] },
  { mark: '1h twenty days ago: only 5m and 1h keep it, finest', range: HOUR, ago: 20 * DAY, points: 60, want: ['flows_5m0s', 300] },
  { mark: '1h ten days ago, 200 points: main table still holds it', range: HOUR, ago: 10 * DAY, points: 200, want: ['flows', 18] },
  { mark: '1h 100 days ago: only 1h', range: HOUR, ago: 100 * DAY, points: 60, want: ['flows_1h0m0s', HOUR] },
  { mark: '1h two years ago: nothing keeps it, longest retention', range: HOUR, ago: 730 * DAY, points: 60, want: ['flows_1h0m0s', HOUR] },
  { mark: '1h, 60 points, SrcAddr: main table', range: HOUR, points: 60, columns: ['SrcAddr'], want: ['flows', 60] },
  { mark: '24h, 200 points, DstPort: main table', range: DAY, points: 200, columns: ['SrcAS', 'DstPort'], want: ['flows', 432] },
  { mark: '30 days, 200 points, SrcAddr: main table beyond its TTL', range: 30 * DAY, points: 200, columns: ['SrcAddr'], want: ['flows', 12_960] },
  { mark: '24h, 24 points, SrcAS and InIfName: 1h', range: DAY, points: 24, columns: ['SrcAS', 'InIfName'], want: ['flows_1h0m0s', HOUR] },
  {
    mark: '30 days, main table kept forever: main table',
    range: 30 * DAY,
    points: 200,
    columns: ['SrcAddr'],
    cfg: { resolutions: [{ interval: 0, ttl: 0 }, ...config.resolutions.slice(1)] },
    want: ['flows', 12_960],
  },
  { mark: 'main table only configured', range: DAY, points: 24, cfg: { resolutions: [{ interval: 0, ttl: 0 }] }, want: ['flows', HOUR] },
];

for (const c of cases) {
  test(`chooseTable: ${c.mark}`, () => {
    const end = NOW - (c.ago ?? 0);
    const got = chooseTable(c.cfg ?? config, schema, { start: end - c.range, end, points: c.points, columns: c.columns ?? ['SrcAS'], now: NOW });
    assert.deepEqual([got.table, got.step], c.want, c.mark);
  });
}

test('chooseTable: the previous period needs the retention of its own start', () => {
  const got = chooseTable(config, schema, { start: NOW - 6 * DAY - HOUR, end: NOW - 6 * DAY, points: 60, columns: [], now: NOW, oldest: NOW - 20 * DAY - HOUR });
  assert.equal(got.table, 'flows_5m0s');
});
