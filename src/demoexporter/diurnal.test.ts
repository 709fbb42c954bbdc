// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PEAK_HOUR, TROUGH_HOUR, diurnalFactor, hourOf } from './diurnal.ts';

describe('diurnalFactor', () => {
  const samples = Array.from({ length: 24 * 60 }, (_, m) => [m / 60, diurnalFactor(m / 60)] as const);

  it('peaks in the evening and bottoms out before dawn', () => {
    assert.equal(diurnalFactor(PEAK_HOUR), 1);
    assert.equal(Math.max(...samples.map(([, f]) => f)), 1);
    const min = Math.min(...samples.map(([, f]) => f));
    assert.equal(diurnalFactor(TROUGH_HOUR), min);
    assert.ok(min > 0.2 && min < 0.3, `trough ${min}`);
    assert.ok(diurnalFactor(20.5) > diurnalFactor(9.5));
    assert.ok(diurnalFactor(14) > diurnalFactor(4));
  });

  it('is smooth and wraps at midnight', () => {
    for (let i = 1; i < samples.length; i++) {
      assert.ok(Math.abs(samples[i]![1] - samples[i - 1]![1]) < 0.01, `jump at ${samples[i]![0]}h`);
    }
    assert.ok(Math.abs(diurnalFactor(23.9999) - diurnalFactor(0)) < 1e-3);
    assert.equal(diurnalFactor(24 + 3), diurnalFactor(3));
    assert.equal(diurnalFactor(-1), diurnalFactor(23));
  });

  it('reads the local hour of a time', () => {
    const d = new Date(2024, 5, 1, 21, 30, 0);
    assert.equal(hourOf(d.getTime()), 21.5);
  });
});
