// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { FlowBatch, MAX_MPLS_LABELS, UNKNOWN_DIRECTION } from './batch.ts';
import { copyRow } from './batch-ops.ts';

const ENRICHED = new Set<string>([
  'stringIds',
  'inIfSpeed',
  'outIfSpeed',
  'inIfBoundary',
  'outIfBoundary',
  'srcCountry',
  'dstCountry',
]);

// Every column of the batch, found by reflection so that a new column is
// covered without editing this test.
function columns(b: FlowBatch): Array<[string, ArrayLike<number> & { [i: number]: number }, number]> {
  return Object.entries(b)
    .filter(([k, v]) => ArrayBuffer.isView(v) && k !== 'addr32' && k !== 'enriched')
    .map(([k, v]) => {
      const a = v as unknown as Uint8Array;
      return [k, a, a.length / b.capacity];
    });
}

it('clears every column of a new row and copies rows whole', () => {
  const b = new FlowBatch(4);
  assert.equal(b.buffer.byteLength, FlowBatch.byteLength(4));
  const cols = columns(b);
  assert.ok(cols.length >= 40, `${cols.length} columns`);
  for (const [, a] of cols) for (let k = 0; k < a.length; k++) a[k] = 7;
  for (let row = 0; row < 4; row++) {
    const i = b.begin();
    assert.equal(i, row);
    for (const [name, a, per] of cols) {
      for (let k = 0; k < per; k++) {
        // Enriched columns are the enricher's: begin() leaves them, clearEnriched() zeroes them.
        const want = name === 'flowDirection' ? UNKNOWN_DIRECTION : name === 'mplsLabels' || ENRICHED.has(name) ? 7 : 0;
        assert.equal(a[i * per + k], want, `${name}[${i}]`);
      }
      // Neighbouring rows are untouched.
      if (i + 1 < 4) assert.equal(a[(i + 1) * per], 7, `${name}[${i + 1}]`);
    }
    b.commit();
  }
  // copyRow moves every column, the MPLS stack included.
  for (const [, a, per] of cols) for (let k = 0; k < per; k++) a[2 * per + k] = 42;
  copyRow(b, 2, 0);
  for (const [name, a, per] of cols) assert.equal(a[0 * per + per - 1], 42, name);
  assert.equal(MAX_MPLS_LABELS, 6);
  b.clearEnriched();
  for (const [name, a] of cols) if (ENRICHED.has(name)) assert.ok(Array.from(a).every((x) => x === 0), name);
  assert.equal(b.srcPort[0], 42, 'other columns are kept');
});

it('rebuilds a batch over a buffer received from another thread', () => {
  const a = new FlowBatch(8);
  a.begin();
  a.srcPort[0] = 443;
  a.commit();
  const b = new FlowBatch(8, a.buffer.slice(0));
  assert.equal(b.srcPort[0], 443);
  assert.throws(() => new FlowBatch(8, new ArrayBuffer(10)), /expected \d+ bytes, got 10/);
});
