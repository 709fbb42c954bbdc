// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowBatch } from './batch.ts';
import type { SamplingRateSetting } from './config.ts';
import { v5Datagram, type V5Record } from './decoder/netflow/testdata/builder.ts';
import { realisticSFlow } from './decoder/sflow/testdata/builder.ts';
import { parseIP } from '../../common/helpers/ip.ts';
import { rowToJSON } from './json.ts';
import { Pipeline } from './pipeline.ts';

function records(n: number): V5Record[] {
  return Array.from({ length: n }, (_, k) => ({
    src: `192.0.2.${k}`,
    dst: '198.51.100.1',
    packets: 1,
    bytes: 100 + k,
    first: 0,
    last: 0,
    srcPort: k,
    dstPort: 80,
    proto: 6,
  }));
}

function newPipeline(o: {
  decoder?: 'netflow' | 'sflow';
  defaultSamplingRate?: SamplingRateSetting;
  overrideSamplingRate?: SamplingRateSetting;
  rateLimit?: number;
  batchSize?: number;
  random?: () => number;
  useSrcAddrForExporterAddr?: boolean;
  maxOutstanding?: number;
}) {
  const out: Array<Record<string, unknown>> = [];
  const batches: number[] = [];
  const buffers: ArrayBuffer[] = [];
  const p = new Pipeline({
    decoder: o.decoder ?? 'netflow',
    decoderOptions: { timestampSource: 'input' },
    defaultSamplingRate: o.defaultSamplingRate ?? 0,
    overrideSamplingRate: o.overrideSamplingRate ?? 0,
    rateLimit: o.rateLimit ?? 0,
    useSrcAddrForExporterAddr: o.useSrcAddrForExporterAddr ?? false,
    batchSize: o.batchSize ?? 64,
    random: o.random,
    maxOutstanding: o.maxOutstanding,
    emit: (b: FlowBatch) => {
      batches.push(b.length);
      buffers.push(b.buffer);
      for (let i = 0; i < b.length; i++) out.push(rowToJSON(b, i));
    },
  });
  return { p, out, batches, buffers };
}

