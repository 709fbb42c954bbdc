// SPDX-License-Identifier: AGPL-3.0-only
// Compares our decoding with tshark's, sample by sample: tshark is an
// independent sFlow dissector, so it checks both the builder and the decoder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FlowBatch } from '../../batch.ts';
import { parseIP } from '../../../../common/helpers/ip.ts';
import { Exporter } from '../root.ts';
import { SFlowDecoder } from './root.ts';
import { type FlowRecord, type FlowSample, type Packet, buildDatagram, realisticSFlow } from './testdata/builder.ts';
import { pcapUDP } from './testdata/pcap.ts';
import { type Row, pick, readRow } from './testdata/rows.ts';

const PORT = 6343;

// Datagrams exercising what realisticSFlow() does not: each sample has its
// own sequence number, because tshark names samples by it.
function oracleDatagrams(): Uint8Array[] {
  let seq = 1;
  const flow = (records: FlowRecord[], extra: Partial<FlowSample> = {}): FlowSample => ({
    kind: 'flow',
    sequence: seq++,
    samplingRate: 100 + seq,
    input: seq,
    output: 1000 + seq,
    records,
    ...extra,
  });
  const h = (packet: Packet, snap = 128): FlowRecord => ({ type: 'header', packet, snap, frameLength: 1400 + seq });
  const base: Packet = { ipVersion: 4, srcAddr: '192.0.2.1', dstAddr: '198.51.100.2', proto: 6, srcPort: 1234, dstPort: 80, tcpFlags: 0x02, ttl: 12, tos: 0x48, fragmentID: 321 };
  const v6: Packet = { ipVersion: 6, srcAddr: '2001:db8::a', dstAddr: '2001:db8:0:1::b', proto: 17, srcPort: 4500, dstPort: 500, ttl: 250, tos: 0x88, flowLabel: 0x54321 };
  return [
    buildDatagram({
      agent: '192.0.2.200',
      samples: [
        flow([h({ ...base, vlans: [11, 22], mpls: [16, 17, 18] })]),
        flow([h({ ...v6, vlans: [33] })]),
        flow([h({ ...v6, proto: 58, icmpType: 1, icmpCode: 4 })]),
        flow([h({ ...base, proto: 1, icmpType: 0, icmpCode: 0 })]),
        flow([h({ ...base, fragmentOffset: 100, moreFragments: true, payload: 40 })]),
        flow([h({ ...base, ethernet: false })]),
        flow([h(base, 40)]),
      ],
    }),
    buildDatagram({
      agent: '2001:db8::200',
      samples: [
        flow(
          [
            { type: 'ethernet', length: 1518, srcMAC: 0x0a0b0c0d0e0f, dstMAC: 0x010203040506, etherType: 0x0800 },
            { type: 'ipv4', length: 1500, proto: 17, srcAddr: '192.0.2.1', dstAddr: '192.0.2.2', srcPort: 123, dstPort: 456, tcpFlags: 0, tos: 0 },
          ],
          { input: 0x3fffffff, output: 0x40000102 },
        ),
        flow([{ type: 'ipv6', length: 1280, proto: 6, srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', srcPort: 22, dstPort: 2222, tcpFlags: 0x11, tos: 0 }], {
          output: 0x80000003,
        }),
        { kind: 'counters', ifIndex: 5, sequence: seq++ },
        flow([h(base), { type: 'router', nextHop: '192.0.2.254', srcMask: 25, dstMask: 26 }], { expanded: true, input: 0x80000001, output: 0xffffffff }),
        flow([h(v6), { type: 'gateway', nextHop: '2001:db8::fe', as: 64500, srcAS: 64501, srcPeerAS: 64502, path: [{ type: 1, asns: [7] }, { type: 2, asns: [8, 9] }] }], {
          expanded: true,
          outputFormat: 1,
          output: 257,
        }),
        flow([h({ ...base, vlans: [99] }), { type: 'switch', srcVlan: 0, dstVlan: 77 }]),
      ],
    }),
  ];
}

type Json = Record<string, unknown>;

// first returns the value, or the first one when tshark merged duplicates into an array.
function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}
function last(v: unknown): unknown {
  return Array.isArray(v) ? v[v.length - 1] : v;
}
function num(v: unknown): number {
  const s = String(first(v));
  return s.startsWith('0x') ? parseInt(s, 16) : Number(s);
}
function obj(v: unknown): Json | undefined {
  return first(v) as Json | undefined;
}
function mac(v: unknown): number {
  return parseInt(String(v).replaceAll(':', ''), 16);
}
function address(v: unknown): string {
  return String(v);
}

