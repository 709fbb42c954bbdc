// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowBatch, MAX_MPLS_LABELS } from '../../batch.ts';
import { formatIP, parseIP } from '../../../../common/helpers/ip.ts';
import { DECODE_ERRORS, type DecodeErrorKind, Exporter, errorIndex } from '../root.ts';
import { SFlowDecoder, SFlowExporterState } from './root.ts';
import {
  type Datagram,
  type FlowRecord,
  type FlowSample,
  type Packet,
  XDRWriter,
  buildDatagram,
  buildPacket,
  realisticSFlow,
} from './testdata/builder.ts';
import { type Row, pick, readRow } from './testdata/rows.ts';

const NOW = 1_700_000_000;
const EXPORTER = '192.0.2.254';

function newExporter(): Exporter {
  return new Exporter(EXPORTER, parseIP(EXPORTER)!);
}

function errors(e: Exporter): Partial<Record<DecodeErrorKind, number>> {
  const out: Partial<Record<DecodeErrorKind, number>> = {};
  for (const kind of DECODE_ERRORS) {
    const n = e.stats.errors[errorIndex[kind]]!;
    if (n !== 0) out[kind] = n;
  }
  return out;
}

interface Decoded {
  rows: Row[];
  returned: number;
  exporter: Exporter;
  batch: FlowBatch;
}

function decode(payload: Uint8Array | Datagram, exporter = newExporter(), capacity = 64): Decoded {
  const bytes = payload instanceof Uint8Array ? payload : buildDatagram(payload);
  const batch = new FlowBatch(capacity);
  const returned = new SFlowDecoder({ timestampSource: 'input' }).decode(bytes, exporter, NOW, batch);
  const rows: Row[] = [];
  for (let i = 0; i < batch.length; i++) rows.push(readRow(batch, i));
  return { rows, returned, exporter, batch };
}

function flow(records: FlowRecord[], extra: Partial<FlowSample> = {}): FlowSample {
  return { kind: 'flow', samplingRate: 1000, input: 3, output: 5, records, ...extra };
}

function one(records: FlowRecord[], extra: Partial<FlowSample> = {}): Row {
  const d = decode({ agent: '192.0.2.1', samples: [flow(records, extra)] });
  assert.deepEqual(errors(d.exporter), {});
  assert.equal(d.rows.length, 1);
  return d.rows[0]!;
}

function header(packet: Packet, frameLength = 1500, snap = 128): FlowRecord {
  return { type: 'header', packet, frameLength, snap };
}

const TCP4: Packet = {
  ipVersion: 4,
  srcMAC: 0x001122334455,
  dstMAC: 0x66778899aabb,
  srcAddr: '198.51.100.7',
  dstAddr: '203.0.113.9',
  proto: 6,
  srcPort: 44321,
  dstPort: 443,
  tcpFlags: 0x12,
  ttl: 57,
  tos: 0xb8,
  fragmentID: 0x4242,
};

