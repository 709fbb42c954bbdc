// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Spares } from './spares.ts';

function spares(max: number): { s: Spares<number[]> } {
  return { s: new Spares<number[]>({ max, idleMs: 1000, size: (a) => a.length }) };
}

// kept takes every spare out of `s`, smallest first.
function kept(s: Spares<number[]>): number[][] {
  const out: number[][] = [];
  for (let x = s.take(); x !== undefined; x = s.take()) out.push(x);
  return out;
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
  const { s } = spares(2);
  const [a, b, c] = [new Array<number>(10), new Array<number>(5), new Array<number>(20)];
  s.give(a);
  s.give(b);
  assert.equal(s.length, 2);
  s.give(c);
  assert.equal(s.length, 2);
  const left = kept(s);
  assert.equal(left.length, 2);
  assert.equal(left[0], a);
  assert.equal(left[1], c);
});

test('spares: idle ones are given up by trim, all by clear', () => {
  const { s } = spares(4);
  const [a, b, c] = [new Array<number>(1), new Array<number>(2), new Array<number>(3)];
  s.give(a, 0);
  s.give(b, 900);
  s.trim(1500);
  assert.equal(s.length, 1);
  assert.equal(s.take(), b);
  s.give(c, 1500);
  s.give(b, 1500);
  s.clear();
  assert.equal(s.length, 0);
  assert.equal(s.take(), undefined);
});