// expectedRow turns tshark's view of one flow sample into the row our
// decoder should produce, following the decoder's documented policy.
function expectedRow(s: Json): Partial<Row> {
  const want: Partial<Row> = { samplingRate: num(s['sflow.flow_sample.sampling_rate']), packets: 1 };
  if ('sflow.flow_sample.input_interface_format' in s) {
    const inFormat = num(s['sflow.flow_sample.input_interface_format']);
    const inValue = num(s['sflow.flow_sample.input_interface_value']);
    const outFormat = num(s['sflow.flow_sample.output_interface.format']);
    const outValue = num(s['sflow.flow_sample.output_interface_value']);
    want.inIf = inFormat === 0 && inValue !== 0xffffffff ? inValue : 0;
    want.outIf = outFormat === 0 && outValue !== 0xffffffff ? outValue : 0;
    want.forwardingStatus = outFormat === 1 ? 128 : 0;
  } else {
    const input = num(s['sflow.flow_sample.input_interface']);
    const tree = obj(s['sflow.flow_sample.output_interface_tree'])!;
    const outFormat = num(tree['sflow.flow_sample.output_interface_format']);
    const outValue = num(tree['sflow.flow_sample.output_interface_value']);
    want.inIf = input >>> 30 === 0 && input !== 0x3fffffff ? input : 0;
    want.outIf = outFormat === 0 && outValue !== 0x3fffffff ? outValue : 0;
    want.forwardingStatus = outFormat === 1 ? 128 : 0;
  }
  const header = obj(s['Raw packet header']);
  if (header !== undefined) {
    want.bytes = num(header['sflow_245.header.frame_length']);
    const tree = obj(header['sflow_245.header_tree'])!;
    const eth = obj(tree['eth']);
    if (eth !== undefined) {
      want.srcMAC = mac(eth['eth.src']);
      want.dstMAC = mac(eth['eth.dst']);
    }
    const outer = obj(tree['ieee8021ad']) ?? obj(tree['vlan']);
    if (outer !== undefined) want.srcVlan = num(outer['ieee8021ad.id'] ?? outer['vlan.id']);
    const mpls = tree['mpls'];
    if (mpls !== undefined) want.mplsLabels = (Array.isArray(mpls) ? mpls : [mpls]).map((m: Json) => num(m['mpls.label']));
    const ip = obj(tree['ip']);
    const ip6 = obj(tree['ipv6']);
    let fragment = false;
    if (ip !== undefined) {
      want.eType = 0x0800;
      want.srcAddr = address(ip['ip.src']);
      want.dstAddr = address(ip['ip.dst']);
      want.proto = num(ip['ip.proto']);
      want.ipTTL = num(ip['ip.ttl']);
      want.ipTos = num(ip['ip.dsfield']);
      want.ipFragmentID = num(ip['ip.id']);
      want.ipFragmentOffset = num(ip['ip.frag_offset']);
      fragment = want.ipFragmentOffset !== 0;
    } else if (ip6 !== undefined) {
      want.eType = 0x86dd;
      want.srcAddr = address(ip6['ipv6.src']);
      want.dstAddr = address(ip6['ipv6.dst']);
      want.proto = num(ip6['ipv6.nxt']);
      want.ipTTL = num(ip6['ipv6.hlim']);
      want.ipTos = num(ip6['ipv6.tclass']);
      want.ipv6FlowLabel = num(ip6['ipv6.flow']);
    } else if (eth !== undefined) {
      want.eType = num(eth['eth.type']);
    }
    const tcp = obj(tree['tcp']);
    const udp = obj(tree['udp']);
    const icmp = obj(tree['icmp']) ?? obj(tree['icmpv6']);
    if (tcp !== undefined) {
      want.srcPort = num(tcp['tcp.srcport']);
      want.dstPort = num(tcp['tcp.dstport']);
      // A header cut before the flags leaves them unknown (0).
      want.tcpFlags = 'tcp.flags' in tcp ? num(tcp['tcp.flags']) : 0;
    } else if (udp !== undefined) {
      want.srcPort = num(udp['udp.srcport']);
      want.dstPort = num(udp['udp.dstport']);
    } else if (icmp !== undefined) {
      want.icmpType = num(icmp['icmp.type'] ?? icmp['icmpv6.type']);
      want.icmpCode = num(icmp['icmp.code'] ?? icmp['icmpv6.code']);
    } else if (fragment || ip !== undefined) {
      want.srcPort = 0;
      want.dstPort = 0;
    }
  } else {
    const ip4 = obj(s['IPv4 data']);
    const ip6 = obj(s['IPv6 data']);
    const ipData = ip4 ?? ip6;
    if (ipData !== undefined) {
      want.eType = ip4 !== undefined ? 0x0800 : 0x86dd;
      want.bytes = num(ipData['sflow_245.ip.length']);
      want.proto = num(ipData['sflow.ip_protocol']);
      want.srcAddr = address(ipData['sflow_245.ipv4_src'] ?? ipData['sflow_245.ipv6_src']);
      want.dstAddr = address(ipData['sflow_245.ipv4_dst'] ?? ipData['sflow_245.ipv6_dst']);
      want.srcPort = num(ipData['sflow_245.ip.source_port']);
      want.dstPort = num(ipData['sflow.ip.destination_port']);
    }
    const eth = obj(s['Ethernet frame data']);
    if (eth !== undefined) {
      want.bytes = num(eth['sflow_245.ethernet.length']);
      want.srcMAC = mac(eth['sflow_245.ethernet.source_mac_address']);
      want.dstMAC = mac(eth['sflow_245.ethernet.destination_mac_address']);
    }
  }
  const sw = obj(s['Extended switch data']);
  if (sw !== undefined) {
    if (num(sw['sflow_245.vlan.in']) !== 0) want.srcVlan = num(sw['sflow_245.vlan.in']);
    want.dstVlan = num(sw['sflow_245.vlan.out']);
  }
  const router = obj(s['Extended router data']);
  if (router !== undefined) {
    want.nextHop = address(router['sflow_245.nexthop'] ?? router['sflow_245.nexthop.v6']);
    want.srcNetMask = num(router['sflow_245.nexthop.src_mask']);
    want.dstNetMask = num(router['sflow_245.nexthop.dst_mask']);
  }
  const gateway = obj(s['Extended gateway data']);
  if (gateway !== undefined) {
    want.nextHop = address(gateway['sflow_245.nexthop'] ?? gateway['sflow_245.nexthop.v6']);
    want.srcAS = num(gateway['sflow_245.srcAS']);
    const segments = gateway['sflow.as_type_tree'];
    want.dstAS = segments === undefined ? 0 : num(last(obj(segments)!['sflow_245.dstAS']));
  }
  return want;
}

