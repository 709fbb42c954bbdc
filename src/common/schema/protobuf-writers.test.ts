// SPDX-License-Identifier: AGPL-3.0-only
// The generated writers of the protobuf encoder, against the interpreted
// writer (same bytes) and protobufjs (same values), over batches of many
// shapes: all enriched fields set, sparse rows, empty and unicode strings,
// varints at every width.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { FlowBatch, STRING_COLUMNS } from '../../inlet/flow/batch.ts';
import { StringTable } from '../../inlet/flow/strings.ts';
import { parseIP } from '../helpers/ip.ts';
import { InterpretedWriter } from './protobuf-interp.ts';
import { MAX_MESSAGE_SIZE, ProtobufEncoder, STRING_SOURCES } from './protobuf.ts';
import { Schema } from './root.ts';

const ALL = new Schema({
  enabled: ['SrcMAC', 'DstMAC', 'MPLSLabels', 'ICMPv4Type', 'ICMPv4Code', 'ICMPv6Type', 'ICMPv6Code', 'NextHop', 'SrcVlan', 'IPTTL', 'TCPFlags'],
  disabled: [],
  mainTableOnly: [],
  notMainTableOnly: [],
});
const TYPE = protobuf.parse(ALL.protobufText()).root.lookupType('FlowMessage');
// COLUMN_OF gives the schema column of each string column of the batch.
const COLUMN_OF = Object.fromEntries(Object.entries(STRING_SOURCES).map(([name, c]) => [c, name])) as Record<string, string>;

// encodeAll writes every row with the generated writers (one prepare for the batch).
function encodeAll(enc: ProtobufEncoder, b: FlowBatch): Uint8Array {
  const out = new Uint8Array((b.length + 1) * MAX_MESSAGE_SIZE);
  enc.prepare(b);
  const end = enc.encode(b, 0, b.length, out, 0);
  assert.equal(enc.next, b.length);
  return out.subarray(0, end);
}

// reference writes every row with the interpreted writer.
function reference(b: FlowBatch, strings: StringTable): Uint8Array {
  const w = new InterpretedWriter(ALL, strings);
  const out = new Uint8Array((b.length + 1) * MAX_MESSAGE_SIZE);
  let off = 0;
  for (let i = 0; i < b.length; i++) off = w.encodeRow(b, i, out, off);
  return out.subarray(0, off);
}

function decode(bytes: Uint8Array): Array<Record<string, unknown>> {
  const reader = protobuf.Reader.create(bytes);
  const got: Array<Record<string, unknown>> = [];
  while (reader.pos < reader.len) {
    got.push(TYPE.toObject(TYPE.decodeDelimited(reader), { longs: String, bytes: Array, defaults: false }) as Record<string, unknown>);
  }
  return got;
}

// check encodes a batch both ways, compares the bytes and returns the decoded flows.
function check(b: FlowBatch, strings: StringTable): Array<Record<string, unknown>> {
  const got = encodeAll(new ProtobufEncoder(ALL, strings), b);
  assert.deepEqual(Buffer.from(got), Buffer.from(reference(b, strings)));
  const flows = decode(got);
  assert.equal(flows.length, b.length);
  return flows;
}

