// SPDX-License-Identifier: AGPL-3.0-only
// End-to-end traffic for a collector under test: softflowd and pmacctd
// export the crafted capture over UDP, and tshark's reading of the same
// datagrams, times the sampling rate, gives the totals the collector must
// store per (SrcAddr, DstAddr, Proto).
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { exportCapture, type ExporterMode, type ExportResult } from './exporters.ts';
import { craftTraffic } from './traffic.ts';
import { tsharkNetflow, tsharkSflow } from './tshark.ts';

/** FlowTotals maps "SrcAddr DstAddr Proto" to bytes and packets. */
export type FlowTotals = Map<string, { bytes: number; packets: number }>;

/** addTotal adds bytes and packets to a key of the totals. */
export function addTotal(m: FlowTotals, key: string, bytes: number, packets: number): void {
  const t = m.get(key) ?? { bytes: 0, packets: 0 };
  t.bytes += bytes;
  t.packets += packets;
  m.set(key, t);
}

/** sumBytes is the bytes of every key of the totals. */
export function sumBytes(m: FlowTotals): number {
  return [...m.values()].reduce((s, x) => s + x.bytes, 0);
}

/**
 * exportAndSend runs an exporter over a capture, then sends what it
 * exported to 127.0.0.1:port. pmacctd now and then exits with an error at
 * the end of a file on a busy machine (its plugin pipe closes first): the
 * export is then run again, and only a complete one reaches the collector.
 */
export async function exportAndSend(pcap: Uint8Array, mode: ExporterMode, port: number): Promise<ExportResult> {
  let result: ExportResult | null = null;
  for (let attempt = 1; result === null; attempt++) {
    try {
      result = await exportCapture(pcap, mode);
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  const s = createSocket('udp4');
  for (const d of result.datagrams) {
    s.send(d.payload, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise<void>((r) => s.close(() => r()));
  return result;
}

/**
 * sendReferenceTraffic sends the crafted capture as NetFlow v9 from
 * softflowd (unsampled) to netflowPort and as sFlow from pmacctd's sfprobe
 * (1 in 3) to sflowPort, and returns what tshark reads in the datagrams.
 */
export async function sendReferenceTraffic(netflowPort: number, sflowPort: number): Promise<FlowTotals> {
  const expected: FlowTotals = new Map();
  const softflowd = await exportAndSend(craftTraffic().pcap, { tool: 'softflowd', version: 9 }, netflowPort);
  for (const f of tsharkNetflow(softflowd.datagrams.map((d) => d.payload))) addTotal(expected, `${f.src} ${f.dst} ${f.proto}`, f.bytes, f.packets);
  const sflow = await exportAndSend(craftTraffic({ trailer: 24 }).pcap, { tool: 'pmacctd', plugin: 'sfprobe', agent: '192.0.2.254', samplingRate: 3 }, sflowPort);
  const samples = tsharkSflow(sflow.datagrams.map((d) => d.payload));
  assert.ok(samples.length > 0 && samples.every((f) => f.samplingRate === 3), 'sFlow samples at 1 in 3');
  for (const f of samples) addTotal(expected, `${f.src} ${f.dst} ${f.proto}`, f.bytes * f.samplingRate!, f.packets * f.samplingRate!);
  assert.ok(expected.size >= 10 && sumBytes(expected) > 0, 'the exporters sent flows');
  return expected;
}

/**
 * totalsSQL sums a flows table the way FlowTotals keys it (IPv4 addresses
 * without their ::ffff: prefix), as rows {k, b, p}.
 */
export function totalsSQL(table: string): string {
  return (
    `SELECT concat(replaceRegexpOne(toString(SrcAddr), '^::ffff:', ''), ' ', replaceRegexpOne(toString(DstAddr), '^::ffff:', ''), ' ', toString(Proto)) AS k, ` +
    `sum(Bytes * SamplingRate) AS b, sum(Packets * SamplingRate) AS p FROM ${table} GROUP BY k`
  );
}
