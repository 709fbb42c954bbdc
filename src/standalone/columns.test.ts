// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mulberry32 } from '../common/helpers/random.ts';
import { Schema } from '../common/schema/root.ts';
import { FlowBatch } from '../inlet/flow/batch.ts';
import { StringTable } from '../inlet/flow/strings.ts';
import { Block, plan, type Column } from './columns.ts';

// valuesOf returns the first `rows` rows of a column as plain numbers.
function valuesOf(c: Column, capacity: number, rows: number): number[] {
  if (!ArrayBuffer.isView(c)) return [...valuesOf(c.labels, capacity, rows), ...valuesOf(c.counts, capacity, rows)];
  return [...c.subarray(0, (c.length / capacity) * rows)];
}

test('block: grows up to max keeping its rows, column by column', () => {
  const schema = new Schema({ enabled: ['MPLSLabels', 'SrcMAC', 'IPTTL'], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const plans = plan(schema);
  const strings = new StringTable();
  const rand = mulberry32(7);
  const b = new FlowBatch(40);
  for (let k = 0; k < 40; k++) {
    const i = b.begin();
    b.timeReceived[i] = 1_700_000_000 + k;
    b.srcAddr.set([0x20, 0x01, 0x0d, 0xb8, ...Array.from({ length: 12 }, () => Math.floor(rand() * 256))], i * 16);
    b.bytes[i] = Math.floor(rand() * 2 ** 40);
    b.srcAS[i] = Math.floor(rand() * 2 ** 32);
    b.mplsLabels.set([16 + k, 17], i * 6);
    b.mplsCount[i] = k % 3;
    b.srcCountry[i] = ('F'.charCodeAt(0) << 8) | 'R'.charCodeAt(0);
    b.setStringId(i, 'exporterName', strings.intern(`edge${k % 5}`));
    b.commit();
  }
  // Room for 4 rows at first: appends of 3, 10 and 27 rows grow it twice.
  const growing = new Block(plans, 50, 4);
  const full = new Block(plans, 50);
  for (const [from, n] of [[0, 3], [3, 10], [13, 27]] as const) {
    growing.append(plans, b, from, n);
    full.append(plans, b, from, n);
  }
  assert.equal(growing.rows, 40);
  assert.equal(growing.room, 10);
  assert.ok(growing.capacity >= 40 && growing.capacity <= 50, `capacity ${growing.capacity}`);
  plans.forEach((p, k) => {
    assert.deepEqual(valuesOf(growing.columns[k]!, growing.capacity, 40), valuesOf(full.columns[k]!, full.capacity, 40), p.name);
  });
  // Emptied, it keeps its arrays.
  const columns = [...growing.columns];
  growing.clear();
  assert.equal(growing.rows, 0);
  growing.append(plans, b, 0, 40);
  assert.deepEqual(growing.columns, columns);
});
