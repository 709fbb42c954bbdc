// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FlowBatch } from '../../batch.ts';
import { parseIP } from '../../../../common/helpers/ip.ts';
import { Exporter, errorIndex } from '../root.ts';
import type { DecodeErrorKind, TimestampSource } from '../root.ts';
import { MAX_FIELDS } from './fields.ts';
import { NetFlowDecoder } from './root.ts';
import { MAX_PENDING_SETS } from './sets.ts';
import { MAX_TEMPLATES, NetFlowState, samplingRateOf } from './templates.ts';
import {
  dataSet,
  ipfixMessage,
  ipfixOptionsTemplateSet,
  ipfixTemplateSet,
  ipfixWithdrawalSet,
  rawSet,
  realisticIPFIX,
  realisticV5,
  realisticV9,
  v5Datagram,
  v9Datagram,
  v9OptionsTemplateFlowSet,
  v9TemplateFlowSet,
} from './testdata/builder.ts';
import type { FieldSpec, V5Record, Value } from './testdata/builder.ts';
import { rowOf, rowsOf } from './testdata/rows.ts';

const NOW = 1_700_000_100;

/** Harness is one decoder, one exporter and one batch. */
class Harness {
  readonly decoder: NetFlowDecoder;
  readonly exporter: Exporter;
  readonly batch: FlowBatch;

  constructor(timestampSource: TimestampSource = 'input', address = '192.0.2.1', capacity = 4096) {
    this.decoder = new NetFlowDecoder({ timestampSource });
    this.exporter = new Exporter(address, parseIP(address)!);
    this.batch = new FlowBatch(capacity);
  }

  decode(...datagrams: Uint8Array[]): number {
    let n = 0;
    for (const d of datagrams) n += this.decoder.decode(d, this.exporter, NOW, this.batch);
    return n;
  }

  error(kind: DecodeErrorKind): number {
    return this.exporter.stats.errors[errorIndex[kind]]!;
  }

  errors(): number {
    return this.exporter.stats.errors.reduce((a, b) => a + b, 0);
  }

  rows(columns: string[], from = 0): ReturnType<typeof rowsOf> {
    return rowsOf(this.batch, columns, from);
  }
}

const F = (id: number, length: number, pen?: number): FieldSpec => (pen === undefined ? { id, length } : { id, length, pen });
const V4: FieldSpec[] = [F(8, 4), F(12, 4), F(7, 2), F(11, 2), F(4, 1), F(1, 4), F(2, 4)];
const v4 = (src: string, dst: string, sport: number, dport: number, bytes: number, packets: number): Value[] => [
  src,
  dst,
  sport,
  dport,
  6,
  bytes,
  packets,
];
const BASIC = ['srcAddr', 'dstAddr', 'srcPort', 'dstPort', 'proto', 'bytes', 'packets'];
const basic = (src: string, dst: string, srcPort: number, dstPort: number, bytes: number, packets: number) => ({
  srcAddr: src,
  dstAddr: dst,
  srcPort,
  dstPort,
  proto: 6,
  bytes,
  packets,
});
const ipfix = (sets: Uint8Array[], domainId = 1, exportTime = NOW - 10): Uint8Array =>
  ipfixMessage({ exportTime, domainId }, sets);
const v9 = (sets: Uint8Array[], sourceId = 0): Uint8Array =>
  v9Datagram({ sysUptime: 100_000, unixSecs: NOW - 10, sourceId }, sets);

