// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testSchema } from '../tests.ts';
import { dimensionKey, dimensionRender, dimensionSQL, swapFilter, swapName } from './dimensions.ts';
import { percentile95, previousOffset, stats } from './line.ts';
import { unitSQL } from './units.ts';

const DAY = 86_400;

test('previousOffset: a day, a week, 30 days or a year back', () => {
  for (const [range, want] of [
    [3600, DAY],
    [DAY, DAY],
    [DAY + 1, 7 * DAY],
    [7 * DAY, 7 * DAY],
    [30 * DAY, 30 * DAY],
    [90 * DAY, 365 * DAY],
  ] as const) {
    assert.equal(previousOffset(range), want, String(range));
  }
});

test('percentile95 and stats', () => {
  assert.equal(percentile95([]), 0);
  assert.equal(percentile95([5]), 5);
  // 20 values 1..20: the 19th.
  assert.equal(percentile95(Array.from({ length: 20 }, (_, i) => 20 - i)), 19);
  assert.deepEqual(stats([[1, 3, 2]]), { min: [1], max: [3], average: [2], '95th': [3], last: [2] });
});

test('swapFilter swaps columns, not values', () => {
  const schema = testSchema();
  for (const [input, want] of [
    ['SrcAS = 13335', 'DstAS = 13335'],
    ['srcas = 1 AND (InIfName = "SrcAS" OR NOT DstPort = 80)', 'DstAS = 1 AND (OutIfName = "SrcAS" OR NOT SrcPort = 80)'],
    ['ExporterName = SrcAS -- SrcAS', 'ExporterName = SrcAS -- SrcAS'],
    ['InIfBoundary = external /* c */ AND OutIfSpeed > 1000', 'OutIfBoundary = external /* c */ AND InIfSpeed > 1000'],
    ['', ''],
  ]) {
    assert.equal(swapFilter(input!, schema), want, input);
  }
  assert.deepEqual(['SrcAS', 'DstNetPrefix', 'InIfName', 'OutIfSpeed', 'Proto'].map(swapName), ['DstAS', 'SrcNetPrefix', 'OutIfName', 'InIfSpeed', 'Proto']);
});

test('unitSQL: interface speeds swap with the direction', () => {
  assert.deepEqual(unitSQL('inl2%').columns.at(-1), 'InIfSpeed');
  assert.deepEqual(unitSQL('inl2%', true).columns.at(-1), 'OutIfSpeed');
  assert.deepEqual(unitSQL('outl2%', true).columns.at(-1), 'InIfSpeed');
  assert.equal(unitSQL('l3bps').additive, true);
  assert.equal(unitSQL('outl2%').additive, false);
});

test('dimensionSQL renders every dimension of the schema as a string', () => {
  const schema = testSchema();
  for (const c of schema.columns) if (!c.notDimension) assert.match(dimensionSQL(schema, c.name), /`/, c.name);
  assert.match(dimensionSQL(schema, 'SrcAS'), /dictGetOrDefault\('asns'/);
});

test('dimensionKey groups by the column or the truncated address, dimensionRender renders it', () => {
  const schema = testSchema();
  assert.equal(dimensionKey(schema, 'SrcAS'), '`SrcAS`');
  assert.equal(dimensionKey(schema, 'ExporterName'), '`ExporterName`');
  assert.match(dimensionKey(schema, 'DstAddr'), /^IPv6CIDRToRange\(`DstAddr`, .*\{truncate4:UInt8\}.*\{truncate6:UInt8\}/);
  assert.equal(dimensionRender(schema, 'SrcAS', 'k0'), "concat(toString(k0), ': ', dictGetOrDefault('asns', 'name', k0, '???'))");
  // Protocol numbers above 255 are not named after their low byte: rendering stays one-to-one.
  assert.match(dimensionRender(schema, 'Proto', 'k0'), /^if\(k0 < 256, dictGetOrDefault\('protocols', 'name', toUInt8\(k0\)/);
  for (const c of schema.columns) {
    if (!c.notDimension) assert.equal(dimensionSQL(schema, c.name), dimensionRender(schema, c.name, dimensionKey(schema, c.name)), c.name);
  }
});
