// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { FlowBatch } from '../../inlet/flow/batch.ts';
import { StringTable } from '../../inlet/flow/strings.ts';
import { formatIP, parseIP } from '../helpers/ip.ts';
import { MAX_MESSAGE_SIZE, ProtobufEncoder, varintSize, writeVarint } from './protobuf.ts';
import { Schema } from './root.ts';

function fill(b: FlowBatch, k: number): void {
  const i = b.begin();
  b.timeReceived[i] = 1_700_000_000 + k;
  b.samplingRate[i] = 1000;
  b.exporterAddress.set(parseIP('192.0.2.1')!, i * 16);
  b.srcAddr.set(parseIP(k % 2 === 0 ? '198.51.100.7' : '2001:db8::7')!, i * 16);
  b.dstAddr.set(parseIP('203.0.113.9')!, i * 16);
  b.eType[i] = k % 2 === 0 ? 0x0800 : 0x86dd;
  b.proto[i] = k % 2 === 0 ? 1 : 6;
  b.icmpType[i] = 8;
  b.srcPort[i] = 443;
  b.dstPort[i] = 50_000 + k;
  b.srcAS[i] = 4_200_000_000;
  b.bytes[i] = 2 ** 40 + k; // past 32 bits
  b.packets[i] = 1;
  b.flowDirection[i] = k % 3 === 0 ? 1 : 255;
  b.srcMAC[i] = 0x0200_5e10_0001;
  b.mplsLabels[i * 6] = 16;
  b.mplsLabels[i * 6 + 1] = 1_048_575;
  b.mplsCount[i] = 2;
  b.commit();
}

describe('protobuf encoder', () => {
  it('writes varints like the reference implementation', () => {
    const out = new Uint8Array(16);
    for (const v of [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]) {
      const end = writeVarint(out, 0, v);
      assert.equal(end, varintSize(v), String(v));
      const reader = protobuf.Reader.create(out.subarray(0, end));
      assert.equal(reader.uint64().toString(), String(v));
    }
  });

  it('encodes flows that protobufjs decodes to the same values', () => {
    const schema = new Schema({ enabled: ['SrcMAC', 'MPLSLabels', 'ICMPv4Type', 'ICMPv6Type'], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
    const type = protobuf.parse(schema.protobufText()).root.lookupType('FlowMessage');
    const b = new FlowBatch(8);
    for (let k = 0; k < 4; k++) fill(b, k);
    const enc = new ProtobufEncoder(schema);
    const out = new Uint8Array(4 * MAX_MESSAGE_SIZE);
    let off = 0;
    for (let i = 0; i < b.length; i++) off = enc.encodeRow(b, i, out, off);
    const reader = protobuf.Reader.create(out.subarray(0, off));
    const got: Array<Record<string, unknown>> = [];
    while (reader.pos < reader.len) {
      got.push(type.toObject(type.decodeDelimited(reader), { longs: String, bytes: Array, defaults: false }) as Record<string, unknown>);
    }
    assert.equal(got.length, 4);
    for (let k = 0; k < 4; k++) {
      const m = got[k]!;
      assert.equal(m.TimeReceived, 1_700_000_000 + k);
      assert.equal(m.SamplingRate, '1000');
      assert.equal(formatIP(Uint8Array.from(m.ExporterAddress as number[])), '192.0.2.1');
      assert.equal(formatIP(Uint8Array.from(m.SrcAddr as number[])), k % 2 === 0 ? '198.51.100.7' : '2001:db8::7');
      assert.equal(m.SrcPort, 443);
      assert.equal(m.DstPort, 50_000 + k);
      assert.equal(m.SrcAS, 4_200_000_000);
      assert.equal(m.Bytes, String(2 ** 40 + k));
      assert.equal(m.Packets, '1');
      assert.equal(m.FlowDirection, k % 3 === 0 ? 2 : undefined);
      assert.equal(m.SrcMAC, String(0x0200_5e10_0001));
      assert.deepEqual(m.MPLSLabels, [16, 1_048_575]);
      // ICMP type goes to the column of the packet's family, only for ICMP.
      assert.equal(m.ICMPv4Type, k % 2 === 0 ? 8 : undefined);
      assert.equal(m.ICMPv6Type, undefined);
      assert.equal(m.NextHop, undefined, 'disabled column');
      assert.equal(m.DstNetMask, undefined, 'zero values are left out');
    }
  });

  it('encodes enriched columns: string ids, countries, speeds, boundaries', () => {
    const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
    const type = protobuf.parse(schema.protobufText()).root.lookupType('FlowMessage');
    const strings = new StringTable();
    const b = new FlowBatch(4);
    const i = b.begin();
    b.timeReceived[i] = 1_700_000_000;
    b.setStringId(i, 'exporterName', strings.intern('edge1.example.net'));
    b.setStringId(i, 'inIfName', strings.intern('Gi0/0/1'));
    b.setStringId(i, 'inIfDescription', strings.intern('Transit: Ünïcode'));
    b.setStringId(i, 'outIfProvider', strings.intern('x'.repeat(300))); // cut to MAX_STRING_BYTES
    b.setStringId(i, 'srcNetName', strings.intern('customers'));
    b.setStringId(i, 'dstGeoCity', strings.intern('Paris'));
    b.inIfSpeed[i] = 100_000;
    b.inIfBoundary[i] = 1;
    b.outIfBoundary[i] = 2;
    b.srcCountry[i] = ('F'.charCodeAt(0) << 8) | 'R'.charCodeAt(0);
    b.commit();
    const enc = new ProtobufEncoder(schema, strings);
    const out = new Uint8Array(MAX_MESSAGE_SIZE);
    const end = enc.encodeRow(b, 0, out, 0);
    const m = type.toObject(type.decodeDelimited(protobuf.Reader.create(out.subarray(0, end))), { defaults: false }) as Record<string, unknown>;
    assert.equal(m.ExporterName, 'edge1.example.net');
    assert.equal(m.InIfName, 'Gi0/0/1');
    assert.equal(m.InIfDescription, 'Transit: Ünïcode');
    assert.equal(m.OutIfProvider, 'x'.repeat(255));
    assert.equal(m.SrcNetName, 'customers');
    assert.equal(m.DstGeoCity, 'Paris');
    assert.equal(m.InIfSpeed, 100_000);
    assert.equal(m.InIfBoundary, 1);
    assert.equal(m.OutIfBoundary, 2);
    assert.equal(m.SrcCountry, 'FR');
    assert.equal(m.DstCountry, undefined);
    assert.equal(m.OutIfName, undefined, 'id 0 is left out');
  });
});
