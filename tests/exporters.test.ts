// SPDX-License-Identifier: AGPL-3.0-only
// Real exporters against the real collector. softflowd and pmacctd turn a
// crafted capture into NetFlow v5, v9, IPFIX and sFlow; their datagrams go
// to a running FlowComponent over UDP and to tshark, and every row we decode
// must match tshark's reading of the same record. The exporters here do not
// sample, so the sums per (source, destination, protocol) and the flow times
// must also match the capture itself.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { defaultsOf } from '../src/common/config/schema.ts';
import { newMock as newDaemon } from '../src/common/daemon/mock.ts';
import { startStop } from '../src/common/helpers/tests.ts';
import { newMock } from '../src/common/reporter/mock.ts';
import type { FlowBatch } from '../src/inlet/flow/batch.ts';
import { inputSchema, type InputConfiguration } from '../src/inlet/flow/config.ts';
import { rowToJSON } from '../src/inlet/flow/json.ts';
import { FlowComponent } from '../src/inlet/flow/root.ts';
import { exportCapture, type ExporterMode } from './helpers/exporters.ts';
import { craftTraffic, totalsBy, TRAILER_HOSTS, type Traffic, type TrafficPacket } from './helpers/traffic.ts';
import { tsharkNetflow, tsharkSflow, type TsharkFlow } from './helpers/tshark.ts';

/** Mode is one exporter configuration and what it promises. */
interface Mode {
  name: string;
  exporter: ExporterMode;
  decoder: 'netflow' | 'sflow';
  /**
   * times: "absolute" when records carry the capture's wall-clock times;
   * "relative" when they are uptime-based: softflowd and pmacctd's v5 mix
   * capture times with their own boot time, so only durations are true;
   * "none" for sFlow.
   */
  times: 'absolute' | 'relative' | 'none';
  /** bidirectional: the exporter tracks both directions of a connection as one flow (same times). */
  bidirectional: boolean;
  /** ipv6: IPv6 flows are exported (NetFlow v5 cannot carry them). */
  ipv6: boolean;
  exporterAddress: string;
  /** bytes is how the exporter counts a packet. */
  bytes: (p: TrafficPacket) => number;
}

const ipBytes = (p: TrafficPacket): number => p.ipLength;
// sFlow reports the frame length on the wire, FCS included.
const frameBytes = (p: TrafficPacket): number => p.frameLength + 4;
const SFLOW_AGENT = '192.0.2.254';

const softflowd = (name: string, exporter: Omit<Extract<ExporterMode, { tool: 'softflowd' }>, 'tool'>, times: Mode['times']): Mode => ({
  name,
  exporter: { tool: 'softflowd', ...exporter },
  decoder: 'netflow',
  times,
  bidirectional: true,
  ipv6: exporter.version !== 5,
  exporterAddress: '127.0.0.1',
  bytes: ipBytes,
});
const nfprobe = (name: string, version: 5 | 9 | 10, times: Mode['times']): Mode => ({
  name,
  exporter: { tool: 'pmacctd', plugin: 'nfprobe', version, ifindex: 7 },
  decoder: 'netflow',
  times,
  bidirectional: false,
  ipv6: version !== 5,
  exporterAddress: '127.0.0.1',
  bytes: ipBytes,
});

const MODES: Mode[] = [
  softflowd('softflowd NetFlow v5', { version: 5 }, 'relative'),
  softflowd('softflowd NetFlow v9', { version: 9 }, 'relative'),
  softflowd('softflowd IPFIX', { version: 10 }, 'relative'),
  softflowd('softflowd IPFIX with absolute times (-A milli)', { version: 10, absoluteTime: 'milli' }, 'absolute'),
  softflowd('softflowd IPFIX biflows (-b)', { version: 10, biflows: true }, 'relative'),
  nfprobe('pmacctd nfprobe NetFlow v5', 5, 'relative'),
  nfprobe('pmacctd nfprobe NetFlow v9', 9, 'absolute'),
  nfprobe('pmacctd nfprobe IPFIX', 10, 'absolute'),
  {
    name: 'pmacctd sfprobe sFlow v5',
    exporter: { tool: 'pmacctd', plugin: 'sfprobe', agent: SFLOW_AGENT, ifindex: 5, samplingRate: 1 },
    decoder: 'sflow',
    times: 'none',
    bidirectional: false,
    ipv6: true,
    exporterAddress: SFLOW_AGENT,
    bytes: frameBytes,
  },
];

/** Row is the part of a decoded flow compared with tshark. */
type Row = Record<string, number | string>;

// icmp gives the ICMP type and code a row should carry. Without ICMP
// fields in the record, exporters put them in the destination port (type
// << 8 | code), as Cisco's NetFlow v5 does; the decoder reads them there.
function icmp(f: TsharkFlow, type: number | null, code: number | null): [number, number] {
  if (f.proto !== 1 && f.proto !== 58) return [0, 0];
  if (type !== null) return [type, code ?? 0];
  return [f.dstPort >> 8, f.dstPort & 0xff];
}