describe('pipeline', () => {
  it('applies default rates by exporter subnet and drops flows without one', () => {
    const { p, out } = newPipeline({ defaultSamplingRate: { '192.0.2.0/24': 10, '192.0.2.128/25': 20 } });
    const d = v5Datagram({ sysUptime: 1000, unixSecs: 1_700_000_000 }, records(3));
    p.handle(d, '192.0.2.1', 1_700_000_000_000);
    p.handle(d, '192.0.2.200', 1_700_000_000_000);
    p.handle(d, '203.0.113.1', 1_700_000_000_000);
    p.flush();
    assert.deepEqual(
      out.map((x) => [x.ExporterAddress, x.SamplingRate]),
      [...Array(3).fill(['192.0.2.1', 10]), ...Array(3).fill(['192.0.2.200', 20])],
    );
    const stats = p.statsSnapshot();
    assert.deepEqual(stats.exporters, ['192.0.2.1', '192.0.2.200', '203.0.113.1']);
    assert.equal(p.emitted, 6);
  });

  it('finds exporters by their 16 address bytes (handleFrom) as by text', () => {
    const { p, out } = newPipeline({ defaultSamplingRate: { '192.0.2.0/24': 10, '2001:db8::/32': 30 } });
    const d = v5Datagram({ sysUptime: 1000, unixSecs: 1_700_000_000 }, records(1));
    const sources = ['192.0.2.1', '2001:db8::1', '192.0.2.1', '192.0.2.2', '2001:db8::1', '192.0.2.2', '192.0.2.1'];
    // Addresses at an offset in a shared area, as the native receiver gives them.
    const area = new Uint8Array(20 * sources.length);
    sources.forEach((a, i) => area.set(parseIP(a)!, i * 20));
    sources.forEach((_, i) => p.handleFrom(d, area, i * 20, 1_700_000_000_000));
    p.flush();
    assert.deepEqual(
      out.map((x) => [x.ExporterAddress, x.SamplingRate]),
      sources.map((a) => [a, a.includes(':') ? 30 : 10]),
    );
    const stats = p.statsSnapshot();
    assert.deepEqual(stats.exporters, ['192.0.2.1', '2001:db8::1', '192.0.2.2']);
    assert.equal(p.input.datagrams, sources.length);
    // Text and bytes name the same exporter.
    p.handle(d, '192.0.2.2', 1_700_000_000_000);
    assert.equal(p.exporterCount, 3);
  });

  it('lets the override win over the rate flows carry', () => {
    const { p, out } = newPipeline({ overrideSamplingRate: 7 });
    p.handle(v5Datagram({ sysUptime: 1000, unixSecs: 1, samplingInterval: 0x4000 | 100 }, records(2)), '10.0.0.1', 0);
    p.flush();
    assert.deepEqual(out.map((x) => x.SamplingRate), [7, 7]);
  });

  it('compacts dropped rows across batch boundaries', () => {
    // Batches of 4 rows, datagrams of 3 rows, one exporter without a rate.
    const { p, out, batches } = newPipeline({ batchSize: 4, defaultSamplingRate: { '10.0.0.0/8': 2 } });
    const d = v5Datagram({ sysUptime: 1000, unixSecs: 1 }, records(3));
    for (let i = 0; i < 5; i++) {
      p.handle(d, '10.0.0.1', 0);
      p.handle(d, '172.16.0.1', 0);
    }
    p.flush();
    assert.equal(out.length, 15);
    assert.ok(out.every((x) => x.ExporterAddress === '10.0.0.1' && x.SamplingRate === 2));
    assert.deepEqual(out.map((x) => x.SrcPort), Array(5).fill([0, 1, 2]).flat());
    assert.ok(batches.every((n) => n > 0 && n <= 4));
  });

  it('hands over full batches in the middle of a large datagram', () => {
    const { p, out, batches } = newPipeline({ batchSize: 8, defaultSamplingRate: 1 });
    p.handle(v5Datagram({ sysUptime: 1000, unixSecs: 1 }, records(30)), '10.0.0.1', 0);
    p.handle(v5Datagram({ sysUptime: 1000, unixSecs: 1 }, records(5)), '10.0.0.2', 0);
    p.flush();
    assert.deepEqual(out.map((x) => x.SrcPort), [...Array(30).keys(), ...Array(5).keys()]);
    assert.deepEqual(batches.slice(0, 3), [8, 8, 8]);
    assert.equal(batches.reduce((a, b) => a + b, 0), 35);
  });

  it('drops and counts batches while the consumer holds maxOutstanding of them', () => {
    const { p, out, batches, buffers } = newPipeline({ batchSize: 4, defaultSamplingRate: 1, maxOutstanding: 2 });
    const d = v5Datagram({ sysUptime: 1000, unixSecs: 1 }, records(4));
    for (let i = 0; i < 4; i++) {
      p.handle(d, '10.0.0.1', 0);
      p.flush();
    }
    assert.deepEqual(batches, [4, 4]);
    assert.equal(p.input.busyDroppedFlows, 8);
    assert.equal(p.input.batches, 2);
    // One batch handed back: the next one goes out.
    p.recycle(buffers[0]!);
    p.handle(d, '10.0.0.1', 0);
    p.flush();
    p.handle(d, '10.0.0.1', 0);
    p.flush();
    assert.deepEqual(batches, [4, 4, 4]);
    assert.equal(p.input.busyDroppedFlows, 12);
    assert.equal(out.length, 12);
  });

  it('rate-limits each exporter and scales the sampling rate of kept flows', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const { p, out } = newPipeline({ defaultSamplingRate: 100, rateLimit: 30, batchSize: 4096, random });
    const d = v5Datagram({ sysUptime: 1000, unixSecs: 1 }, records(30));
    // First second: 300 flows seen, none dropped (the window has no history).
    for (let i = 0; i < 10; i++) p.handle(d, '10.0.0.1', 1000 + i);
    p.flush();
    assert.equal(out.length, 300);
    // Next second: keep about 30 flows out of 300, each standing for 10 times more.
    out.length = 0;
    for (let i = 0; i < 10; i++) p.handle(d, '10.0.0.1', 2000 + i);
    p.flush();
    assert.ok(out.length > 15 && out.length < 45, `kept ${out.length}`);
    assert.ok(out.every((x) => x.SamplingRate === 1000));
  });

  it('names sFlow exporters by their agent address unless told otherwise', () => {
    for (const useSrc of [false, true]) {
      const { p, out } = newPipeline({ decoder: 'sflow', useSrcAddrForExporterAddr: useSrc });
      for (const d of realisticSFlow()) p.handle(d, '127.0.0.1', 0);
      p.flush();
      assert.ok(out.length > 0);
      const exporters = new Set(out.map((x) => x.ExporterAddress));
      assert.equal(exporters.has('127.0.0.1'), useSrc, [...exporters].join(','));
    }
  });

  it('counts datagrams from unusable source addresses', () => {
    const { p } = newPipeline({});
    p.handle(new Uint8Array(10), 'not-an-address', 0);
    assert.equal(p.input.unparsable, 1);
    assert.equal(p.input.datagrams, 1);
  });
});