describe('protobuf encoder, generated writers', () => {
  it('writes every enriched field of every row', () => {
    const strings = new StringTable();
    const b = new FlowBatch(8);
    const text = (c: string, i: number) => (c.endsWith('Description') ? `Transit: Ünïcode ✓ ${c} ${i}` : `${c}-${i}`);
    for (let k = 0; k < 5; k++) {
      const i = b.begin();
      b.timeReceived[i] = 1_700_000_000 + k;
      b.srcAddr.set(parseIP('198.51.100.7')!, i * 16);
      STRING_COLUMNS.forEach((c) => b.setStringId(i, c, strings.intern(text(c, k))));
      b.inIfSpeed[i] = 100_000 * (k + 1);
      b.outIfSpeed[i] = 10;
      b.inIfBoundary[i] = 1;
      b.outIfBoundary[i] = 2;
      b.srcCountry[i] = ('F'.charCodeAt(0) << 8) | 'R'.charCodeAt(0);
      b.dstCountry[i] = ('J'.charCodeAt(0) << 8) | 'P'.charCodeAt(0);
      b.commit();
    }
    const flows = check(b, strings);
    flows.forEach((m, k) => {
      for (const c of STRING_COLUMNS) assert.equal(m[COLUMN_OF[c]!], text(c, k), `${c}, row ${k}`);
      assert.equal(m.InIfSpeed, 100_000 * (k + 1));
      assert.equal(m.OutIfSpeed, 10);
      assert.equal(m.InIfBoundary, 1);
      assert.equal(m.OutIfBoundary, 2);
      assert.equal(m.SrcCountry, 'FR');
      assert.equal(m.DstCountry, 'JP');
    });
  });

  it('leaves out the fields of each row that are empty, 0 or unset', () => {
    const strings = new StringTable();
    const b = new FlowBatch(8);
    // Each row sets other fields: the batch's writer covers them all, each row writes its own.
    const rows: Array<(i: number) => void> = [
      () => {},
      (i) => b.setStringId(i, 'inIfName', strings.intern('')),
      (i) => {
        b.setStringId(i, 'dstGeoState', strings.intern('Île-de-France'));
        b.dstPort[i] = 443;
      },
      (i) => {
        b.nextHop.set(parseIP('2001:db8::1')!, i * 16);
        b.srcCountry[i] = ('D'.charCodeAt(0) << 8) | 'E'.charCodeAt(0);
        b.mplsLabels[i * 6] = 1_048_575;
        b.mplsCount[i] = 1;
      },
      (i) => {
        b.eType[i] = 0x86dd;
        b.proto[i] = 58;
        b.icmpType[i] = 128;
        b.flowDirection[i] = 0;
      },
    ];
    for (const set of rows) {
      const i = b.begin();
      set(i);
      b.commit();
    }
    const flows = check(b, strings);
    assert.deepEqual(flows[0], {}, 'a row of zeros is an empty message');
    assert.deepEqual(flows[1], {}, 'the empty string is left out');
    assert.deepEqual(flows[2], { DstGeoState: 'Île-de-France', DstPort: 443 });
    assert.deepEqual(Object.keys(flows[3]!).sort(), ['MPLSLabels', 'NextHop', 'SrcCountry']);
    assert.deepEqual(flows[3]!.MPLSLabels, [1_048_575]);
    assert.equal(flows[3]!.SrcCountry, 'DE');
    assert.deepEqual(flows[4], { EType: 0x86dd, Proto: 58, ICMPv6Type: 128, FlowDirection: 1 });
  });

  it('writes varints of every width, in batches of one row and of many', () => {
    const strings = new StringTable();
    const u32 = [1, 127, 128, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1];
    const u64 = [1, 127, 128, 2 ** 32 - 1, 2 ** 32, 2 ** 35 + 1, 2 ** 53 - 1];
    const VLANS = [1, 200, 127, 4095, 128, 16_383];
    const b = new FlowBatch(16);
    for (let k = 0; k < u32.length; k++) {
      const i = b.begin();
      b.srcAS[i] = u32[k]!;
      b.dstPort[i] = Math.min(u32[k]!, 65_535);
      b.bytes[i] = u64[k % u64.length]!;
      b.srcMAC[i] = u64[(k + 3) % u64.length]!;
      // Below 16,384 in every row: one byte or two.
      b.srcVlan[i] = VLANS[k % VLANS.length]!;
      b.ipTTL[i] = k * 11;
      b.commit();
    }
    const expect = (m: Record<string, unknown>, k: number) => {
      assert.equal(m.SrcAS, u32[k], `SrcAS ${u32[k]}`);
      assert.equal(m.DstPort, Math.min(u32[k]!, 65_535));
      assert.equal(m.Bytes, String(u64[k % u64.length]));
      assert.equal(m.SrcMAC, String(u64[(k + 3) % u64.length]));
      assert.equal(m.SrcVlan, VLANS[k % VLANS.length]);
      assert.equal(m.IPTTL, k === 0 ? undefined : k * 11);
    };
    check(b, strings).forEach(expect);
    // Alone, each row gets the narrowest writer for its values.
    const enc = new ProtobufEncoder(ALL, strings);
    const w = new InterpretedWriter(ALL, strings);
    for (let k = 0; k < b.length; k++) {
      const out = new Uint8Array(MAX_MESSAGE_SIZE);
      const end = enc.encodeRow(b, k, out, 0);
      const want = new Uint8Array(MAX_MESSAGE_SIZE);
      assert.deepEqual(Buffer.from(out.subarray(0, end)), Buffer.from(want.subarray(0, w.encodeRow(b, k, want, 0))));
      expect(decode(out.subarray(0, end))[0]!, k);
    }
  });

  it('writes the same bytes when rows past the batch hold older flows', () => {
    const strings = new StringTable();
    const b = new FlowBatch(16);
    for (let k = 0; k < 16; k++) {
      const i = b.begin();
      b.srcAS[i] = 4_000_000_000;
      b.ipTTL[i] = 255;
      b.srcVlan[i] = 4000;
      b.flowDirection[i] = 1;
      b.srcPort[i] = 60_000 + k;
      b.commit();
    }
    b.clear();
    for (let k = 0; k < 5; k++) {
      const i = b.begin();
      b.srcAS[i] = 64_500 + k;
      b.commit();
    }
    // Flows 5 to 15 are stale: the scan may read some of them, the writer must not.
    const flows = check(b, strings);
    flows.forEach((m, k) => assert.deepEqual(m, { SrcAS: 64_500 + k }));
  });

  it('writes lengths of one and two bytes, whatever the previous message', () => {
    const strings = new StringTable();
    const b = new FlowBatch(16);
    for (let k = 0; k < 12; k++) {
      const i = b.begin();
      b.srcPort[i] = k + 1;
      // Messages around 128 bytes: short, long, short, ...
      if (k % 3 !== 0) b.setStringId(i, 'inIfDescription', strings.intern('d'.repeat(100 + k * 3)));
      b.commit();
    }
    const flows = check(b, strings);
    flows.forEach((m, k) => assert.equal(m.InIfDescription, k % 3 !== 0 ? 'd'.repeat(100 + k * 3) : undefined));
  });

  it('cuts long strings at a character boundary', () => {
    const strings = new StringTable();
    const b = new FlowBatch(2);
    const i = b.begin();
    b.setStringId(i, 'srcNetName', strings.intern('é'.repeat(200))); // 400 bytes
    b.setStringId(i, 'dstNetName', strings.intern('x'.repeat(255)));
    b.commit();
    const [m] = check(b, strings);
    assert.equal(m!.SrcNetName, 'é'.repeat(127));
    assert.equal(m!.DstNetName, 'x'.repeat(255));
  });

  it('learns the strings interned after its first batch', () => {
    const strings = new StringTable();
    const enc = new ProtobufEncoder(ALL, strings);
    const b = new FlowBatch(4);
    const names: string[] = [];
    for (let round = 0; round < 3; round++) {
      b.clear();
      const i = b.begin();
      // Enough new strings to grow the encoder's tables.
      for (let k = 0; k < 400; k++) strings.intern(`filler ${round} ${k} ${'y'.repeat(k % 40)}`);
      names.push(`exporter ${round}`);
      b.setStringId(i, 'exporterName', strings.intern(names[round]!));
      b.commit();
      assert.equal(decode(encodeAll(enc, b))[0]!.ExporterName, names[round]);
    }
  });

  it('stops at the limit and goes on from the next row', () => {
    const strings = new StringTable();
    const b = new FlowBatch(64);
    for (let k = 0; k < 50; k++) {
      const i = b.begin();
      b.srcAS[i] = 64_500 + k;
      b.setStringId(i, 'exporterName', strings.intern(`edge${k % 4}`));
      b.commit();
    }
    const whole = reference(b, strings);
    const enc = new ProtobufEncoder(ALL, strings);
    enc.prepare(b);
    const out = new Uint8Array(200 + MAX_MESSAGE_SIZE);
    const parts: Buffer[] = [];
    let i = 0;
    let calls = 0;
    while (i < b.length) {
      const end = enc.encode(b, i, b.length, out, 0, 200);
      assert.ok(enc.next > i, 'at least one row per call');
      assert.ok(end >= 200 || enc.next === b.length, 'stops only at the limit or the last row');
      parts.push(Buffer.from(out.subarray(0, end)));
      i = enc.next;
      calls++;
    }
    assert.ok(calls > 1);
    assert.deepEqual(Buffer.concat(parts), Buffer.from(whole));
  });

  it('refuses rows it did not prepare', () => {
    const strings = new StringTable();
    const enc = new ProtobufEncoder(ALL, strings);
    const b = new FlowBatch(4);
    for (let k = 0; k < 3; k++) {
      b.begin();
      b.commit();
    }
    const out = new Uint8Array(4 * MAX_MESSAGE_SIZE);
    assert.throws(() => enc.encode(b, 0, 3, out, 0), RangeError);
    enc.prepare(b, 0, 2);
    assert.throws(() => enc.encode(b, 0, 3, out, 0), RangeError);
    assert.throws(() => enc.encode(b, 0, 2, new Uint8Array(100), 0, 50), RangeError);
  });

  it('writes string ids the table does not know as empty strings', () => {
    const strings = new StringTable();
    const enc = new ProtobufEncoder(ALL, strings);
    const b = new FlowBatch(4);
    const i = b.begin();
    b.srcPort[i] = 22;
    b.setStringId(i, 'inIfName', 1000);
    b.setStringId(i, 'outIfName', strings.intern('xe-0/0/0'));
    b.commit();
    const bytes = encodeAll(enc, b);
    const m = decode(bytes)[0]!;
    assert.equal(m.InIfName, '');
    assert.equal(m.OutIfName, 'xe-0/0/0');
    assert.equal(m.SrcPort, 22);
    b.setStringId(i, 'inIfName', 2 ** 30);
    assert.throws(() => enc.prepare(b), RangeError);
  });

  it('falls back to the interpreted writer where code generation is disallowed', (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'akvorado-protobuf-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'fallback.ts');
    const here = new URL('.', import.meta.url).pathname;
    writeFileSync(
      script,
      [
        `import { ProtobufEncoder } from '${here}protobuf.ts';`,
        `import { Schema } from '${here}root.ts';`,
        `import { FlowBatch } from '${here}../../inlet/flow/batch.ts';`,
        `import { StringTable } from '${here}../../inlet/flow/strings.ts';`,
        'const strings = new StringTable();',
        'const b = new FlowBatch(4);',
        'for (let k = 0; k < 3; k++) { const i = b.begin(); b.srcAS[i] = 64_500 + k; b.setStringId(i, "inIfName", strings.intern("et-" + k)); b.commit(); }',
        'const enc = new ProtobufEncoder(new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] }), strings);',
        'const out = new Uint8Array(4 * 8192);',
        'enc.prepare(b);',
        'process.stdout.write(Buffer.from(out.subarray(0, enc.encode(b, 0, b.length, out, 0))).toString("hex"));',
      ].join('\n'),
    );
    const child = spawnSync(process.execPath, ['--disallow-code-generation-from-strings', script], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    const strings = new StringTable();
    const b = new FlowBatch(4);
    for (let k = 0; k < 3; k++) {
      const i = b.begin();
      b.srcAS[i] = 64_500 + k;
      b.setStringId(i, 'inIfName', strings.intern(`et-${k}`));
      b.commit();
    }
    const want = encodeAll(new ProtobufEncoder(new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] }), strings), b);
    assert.equal(child.stdout, Buffer.from(want).toString('hex'));
  });
});
