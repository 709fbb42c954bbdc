// SPDX-License-Identifier: AGPL-3.0-only
// What the demo exporters send, read back by the inlet's decoders and by
// tshark (an independent dissector): same records, same counters, the
// announced sampling rates, datagrams under the size limit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIP, parseIP } from '../common/helpers/ip.ts';
import { FlowBatch } from '../inlet/flow/batch.ts';
import { NetFlowDecoder } from '../inlet/flow/decoder/netflow/root.ts';
import { Exporter } from '../inlet/flow/decoder/root.ts';
import type { Decoder } from '../inlet/flow/decoder/root.ts';
import { SFlowDecoder } from '../inlet/flow/decoder/sflow/root.ts';
import { runTshark, tsharkNetflow, tsharkSflow } from '../../tests/helpers/tshark.ts';
import { resolveExporters, type ExporterSpec } from './exporters.ts';
import { Topology } from './interfaces.ts';
import { MAX_DATAGRAM } from './packer.ts';
import { newEncoder } from './sender.ts';
import { Flow, TrafficGenerator } from './traffic.ts';

const NOW = 1_700_000_000_000;
const COUNT = 600;

// Record is what the three readings are compared on.
interface Record {
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  bytes: number;
  packets: number;
  inIf: number;
  outIf: number;
}
const key = (r: Record) => JSON.stringify([r.src, r.dst, r.proto, r.srcPort, r.dstPort, r.bytes, r.packets, r.inIf, r.outIf]);
const sorted = (rs: Record[]) => rs.map(key).sort();

// send generates COUNT flows for an exporter and encodes them in two calls (templates twice).
function send(spec: ExporterSpec): { flows: Flow[]; datagrams: Buffer[] } {
  const generator = new TrafficGenerator(new Topology(spec), 7 + spec.rank);
  const flows = Array.from({ length: COUNT }, () => new Flow());
  flows.forEach((f) => generator.next(f, NOW));
  const encoder = newEncoder(spec, NOW - 86_400_000, 1000);
  const half = flows.slice(COUNT / 2);
  const datagrams = [...encoder.encode(flows, COUNT / 2, NOW), ...encoder.encode(half, half.length, NOW + 1000)];
  return { flows, datagrams };
}

// expected is what the demo meant to send; sFlow samples one packet, counted with its Ethernet header and FCS.
function expected(spec: ExporterSpec, flows: Flow[]): Record[] {
  const sflow = spec.protocol === 'sflow';
  return flows.map((f) => ({
    src: formatIP(f.src),
    dst: formatIP(f.dst),
    proto: f.proto,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    bytes: sflow ? f.packetSize + 18 : f.bytes,
    packets: sflow ? 1 : f.packets,
    inIf: f.inIf,
    outIf: f.outIf,
  }));
}

function decode(spec: ExporterSpec, datagrams: Buffer[]) {
  const decoder: Decoder = spec.protocol === 'sflow' ? new SFlowDecoder({ timestampSource: 'input' }) : new NetFlowDecoder({ timestampSource: 'input' });
  const exporter = new Exporter(spec.address, parseIP(spec.address)!);
  const batch = new FlowBatch(COUNT * 2);
  for (const d of datagrams) decoder.decode(d, exporter, NOW / 1000, batch);
  const rows: Array<Record & { srcAS: number; dstAS: number; srcMask: number; dstMask: number; samplingRate: number; startMs: number; endMs: number }> = [];
  for (let i = 0; i < batch.length; i++) {
    rows.push({
      src: formatIP(batch.srcAddr, i * 16),
      dst: formatIP(batch.dstAddr, i * 16),
      proto: batch.proto[i]!,
      srcPort: batch.srcPort[i]!,
      dstPort: batch.dstPort[i]!,
      bytes: batch.bytes[i]!,
      packets: batch.packets[i]!,
      inIf: batch.inIf[i]!,
      outIf: batch.outIf[i]!,
      srcAS: batch.srcAS[i]!,
      dstAS: batch.dstAS[i]!,
      srcMask: batch.srcNetMask[i]!,
      dstMask: batch.dstNetMask[i]!,
      samplingRate: batch.samplingRate[i]!,
      startMs: batch.timeFlowStartMs[i]!,
      endMs: batch.timeFlowEndMs[i]!,
    });
  }
  return { rows, stats: exporter.stats };
}

