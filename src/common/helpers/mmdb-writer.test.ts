// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reader } from 'maxmind';
import { MMDBWriter } from './mmdb-writer.ts';

// The writer is checked against the maxmind package's reader, an
// independent implementation of the format.
describe('MMDBWriter', () => {
  for (const recordSize of [24, 28, 32] as const) {
    it(`writes an IPv6 database readable by maxmind (record size ${recordSize})`, () => {
      const w = new MMDBWriter({ recordSize, databaseType: 'GeoLite2-Country' });
      w.insert('0.0.0.0/0', { country: { iso_code: 'ZZ' } });
      w.insert('192.0.2.0/24', { country: { iso_code: 'FR', names: { en: 'France' } }, n: 70000, neg: -5, f: 1.5, ok: true });
      w.insert('192.0.2.128/25', { country: { iso_code: 'DE' }, list: [{ names: { en: 'Bavaria' } }], big: 2n ** 40n });
      w.insert('2001:db8::/32', { country: { iso_code: 'FR', names: { en: 'France' } } });
      const long = 'x'.repeat(300);
      w.insert('2001:db8:1::/48', { long, again: long });
      const r = new Reader<Record<string, unknown>>(w.write());
      assert.equal(r.metadata.recordSize, recordSize);
      assert.equal(r.metadata.ipVersion, 6);
      assert.equal(r.metadata.databaseType, 'GeoLite2-Country');
      assert.deepEqual(r.get('198.51.100.1'), { country: { iso_code: 'ZZ' } });
      assert.deepEqual(r.get('192.0.2.1'), {
        country: { iso_code: 'FR', names: { en: 'France' } },
        n: 70000,
        neg: -5,
        f: 1.5,
        ok: true,
      });
      assert.deepEqual(r.get('192.0.2.200'), { country: { iso_code: 'DE' }, list: [{ names: { en: 'Bavaria' } }], big: 2n ** 40n });
      assert.deepEqual(r.getWithPrefixLength('192.0.2.200')[1], 25);
      assert.deepEqual(r.get('2001:db8:2::1'), { country: { iso_code: 'FR', names: { en: 'France' } } });
      assert.deepEqual(r.get('2001:db8:1::1'), { long, again: long });
      assert.equal(r.get('2001:db9::1'), null);
      // ::ffff:0:0/96 is an alias of the IPv4 subtree.
      assert.deepEqual(r.get('::ffff:192.0.2.1'), r.get('192.0.2.1'));
      // So is 2002::/16 (6to4: 2002:c000:0201:: embeds 192.0.2.1).
      assert.deepEqual(r.get('2002:c000:0201::'), r.get('192.0.2.1'));
    });
  }

  it('writes an IPv4 database', () => {
    const w = new MMDBWriter({ ipVersion: 4, recordSize: 24 });
    w.insert('10.0.0.0/8', { autonomous_system_number: 64500, autonomous_system_organization: 'Test' });
    const r = new Reader<Record<string, unknown>>(w.write());
    assert.equal(r.metadata.ipVersion, 4);
    assert.deepEqual(r.get('10.1.2.3'), { autonomous_system_number: 64500, autonomous_system_organization: 'Test' });
    assert.equal(r.get('11.1.2.3'), null);
    assert.throws(() => w.insert('2001:db8::/32', {}), TypeError);
  });
});
