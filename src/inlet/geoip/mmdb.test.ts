// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reader } from 'maxmind';
import { formatIP, parseIP } from '../../common/helpers/ip.ts';
import { MMDBWriter } from '../../common/helpers/mmdb-writer.ts';
import { mulberry32 } from '../../common/helpers/random.ts';
import { loadMMDB, MMDBFormatError } from './mmdb.ts';
import { RecordSet, toRecord } from './records.ts';

// randomDatabase writes networks of random lengths around a few bases, with
// a handful of distinct data entries.
function randomDatabase(rand: () => number, ipVersion: 4 | 6, recordSize: 24 | 28 | 32): { db: Buffer; nets: string[] } {
  const w = new MMDBWriter({ ipVersion, recordSize });
  const nets: string[] = [];
  for (let i = 0; i < 400; i++) {
    const v6 = ipVersion === 6 && rand() < 0.4;
    const a = new Uint8Array(16);
    let text: string;
    if (v6) {
      a[0] = 0x20;
      a[1] = 0x01;
      a[2] = 0x0d;
      a[3] = 0xb8;
      for (let k = 4; k < 16; k++) a[k] = rand() < 0.5 ? Math.floor(rand() * 256) : 0;
      const len = 32 + Math.floor(rand() * 97);
      for (let bit = len; bit < 128; bit++) a[bit >> 3]! &= ~(0x80 >> (bit & 7));
      text = `${formatIP(a)}/${len}`;
    } else {
      const len = 8 + Math.floor(rand() * 25);
      const n = (((rand() < 0.7 ? 10 : Math.floor(rand() * 224)) << 24) | Math.floor(rand() * 0xffffff)) >>> 0;
      const masked = len === 0 ? 0 : (n & (0xffffffff << (32 - len))) >>> 0;
      text = `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
    }
    const k = Math.floor(rand() * 6);
    w.insert(text, { country: { iso_code: `C${k}` }, autonomous_system_number: 64500 + k });
    nets.push(text);
  }
  return { db: w.write(), nets };
}

describe('loadMMDB', () => {
  for (const [ipVersion, recordSize, seed] of [
    [6, 24, 1],
    [6, 28, 2],
    [6, 32, 3],
    [4, 28, 4],
  ] as const) {
    it(`agrees with the maxmind reader (IPv${ipVersion}, ${recordSize} bits)`, () => {
      const rand = mulberry32(seed);
      const { db, nets } = randomDatabase(rand, ipVersion, recordSize);
      const reader = new Reader<Record<string, unknown>>(db);
      const set = new RecordSet();
      const { table, info } = loadMMDB(db, set);
      assert.equal(info.ipVersion, ipVersion);
      for (let i = 0; i < 3000; i++) {
        // Probe inside random networks and at random addresses.
        const net = nets[Math.floor(rand() * nets.length)]!;
        const base = parseIP(net.slice(0, net.indexOf('/')))!;
        const len = Number(net.slice(net.indexOf('/') + 1)) + (net.includes(':') ? 0 : 96);
        for (let bit = len; bit < 128; bit++) if (rand() < 0.5) base[bit >> 3]! |= 0x80 >> (bit & 7);
        const text = formatIP(base);
        const data = reader.get(text);
        const got = table.lookup(base, 0);
        if (data === null) assert.equal(got, -1, text);
        else assert.deepEqual(set.records[got], toRecord(data), text);
      }
    });
  }

  it('places IPv4 at ::ffff:0:0/96 and skips the aliases of the IPv4 subtree', () => {
    for (const aliasMapped of [true, false]) {
      const db = new MMDBWriter({ aliasMapped })
        .insert('192.0.2.0/24', { country: { iso_code: 'FR' } })
        .insert('2002:c633:6400::/40', { country: { iso_code: 'DE' } })
        .write();
      const set = new RecordSet();
      const { table } = loadMMDB(db, set);
      assert.equal(set.records[table.lookup(parseIP('192.0.2.1')!, 0)]?.country, 'FR');
      assert.equal(table.lookup(parseIP('::192.0.2.1')!, 0), -1, 'IPv4-compatible');
      assert.equal(table.lookup(parseIP('2002:c000:0201::')!, 0), -1, '6to4 alias');
      // With aliases, 2002::/16 holds nothing but the alias.
      assert.equal(set.records[table.lookup(parseIP('2002:c633:6401::')!, 0)]?.country, aliasMapped ? undefined : 'DE');
    }
  });

  it('rejects corrupt files', () => {
    const set = new RecordSet();
    assert.throws(() => loadMMDB(Buffer.from('not a database at all'), set), MMDBFormatError);
    const db = new MMDBWriter().insert('10.0.0.0/8', { country: { iso_code: 'FR' } }).write();
    // Point every record of the tree at node 0: a loop.
    const bad = Buffer.from(db);
    bad.fill(0, 0, 7 * 10);
    assert.throws(() => loadMMDB(bad, set), MMDBFormatError);
  });
});
