// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatDuration, parseDuration } from './duration.ts';

it('parses and formats durations', () => {
  const cases: Array<[string, number | null]> = [
    ['0', 0],
    ['5s', 5000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['10us', 0.01],
    ['5', null],
    ['5 seconds', null],
    ['', null],
    ['-1s', null],
  ];
  for (const [text, ms] of cases) assert.equal(parseDuration(text), ms, text);
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(3_600_250), '1h250ms');
  assert.equal(formatDuration(0), '0s');
});
