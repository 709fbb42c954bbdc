// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { StringTable } from '../flow/strings.ts';
import { countryCode } from './lookups.ts';
import { isPrivateAS } from './types.ts';

it('packs country codes into 16 bits', () => {
  assert.equal(countryCode('FR'), (0x46 << 8) | 0x52);
  assert.equal(countryCode('fr'), countryCode('FR'));
  for (const bad of ['', 'F', 'FRA', 'F1', '€€']) assert.equal(countryCode(bad), 0, bad);
});

it('tells private AS numbers', () => {
  for (const asn of [64512, 65534, 4_200_000_000, 4_294_967_294, 23456]) assert.ok(isPrivateAS(asn), String(asn));
  for (const asn of [0, 13335, 64511, 65535, 4_294_967_295]) assert.ok(!isPrivateAS(asn), String(asn));
});

it('interns strings once and gives their UTF-8 bytes', () => {
  const s = new StringTable();
  assert.equal(s.intern(''), 0);
  const id = s.intern('Zürich');
  assert.equal(s.intern('Zürich'), id);
  assert.deepEqual(s.bytes(id), new TextEncoder().encode('Zürich'));
  assert.equal(s.text(id), 'Zürich');
  assert.equal(s.size, 2);
  assert.equal(s.bytes(999).length, 0);
});