describe('NetFlow v5', () => {
  const rec: V5Record = {
    src: '198.51.100.1',
    dst: '203.0.113.2',
    nextHop: '192.0.2.254',
    input: 3,
    output: 4,
    packets: 10,
    bytes: 1500,
    first: 90_000,
    last: 99_000,
    srcPort: 443,
    dstPort: 50000,
    tcpFlags: 0x1b,
    proto: 6,
    tos: 0x28,
    srcAS: 15169,
    dstAS: 64500,
    srcMask: 24,
    dstMask: 16,
  };
  const header = { sysUptime: 100_000, unixSecs: NOW - 10, unixNsecs: 500_000_000, samplingInterval: 0x4000 | 512 };

  test('decodes every field', () => {
    const h = new Harness();
    assert.equal(h.decode(v5Datagram(header, [rec])), 1);
    assert.deepEqual(rowOf(h.batch, 0), {
      exporterAddress: '192.0.2.1',
      srcAddr: '198.51.100.1',
      dstAddr: '203.0.113.2',
      nextHop: '192.0.2.254',
      srcAddrNAT: '::',
      dstAddrNAT: '::',
      timeReceived: NOW,
      timeFlowStartMs: (NOW - 10) * 1000 + 500 - 10_000,
      timeFlowEndMs: (NOW - 10) * 1000 + 500 - 1000,
      samplingRate: 512,
      srcNetMask: 24,
      dstNetMask: 16,
      srcAS: 15169,
      dstAS: 64500,
      inIf: 3,
      outIf: 4,
      srcVlan: 0,
      dstVlan: 0,
      eType: 0x0800,
      proto: 6,
      srcPort: 443,
      dstPort: 50000,
      srcPortNAT: 0,
      dstPortNAT: 0,
      bytes: 1500,
      packets: 10,
      forwardingStatus: 0,
      flowDirection: 255,
      ipTTL: 0,
      ipTos: 0x28,
      ipv6FlowLabel: 0,
      ipFragmentID: 0,
      ipFragmentOffset: 0,
      tcpFlags: 0x1b,
      icmpType: 0,
      icmpCode: 0,
      srcMAC: 0,
      dstMAC: 0,
      mplsLabels: [],
    });
    assert.equal(h.exporter.stats.datagrams, 1);
    assert.equal(h.exporter.stats.flows, 1);
  });

  test('ICMP type and code come from the destination port', () => {
    const h = new Harness();
    h.decode(v5Datagram(header, [{ ...rec, proto: 1, srcPort: 0, dstPort: 0x0b01 }]));
    assert.deepEqual(rowOf(h.batch, 0, ['icmpType', 'icmpCode']), { icmpType: 11, icmpCode: 1 });
  });

  test('time sources', () => {
    for (const [source, want] of [
      ['input', NOW],
      ['netflow-packet', NOW - 10],
      ['netflow-first-switched', Math.floor(((NOW - 10) * 1000 + 500 - 10_000) / 1000)],
    ] as const) {
      const h = new Harness(source);
      h.decode(v5Datagram(header, [rec]));
      assert.equal(h.batch.timeReceived[0], want, source);
    }
  });

  test('uptime wrap-around', () => {
    const h = new Harness();
    h.decode(v5Datagram({ ...header, sysUptime: 1000 }, [{ ...rec, first: 0xffffff00, last: 500 }]));
    assert.equal(h.batch.timeFlowStartMs[0], (NOW - 10) * 1000 + 500 - 1256);
    assert.equal(h.batch.timeFlowEndMs[0], (NOW - 10) * 1000 + 500 - 500);
  });

  test('bad counts and short datagrams', () => {
    const h = new Harness();
    const d = v5Datagram(header, [rec, rec]);
    assert.equal(h.decode(v5Datagram({ ...header, count: 0 }, [])), 0);
    assert.equal(h.decode(v5Datagram({ ...header, count: 31 }, [rec])), 0);
    assert.equal(h.error('bad-length'), 2);
    assert.equal(h.decode(d.subarray(0, d.length - 1)), 0);
    assert.equal(h.decode(d.subarray(0, 10)), 0);
    assert.equal(h.error('short-packet'), 2);
  });
});