describe('SFlowDecoder', () => {
  it('decodes an Ethernet/IPv4/TCP header', () => {
    const d = decode({ agent: '10.0.0.1', samples: [flow([header(TCP4, 1514)], { samplingRate: 2048, input: 7, output: 12 })] });
    assert.deepEqual(errors(d.exporter), {});
    assert.equal(d.returned, 1);
    assert.equal(d.exporter.stats.datagrams, 1);
    assert.equal(d.exporter.stats.flows, 1);
    assert.deepEqual(d.rows[0], {
      timeReceived: NOW,
      samplingRate: 2048,
      exporterAddress: EXPORTER, // the datagram's source, not the agent address
      srcAddr: '198.51.100.7',
      dstAddr: '203.0.113.9',
      nextHop: '::',
      srcNetMask: 0,
      dstNetMask: 0,
      srcAS: 0,
      dstAS: 0,
      inIf: 7,
      outIf: 12,
      srcVlan: 0,
      dstVlan: 0,
      eType: 0x0800,
      proto: 6,
      srcPort: 44321,
      dstPort: 443,
      bytes: 1514,
      packets: 1,
      forwardingStatus: 0,
      ipTTL: 57,
      ipTos: 0xb8,
      ipv6FlowLabel: 0,
      ipFragmentID: 0x4242,
      ipFragmentOffset: 0,
      tcpFlags: 0x12,
      icmpType: 0,
      icmpCode: 0,
      srcMAC: 0x001122334455,
      dstMAC: 0x66778899aabb,
      mplsLabels: [],
    } satisfies Row);
    const state = d.exporter.state;
    assert.ok(state instanceof SFlowExporterState);
    assert.equal(formatIP(state.agentAddress), '10.0.0.1');
    assert.equal(state.sequence, 1);
  });

  it('decodes an IPv6/UDP header with extension headers', () => {
    const packet: Packet = {
      ipVersion: 6,
      srcAddr: '2001:db8::1',
      dstAddr: '2001:db8:1::2',
      proto: 17,
      srcPort: 5353,
      dstPort: 53,
      ttl: 33,
      tos: 0x2e,
      flowLabel: 0xabcde,
      ipv6HopByHop: true,
    };
    assert.deepEqual(pick(one([header(packet, 200)]), EXPECT_V6), EXPECT_V6);
  });
  const EXPECT_V6: Partial<Row> = {
    srcAddr: '2001:db8::1',
    dstAddr: '2001:db8:1::2',
    eType: 0x86dd,
    proto: 17,
    srcPort: 5353,
    dstPort: 53,
    ipTTL: 33,
    ipTos: 0x2e,
    ipv6FlowLabel: 0xabcde,
    bytes: 200,
  };

  it('decodes 802.1Q and QinQ tags (outer VLAN is SrcVlan)', () => {
    const single = one([header({ ...TCP4, vlans: [42] })]);
    assert.deepEqual(pick(single, { srcVlan: 42, srcPort: 44321, eType: 0x0800 }), { srcVlan: 42, srcPort: 44321, eType: 0x0800 });
    const qinq = one([header({ ...TCP4, vlans: [300, 42] })]);
    assert.deepEqual(pick(qinq, { srcVlan: 300, dstPort: 443, srcAddr: '198.51.100.7' }), {
      srcVlan: 300,
      dstPort: 443,
      srcAddr: '198.51.100.7',
    });
  });

  it('decodes MPLS label stacks and guesses the IP version', () => {
    const v4 = one([header({ ...TCP4, mpls: [16, 2000, 1048575] })]);
    assert.deepEqual(pick(v4, { mplsLabels: [16, 2000, 1048575], eType: 0x0800, srcAddr: '198.51.100.7', dstPort: 443 }), {
      mplsLabels: [16, 2000, 1048575],
      eType: 0x0800,
      srcAddr: '198.51.100.7',
      dstPort: 443,
    });
    const v6 = one([header({ ipVersion: 6, srcAddr: '2001:db8::9', dstAddr: '2001:db8::a', proto: 6, srcPort: 1, dstPort: 2, mpls: [100, 200] })]);
    assert.deepEqual(pick(v6, { mplsLabels: [100, 200], eType: 0x86dd, srcAddr: '2001:db8::9', dstPort: 2 }), {
      mplsLabels: [100, 200],
      eType: 0x86dd,
      srcAddr: '2001:db8::9',
      dstPort: 2,
    });
    const labels = [1, 2, 3, 4, 5, 6, 7, 8];
    const deep = one([header({ ...TCP4, mpls: labels })]);
    assert.deepEqual(deep.mplsLabels, labels.slice(0, MAX_MPLS_LABELS));
    assert.equal(deep.srcPort, 44321);
  });

  it('decodes bare IPv4 and IPv6 headers (header protocols 11 and 12)', () => {
    const v4 = one([header({ ...TCP4, ethernet: false })]);
    assert.deepEqual(pick(v4, { srcAddr: '198.51.100.7', srcPort: 44321, srcMAC: 0, eType: 0x0800 }), {
      srcAddr: '198.51.100.7',
      srcPort: 44321,
      srcMAC: 0,
      eType: 0x0800,
    });
    const v6 = one([header({ ipVersion: 6, ethernet: false, srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', proto: 17, srcPort: 9, dstPort: 10 })]);
    assert.deepEqual(pick(v6, { srcAddr: '2001:db8::1', dstPort: 10, eType: 0x86dd }), {
      srcAddr: '2001:db8::1',
      dstPort: 10,
      eType: 0x86dd,
    });
    const mpls = one([{ type: 'header', protocol: 13, packet: buildPacket({ ...TCP4, ethernet: false, mpls: [77] }) }]);
    assert.deepEqual(pick(mpls, { mplsLabels: [77], srcAddr: '198.51.100.7' }), { mplsLabels: [77], srcAddr: '198.51.100.7' });
  });

  it('decodes ICMP and ICMPv6 type and code', () => {
    const v4 = one([header({ ipVersion: 4, srcAddr: '192.0.2.1', dstAddr: '192.0.2.2', proto: 1, icmpType: 3, icmpCode: 4 })]);
    assert.deepEqual(pick(v4, { proto: 1, icmpType: 3, icmpCode: 4, srcPort: 0, dstPort: 0 }), {
      proto: 1,
      icmpType: 3,
      icmpCode: 4,
      srcPort: 0,
      dstPort: 0,
    });
    const v6 = one([header({ ipVersion: 6, srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', proto: 58, icmpType: 135, icmpCode: 0 })]);
    assert.deepEqual(pick(v6, { proto: 58, icmpType: 135, icmpCode: 0 }), { proto: 58, icmpType: 135, icmpCode: 0 });
  });

  it('decodes IPv4 fragments: ports only in the first one', () => {
    const first = one([header({ ...TCP4, fragmentID: 999, moreFragments: true })]);
    assert.deepEqual(pick(first, { ipFragmentID: 999, ipFragmentOffset: 0, srcPort: 44321, dstPort: 443 }), {
      ipFragmentID: 999,
      ipFragmentOffset: 0,
      srcPort: 44321,
      dstPort: 443,
    });
    const later = one([header({ ...TCP4, fragmentID: 999, fragmentOffset: 185, payload: 64 })]);
    assert.deepEqual(pick(later, { ipFragmentID: 999, ipFragmentOffset: 185, proto: 6, srcPort: 0, dstPort: 0, tcpFlags: 0 }), {
      ipFragmentID: 999,
      ipFragmentOffset: 185,
      proto: 6,
      srcPort: 0,
      dstPort: 0,
      tcpFlags: 0,
    });
  });

  it('decodes IPv6 fragment headers', () => {
    const base: Packet = { ipVersion: 6, srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', proto: 17, srcPort: 7, dstPort: 8, ipv6Fragment: true, fragmentID: 0xdeadbeef };
    const first = one([header({ ...base, moreFragments: true })]);
    assert.deepEqual(pick(first, { proto: 17, ipFragmentID: 0xdeadbeef, ipFragmentOffset: 0, srcPort: 7 }), {
      proto: 17,
      ipFragmentID: 0xdeadbeef,
      ipFragmentOffset: 0,
      srcPort: 7,
    });
    const later = one([header({ ...base, fragmentOffset: 100 })]);
    assert.deepEqual(pick(later, { proto: 17, ipFragmentOffset: 100, srcPort: 0 }), { proto: 17, ipFragmentOffset: 100, srcPort: 0 });
  });

  it('keeps the EtherType of non-IP frames', () => {
    const arp = one([header({ ipVersion: 0, etherType: 0x0806 }, 64)]);
    assert.deepEqual(pick(arp, { eType: 0x0806, srcAddr: '::', proto: 0, bytes: 64, srcMAC: 0x020000000001 }), {
      eType: 0x0806,
      srcAddr: '::',
      proto: 0,
      bytes: 64,
      srcMAC: 0x020000000001,
    });
  });

  it('decodes what fits of a short header', () => {
    // 14 (Ethernet) + 20 (IPv4) + 2: addresses but not both ports.
    const cut = one([header(TCP4, 1500, 36)]);
    assert.deepEqual(pick(cut, { srcAddr: '198.51.100.7', dstAddr: '203.0.113.9', proto: 6, srcPort: 0, dstPort: 0 }), {
      srcAddr: '198.51.100.7',
      dstAddr: '203.0.113.9',
      proto: 6,
      srcPort: 0,
      dstPort: 0,
    });
    // 14 + 20 + 4: ports, no TCP flags.
    const ports = one([header(TCP4, 1500, 38)]);
    assert.deepEqual(pick(ports, { srcPort: 44321, dstPort: 443, tcpFlags: 0 }), { srcPort: 44321, dstPort: 443, tcpFlags: 0 });
    const tiny = one([header(TCP4, 1500, 10)]);
    assert.deepEqual(pick(tiny, { srcMAC: 0, eType: 0, bytes: 1500, packets: 1 }), { srcMAC: 0, eType: 0, bytes: 1500, packets: 1 });
  });

  it('decodes Ethernet, IPv4 and IPv6 data records when there is no header', () => {
    const v4 = one([
      { type: 'ethernet', length: 1518, srcMAC: 0x0a0b0c0d0e0f, dstMAC: 0x010203040506, etherType: 0x0800 },
      { type: 'ipv4', length: 1500, proto: 17, srcAddr: '192.0.2.1', dstAddr: '192.0.2.2', srcPort: 123, dstPort: 456, tcpFlags: 0, tos: 0x10 },
    ]);
    assert.deepEqual(pick(v4, { bytes: 1518, srcMAC: 0x0a0b0c0d0e0f, dstMAC: 0x010203040506, eType: 0x0800, proto: 17, srcAddr: '192.0.2.1', dstAddr: '192.0.2.2', srcPort: 123, dstPort: 456, ipTos: 0x10 }), {
      bytes: 1518,
      srcMAC: 0x0a0b0c0d0e0f,
      dstMAC: 0x010203040506,
      eType: 0x0800,
      proto: 17,
      srcAddr: '192.0.2.1',
      dstAddr: '192.0.2.2',
      srcPort: 123,
      dstPort: 456,
      ipTos: 0x10,
    });
    const v6 = one([
      { type: 'ipv6', length: 1280, proto: 6, srcAddr: '2001:db8::5', dstAddr: '2001:db8::6', srcPort: 22, dstPort: 40000, tcpFlags: 0x18, tos: 0 },
    ]);
    assert.deepEqual(pick(v6, { bytes: 1280, eType: 0x86dd, proto: 6, srcAddr: '2001:db8::5', dstPort: 40000, tcpFlags: 0x18 }), {
      bytes: 1280,
      eType: 0x86dd,
      proto: 6,
      srcAddr: '2001:db8::5',
      dstPort: 40000,
      tcpFlags: 0x18,
    });
    // With a header, the data records are ignored whatever their order.
    const both = one([
      { type: 'ipv4', length: 1, proto: 17, srcAddr: '192.0.2.1', dstAddr: '192.0.2.2', srcPort: 1, dstPort: 2, tcpFlags: 0, tos: 0 },
      header(TCP4, 900),
    ]);
    assert.deepEqual(pick(both, { bytes: 900, proto: 6, srcAddr: '198.51.100.7', srcPort: 44321 }), {
      bytes: 900,
      proto: 6,
      srcAddr: '198.51.100.7',
      srcPort: 44321,
    });
  });

  it('decodes extended switch, router and gateway records', () => {
    const row = one([
      { type: 'gateway', nextHop: '192.0.2.99', as: 64500, srcAS: 64501, srcPeerAS: 64502, path: [{ type: 2, asns: [64510, 64511, 64512] }, { type: 1, asns: [1, 2] }], communities: [1, 2, 3] },
      header({ ...TCP4, vlans: [10] }),
      { type: 'switch', srcVlan: 20, dstVlan: 30 },
      { type: 'router', nextHop: '2001:db8::99', srcMask: 24, dstMask: 16 },
    ]);
    assert.deepEqual(pick(row, { srcVlan: 20, dstVlan: 30, srcNetMask: 24, dstNetMask: 16, srcAS: 64501, dstAS: 64512, nextHop: '192.0.2.99' }), {
      srcVlan: 20,
      dstVlan: 30,
      srcNetMask: 24,
      dstNetMask: 16,
      srcAS: 64501,
      dstAS: 64512,
      // The gateway record comes after the router record: its IPv4 next hop
      // replaces the IPv6 one entirely.
      nextHop: '192.0.2.99',
    });
    const v6 = one([header(TCP4), { type: 'router', nextHop: '2001:db8::99', srcMask: 64, dstMask: 48 }]);
    assert.deepEqual(pick(v6, { nextHop: '2001:db8::99', srcNetMask: 64, dstNetMask: 48 }), {
      nextHop: '2001:db8::99',
      srcNetMask: 64,
      dstNetMask: 48,
    });
    const keep = one([header({ ...TCP4, vlans: [10] }), { type: 'switch', srcVlan: 0, dstVlan: 30 }]);
    assert.deepEqual(pick(keep, { srcVlan: 10, dstVlan: 30 }), { srcVlan: 10, dstVlan: 30 });
    const empty = one([header(TCP4), { type: 'gateway', nextHop: null, as: 64500, srcAS: 0, srcPeerAS: 0, path: [] }]);
    assert.deepEqual(pick(empty, { srcAS: 0, dstAS: 0, nextHop: '::' }), { srcAS: 0, dstAS: 0, nextHop: '::' });
    const set = one([header(TCP4), { type: 'gateway', nextHop: '192.0.2.1', as: 1, srcAS: 2, srcPeerAS: 3, path: [{ type: 1, asns: [65001] }] }]);
    assert.equal(set.dstAS, 65001);
  });

  it('maps compact interface values', () => {
    const cases: Array<[number, number, Partial<Row>]> = [
      [7, 9, { inIf: 7, outIf: 9, forwardingStatus: 0 }],
      [0, 0, { inIf: 0, outIf: 0, forwardingStatus: 0 }],
      [0x3fffffff, 4, { inIf: 0, outIf: 4, forwardingStatus: 0 }], // from the device itself
      [4, 0x3fffffff, { inIf: 4, outIf: 0, forwardingStatus: 0 }], // to the device itself
      [4, 0x40000102, { inIf: 4, outIf: 0, forwardingStatus: 128 }], // discarded: ACL
      [4, 0x40000000, { inIf: 4, outIf: 0, forwardingStatus: 128 }], // discarded: net unreachable
      [4, 0x80000007, { inIf: 4, outIf: 0, forwardingStatus: 0 }], // 7 interfaces
      [4, 0x80000000, { inIf: 4, outIf: 0, forwardingStatus: 0 }], // many interfaces
      [0x3ffffffe, 0xc0000001, { inIf: 0x3ffffffe, outIf: 0, forwardingStatus: 0 }], // format 3 is undefined
    ];
    for (const [input, output, want] of cases) {
      const row = one([header(TCP4)], { input, output, sourceIdIndex: 1 });
      assert.deepEqual(pick(row, want), want, `input 0x${input.toString(16)}, output 0x${output.toString(16)}`);
    }
  });

  it('maps expanded interface values', () => {
    const cases: Array<[number, number, number, number, Partial<Row>]> = [
      [0, 0x80000001, 0, 0x3fffffff, { inIf: 0x80000001, outIf: 0x3fffffff, forwardingStatus: 0 }],
      [0, 0xffffffff, 0, 5, { inIf: 0, outIf: 5, forwardingStatus: 0 }], // from the device itself
      [0, 5, 0, 0xffffffff, { inIf: 5, outIf: 0, forwardingStatus: 0 }],
      [0, 5, 1, 258, { inIf: 5, outIf: 0, forwardingStatus: 128 }], // discarded
      [0, 5, 2, 3, { inIf: 5, outIf: 0, forwardingStatus: 0 }], // multiple
    ];
    for (const [inputFormat, input, outputFormat, output, want] of cases) {
      const row = one([header(TCP4)], { expanded: true, inputFormat, input, outputFormat, output, samplingRate: 77 });
      assert.deepEqual(pick(row, { ...want, samplingRate: 77 }), { ...want, samplingRate: 77 }, `${inputFormat}/${input} ${outputFormat}/${output}`);
    }
  });

  it('counts and skips counter samples', () => {
    const d = decode({
      agent: '192.0.2.1',
      samples: [
        { kind: 'counters', ifIndex: 1 },
        flow([header(TCP4)]),
        { kind: 'counters', ifIndex: 2, expanded: true },
        flow([header(TCP4)], { expanded: true }),
      ],
    });
    assert.deepEqual(errors(d.exporter), {});
    assert.equal(d.exporter.stats.counterSamples, 2);
    assert.equal(d.exporter.stats.flows, 2);
    assert.equal(d.rows.length, 2);
  });

  it('skips unknown records by their length, padding included', () => {
    const row = one([
      { type: 'raw', format: 1010, data: new Uint8Array([1, 2, 3, 4, 5]) }, // 5 bytes + 3 of padding
      { type: 'raw', format: (9 << 12) | 1, data: new Uint8Array(12).fill(0xff) }, // vendor
      { type: 'header', packet: TCP4, snap: 61 }, // odd header length: padded
      { type: 'switch', srcVlan: 5, dstVlan: 6 },
    ]);
    assert.deepEqual(pick(row, { srcAddr: '198.51.100.7', srcPort: 44321, srcVlan: 5, dstVlan: 6 }), {
      srcAddr: '198.51.100.7',
      srcPort: 44321,
      srcVlan: 5,
      dstVlan: 6,
    });
  });

  it('counts unsupported samples and decodes the next ones', () => {
    const d = decode({
      agent: '192.0.2.1',
      samples: [
        { kind: 'raw', type: 5, data: new Uint8Array(16) }, // dropped packet notification
        { kind: 'raw', type: (4413 << 12) | 1, data: new Uint8Array(3) }, // vendor, odd length
        flow([header(TCP4)]),
      ],
    });
    assert.deepEqual(errors(d.exporter), { unsupported: 2 });
    assert.equal(d.rows.length, 1);
    assert.equal(d.rows[0]!.srcPort, 44321);
  });

  it('rejects bad headers', () => {
    assert.deepEqual(errors(decode({ version: 4, agent: '192.0.2.1', samples: [] }).exporter), { 'bad-version': 1 });
    assert.deepEqual(errors(decode(new Uint8Array([0, 0, 0, 5])).exporter), { 'short-packet': 1 });
    const badAgent = buildDatagram({ agent: '192.0.2.1', samples: [flow([header(TCP4)])] });
    badAgent[7] = 3;
    assert.deepEqual(errors(decode(badAgent).exporter), { 'bad-record': 1 });
    // An UNKNOWN agent address is valid: no address bytes follow.
    const unknown = decode({ agent: null, samples: [flow([header(TCP4)])] });
    assert.deepEqual(errors(unknown.exporter), {});
    assert.equal(unknown.rows.length, 1);
    const v6 = decode({ agent: '2001:db8::7', subAgentId: 3, sequence: 99, uptime: 12345, samples: [flow([header(TCP4)])] });
    const state = v6.exporter.state as SFlowExporterState;
    assert.equal(formatIP(state.agentAddress), '2001:db8::7');
    assert.deepEqual([state.subAgentId, state.sequence, state.uptime], [3, 99, 12345]);
    assert.equal(v6.rows[0]!.exporterAddress, EXPORTER);
  });

  it('rejects a flow sample shorter than its fixed fields', () => {
    const d = decode({ agent: '192.0.2.1', samples: [{ kind: 'raw', type: 1, data: new Uint8Array(28) }, flow([header(TCP4)])] });
    assert.deepEqual(errors(d.exporter), { 'bad-record': 1 });
    assert.equal(d.rows.length, 1);
  });

  it('survives truncation at every length', () => {
    for (const full of [...realisticSFlow(), buildDatagram({ agent: '2001:db8::1', samples: [flow([header(TCP4), { type: 'gateway', nextHop: '2001:db8::2', as: 1, srcAS: 2, srcPeerAS: 3, path: [{ type: 2, asns: [4, 5] }] }], { expanded: true })] })]) {
      const complete = decode(full).rows.length;
      for (let len = 0; len < full.length; len++) {
        const exporter = newExporter();
        const d = decode(full.slice(0, len), exporter);
        assert.equal(exporter.stats.datagrams, 1);
        const total = exporter.stats.errors.reduce((a, b) => a + b, 0);
        assert.equal(total, 1, `length ${len}/${full.length}: ${JSON.stringify(errors(exporter))}`);
        assert.ok(d.rows.length < complete || (d.rows.length === complete && len > 0), `length ${len}`);
        assert.equal(d.returned, d.rows.length);
      }
    }
  });

  it('rejects huge lengths and counts', () => {
    const good = buildDatagram({ agent: '192.0.2.1', samples: [flow([header(TCP4)])] });
    // Offsets in `good`: header 28 bytes (IPv4 agent), sample type at 28, length at 32,
    // flow sample at 36: record count at 36+28, first record format at 36+32,
    // its length at 36+36, then protocol, frame length, stripped, header length.
    const cases: Array<[string, number, number, DecodeErrorKind, number]> = [
      ['sample count', 24, 0xffffffff, 'bad-length', 0],
      ['sample count', 24, 2, 'short-packet', 1], // the first sample is fine
      ['sample length', 32, 0xfffffff0, 'bad-length', 0],
      ['record count', 64, 0x7fffffff, 'bad-length', 0],
      ['record count', 64, 2, 'bad-length', 0],
      ['record length', 72, 0xffffffff, 'bad-length', 0],
      ['header length', 88, 0xffffff00, 'bad-length', 0],
    ];
    for (const [what, offset, value, kind, rows] of cases) {
      const bad = good.slice();
      new DataView(bad.buffer).setUint32(offset, value);
      const d = decode(bad);
      assert.deepEqual(errors(d.exporter), { [kind]: 1 }, `${what} = ${value}`);
      assert.equal(d.rows.length, rows, `${what} = ${value}`);
    }
    const gateway = (path: Uint8Array): Uint8Array => {
      const w = new XDRWriter().address('192.0.2.1').u32(1).u32(2).u32(3).raw(path);
      return buildDatagram({ agent: '192.0.2.1', samples: [flow([header(TCP4), { type: 'raw', format: 1003, data: w.bytes() }])] });
    };
    const segments = decode(gateway(new XDRWriter().u32(0xffffffff).u32(2).u32(1).bytes()));
    assert.deepEqual(errors(segments.exporter), { 'bad-record': 1 });
    const asns = decode(gateway(new XDRWriter().u32(1).u32(2).u32(0x40000000).u32(1).bytes()));
    assert.deepEqual(errors(asns.exporter), { 'bad-record': 1 });
    const masks = decode({ agent: '192.0.2.1', samples: [flow([header(TCP4), { type: 'router', nextHop: null, srcMask: 4000, dstMask: 1 }])] });
    assert.deepEqual(errors(masks.exporter), { 'bad-record': 1 });
    const shortRecord = decode({ agent: '192.0.2.1', samples: [flow([{ type: 'raw', format: 1001, data: new Uint8Array(8) }])] });
    assert.deepEqual(errors(shortRecord.exporter), { 'bad-record': 1 });
  });

  it('stops at a full batch without onFull and empties one with it', () => {
    const datagram = buildDatagram({ agent: '192.0.2.1', samples: [flow([header(TCP4)]), flow([header(TCP4)]), flow([header(TCP4)])] });
    const full = decode(datagram, newExporter(), 2);
    assert.equal(full.batch.length, 2);
    assert.equal(full.returned, 2);
    const batch = new FlowBatch(2);
    let emptied = 0;
    batch.onFull = (b) => {
      emptied++;
      b.clear();
    };
    const exporter = newExporter();
    const returned = new SFlowDecoder({ timestampSource: 'input' }).decode(datagram, exporter, NOW, batch);
    assert.deepEqual([returned, emptied, batch.length, exporter.stats.flows], [3, 1, 1, 3]);
  });

  it('decodes payloads that are views into a larger buffer', () => {
    const datagram = buildDatagram({ agent: '192.0.2.1', samples: [flow([header(TCP4)])] });
    const big = new Uint8Array(datagram.length + 100).fill(0xff);
    big.set(datagram, 37);
    const decoder = new SFlowDecoder({ timestampSource: 'input' });
    const batch = new FlowBatch(8);
    const exporter = newExporter();
    assert.equal(decoder.decode(big.subarray(37, 37 + datagram.length), exporter, NOW, batch), 1);
    // The same buffer at another offset, then cut short: bounds come from the view.
    big.set(datagram, 3);
    assert.equal(decoder.decode(big.subarray(3, 3 + datagram.length - 1), exporter, NOW, batch), 0);
    assert.equal(readRow(batch, 0).srcAddr, '198.51.100.7');
    assert.deepEqual(errors(exporter), { 'bad-length': 1 });
  });
});