describe('SFlowDecoder against tshark', () => {
  it('decodes every flow sample as tshark does', (t) => {
    const version = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
    if (version.error !== undefined || version.status !== 0) {
      assert.fail(
        'tshark is required as the sFlow decoding oracle but was not found: ' +
          'install it with `apt-get install -y tshark` (Debian)',
      );
    }
    const datagrams = [...realisticSFlow(), ...oracleDatagrams()];
    const dir = mkdtempSync(join(tmpdir(), 'akvorado-sflow-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'sflow.pcap');
    writeFileSync(file, pcapUDP(datagrams, PORT));
    const run = spawnSync('tshark', ['-r', file, '-T', 'json', '--no-duplicate-keys', '-d', `udp.port==${PORT},sflow`], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(run.status, 0, `tshark failed: ${run.stderr}`);
    const packets = JSON.parse(run.stdout) as Array<{ _source: { layers: { sflow: Json } } }>;
    assert.equal(packets.length, datagrams.length);

    const decoder = new SFlowDecoder({ timestampSource: 'input' });
    let compared = 0;
    packets.forEach((packet, p) => {
      const sflow = packet._source.layers.sflow;
      const samples = Object.entries(sflow)
        .filter(([k]) => /^(Expanded )?[Ff]low sample/.test(k))
        .flatMap(([, v]) => (Array.isArray(v) ? v : [v])) as Json[];
      const counters = Object.keys(sflow).filter((k) => /[Cc]ounters sample/.test(k)).length;
      const exporter = new Exporter('192.0.2.100', parseIP('192.0.2.100')!);
      const batch = new FlowBatch(64);
      decoder.decode(datagrams[p]!, exporter, 1_700_000_000, batch);
      assert.equal(exporter.stats.errors.reduce((a, b) => a + b, 0), 0, `datagram ${p}: errors`);
      assert.equal(exporter.stats.counterSamples, counters, `datagram ${p}: counter samples`);
      assert.equal(batch.length, samples.length, `datagram ${p}: flow samples`);
      samples.forEach((sample, n) => {
        const want = expectedRow(sample);
        assert.deepEqual(pick(readRow(batch, n), want), want, `datagram ${p}, sample ${n}`);
        compared++;
      });
    });
    assert.ok(compared >= 30, `only ${compared} samples compared`);
  });
});