describe('NetFlow v9', () => {
  test('templates, data and counters', () => {
    const h = new Harness();
    const n = h.decode(
      v9([
        v9TemplateFlowSet([{ id: 256, fields: V4 }]),
        dataSet(256, V4, [v4('10.0.0.1', '10.0.0.2', 1000, 80, 5000, 5), v4('10.0.0.2', '10.0.0.1', 80, 1000, 50, 1)]),
      ]),
    );
    assert.equal(n, 2);
    assert.deepEqual(h.rows(BASIC), [
      basic('10.0.0.1', '10.0.0.2', 1000, 80, 5000, 5),
      basic('10.0.0.2', '10.0.0.1', 80, 1000, 50, 1),
    ]);
    assert.equal(h.exporter.stats.templates, 1);
    assert.equal(h.exporter.stats.flows, 2);
    assert.equal(h.errors(), 0);
    assert.equal(h.batch.eType[0], 0x0800);
  });

  test('data before template is counted, kept and replayed', () => {
    const h = new Harness('netflow-packet');
    const data = v9Datagram({ sysUptime: 1, unixSecs: NOW - 100 }, [dataSet(256, V4, [v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)])]);
    assert.equal(h.decode(data), 0);
    assert.equal(h.error('template-not-found'), 1);
    assert.equal(h.batch.length, 0);
    // The template arrives: the kept set is decoded with its own header time.
    assert.equal(h.decode(v9([v9TemplateFlowSet([{ id: 256, fields: V4 }])])), 1);
    assert.deepEqual(h.rows(BASIC), [basic('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)]);
    assert.equal(h.batch.timeReceived[0], NOW - 100);
    assert.equal((h.exporter.state as NetFlowState).pending.length, 0);
  });

  test('kept data sets are bounded', () => {
    const h = new Harness();
    for (let k = 0; k < 20; k++) h.decode(v9([dataSet(256 + k, V4, [v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)])]));
    assert.equal(h.error('template-not-found'), 20);
    assert.equal((h.exporter.state as NetFlowState).pending.length, MAX_PENDING_SETS);
  });

  test('template refresh with another layout', () => {
    const h = new Harness();
    h.decode(v9([v9TemplateFlowSet([{ id: 256, fields: V4 }])]));
    const state = h.exporter.state as NetFlowState;
    const first = state.v9.get(0)!.templates.get(256);
    h.decode(v9([v9TemplateFlowSet([{ id: 256, fields: V4 }])]));
    assert.equal(state.v9.get(0)!.templates.get(256), first, 'same definition keeps the compiled reader');
    const other = [F(12, 4), F(8, 4), F(1, 8), F(2, 8)];
    h.decode(v9([v9TemplateFlowSet([{ id: 256, fields: other }]), dataSet(256, other, [['10.0.0.9', '10.0.0.8', 70, 7]])]));
    assert.notEqual(state.v9.get(0)!.templates.get(256), first);
    assert.deepEqual(h.rows(['srcAddr', 'dstAddr', 'bytes', 'packets']), [
      { srcAddr: '10.0.0.8', dstAddr: '10.0.0.9', bytes: 70, packets: 7 },
    ]);
    assert.equal(h.exporter.stats.templates, 3);
    assert.equal(state.templateCount, 1);
  });

  test('fields of length 0 and unknown fields', () => {
    const h = new Harness();
    const fields = [F(8, 4), F(1, 0), F(0, 0), F(12, 4), F(23, 4), F(9999, 3), F(2, 4)];
    h.decode(v9([v9TemplateFlowSet([{ id: 300, fields }]), dataSet(300, fields, [['10.1.1.1', 0, 0, '10.2.2.2', 99, 0xabcdef, 3]])]));
    assert.deepEqual(h.rows(['srcAddr', 'dstAddr', 'bytes', 'packets']), [
      { srcAddr: '10.1.1.1', dstAddr: '10.2.2.2', bytes: 99, packets: 3 },
    ]);
    // Only zero-length fields: no record can be read.
    h.decode(v9([v9TemplateFlowSet([{ id: 301, fields: [F(1, 0), F(2, 0)] }])]));
    assert.equal(h.error('bad-template'), 1);
  });

  test('OUT counters when IN ones are zero, and other fallbacks', () => {
    const h = new Harness();
    const fields = [F(2, 4), F(1, 4), F(24, 4), F(23, 4), F(252, 2), F(253, 2), F(18, 4), F(81, 6), F(57, 6), F(243, 2)];
    h.decode(
      v9([
        v9TemplateFlowSet([{ id: 256, fields }]),
        dataSet(256, fields, [
          [0, 0, 2, 200, 7, 8, '10.0.0.254', '00:11:22:33:44:55', '66:77:88:99:aa:bb', 100],
          [1, 100, 2, 200, 7, 8, '10.0.0.254', '00:11:22:33:44:55', '66:77:88:99:aa:bb', 100],
        ]),
      ]),
    );
    assert.deepEqual(h.rows(['bytes', 'packets', 'inIf', 'outIf', 'nextHop', 'srcMAC', 'dstMAC', 'srcVlan']), [
      { bytes: 200, packets: 2, inIf: 7, outIf: 8, nextHop: '10.0.0.254', srcMAC: 0x001122334455, dstMAC: 0x66778899aabb, srcVlan: 100 },
      { bytes: 100, packets: 1, inIf: 7, outIf: 8, nextHop: '10.0.0.254', srcMAC: 0x001122334455, dstMAC: 0x66778899aabb, srcVlan: 100 },
    ]);
  });

  test('IPv6, reduced-size encoding and many columns', () => {
    const h = new Harness();
    const fields = [
      F(27, 16), F(28, 16), F(62, 16), F(29, 1), F(30, 1), F(1, 3), F(2, 1), F(16, 2), F(17, 2), F(10, 2), F(14, 2),
      F(139, 2), F(4, 1), F(31, 3), F(192, 1), F(61, 1), F(89, 1), F(58, 2), F(59, 2), F(54, 4), F(88, 2), F(6, 2),
    ];
    h.decode(
      v9([
        v9TemplateFlowSet([{ id: 400, fields }]),
        dataSet(400, fields, [
          ['2001:db8::1', '2001:db8::2', 'fe80::1', 48, 64, 0x010203, 9, 65000, 65001, 5, 6, 0x8000, 58, 0x12345, 64, 1,
            0x42, 10, 20, 777, 8, 0x1ff],
        ]),
      ]),
    );
    assert.deepEqual(rowOf(h.batch, 0, [
      'srcAddr', 'dstAddr', 'nextHop', 'srcNetMask', 'dstNetMask', 'bytes', 'packets', 'srcAS', 'dstAS', 'inIf', 'outIf',
      'icmpType', 'icmpCode', 'proto', 'ipv6FlowLabel', 'ipTTL', 'flowDirection', 'forwardingStatus', 'srcVlan', 'dstVlan',
      'ipFragmentID', 'ipFragmentOffset', 'tcpFlags', 'eType',
    ]), {
      srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', nextHop: 'fe80::1', srcNetMask: 48, dstNetMask: 64, bytes: 0x010203,
      packets: 9, srcAS: 65000, dstAS: 65001, inIf: 5, outIf: 6, icmpType: 128, icmpCode: 0, proto: 58,
      ipv6FlowLabel: 0x12345, ipTTL: 64, flowDirection: 1, forwardingStatus: 0x42, srcVlan: 10, dstVlan: 20,
      ipFragmentID: 777, ipFragmentOffset: 8, tcpFlags: 0x1ff, eType: 0x86dd,
    });
  });

  test('sampling rates from options, per sampler id', () => {
    const h = new Harness();
    const options = [F(48, 1), F(34, 4)];
    const fields = [...V4, F(48, 1)];
    const sampled = (id: number): Value[] => [...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), id];
    h.decode(
      v9([
        v9OptionsTemplateFlowSet([{ id: 260, scopes: [F(1, 4)], fields: options }]),
        dataSet(260, [F(1, 4), ...options], [[0, 1, 100], [0, 2, 1000]]),
        v9TemplateFlowSet([{ id: 256, fields }, { id: 257, fields: V4 }]),
        dataSet(256, fields, [sampled(1), sampled(2), sampled(3)]),
        dataSet(257, V4, [v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)]),
      ]),
    );
    assert.deepEqual(Array.from(h.batch.samplingRate.subarray(0, 4)), [100, 1000, 1000, 1000]);
    assert.equal(h.exporter.stats.optionsRecords, 2);
    assert.equal(h.exporter.stats.optionsTemplates, 1);
    assert.equal(samplingRateOf(h.exporter, 9, 0, 1), 100);
    // A per-record interval wins; another source id has no rate.
    const own = [...V4, F(34, 4)];
    h.decode(
      v9([v9TemplateFlowSet([{ id: 258, fields: own }]), dataSet(258, own, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 64]])]),
      v9([v9TemplateFlowSet([{ id: 256, fields }]), dataSet(256, fields, [sampled(1)])], 7),
    );
    assert.deepEqual(Array.from(h.batch.samplingRate.subarray(4, 6)), [64, 0]);
  });

  test('source ids are isolated, and so are exporters', () => {
    const h = new Harness();
    const other = new Harness('input', '2001:db8::99');
    const swapped = [F(12, 4), F(8, 4), F(7, 2), F(11, 2), F(4, 1), F(1, 4), F(2, 4)];
    h.decode(v9([v9TemplateFlowSet([{ id: 256, fields: V4 }])], 1), v9([v9TemplateFlowSet([{ id: 256, fields: swapped }])], 2));
    const data = (id: number): Uint8Array => v9([dataSet(256, V4, [v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)])], id);
    h.decode(data(1), data(2), data(3));
    other.decoder.decode(data(1), other.exporter, NOW, h.batch);
    assert.deepEqual(h.rows(['srcAddr', 'dstAddr']), [
      { srcAddr: '10.0.0.1', dstAddr: '10.0.0.2' },
      { srcAddr: '10.0.0.2', dstAddr: '10.0.0.1' },
    ]);
    assert.equal(h.error('template-not-found'), 1);
    assert.equal(other.error('template-not-found'), 1);
  });

  test('MPLS label stack', () => {
    const h = new Harness();
    const fields = [F(8, 4), F(70, 3), F(71, 3), F(72, 3), F(73, 3)];
    const entry = (label: number, bos: boolean): number => (label << 4) | (bos ? 1 : 0);
    h.decode(
      v9([
        v9TemplateFlowSet([{ id: 256, fields }]),
        dataSet(256, fields, [
          ['10.0.0.1', entry(16001, false), entry(24, false), entry(1048575, true), entry(99, true)],
          ['10.0.0.2', entry(3, true), entry(5, false), 0, 0],
          ['10.0.0.3', entry(17, false), 0, entry(18, true), 0],
        ]),
      ]),
    );
    assert.deepEqual(h.rows(['mplsLabels']), [{ mplsLabels: [16001, 24, 1048575] }, { mplsLabels: [3] }, { mplsLabels: [17] }]);
  });

  test('time sources', () => {
    const fields = [...V4, F(22, 4), F(21, 4)];
    const d = v9([
      v9TemplateFlowSet([{ id: 256, fields }]),
      dataSet(256, fields, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 40_000, 90_000]]),
    ]);
    const startMs = (NOW - 10) * 1000 - 60_000;
    for (const [source, want] of [
      ['input', NOW],
      ['netflow-packet', NOW - 10],
      ['netflow-first-switched', startMs / 1000],
    ] as const) {
      const h = new Harness(source);
      h.decode(d);
      assert.deepEqual(rowOf(h.batch, 0, ['timeReceived', 'timeFlowStartMs', 'timeFlowEndMs']), {
        timeReceived: want,
        timeFlowStartMs: startMs,
        timeFlowEndMs: (NOW - 10) * 1000 - 10_000,
      });
    }
  });

  test('padding and trailing zeros', () => {
    const h = new Harness();
    const set = dataSet(256, V4, [v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)]);
    assert.equal(set.length % 4, 0);
    h.decode(v9([v9TemplateFlowSet([{ id: 256, fields: V4 }]), set, new Uint8Array(100)]));
    assert.equal(h.batch.length, 1);
    assert.equal(h.errors(), 0);
  });
});

