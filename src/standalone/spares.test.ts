// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spares } from './spares.ts';

function spares(max: number): { s: Spares<number[]>; disposed: number[][] } {
  const disposed: number[][] = [];
  const s = new Spares<number[]>({ max, idleMs: 1000, size: (a) => a.length, dispose: (a) => disposed.push(a) });
  return { s, disposed };
}

test('spares: the smallest one large enough is taken', () => {
  const { s } = spares(4);
  const [a, b, c] = [new Array<number>(10), new Array<number>(30), new Array<number>(20)];
  s.give(a);
  s.give(b);
  s.give(c);
  assert.equal(s.take(15), c);
  assert.equal(s.take(31), undefined);
  assert.equal(s.take(), a);
  assert.equal(s.take(), b);
  assert.equal(s.length, 0);
});

test('spares: beyond max, the smallest is given up', () => {
  const { s, disposed } = spares(2);
  const [a, b, c] = [new Array<number>(10), new Array<number>(5), new Array<number>(20)];
  s.give(a);
  s.give(b);
  assert.deepEqual(disposed, []);
  s.give(c);
  assert.equal(disposed.length, 1);
  assert.equal(disposed[0], b);
  assert.equal(s.length, 2);
});

test('spares: idle ones are given up by trim, all by clear', () => {
  const { s, disposed } = spares(4);
  const [a, b, c] = [new Array<number>(1), new Array<number>(2), new Array<number>(3)];
  s.give(a, 0);
  s.give(b, 900);
  s.trim(1500);
  assert.deepEqual(disposed, [a]);
  assert.equal(s.take(), b);
  s.give(c, 1500);
  s.clear();
  assert.deepEqual(disposed, [a, c]);
  assert.equal(s.length, 0);
});
