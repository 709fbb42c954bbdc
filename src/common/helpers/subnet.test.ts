// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseIP } from './ip.ts';
import { parseSubnet, SubnetMap } from './subnet.ts';

it('parses subnets', () => {
  assert.equal(parseSubnet('192.0.2.0/24')?.length, 120);
  assert.equal(parseSubnet('2001:db8::/32')?.length, 32);
  assert.equal(parseSubnet('192.0.2.1')?.length, 128);
  assert.equal(parseSubnet('0.0.0.0/0')?.length, 96);
  assert.equal(parseSubnet('::/0')?.length, 0);
  assert.equal(parseSubnet('192.0.2.1/24'), null, 'host bits set');
  assert.equal(parseSubnet('192.0.2.0/33'), null);
  assert.equal(parseSubnet('eth0/8'), null);
});

it('finds the most specific subnet', () => {
  const m = SubnetMap.fromObject({ '0.0.0.0/0': 1, '192.0.2.0/24': 100, '192.0.2.128/25': 1000, '2001:db8::/32': 64 });
  const at = (a: string) => m.lookup(parseIP(a)!);
  assert.equal(at('198.51.100.1'), 1);
  assert.equal(at('192.0.2.1'), 100);
  assert.equal(at('192.0.2.200'), 1000);
  assert.equal(at('2001:db8:1::1'), 64);
  assert.equal(at('2001:db9::1'), undefined);
  assert.throws(() => SubnetMap.fromObject({ nope: 1 }), /expected a subnet like 192\.0\.2\.0\/24, got "nope"/);
});
