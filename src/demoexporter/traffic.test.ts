// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIP } from '../common/helpers/ip.ts';
import { inSubnet, parseSubnet } from '../common/helpers/subnet.ts';
import { CUSTOMERS, REMOTE_ASES, geoEntries } from './asns.ts';
import { resolveExporters } from './exporters.ts';
import { Topology } from './interfaces.ts';
import { Flow, TrafficGenerator } from './traffic.ts';

const NOW = 1_700_000_000_000;

function generate(rank: number, seed: number, n: number): Flow[] {
  const spec = resolveExporters(6)[rank]!;
  const g = new TrafficGenerator(new Topology(spec), seed);
  return Array.from({ length: n }, () => {
    const f = new Flow();
    g.next(f, NOW);
    return f;
  });
}

describe('demo traffic', () => {
  it('has GeoIP data with distinct prefixes, AS names and countries', () => {
    const entries = geoEntries();
    assert.equal(entries.length, REMOTE_ASES.reduce((n, as) => n + as.prefixes.length, 0) + 2 * CUSTOMERS.length);
    const subnets = entries.map(([p]) => parseSubnet(p));
    subnets.forEach((s, i) => assert.ok(s !== null, `prefix ${entries[i]![0]}`));
    for (let i = 0; i < subnets.length; i++) {
      for (let j = i + 1; j < subnets.length; j++) {
        const [a, b] = [subnets[i]!, subnets[j]!];
        assert.ok(!inSubnet(a, b.address) && !inSubnet(b, a.address), `${a.text} overlaps ${b.text}`);
      }
    }
    for (const [, asn, name, country] of entries) {
      assert.ok(asn > 0 && name !== '' && /^[A-Z]{2}$/.test(country), `${asn} ${name} ${country}`);
    }
    assert.deepEqual(entries.find(([, asn]) => asn === 15169)?.slice(1), [15169, 'Google LLC', 'US']);
  });

  it('draws addresses, AS numbers and masks that agree with the GeoIP data', () => {
    const entries = geoEntries().map(([p, asn]) => [parseSubnet(p)!, asn] as const);
    const owner = (a: Uint8Array) => entries.find(([s]) => inSubnet(s, a));
    for (const f of generate(0, 1, 2000)) {
      const src = owner(f.src);
      const dst = owner(f.dst);
      assert.equal(src?.[1], f.srcAS, `source ${formatIP(f.src)}`);
      assert.equal(dst?.[1], f.dstAS, `destination ${formatIP(f.dst)}`);
      assert.equal(f.srcMask, src[0].length - (f.ipv6 ? 0 : 96));
      assert.equal(f.dstMask, dst[0].length - (f.ipv6 ? 0 : 96));
    }
  });

  it('looks like traffic: mostly HTTPS, some IPv6, counters that add up', () => {
    const flows = generate(1, 2, 5000);
    const share = (p: (f: Flow) => boolean) => flows.filter(p).length / flows.length;
    assert.ok(share((f) => f.srcPort === 443 || f.dstPort === 443) > 0.5);
    const v6 = share((f) => f.ipv6);
    assert.ok(v6 > 0.2 && v6 < 0.45, `IPv6 share ${v6}`);
    assert.ok(share((f) => f.proto === 1 || f.proto === 58) > 0);
    for (const f of flows) {
      assert.equal(f.bytes, f.packets * f.packetSize);
      assert.ok(f.packetSize >= (f.ipv6 ? 60 : 40) && f.packetSize <= 1500);
      assert.ok(f.startMs <= f.endMs && f.endMs <= NOW);
      assert.notEqual(f.inIf, f.outIf);
      if (f.proto === 1 || f.proto === 58) assert.deepEqual([f.srcPort, f.dstPort], [0, 0]);
      if (f.ipv6) assert.notEqual(f.proto, 1);
    }
    // The biggest remote network weighs the most.
    const google = share((f) => f.srcAS === 15169 || f.dstAS === 15169);
    const github = share((f) => f.srcAS === 36459 || f.dstAS === 36459);
    assert.ok(google > 5 * github);
  });

  it('routes each remote network through one interface of the exporter', () => {
    const spec = resolveExporters(3)[0]!;
    const t = new Topology(spec);
    assert.equal(t.linkTo(15169), t.interfaces.find((i) => i.alias === 'peering: Google [10G]')!.index);
    const roles = new Set(t.interfaces.map((i) => i.role));
    assert.deepEqual([...roles].sort(), ['customer', 'peering', 'transit']);
    for (const f of generate(0, 3, 1000)) {
      const external = f.srcAS >= 64496 && f.srcAS <= 64511 ? f.outIf : f.inIf;
      const remote = f.srcAS >= 64496 && f.srcAS <= 64511 ? f.dstAS : f.srcAS;
      assert.equal(external, t.linkTo(remote));
    }
  });

  it('replays the same flows from the same seed', () => {
    assert.deepEqual(generate(2, 9, 50), generate(2, 9, 50));
    assert.notDeepEqual(generate(2, 9, 50), generate(2, 10, 50));
  });
});

describe('exporters setting', () => {
  it('gives default names, addresses and protocols by rank', () => {
    const specs = resolveExporters(4);
    assert.deepEqual(
      specs.map((s) => [s.name, s.address, s.protocol, s.samplingRate, s.domain]),
      [
        ['edge1.par1', '127.0.0.11', 'netflow-v9', 1000, 100],
        ['edge1.ams1', '127.0.0.12', 'ipfix', 500, 101],
        ['edge1.fra1', '127.0.0.13', 'sflow', 1024, 102],
        ['edge1.lon1', '127.0.0.14', 'netflow-v9', 1000, 103],
      ],
    );
  });

  it('takes a list and names mistakes', () => {
    const [a] = resolveExporters([{ name: 'r1', address: '127.0.0.50', protocol: 'sflow', 'sampling-rate': 512 }]);
    assert.deepEqual([a!.name, a!.address, a!.protocol, a!.samplingRate], ['r1', '127.0.0.50', 'sflow', 512]);
    assert.throws(() => resolveExporters(0), /expected a number of exporters/);
    assert.throws(() => resolveExporters([{ protocol: 'netflow-v5' }]), /^TypeError: 0\.protocol/);
    assert.throws(() => resolveExporters([{ address: '::1' }]), /0\.address: expected an IPv4 address/);
    assert.throws(() => resolveExporters([{ colour: 'red' }]), /0\.colour/);
    assert.throws(() => resolveExporters([{}, { address: '127.0.0.11' }]), /1\.address: 127\.0\.0\.11 is used by two exporters/);
  });
});
