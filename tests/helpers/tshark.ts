// SPDX-License-Identifier: AGPL-3.0-only
// tshark as a decoding oracle: recorded datagrams go into a pcap, tshark
// dissects them as NetFlow/IPFIX (cflow) or sFlow, and its JSON becomes
// normalized flow records to compare with our decoder's rows.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../../src/inlet/flow/input/pcap.ts';
import { requireTool } from './exporters.ts';

const TSHARK = '/usr/bin/tshark';

/** TsharkFlow is one flow record (or sFlow flow sample) as tshark reads it. */
export interface TsharkFlow {
  /** frame is the 1-based rank of the datagram holding the record. */
  frame: number;
  /** version is the NetFlow version (5, 9, 10) or 5 for sFlow. */
  version: number;
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  /** icmpType and icmpCode are set when the record carries them (null otherwise). */
  icmpType: number | null;
  icmpCode: number | null;
  /** tcpFlags are the TCP flags (null when not sent). */
  tcpFlags: number | null;
  bytes: number;
  packets: number;
  inIf: number;
  outIf: number;
  /** startMs and endMs are absolute flow times in ms since 1970 (null when not sent). */
  startMs: number | null;
  endMs: number | null;
  /** reverse holds the RFC 5103 reverse fields of an IPFIX biflow (null otherwise). */
  reverse: { bytes: number; packets: number; tcpFlags: number | null; icmpType: number | null; icmpCode: number | null } | null;
  /** samplingRate is the sFlow sample's rate (null for NetFlow). */
  samplingRate: number | null;
}

type Json = Record<string, unknown>;

// value returns the `i`th value of a field; tshark --no-duplicate-keys
// merges repeated fields (forward and reverse counters) into arrays.
function value(v: unknown, i = 0): unknown {
  return Array.isArray(v) ? v[i] : i === 0 ? v : undefined;
}
function num(v: unknown, i = 0): number {
  const s = String(value(v, i));
  const n = s.startsWith('0x') ? parseInt(s, 16) : Number(s);
  if (!Number.isFinite(n)) throw new Error(`tshark: expected a number, got ${JSON.stringify(v)}`);
  return n;
}
function optNum(v: unknown, i = 0): number | null {
  return value(v, i) === undefined ? null : num(v, i);
}

/** secondsToMs turns tshark's "3148461.567000000" (seconds) into exact milliseconds. */
export function secondsToMs(text: string): number {
  const [whole, frac = ''] = text.split('.');
  return Number(whole) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** absoluteMs parses tshark's "Nov 14, 2023 22:13:22.064000000 UTC" (tshark runs with TZ=UTC). */
export function absoluteMs(text: string): number {
  const m = /^(\w{3}) +(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?: UTC)?$/.exec(text);
  if (m === null || !MONTHS.includes(m[1]!)) throw new Error(`tshark: unexpected time "${text}"`);
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  return Date.UTC(Number(m[3]), MONTHS.indexOf(m[1]!), Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]), ms);
}