describe('IPFIX', () => {
  test('template withdrawal, one and all', () => {
    const h = new Harness();
    const data = (id: number): Uint8Array => ipfix([dataSet(id, V4, [v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)])]);
    h.decode(ipfix([ipfixTemplateSet([{ id: 256, fields: V4 }, { id: 257, fields: V4 }, { id: 258, fields: V4 }])]));
    h.decode(
      ipfix([
        ipfixOptionsTemplateSet([{ id: 259, scopes: [F(48, 1)], fields: [F(34, 4)] }]),
        ipfixWithdrawalSet([256]),
      ]),
    );
    assert.equal(h.decode(data(256)), 0);
    assert.equal(h.decode(data(257)), 1);
    h.decode(ipfix([ipfixWithdrawalSet([2])]));
    assert.equal(h.decode(data(257), data(258)), 0);
    assert.equal(h.error('template-not-found'), 3);
    const state = h.exporter.state as NetFlowState;
    assert.deepEqual([...state.ipfix.get(1)!.templates.keys()], [259], 'options templates stay');
    h.decode(ipfix([ipfixWithdrawalSet([3], true)]));
    assert.equal(state.ipfix.get(1)!.templates.size, 0);
    assert.equal(state.templateCount, 0);
    assert.equal(h.exporter.stats.templateWithdrawals, 3);
  });

  test('variable-length fields', () => {
    const h = new Harness();
    const fields = [F(8, 4), F(82, 65535), F(12, 4), F(83, 65535), F(1, 4)];
    const long = 'x'.repeat(300);
    h.decode(
      ipfix([
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, fields, [
          ['10.0.0.1', 'eth0', '10.0.0.2', long, 100],
          ['10.0.0.3', '', '10.0.0.4', 'y', 200],
        ]),
      ]),
    );
    assert.deepEqual(h.rows(['srcAddr', 'dstAddr', 'bytes']), [
      { srcAddr: '10.0.0.1', dstAddr: '10.0.0.2', bytes: 100 },
      { srcAddr: '10.0.0.3', dstAddr: '10.0.0.4', bytes: 200 },
    ]);
    // A variable length running past the set is counted, never read.
    const bad = rawSet(256, [10, 0, 0, 1, 200, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(h.decode(ipfix([bad])), 0);
    assert.equal(h.error('bad-length'), 1);
    // So is a 3-byte length cut after its first byte.
    const last = [F(8, 4), F(82, 65535)];
    h.decode(ipfix([ipfixTemplateSet([{ id: 257, fields: last }]), rawSet(257, [10, 0, 0, 1, 255, 1])]));
    assert.equal(h.error('bad-length'), 2);
  });

  test('unknown enterprise fields are skipped', () => {
    const h = new Harness();
    const fields = [F(8, 4), F(100, 4, 9999), F(101, 65535, 9999), F(12, 4), F(1, 8, 4242), F(2, 4)];
    h.decode(
      ipfix([
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, fields, [['10.0.0.1', 1, 'vendor', '10.0.0.2', 12345, 6]]),
      ]),
    );
    assert.deepEqual(h.rows(['srcAddr', 'dstAddr', 'bytes', 'packets']), [
      { srcAddr: '10.0.0.1', dstAddr: '10.0.0.2', bytes: 0, packets: 6 },
    ]);
  });

  test('biflows (RFC 5103)', () => {
    const h = new Harness();
    const fields = [...V4, F(10, 4), F(14, 4), F(16, 4), F(17, 4), F(1, 8, 29305), F(2, 8, 29305), F(6, 1, 29305)];
    const rec = (revPkts: number): Value[] => [
      ...v4('10.0.0.1', '10.0.0.2', 1000, 80, 500, 5),
      ...[1, 2, 65001, 65002, 9000, revPkts, 0x18],
    ];
    h.decode(ipfix([ipfixTemplateSet([{ id: 256, fields }]), dataSet(256, fields, [rec(7), rec(0)])]));
    assert.deepEqual(h.rows([...BASIC, 'inIf', 'outIf', 'srcAS', 'dstAS']), [
      { ...basic('10.0.0.1', '10.0.0.2', 1000, 80, 500, 5), inIf: 1, outIf: 2, srcAS: 65001, dstAS: 65002 },
      { ...basic('10.0.0.2', '10.0.0.1', 80, 1000, 9000, 7), inIf: 2, outIf: 1, srcAS: 65002, dstAS: 65001 },
      { ...basic('10.0.0.1', '10.0.0.2', 1000, 80, 500, 5), inIf: 1, outIf: 2, srcAS: 65001, dstAS: 65002 },
    ]);
    assert.equal(h.exporter.stats.flows, 3);
  });

  test('sampling per selector, packet interval and space', () => {
    const h = new Harness();
    const scopes = [F(302, 4)];
    const options = [F(305, 4), F(306, 4)];
    const fields = [...V4, F(302, 4)];
    h.decode(
      ipfix([
        ipfixOptionsTemplateSet([{ id: 300, scopes, fields: options }]),
        dataSet(300, [...scopes, ...options], [[7, 1, 99], [8, 2, 18]]),
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, fields, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 7], [...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 8]]),
      ]),
    );
    assert.deepEqual(Array.from(h.batch.samplingRate.subarray(0, 2)), [100, 10]);
  });

  test('sampling fields in data records', () => {
    const h = new Harness();
    const space = [...V4, F(305, 4), F(306, 4)];
    const population = [...V4, F(309, 4), F(310, 4)];
    h.decode(
      ipfix([
        ipfixTemplateSet([{ id: 256, fields: space }, { id: 257, fields: population }]),
        dataSet(256, space, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 2, 2046]]),
        dataSet(257, population, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 10, 5000]]),
      ]),
    );
    assert.deepEqual(Array.from(h.batch.samplingRate.subarray(0, 2)), [1024, 500]);
  });

  test('observation domains are isolated', () => {
    const h = new Harness();
    h.decode(ipfix([ipfixTemplateSet([{ id: 256, fields: V4 }])], 1));
    assert.equal(h.decode(ipfix([dataSet(256, V4, [v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)])], 2)), 0);
    assert.equal(h.error('template-not-found'), 1);
    // The same template id in another version is another template.
    assert.equal(h.decode(v9([dataSet(256, V4, [v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4)])], 1)), 0);
    assert.equal(h.error('template-not-found'), 2);
  });

  test('times: absolute, NTP, sysUpTime with systemInitTime', () => {
    const fields = [...V4, F(22, 4), F(21, 4)];
    const abs = [...V4, F(154, 8), F(151, 4)];
    const exportMs = (NOW - 10) * 1000;
    // NTP timestamp; the fraction is rounded up so that it converts back exactly.
    const ntp = (ms: number): bigint =>
      (BigInt(Math.floor(ms / 1000) + 2208988800) << 32n) | BigInt(Math.floor(((ms % 1000) * 2 ** 32) / 1000) + 1);
    const h = new Harness('netflow-first-switched');
    h.decode(
      ipfix([
        ipfixOptionsTemplateSet([{ id: 300, scopes: [F(144, 4)], fields: [F(160, 8)] }]),
        dataSet(300, [F(144, 4), F(160, 8)], [[1, exportMs - 1_000_000]]),
        ipfixTemplateSet([{ id: 256, fields }, { id: 257, fields: abs }]),
        dataSet(256, fields, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 500_000, 900_000]]),
        dataSet(257, abs, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), ntp(exportMs - 1234), NOW - 11]]),
      ]),
    );
    assert.deepEqual(h.rows(['timeReceived', 'timeFlowStartMs', 'timeFlowEndMs']), [
      { timeReceived: (exportMs - 500_000) / 1000, timeFlowStartMs: exportMs - 500_000, timeFlowEndMs: exportMs - 100_000 },
      { timeReceived: Math.floor((exportMs - 1234) / 1000), timeFlowStartMs: exportMs - 1234, timeFlowEndMs: exportMs - 1000 },
    ]);
    // A record's own systemInitTime, and deltas from the export time.
    const own = [...V4, F(160, 8), F(22, 4), F(21, 4)];
    const deltas = [...V4, F(158, 4), F(159, 4)];
    h.batch.clear();
    h.decode(
      ipfix([
        ipfixTemplateSet([{ id: 258, fields: own }, { id: 259, fields: deltas }]),
        dataSet(258, own, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), exportMs - 50_000, 1000, 2000]]),
        dataSet(259, deltas, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 3_000_000, 1_500_000]]),
      ]),
    );
    assert.deepEqual(h.rows(['timeFlowStartMs', 'timeFlowEndMs']), [
      { timeFlowStartMs: exportMs - 49_000, timeFlowEndMs: exportMs - 48_000 },
      { timeFlowStartMs: exportMs - 3000, timeFlowEndMs: exportMs - 1500 },
    ]);
    // Without systemInitTime, sysUpTime-relative times stay unknown.
    const other = new Harness('netflow-first-switched');
    other.decode(ipfix([ipfixTemplateSet([{ id: 256, fields }]), dataSet(256, fields, [[...v4('10.0.0.1', '10.0.0.2', 1, 2, 3, 4), 1, 2]])]));
    assert.deepEqual(other.rows(['timeReceived', 'timeFlowStartMs']), [{ timeReceived: NOW - 10, timeFlowStartMs: 0 }]);
  });

  test('NAT and layer 2 columns', () => {
    const h = new Harness();
    const fields = [F(8, 4), F(225, 4), F(226, 4), F(227, 2), F(228, 2), F(56, 6), F(80, 6), F(256, 2), F(176, 1), F(177, 1), F(4, 1)];
    h.decode(
      ipfix([
        ipfixTemplateSet([{ id: 256, fields }]),
        dataSet(256, fields, [
          ['10.0.0.1', '198.51.100.7', '203.0.113.9', 40000, 53, 'aa:bb:cc:dd:ee:ff', '01:02:03:04:05:06', 0x8847, 3, 1, 1],
        ]),
      ]),
    );
    const columns = ['srcAddrNAT', 'dstAddrNAT', 'srcPortNAT', 'dstPortNAT', 'srcMAC', 'dstMAC', 'eType', 'icmpType', 'icmpCode'];
    assert.deepEqual(rowOf(h.batch, 0, columns), {
      srcAddrNAT: '198.51.100.7',
      dstAddrNAT: '203.0.113.9',
      srcPortNAT: 40000,
      dstPortNAT: 53,
      srcMAC: 0xaabbccddeeff,
      dstMAC: 0x010203040506,
      eType: 0x8847,
      icmpType: 3,
      icmpCode: 1,
    });
    // IPv4 and IPv6 NAT fields in one template: the non-zero ones win.
    const both = [F(225, 4), F(281, 16), F(226, 4), F(282, 16)];
    h.batch.clear();
    h.decode(
      ipfix([
        ipfixTemplateSet([{ id: 257, fields: both }]),
        dataSet(257, both, [
          ['198.51.100.7', '::', '0.0.0.0', '2001:db8::7'],
          ['0.0.0.0', '2001:db8::8', '203.0.113.9', '::'],
        ]),
      ]),
    );
    assert.deepEqual(h.rows(['srcAddrNAT', 'dstAddrNAT']), [
      { srcAddrNAT: '198.51.100.7', dstAddrNAT: '2001:db8::7' },
      { srcAddrNAT: '2001:db8::8', dstAddrNAT: '203.0.113.9' },
    ]);
  });

  test('bad templates', () => {
    const h = new Harness();
    const many = Array.from({ length: MAX_FIELDS + 1 }, () => F(210, 1));
    h.decode(ipfix([ipfixTemplateSet([{ id: 256, fields: many }])]));
    h.decode(ipfix([ipfixTemplateSet([{ id: 255, fields: V4 }])]));
    h.decode(ipfix([ipfixOptionsTemplateSet([{ id: 300, scopes: [], fields: V4 }])]));
    h.decode(ipfix([rawSet(2, [1, 0, 0, 200, 0, 8, 0, 4])]));
    assert.equal(h.error('bad-template'), 4);
    assert.equal(h.exporter.state instanceof NetFlowState && h.exporter.state.templateCount, 0);
  });

  test('template count is capped per exporter', () => {
    const h = new Harness();
    for (let d = 0; d * 200 < MAX_TEMPLATES + 10; d++) {
      const templates = Array.from({ length: 200 }, (_, k) => ({ id: 256 + k, fields: [F(1, 4)] }));
      h.decode(ipfix([ipfixTemplateSet(templates)], d));
    }
    assert.equal((h.exporter.state as NetFlowState).templateCount, MAX_TEMPLATES);
    assert.ok(h.error('bad-template') >= 10);
  });
});

