// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { formatIP, isIPv4Mapped, parseIP } from './ip.ts';

it('parses and formats addresses', () => {
  const cases: Array<[string, string | null]> = [
    ['192.0.2.1', '192.0.2.1'],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8::1', '2001:db8::1'],
    ['::ffff:10.0.0.1', '10.0.0.1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
    ['fe80::1%eth0', 'fe80::1'],
    ['192.0.2.256', null],
    ['eth0', null],
  ];
  for (const [text, want] of cases) {
    const b = parseIP(text);
    assert.equal(b === null ? null : formatIP(b), want, text);
  }
  const v4 = parseIP('198.51.100.7')!;
  assert.equal(v4.length, 16);
  assert.ok(isIPv4Mapped(v4, 0));
  assert.ok(!isIPv4Mapped(parseIP('2001:db8::1')!, 0));
});
