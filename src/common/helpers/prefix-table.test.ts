// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIP, parseIP } from './ip.ts';
import { mulberry32 } from './random.ts';
import { parseSubnet } from './subnet.ts';
import { mergeTables, PrefixTableBuilder, SortedPrefixWriter } from './prefix-table-builder.ts';
import type { PrefixTable } from './prefix-table.ts';

interface Prefix {
  addr: Uint8Array;
  length: number;
  value: number;
}

// matches tells whether addr is inside the prefix (reference, bit by bit).
function matches(p: Prefix, addr: Uint8Array): boolean {
  for (let bit = 0; bit < p.length; bit++) {
    const m = 0x80 >> (bit & 7);
    if ((p.addr[bit >> 3]! & m) !== (addr[bit >> 3]! & m)) return false;
  }
  return true;
}

// reference is the brute-force answer: longest match, the last added among equals.
function reference(prefixes: readonly Prefix[], addr: Uint8Array): number {
  let best = -1;
  let bestLen = -1;
  for (const p of prefixes) {
    if (p.length >= bestLen && matches(p, addr)) {
      best = p.value;
      bestLen = p.length;
    }
  }
  return best;
}

function build(prefixes: readonly Prefix[]): PrefixTable {
  const b = new PrefixTableBuilder();
  for (const p of prefixes) b.add(p.addr, 0, p.length, p.value);
  return b.build();
}

// randomPrefixes draws prefixes around a few bases, IPv4 (mapped) and IPv6,
// so that they nest and crowd some slots enough to split index nodes.
function randomPrefixes(rand: () => number, count: number): Prefix[] {
  const bases = ['::ffff:10.1.0.0', '::ffff:0.0.0.0', '2001:db8::', '::', '::fffe:0:0', 'fe80::'].map((t) => parseIP(t)!);
  const out: Prefix[] = [];
  for (let i = 0; i < count; i++) {
    const addr = new Uint8Array(16);
    const which = Math.floor(rand() * (bases.length + 1));
    if (which < bases.length) addr.set(bases[which]!);
    const v4 = which <= 1;
    const fixed = which === 0 ? 112 : which === 2 ? 32 : which === 1 ? 96 : which === 4 ? 96 : 0;
    for (let bit = fixed; bit < 128; bit++) if (rand() < 0.5) addr[bit >> 3]! |= 0x80 >> (bit & 7);
    const length = v4 ? 96 + Math.floor(rand() * 33) : Math.floor(rand() * 129);
    for (let bit = length; bit < 128; bit++) addr[bit >> 3]! &= ~(0x80 >> (bit & 7));
    out.push({ addr, length, value: Math.floor(rand() * 50) });
  }
  return out;
}

// probes returns addresses inside, at the edges of and around the prefixes.
function probes(rand: () => number, prefixes: readonly Prefix[], count: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const p = prefixes[Math.floor(rand() * prefixes.length)]!;
    const a = p.addr.slice();
    const mode = rand();
    for (let bit = p.length; bit < 128; bit++) {
      const one = mode < 0.2 ? true : mode < 0.4 ? false : rand() < 0.5;
      if (one) a[bit >> 3]! |= 0x80 >> (bit & 7);
    }
    if (mode > 0.9) {
      // One past the end of the prefix.
      for (let k = 15; k >= 0 && ++a[k]! === 256; k--) a[k] = 0;
    }
    out.push(a);
  }
  return out;
}

describe('PrefixTable', () => {
  it('finds the most specific prefix', () => {
    const b = new PrefixTableBuilder();
    const add = (s: string, v: number) => {
      const sub = parseSubnet(s)!;
      b.add(sub.address, 0, sub.length, v);
    };
    add('0.0.0.0/0', 1);
    add('192.0.2.0/24', 2);
    add('192.0.2.128/25', 3);
    add('2001:db8::/32', 4);
    add('192.0.2.128/25', 5);
    const t = b.build();
    const at = (s: string) => t.lookup(parseIP(s)!, 0);
    assert.equal(at('198.51.100.1'), 1);
    assert.equal(at('192.0.2.1'), 2);
    assert.equal(at('192.0.2.200'), 5, 'last of equal prefixes wins');
    assert.equal(at('192.0.3.0'), 1);
    assert.equal(at('2001:db8:1::1'), 4);
    assert.equal(at('2001:db9::1'), -1);
    assert.equal(at('::1'), -1);
  });

  it('handles the empty table and ::/0', () => {
    assert.equal(new PrefixTableBuilder().build().lookup(parseIP('1.2.3.4')!, 0), -1);
    const t = build([{ addr: new Uint8Array(16), length: 0, value: 7 }]);
    assert.equal(t.lookup(parseIP('1.2.3.4')!, 0), 7);
    assert.equal(t.lookup(parseIP('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')!, 0), 7);
  });

  for (const seed of [1, 2, 3, 42]) {
    it(`matches a brute-force reference (seed ${seed})`, () => {
      const rand = mulberry32(seed);
      const prefixes = randomPrefixes(rand, seed === 42 ? 6000 : 1500);
      const table = build(prefixes);
      assert.ok(table.nodes > 2, 'some slots were split');
      const buf = new Uint8Array(16 * 4000);
      const addrs = probes(rand, prefixes, 4000);
      addrs.forEach((a, i) => buf.set(a, i * 16));
      const batch = new Int32Array(addrs.length);
      table.lookupBatch(buf, 0, 16, addrs.length, batch);
      for (let i = 0; i < addrs.length; i++) {
        const want = reference(prefixes, addrs[i]!);
        const got = table.lookup(buf, i * 16);
        if (got !== want) assert.fail(`${formatIP(addrs[i]!)}: got ${got}, want ${want}`);
        if (batch[i] !== want) assert.fail(`${formatIP(addrs[i]!)}: batch got ${batch[i]}, want ${want}`);
      }
    });
  }

  it('merges tables', () => {
    const rand = mulberry32(9);
    const sets = [randomPrefixes(rand, 800), randomPrefixes(rand, 300), randomPrefixes(rand, 50)];
    const tables = sets.map(build);
    const merged = mergeTables(tables, (v) => (v[0]! + 1) * 10_000 + (v[1]! + 1) * 100 + (v[2]! + 1));
    for (const a of probes(rand, sets.flat(), 3000)) {
      const want = (tables[0]!.lookup(a, 0) + 1) * 10_000 + (tables[1]!.lookup(a, 0) + 1) * 100 + (tables[2]!.lookup(a, 0) + 1);
      assert.equal(merged.lookup(a, 0), want, formatIP(a));
    }
    assert.equal(mergeTables([], () => 5).lookup(parseIP('1.2.3.4')!, 0), 5);
  });

  it('streams sorted prefixes and rejects disorder', () => {
    const w = new SortedPrefixWriter();
    w.add(0, 0, 0xffff, 0x0a000000, 104, 1);
    w.add(0, 0, 0xffff, 0x0a010000, 112, 2);
    w.add(0, 0, 0xffff, 0x0b000000, 104, 3);
    assert.throws(() => w.add(0, 0, 0xffff, 0x0a000000, 104, 4), RangeError);
    const t = w.finish();
    assert.equal(t.lookup(parseIP('10.1.2.3')!, 0), 2);
    assert.equal(t.lookup(parseIP('10.2.2.3')!, 0), 1);
    assert.equal(t.lookup(parseIP('11.2.2.3')!, 0), 3);
    assert.equal(t.lookup(parseIP('12.0.0.0')!, 0), -1);
    assert.equal(t.ranges, 6);
  });
});