// findValues collects the values of a field anywhere in tshark's JSON.
function findValues(node: unknown, field: string, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) findValues(n, field, out);
  else if (typeof node === 'object' && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === field) out.push(...(Array.isArray(v) ? v.map(String) : [String(v)]));
      else findValues(v, field, out);
    }
  }
  return out;
}

describe('demo exporter encoders', () => {
  for (const spec of resolveExporters(3)) {
    describe(spec.protocol, () => {
      const { flows, datagrams } = send(spec);

      it('packs many records per datagram, under the size limit', () => {
        for (const d of datagrams) assert.ok(d.length <= MAX_DATAGRAM, `datagram of ${d.length} bytes`);
        assert.ok(datagrams.length < COUNT / 5, `${datagrams.length} datagrams for ${COUNT} flows`);
      });

      it('is read back by the inlet decoder with the sampling rate', () => {
        const { rows, stats } = decode(spec, datagrams);
        assert.deepEqual(Array.from(stats.errors), new Array(stats.errors.length).fill(0));
        assert.equal(stats.droppedNoSamplingRate, 0);
        assert.equal(rows.length, COUNT);
        assert.deepEqual(sorted(rows), sorted(expected(spec, flows)));
        for (const r of rows) assert.equal(r.samplingRate, spec.samplingRate);
        const withAS = (r: { src: string; dst: string; srcAS: number; dstAS: number; srcMask: number; dstMask: number }) =>
          JSON.stringify([r.src, r.dst, r.srcAS, r.dstAS, r.srcMask, r.dstMask]);
        assert.deepEqual(
          rows.map(withAS).sort(),
          flows.map((f) => withAS({ src: formatIP(f.src), dst: formatIP(f.dst), srcAS: f.srcAS, dstAS: f.dstAS, srcMask: f.srcMask, dstMask: f.dstMask })).sort(),
        );
        if (spec.protocol !== 'sflow') {
          const times = (r: { src: string; dst: string; startMs: number; endMs: number }) => JSON.stringify([r.src, r.dst, r.startMs, r.endMs]);
          assert.deepEqual(rows.map(times).sort(), flows.map((f) => times({ src: formatIP(f.src), dst: formatIP(f.dst), startMs: f.startMs, endMs: f.endMs })).sort());
        }
      });

      it('is read alike by tshark', () => {
        const { rows } = decode(spec, datagrams);
        const port = spec.protocol === 'sflow' ? 6343 : 2055;
        const ts = spec.protocol === 'sflow' ? tsharkSflow(datagrams, port) : tsharkNetflow(datagrams, port);
        assert.equal(ts.length, COUNT);
        const sum = (rs: Array<{ bytes: number; packets: number }>) => rs.reduce((a, r) => [a[0]! + r.bytes, a[1]! + r.packets], [0, 0]);
        assert.deepEqual(sum(ts), sum(rows));
        assert.deepEqual(sorted(ts), sorted(rows));
        if (spec.protocol === 'sflow') {
          for (const t of ts) assert.equal(t.samplingRate, spec.samplingRate);
          return;
        }
        const json = runTshark(datagrams, 'cflow', port);
        if (spec.protocol === 'netflow-v9') {
          // Sent with the templates in each of the two calls.
          assert.deepEqual(findValues(json, 'cflow.sampling_interval'), [String(spec.samplingRate), String(spec.samplingRate)]);
        } else {
          assert.deepEqual(findValues(json, 'cflow.sampling_packet_interval'), ['1', '1']);
          assert.deepEqual(findValues(json, 'cflow.sampling_packet_space'), [String(spec.samplingRate - 1), String(spec.samplingRate - 1)]);
        }
      });
    });
  }
});
