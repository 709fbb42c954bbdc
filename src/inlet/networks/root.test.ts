// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateWith } from '../../common/config/schema.ts';
import { hasCode } from '../../common/errors.ts';
import { parseIP } from '../../common/helpers/ip.ts';
import { setting, type Configuration } from './config.ts';
import { Networks } from './root.ts';

const EMPTY = { name: '', role: '', site: '', region: '', tenant: '', asn: 0, country: '' };

describe('Networks', () => {
  const config: Configuration = {
    '192.0.2.0/24': { name: 'customers', site: 'par1', region: 'europe', tenant: 'acme', asn: 'AS64500' },
    '192.0.2.128/25': { name: 'customers-vip', role: 'vip' },
    '192.0.2.192/26': 'gold',
    '10.0.0.0/8': { country: 'FR', asn: 64501 },
    '2001:db8::/32': { name: 'v6', site: 'ams1' },
    '2001:db8:1::/48': { role: 'servers' },
  };
  const n = new Networks(config);
  const at = (s: string) => {
    const i = n.lookup(parseIP(s)!, 0);
    return i < 0 ? null : n.records[i];
  };

  it('merges attributes from less to more specific', () => {
    assert.deepEqual(at('192.0.2.1'), { ...EMPTY, name: 'customers', site: 'par1', region: 'europe', tenant: 'acme', asn: 64500 });
    assert.deepEqual(at('192.0.2.130'), { ...EMPTY, name: 'customers-vip', role: 'vip', site: 'par1', region: 'europe', tenant: 'acme', asn: 64500 });
    assert.deepEqual(at('192.0.2.200'), { ...EMPTY, name: 'gold', role: 'vip', site: 'par1', region: 'europe', tenant: 'acme', asn: 64500 });
    assert.deepEqual(at('10.1.1.1'), { ...EMPTY, country: 'FR', asn: 64501 });
    assert.deepEqual(at('2001:db8:1::1'), { ...EMPTY, name: 'v6', site: 'ams1', role: 'servers' });
    assert.deepEqual(at('2001:db8:2::1'), { ...EMPTY, name: 'v6', site: 'ams1' });
    assert.equal(at('198.51.100.1'), null);
    assert.equal(n.size, 6);
  });

  it('rejects bad configurations naming the key', () => {
    const check = (c: unknown, re: RegExp) =>
      assert.throws(() => new Networks(c as Configuration), (err: Error) => hasCode(err, 'AKV_CONFIG_INVALID') && re.test(err.message));
    check({ '192.0.2.1/24': 'x' }, /got "192\.0\.2\.1\/24"/);
    check({ '192.0.2.0/24': { sit: 'x' } }, /networks\.192\.0\.2\.0\/24\.sit: unknown attribute/);
    check({ '192.0.2.0/24': { asn: 'ASX' } }, /192\.0\.2\.0\/24\.asn: expected an AS number/);
    check({ '192.0.2.0/24': 12 }, /192\.0\.2\.0\/24: expected a name or a mapping/);
  });

  it('declares a free-form setting that names the bad key', () => {
    const schema = { networks: setting };
    const ok = validateWith(schema, { networks: { '192.0.2.0/24': { name: 'a' }, '2001:db8::/32': 'b' } });
    assert.deepEqual(ok.networks, { '192.0.2.0/24': { name: 'a' }, '2001:db8::/32': 'b' });
    assert.deepEqual(validateWith(schema, {}).networks, {});
    assert.throws(() => validateWith(schema, { networks: { '192.0.2.0/24': { tenant: 3 } } }), /networks: 192\.0\.2\.0\/24\.tenant: expected a string/);
    assert.throws(() => validateWith(schema, { networks: { nope: 'x' } }), /networks: expected a subnet like 192\.0\.2\.0\/24, got "nope"/);
  });
});