describe('robustness', () => {
  const sets = {
    v5: realisticV5(1),
    v9: realisticV9(1),
    ipfix: realisticIPFIX(1),
  };

  test('realistic datagrams decode without errors', () => {
    for (const [name, s] of Object.entries(sets)) {
      const h = new Harness();
      if (s.templates !== null) h.decode(s.templates);
      assert.equal(h.decode(...s.datagrams), s.records, name);
      assert.equal(h.errors(), 0, name);
    }
  });

  test('truncated at every length: no throw, counted', () => {
    for (const [name, s] of Object.entries(sets)) {
      for (const d of [...(s.templates === null ? [] : [s.templates]), s.datagrams[0]!]) {
        // v9 FlowSet boundaries are valid ends of a shorter datagram, and
        // so are up to 3 zero bytes after them (padding).
        const boundaries = new Set<number>();
        if (name === 'v9') {
          for (let p = 20; p + 4 <= d.length; p += (d[p + 2]! << 8) | d[p + 3]!) {
            for (let k = 0; k < 4 && (k === 0 || d[p + k - 1] === 0); k++) boundaries.add(p + k);
          }
        }
        for (let len = 0; len < d.length; len++) {
          const h = new Harness();
          if (s.templates !== null && d !== s.templates) h.decode(s.templates);
          const before = h.errors();
          assert.doesNotThrow(() => h.decode(d.subarray(0, len)));
          if (!boundaries.has(len)) assert.ok(h.errors() > before, `${name}: length ${len} not counted`);
        }
      }
    }
  });

  test('huge lengths', () => {
    const h = new Harness();
    const template = sets.ipfix.templates!;
    h.decode(template);
    const big = (d: Uint8Array, at: number, value: number, size = 2): Uint8Array => {
      const c = d.slice();
      for (let k = 0; k < size; k++) c[at + k] = (value >>> (8 * (size - 1 - k))) & 0xff;
      return c;
    };
    const d = sets.ipfix.datagrams[0]!;
    h.decode(big(d, 2, 65535)); // message length
    h.decode(big(d, 18, 65535)); // set length
    h.decode(big(template, 22, 65535)); // field count
    h.decode(big(sets.v9.datagrams[0]!, 22, 65535)); // v9 FlowSet length
    h.decode(big(sets.v5.datagrams[0]!, 2, 65535)); // v5 count
    assert.ok(h.errors() >= 5);
  });

  test('bad versions and tiny payloads', () => {
    const h = new Harness();
    h.decode(new Uint8Array(0), Uint8Array.of(0), Uint8Array.of(0, 1, 2, 3), Uint8Array.of(0, 7));
    assert.equal(h.error('short-packet'), 2);
    assert.equal(h.error('bad-version'), 2);
    assert.equal(h.exporter.stats.datagrams, 4);
  });

  test('a full batch without onFull stops decoding; with onFull, it is emptied', () => {
    const s = sets.v9;
    const h = new Harness('input', '192.0.2.1', 10);
    h.decode(s.templates!);
    assert.equal(h.decode(s.datagrams[0]!), 10);
    assert.equal(h.batch.length, 10);
    let flushed = 0;
    h.batch.onFull = (b) => {
      flushed += b.length;
      b.clear();
    };
    h.batch.clear();
    assert.equal(h.decode(s.datagrams[0]!), 24);
    assert.equal(flushed + h.batch.length, 24);
  });
});