/** runTshark dissects datagrams sent to `port` as `dissector` and returns tshark's JSON packets. */
export function runTshark(datagrams: readonly Uint8Array[], dissector: 'cflow' | 'sflow', port: number): Json[] {
  requireTool('tshark', TSHARK);
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-tshark-'));
  try {
    const file = join(dir, 'flows.pcap');
    const loopback = Uint8Array.from([127, 0, 0, 1]);
    writeFileSync(
      file,
      writePcap(
        datagrams.map((payload, i) => ({
          source: loopback,
          destination: loopback,
          sourcePort: 40000,
          destinationPort: port,
          timestamp: 1_700_000_000_000 + i,
          payload,
        })),
      ),
    );
    const r = spawnSync(TSHARK, ['-n', '-r', file, '-T', 'json', '--no-duplicate-keys', '-d', `udp.port==${port},${dissector}`], {
      encoding: 'utf8',
      maxBuffer: 512 << 20,
      env: { ...process.env, TZ: 'UTC' },
    });
    if (r.status !== 0) throw new Error(`tshark failed (${r.status}): ${r.stderr}`);
    return (JSON.parse(r.stdout) as Array<{ _source: { layers: Json } }>).map((p) => p._source.layers);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// NetFlow state carried across datagrams: the IPFIX systemInitTime from
// options data, for records whose times are relative to the exporter's boot.
interface CflowState {
  sysInitMs: number | null;
}

/**
 * tsharkNetflow decodes NetFlow v5/v9/IPFIX datagrams with tshark and
 * returns their flow records, in datagram order. Options data records
 * (no addresses) are not flows: only their systemInitTime is kept.
 */
export function tsharkNetflow(datagrams: readonly Uint8Array[], port = 2055): TsharkFlow[] {
  const out: TsharkFlow[] = [];
  const state: CflowState = { sysInitMs: null };
  runTshark(datagrams, 'cflow', port).forEach((layers, i) => {
    const cflow = layers.cflow;
    if (cflow === undefined) throw new Error(`tshark: datagram ${i} not dissected as NetFlow`);
    // tshark gives an array when one frame holds several PDUs.
    for (const pdu of Array.isArray(cflow) ? (cflow as Json[]) : [cflow as Json]) cflowRecords(pdu, i + 1, state, out);
  });
  return out;
}

function cflowRecords(pdu: Json, frame: number, state: CflowState, out: TsharkFlow[]): void {
  const version = num(pdu['cflow.version']);
  const header = (pdu['cflow.timestamp_tree'] ?? {}) as Json;
  // v5 and v9: record times are sysUptime values, made absolute with the
  // header's clock: export time - (sysUptime - time), modulo 2^32 ms.
  let headerMs: number | null = null;
  let uptimeMs: number | null = null;
  if (version === 5 || version === 9) {
    headerMs = num(header['cflow.unix_secs']) * 1000;
    if (header['cflow.unix_nsecs'] !== undefined) headerMs += Math.floor(num(header['cflow.unix_nsecs']) / 1e6);
    uptimeMs = secondsToMs(String(pdu['cflow.sysuptime']));
  }
  const relative = (text: unknown): number => {
    const t = secondsToMs(String(text));
    if (headerMs !== null && uptimeMs !== null) return headerMs - ((uptimeMs - t) >>> 0);
    if (state.sysInitMs === null) throw new Error(`tshark: frame ${frame}: relative flow time before any systemInitTime`);
    return state.sysInitMs + t;
  };
  const records: Json[] = [];
  for (const [k, v] of Object.entries(pdu)) {
    if (k.startsWith('pdu ')) records.push(v as Json); // v5
    if (!(k.startsWith('FlowSet ') || k.startsWith('Set ')) || k.includes('Template')) continue;
    for (const [rk, rv] of Object.entries(v as Json)) if (rk.startsWith('Flow ')) records.push(rv as Json);
  }
  for (const r of records) {
    if (r['cflow.sys_init_time'] !== undefined) state.sysInitMs = absoluteMs(String(r['cflow.sys_init_time']));
    const src = r['cflow.srcaddr'] ?? r['cflow.srcaddrv6'];
    const dst = r['cflow.dstaddr'] ?? r['cflow.dstaddrv6'];
    if (src === undefined || dst === undefined) continue; // options data
    const times = (r['cflow.timedelta_tree'] ?? {}) as Json;
    let startMs: number | null = null;
    let endMs: number | null = null;
    if (times['cflow.abstimestart'] !== undefined) {
      startMs = absoluteMs(String(times['cflow.abstimestart']));
      endMs = absoluteMs(String(times['cflow.abstimeend']));
    } else if (times['cflow.timestart'] !== undefined) {
      startMs = relative(times['cflow.timestart']);
      endMs = relative(times['cflow.timeend']);
    }
    const icmp = (n: number): [number | null, number | null] => {
      const tc = r['cflow.icmp_type_code_ipv4'] ?? r['cflow.icmp_type_code_ipv6'];
      if (tc !== undefined) return value(tc, n) === undefined ? [null, null] : [num(tc, n) >> 8, num(tc, n) & 0xff];
      if (r['cflow.icmp_ipv6_type'] !== undefined) return [optNum(r['cflow.icmp_ipv6_type'], n), optNum(r['cflow.icmp_ipv6_code'], n)];
      return [null, null];
    };
    const [icmpType, icmpCode] = icmp(0);
    const biflow = Array.isArray(r['cflow.octets']);
    const [revType, revCode] = icmp(1);
    out.push({
      frame,
      version,
      src: String(value(src)),
      dst: String(value(dst)),
      proto: num(r['cflow.protocol']),
      srcPort: optNum(r['cflow.srcport']) ?? 0,
      dstPort: optNum(r['cflow.dstport']) ?? 0,
      icmpType,
      icmpCode,
      tcpFlags: optNum(r['cflow.tcpflags']),
      bytes: num(r['cflow.octets'] ?? r['cflow.octets64']),
      packets: num(r['cflow.packets'] ?? r['cflow.packets64']),
      inIf: optNum(r['cflow.inputint']) ?? 0,
      outIf: optNum(r['cflow.outputint']) ?? 0,
      startMs,
      endMs,
      reverse: biflow
        ? {
            bytes: num(r['cflow.octets'], 1),
            packets: num(r['cflow.packets'], 1),
            tcpFlags: optNum(r['cflow.tcpflags'], 1),
            icmpType: revType,
            icmpCode: revCode,
          }
        : null,
      samplingRate: null,
    });
  }
}

// sFlow interface values: format in the top 2 bits (0: ifIndex, 1: packet
// discarded, 2: several interfaces), 0x3fffffff is "unknown" (sFlow v5 §5).
function sflowInterface(v: number): number {
  return v >>> 30 === 0 && v !== 0x3fffffff ? v : 0;
}

/**
 * tsharkSflow decodes sFlow v5 datagrams with tshark and returns one record
 * per flow sample with a sampled header: addresses, protocol and ports from
 * the header, frame length as bytes, one packet, rate and interfaces from
 * the sample.
 */
export function tsharkSflow(datagrams: readonly Uint8Array[], port = 6343): TsharkFlow[] {
  const out: TsharkFlow[] = [];
  runTshark(datagrams, 'sflow', port).forEach((layers, i) => {
    const sflow = layers.sflow as Json | undefined;
    if (sflow === undefined) throw new Error(`tshark: datagram ${i} not dissected as sFlow`);
    for (const [k, v] of Object.entries(sflow)) {
      if (!k.startsWith('Flow sample') && !k.startsWith('Expanded flow sample')) continue;
      const s = v as Json;
      const header = s['Raw packet header'] as Json | undefined;
      if (header === undefined) continue;
      const tree = header['sflow_245.header_tree'] as Json;
      const ip = (tree.ip ?? tree.ipv6) as Json | undefined;
      if (ip === undefined) continue;
      const v4 = tree.ip !== undefined;
      const proto = num(v4 ? ip['ip.proto'] : ip['ipv6.nxt']);
      const l4 = (tree.tcp ?? tree.udp) as Json | undefined;
      const icmp = (tree.icmp ?? tree.icmpv6) as Json | undefined;
      let outIf: number;
      const tree2 = s['sflow.flow_sample.output_interface_tree'] as Json | undefined;
      if (tree2 !== undefined) {
        const format = num(tree2['sflow.flow_sample.output_interface_format']);
        const val = num(tree2['sflow.flow_sample.output_interface_value']);
        outIf = format === 0 && val !== 0x3fffffff ? val : 0;
      } else {
        outIf = sflowInterface(num(s['sflow.flow_sample.output_interface']));
      }
      out.push({
        frame: i + 1,
        version: num(sflow['sflow_245.version']),
        src: String(v4 ? ip['ip.src'] : ip['ipv6.src']),
        dst: String(v4 ? ip['ip.dst'] : ip['ipv6.dst']),
        proto,
        srcPort: l4 === undefined ? 0 : num(l4['tcp.srcport'] ?? l4['udp.srcport']),
        dstPort: l4 === undefined ? 0 : num(l4['tcp.dstport'] ?? l4['udp.dstport']),
        icmpType: icmp === undefined ? null : num(icmp['icmp.type'] ?? icmp['icmpv6.type']),
        icmpCode: icmp === undefined ? null : num(icmp['icmp.code'] ?? icmp['icmpv6.code']),
        tcpFlags: tree.tcp === undefined ? null : num((tree.tcp as Json)['tcp.flags']),
        bytes: num(header['sflow_245.header.frame_length']),
        packets: 1,
        inIf: sflowInterface(num(s['sflow.flow_sample.input_interface'])),
        outIf,
        startMs: null,
        endMs: null,
        reverse: null,
        samplingRate: num(s['sflow.flow_sample.sampling_rate']),
      });
    }
  });
  return out;
}