/**
 * expectedRows turns tshark's records into the rows the collector must
 * produce, in the same order. An IPFIX biflow (RFC 5103) gives one row per
 * direction that saw packets: the reverse one with addresses, ports and
 * interfaces swapped, the reverse counters and the reverse TCP flags.
 */
function expectedRows(flows: TsharkFlow[], mode: Mode): Row[] {
  const rows: Row[] = [];
  for (const f of flows) {
    const common = {
      Proto: f.proto,
      TimeFlowStartMs: f.startMs ?? 0,
      TimeFlowEndMs: f.endMs ?? 0,
      SamplingRate: f.samplingRate ?? 1,
      ExporterAddress: mode.exporterAddress,
    };
    if (f.reverse === null || f.packets > 0) {
      const [type, code] = icmp(f, f.icmpType, f.icmpCode);
      rows.push({
        SrcAddr: f.src,
        DstAddr: f.dst,
        SrcPort: f.srcPort,
        DstPort: f.dstPort,
        ICMPType: type,
        ICMPCode: code,
        TCPFlags: f.tcpFlags ?? 0,
        Bytes: f.bytes,
        Packets: f.packets,
        InIf: f.inIf,
        OutIf: f.outIf,
        ...common,
      });
    }
    if (f.reverse !== null && f.reverse.packets > 0) {
      const [type, code] = icmp(f, f.reverse.icmpType, f.reverse.icmpCode);
      rows.push({
        SrcAddr: f.dst,
        DstAddr: f.src,
        SrcPort: f.dstPort,
        DstPort: f.srcPort,
        ICMPType: type,
        ICMPCode: code,
        TCPFlags: f.reverse.tcpFlags ?? 0,
        Bytes: f.reverse.bytes,
        Packets: f.reverse.packets,
        InIf: f.outIf,
        OutIf: f.inIf,
        ...common,
      });
    }
  }
  return rows;
}

// project keeps the compared columns of a decoded row; rowToJSON leaves out
// optional columns that are zero.
function project(row: Record<string, unknown>, like: Row): Row {
  const out: Row = {};
  for (const k of Object.keys(like)) out[k] = (row[k] as number | string | undefined) ?? 0;
  return out;
}

const same = (got: Record<string, unknown>, want: Row) => JSON.stringify(project(got, want)) === JSON.stringify(want);

/**
 * compareRows walks our rows and tshark's in order (one worker keeps the
 * datagram order) and lists the differences: a row of ours with no
 * counterpart, a row of tshark's we lack, or the fields that differ.
 */
function compareRows(got: Array<Record<string, unknown>>, want: Row[], flows: TsharkFlow[]): string[] {
  const problems: string[] = [];
  const LOOKAHEAD = 4;
  // A row keeps its record's datagram (frame) when there is one row per record.
  const where = (j: number) => (flows.length === want.length ? ` (datagram ${flows[j]!.frame})` : '');
  let i = 0;
  let j = 0;
  while (i < got.length || j < want.length) {
    if (i < got.length && j < want.length && same(got[i]!, want[j]!)) {
      i++;
      j++;
      continue;
    }
    const skipWant = want.slice(j + 1, j + 1 + LOOKAHEAD).findIndex((w) => i < got.length && same(got[i]!, w));
    const skipGot = got.slice(i + 1, i + 1 + LOOKAHEAD).findIndex((g) => j < want.length && same(g, want[j]!));
    if (j >= want.length || (skipGot >= 0 && (skipWant < 0 || skipGot <= skipWant))) {
      problems.push(`extra row ${i}: ${JSON.stringify(project(got[i]!, want[j] ?? want[0]!))}`);
      i++;
    } else if (i >= got.length || skipWant >= 0) {
      problems.push(`missing row for tshark ${j}${where(j)}: ${JSON.stringify(want[j])}`);
      j++;
    } else {
      const g = project(got[i]!, want[j]!);
      const fields = Object.keys(want[j]!).filter((k) => g[k] !== want[j]![k]);
      problems.push(`row ${i} vs tshark ${j}${where(j)}: ${fields.map((k) => `${k} ${g[k]} != ${want[j]![k]}`).join(', ')} in ${JSON.stringify(want[j])}`);
      i++;
      j++;
    }
  }
  return problems;
}

function input(o: Partial<InputConfiguration>): InputConfiguration {
  return { ...defaultsOf<InputConfiguration>(inputSchema), ...o };
}

// waitUntil polls `check` until it holds or `timeoutMs` passed.
async function waitUntil(check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
}

// flowKey names the flow a packet or row belongs to, as the exporter tracks
// it: ICMP flows are per direction (type and code are part of the key);
// bidirectional exporters key TCP and UDP on both endpoints.
function flowKey(mode: Mode, src: string, dst: string, proto: number, srcPort: number, dstPort: number): string {
  if (proto === 1 || proto === 58) return `${src} ${dst} ${proto}`;
  const a = `[${src}]:${srcPort}`;
  const b = `[${dst}]:${dstPort}`;
  return mode.bidirectional && b < a ? `${b} ${a} ${proto}` : `${a} ${b} ${proto}`;
}

// checkTraffic compares decoded rows with the crafted capture: totals per
// (source, destination, protocol), and flow times.
function checkTraffic(mode: Mode, traffic: Traffic, rows: Array<Record<string, unknown>>): void {
  const real = (src: string) => !(TRAILER_HOSTS as readonly string[]).includes(src);
  const packets = traffic.packets.filter((p) => real(p.src) && (mode.ipv6 || !p.src.includes(':')));
  const ours = rows.filter((r) => real(r.SrcAddr as string));
  const key = (src: unknown, dst: unknown, proto: unknown) => `${String(src)} ${String(dst)} ${String(proto)}`;
  const want = totalsBy(packets, (p) => key(p.src, p.dst, p.proto), mode.bytes);
  const got = new Map<string, { bytes: number; packets: number }>();
  for (const r of ours) {
    const k = key(r.SrcAddr, r.DstAddr, r.Proto);
    const t = got.get(k) ?? { bytes: 0, packets: 0 };
    t.bytes += r.Bytes as number;
    t.packets += r.Packets as number;
    got.set(k, t);
  }
  const sorted = (m: Map<string, unknown>) => new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
  assert.deepEqual(sorted(got), sorted(want), 'totals per (source, destination, protocol) differ from the capture');
  if (mode.times === 'none') return;
  // First and last packet of each flow, in ms (exporters truncate).
  const windows = new Map<string, { first: number; last: number }>();
  for (const p of packets) {
    const k = flowKey(mode, p.src, p.dst, p.proto, p.srcPort, p.dstPort);
    const ms = Math.floor(p.time / 1000);
    const w = windows.get(k) ?? { first: ms, last: ms };
    w.first = Math.min(w.first, ms);
    w.last = Math.max(w.last, ms);
    windows.set(k, w);
  }
  const problems: string[] = [];
  for (const r of ours) {
    // The ports of ICMP rows hold type and code: the key ignores them.
    const k = flowKey(mode, r.SrcAddr as string, r.DstAddr as string, r.Proto as number, (r.SrcPort as number) ?? 0, (r.DstPort as number) ?? 0);
    const w = windows.get(k);
    const start = (r.TimeFlowStartMs as number | undefined) ?? 0;
    const end = (r.TimeFlowEndMs as number | undefined) ?? 0;
    if (w === undefined) {
      problems.push(`${k}: no such flow in the capture`);
      continue;
    }
    const near = (a: number, b: number) => Math.abs(a - b) <= 1;
    if (mode.times === 'absolute' && !(near(start, w.first) && near(end, w.last))) {
      problems.push(`${k}: times ${start}-${end}, capture ${w.first}-${w.last}`);
    } else if (!near(end - start, w.last - w.first)) {
      problems.push(`${k}: duration ${end - start} ms, capture ${w.last - w.first} ms`);
    }
  }
  assert.deepEqual(problems, [], 'flow times differ from the capture');
}

async function runMode(t: TestContext, mode: Mode): Promise<void> {
  const traffic = craftTraffic({ trailer: mode.decoder === 'sflow' ? 24 : 0 });
  const r = newMock();
  const c = await startStop(
    t,
    new FlowComponent(
      r,
      {
        inputs: [input({ decoder: mode.decoder, listen: '127.0.0.1:0' })],
        // The exporters do not sample: a flow without a rate counts once.
        defaultSamplingRate: 1,
        overrideSamplingRate: 0,
        rateLimit: 0,
      },
      newDaemon(r),
    ),
  );
  const rows: Array<Record<string, unknown>> = [];
  const unsubscribe = c.subscribe((b: FlowBatch) => {
    for (let i = 0; i < b.length; i++) rows.push(rowToJSON(b, i));
  });
  t.after(unsubscribe);
  const exported = await exportCapture(traffic.pcap, mode.exporter, c.boundPorts[0]!);
  const payloads = exported.datagrams.map((d) => d.payload);
  assert.ok(payloads.length > 0, `${mode.name}: no datagram:\n${exported.output}`);
  const flows = mode.decoder === 'sflow' ? tsharkSflow(payloads) : tsharkNetflow(payloads);
  // softflowd counts what it sent: tshark must see all of it.
  const stats = /Flows exported: \d+ \((\d+) records\) in (\d+) packets/.exec(exported.output);
  if (mode.exporter.tool === 'softflowd') {
    assert.ok(stats !== null, `softflowd printed no statistics:\n${exported.output}`);
    assert.deepEqual([flows.length, payloads.length], [Number(stats[1]), Number(stats[2])], 'records and datagrams: tshark vs softflowd');
  }
  const want = expectedRows(flows, mode);
  assert.ok(want.length >= 20, `${mode.name}: tshark found only ${want.length} flows`);
  // Missing rows are listed by compareRows below.
  await waitUntil(() => rows.length >= want.length, 10_000);
  // Batches are flushed every 100 ms: anything extra shows up by then.
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(compareRows(rows, want, flows), [], `${mode.name}: decoded rows differ from tshark`);
  checkTraffic(mode, traffic, rows);
}

describe('real exporters', () => {
  for (const mode of MODES) {
    it(mode.name, { timeout: 60_000 }, (t) => runMode(t, mode));
  }
});
