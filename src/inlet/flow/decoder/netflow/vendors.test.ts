// SPDX-License-Identifier: AGPL-3.0-only
//
// Vendor datagrams from logstash-codec-netflow's test suite (see the README
// of the test vectors): every file is decoded in its spec context, and every
// expected value that maps to a FlowBatch column is compared with a row.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FlowBatch } from '../../batch.ts';
import { formatIP, parseIP } from '../../../../common/helpers/ip.ts';
import { DECODE_ERRORS, Exporter } from '../root.ts';
import { NetFlowDecoder } from './root.ts';
import { NetFlowState, samplingRateOf } from './templates.ts';
import { rowOf } from './testdata/rows.ts';

const DIR = new URL('../../../../../../shared/testdata/netflow-vendors/', import.meta.url);
const EXPORTER = '192.0.2.42';

interface Expected {
  event_index: number;
  file_event_index: number;
  set_id?: number;
  fields: Record<string, unknown>;
  raw_for_rendered?: Record<string, unknown>;
}

interface Entry {
  file: string;
  netflow_version: number;
  datagrams: number;
  needs_templates_from: string[];
  domain_id: number | null;
  options_template_ids: number[];
  data_records: number | null;
  expected: Expected[];
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Entry[];
const byFile = new Map(manifest.map((e) => [e.file, e]));

// Rows beyond one per data record: RFC 5103 reverse rows of YAF biflows
// (reversePacketTotalCount > 0 in the one record of each file).
const REVERSE_ROWS: Record<string, number> = {
  'ipfix_test_yaf_data45841.dat': 1,
  'ipfix_test_yaf_data45873.dat': 1,
};

/** splitDatagrams cuts a file into datagrams: v5 by header count, IPFIX by length, v9 whole. */
function splitDatagrams(buf: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const version = (buf[0]! << 8) | buf[1]!;
  let p = 0;
  while (p < buf.length) {
    let n = buf.length - p;
    if (version === 5) {
      const count = (buf[p + 2]! << 8) | buf[p + 3]!;
      if (count <= 30) n = Math.min(n, 24 + count * 48);
    } else if (version === 10) {
      const len = (buf[p + 2]! << 8) | buf[p + 3]!;
      if (len >= 16) n = Math.min(n, len);
    }
    out.push(buf.subarray(p, p + n));
    p += n;
  }
  return out;
}

const payload = (file: string): Uint8Array => new Uint8Array(readFileSync(new URL(`payloads/${file}`, DIR)));

// Expected columns of a row, from Logstash field names (netflow.yaml for v5/v9, IANA names for IPFIX).
type Row = Record<string, number | string>;

function first(fields: Record<string, unknown>, ...names: string[]): unknown {
  for (const n of names) if (fields[n] !== undefined) return fields[n];
  return undefined;
}

function isZeroAddress(a: unknown): boolean {
  return a === '0.0.0.0' || a === '::';
}

function macValue(s: string): number {
  return parseInt(s.replaceAll(':', ''), 16);
}

function ntpMs(v: { ntp_seconds: number; ntp_fraction: number }): number {
  return (v.ntp_seconds - 2208988800) * 1000 + Math.floor((v.ntp_fraction * 1000) / 4294967296);
}

function addressColumn(row: Row, column: string, v4: unknown, v6: unknown): void {
  if (v4 !== undefined && v6 !== undefined) {
    if (!isZeroAddress(v4)) row[column] = v4 as string;
    else if (!isZeroAddress(v6)) row[column] = v6 as string;
  } else if (v4 !== undefined || v6 !== undefined) {
    row[column] = (v4 ?? v6) as string;
  }
}

/** expectedRow maps an expected event to column values; `sampling` is the rate from options events. */
function expectedRow(e: Expected, sampling: number | undefined, sysInit: number | undefined): Row {
  const f = e.fields;
  const raw = e.raw_for_rendered ?? {};
  const row: Row = {};
  addressColumn(row, 'srcAddr', first(f, 'ipv4_src_addr', 'sourceIPv4Address'), first(f, 'ipv6_src_addr', 'sourceIPv6Address'));
  addressColumn(row, 'dstAddr', first(f, 'ipv4_dst_addr', 'destinationIPv4Address'), first(f, 'ipv6_dst_addr', 'destinationIPv6Address'));
  const nh4 = first(f, 'ipv4_next_hop', 'ipNextHopIPv4Address');
  const nh6 = first(f, 'ipv6_next_hop', 'ipNextHopIPv6Address');
  if (nh4 !== undefined || nh6 !== undefined) addressColumn(row, 'nextHop', nh4, nh6);
  else {
    const bgp4 = first(f, 'bgp_ipv4_next_hop', 'bgpNextHopIPv4Address');
    addressColumn(row, 'nextHop', bgp4, first(f, 'bgp_ipv6_next_hop', 'bgpNextHopIPv6Address'));
  }
  addressColumn(row, 'srcAddrNAT', first(f, 'xlate_src_addr_ipv4', 'postNATSourceIPv4Address'), undefined);
  addressColumn(row, 'dstAddrNAT', first(f, 'xlate_dst_addr_ipv4', 'postNATDestinationIPv4Address'), undefined);
  const numeric: Array<[string, string[]]> = [
    ['srcPort', ['l4_src_port', 'sourceTransportPort']],
    ['dstPort', ['l4_dst_port', 'destinationTransportPort']],
    ['srcPortNAT', ['xlate_src_port', 'postNAPTSourceTransportPort']],
    ['dstPortNAT', ['xlate_dst_port', 'postNAPTDestinationTransportPort']],
    ['proto', ['protocol', 'protocolIdentifier']],
    ['srcNetMask', ['src_mask', 'sourceIPv4PrefixLength', 'ipv6_src_mask', 'sourceIPv6PrefixLength']],
    ['dstNetMask', ['dst_mask', 'destinationIPv4PrefixLength', 'ipv6_dst_mask', 'destinationIPv6PrefixLength']],
    ['srcAS', ['src_as', 'bgpSourceAsNumber']],
    ['dstAS', ['dst_as', 'bgpDestinationAsNumber']],
    ['flowDirection', ['direction', 'flowDirection']],
    ['tcpFlags', ['tcp_flags', 'tcpControlBits']],
    ['ipTos', ['src_tos', 'ipClassOfService']],
  ];
  for (const [column, names] of numeric) {
    const v = first(f, ...names);
    if (v !== undefined) row[column] = v as number;
  }
  const inIf = first(f, 'input_snmp', 'ingressInterface') ?? first(f, 'ingressPhysicalInterface');
  if (inIf !== undefined) row.inIf = inIf as number;
  const outIf = first(f, 'output_snmp', 'egressInterface') ?? first(f, 'egressPhysicalInterface');
  if (outIf !== undefined) row.outIf = outIf as number;
  const vlan = first(f, 'src_vlan', 'vlanId') ?? first(f, 'dot1qVlanId');
  if (vlan !== undefined) row.srcVlan = (vlan as number) & 0xfff;
  const dstVlan = first(f, 'dst_vlan', 'postVlanId') ?? first(f, 'postDot1qVlanId');
  if (dstVlan !== undefined) row.dstVlan = (dstVlan as number) & 0xfff;
  const srcMac = first(f, 'in_src_mac', 'sourceMacAddress') ?? first(f, 'out_src_mac', 'postSourceMacAddress');
  if (srcMac !== undefined) row.srcMAC = macValue(srcMac as string);
  const dstMac = first(f, 'in_dst_mac', 'destinationMacAddress') ?? first(f, 'out_dst_mac', 'postDestinationMacAddress');
  if (dstMac !== undefined) row.dstMAC = macValue(dstMac as string);
  // Counters: IN (delta) when non-zero, else OUT, else totals, else ASA's forward counters.
  const counter = (main: string[], out: string[], total: string[], fwd: string[]): number | undefined => {
    const m = first(f, ...main) as number | undefined;
    const o = first(f, ...out) as number | undefined;
    if (m !== undefined) return m === 0 && o !== undefined ? o : m;
    if (o !== undefined) return o;
    return (first(f, ...total) ?? first(f, ...fwd)) as number | undefined;
  };
  const bytes = counter(
    ['in_bytes', 'octetDeltaCount'],
    ['out_bytes', 'postOctetDeltaCount'],
    ['in_permanent_bytes', 'octetTotalCount'],
    ['fwd_flow_delta_bytes', 'initiatorOctets'],
  );
  if (bytes !== undefined) row.bytes = bytes;
  const packets = counter(
    ['in_pkts', 'packetDeltaCount'],
    ['out_pkts', 'postPacketDeltaCount'],
    ['in_permanent_pkts', 'packetTotalCount'],
    ['initiatorPackets'],
  );
  if (packets !== undefined) row.packets = packets;
  const fs = f.forwarding_status as { status: number; reason: number } | undefined;
  if (fs !== undefined) row.forwardingStatus = (fs.status << 6) | fs.reason;
  const etype = first(f, 'ethernetType');
  const ipVersion = first(f, 'ip_protocol_version', 'ipVersion');
  if (etype !== undefined) row.eType = etype as number;
  else if (ipVersion === 4 || ipVersion === 6) row.eType = ipVersion === 4 ? 0x0800 : 0x86dd;
  // ICMP: explicit fields when non-zero, else the destination port for ICMP flows.
  const icmpFields = ['icmp_type', 'icmp_code', 'icmpTypeCodeIPv4', 'icmpTypeCodeIPv6', 'icmpTypeIPv4', 'icmpCodeIPv4'];
  if (icmpFields.some((n) => f[n] !== undefined)) {
    const tc = (first(f, 'icmpTypeCodeIPv4', 'icmpTypeCodeIPv6') ?? 0) as number;
    row.icmpType = ((first(f, 'icmp_type', 'icmpTypeIPv4') ?? 0) as number) || tc >>> 8;
    row.icmpCode = ((first(f, 'icmp_code', 'icmpCodeIPv4') ?? 0) as number) || tc & 0xff;
  } else if ((row.proto === 1 || row.proto === 58) && row.dstPort !== undefined) {
    row.icmpType = (row.dstPort as number) >>> 8;
    row.icmpCode = (row.dstPort as number) & 0xff;
  }
  // Sampling: the record's interval, the v5 header, or the options seen before.
  const interval = first(f, 'sampling_interval', 'samplingInterval') as number | undefined;
  if (interval !== undefined && interval !== 0) row.samplingRate = interval;
  else if (f.version === 5) row.samplingRate = (interval ?? 0) & 0x3fff;
  else if (sampling !== undefined) row.samplingRate = sampling;
  // Times.
  const secs = (raw['header.unix_secs'] ?? raw['header.export_time']) as number | undefined;
  const uptime = raw['header.sys_uptime_ms'] as number | undefined;
  if (secs !== undefined && uptime !== undefined) {
    const headerMs = secs * 1000 + Math.floor(((raw['header.unix_nsecs'] as number | undefined) ?? 0) / 1e6);
    if (raw.first_switched !== undefined) row.timeFlowStartMs = headerMs - ((uptime - (raw.first_switched as number)) >>> 0);
    if (raw.last_switched !== undefined) row.timeFlowEndMs = headerMs - ((uptime - (raw.last_switched as number)) >>> 0);
  }
  const start = first(raw, 'flowStartMilliseconds') ?? first(f, 'flow_start_msec');
  const end = first(raw, 'flowEndMilliseconds');
  if (start !== undefined) row.timeFlowStartMs = start as number;
  else if (raw.flowStartMicroseconds !== undefined) row.timeFlowStartMs = ntpMs(raw.flowStartMicroseconds as never);
  else if (first(raw, 'flowStartSeconds') ?? first(f, 'flowStartSeconds')) {
    row.timeFlowStartMs = ((first(raw, 'flowStartSeconds') ?? first(f, 'flowStartSeconds')) as number) * 1000;
  } else if (f.flowStartSysUpTime !== undefined && sysInit !== undefined) {
    row.timeFlowStartMs = sysInit + (f.flowStartSysUpTime as number);
  }
  if (end !== undefined) row.timeFlowEndMs = end as number;
  else if (raw.flowEndMicroseconds !== undefined) row.timeFlowEndMs = ntpMs(raw.flowEndMicroseconds as never);
  else if (first(raw, 'flowEndSeconds') ?? first(f, 'flowEndSeconds')) {
    row.timeFlowEndMs = ((first(raw, 'flowEndSeconds') ?? first(f, 'flowEndSeconds')) as number) * 1000;
  } else if (f.flowEndSysUpTime !== undefined && sysInit !== undefined) {
    row.timeFlowEndMs = sysInit + (f.flowEndSysUpTime as number);
  }
  // With timestampSource netflow-first-switched: the flow start, else the header time.
  if (secs !== undefined && Object.keys(row).length > 0) {
    const startMs = row.timeFlowStartMs as number | undefined;
    row.timeReceived = startMs !== undefined && startMs > 0 ? Math.floor(startMs / 1000) : secs;
  }
  return row;
}

const actualRow = (batch: FlowBatch, i: number, columns: string[]): Row => rowOf(batch, i, columns) as Row;

function sameRow(want: Row, got: Row): number {
  let same = 0;
  for (const k of Object.keys(want)) if (want[k] === got[k]) same++;
  return same;
}

const unchecked: string[] = [];
let checkedEvents = 0;

for (const entry of manifest) {
  test(`vendor ${entry.file}`, () => {
    const decoder = new NetFlowDecoder({ timestampSource: 'netflow-first-switched' });
    const exporter = new Exporter(EXPORTER, parseIP(EXPORTER)!);
    const batch = new FlowBatch(65536);
    const context = [...entry.needs_templates_from, entry.file];
    // Options events of the context give the sampling rate and boot time of later data.
    let sampling: number | undefined;
    let sysInit: number | undefined;
    let start = 0;
    let optionsBefore = 0;
    for (const file of context) {
      if (file === entry.file) {
        start = batch.length;
        optionsBefore = exporter.stats.optionsRecords;
      }
      for (const d of splitDatagrams(payload(file))) {
        assert.doesNotThrow(() => decoder.decode(d, exporter, 1_000_000_000, batch));
      }
      if (file === entry.file) break;
      for (const e of byFile.get(file)!.expected) {
        const f = e.fields;
        const rate = (first(f, 'sampling_interval', 'samplingInterval') as number | undefined) ?? undefined;
        if (rate !== undefined && rate !== 0) sampling = rate;
        if (f.systemInitTimeMilliseconds !== undefined) sysInit = f.systemInitTimeMilliseconds as number;
      }
    }
    const rows = batch.length - start;
    const options = exporter.stats.optionsRecords - optionsBefore;
    assert.ok(exporter.stats.datagrams > 0);
    for (let i = 0; i < batch.length; i++) {
      assert.equal(formatIP(batch.exporterAddress, i * 16), EXPORTER);
    }
    // Row count: one per data record, options records give none.
    if (entry.data_records === null) {
      assert.equal(rows, 0, 'invalid file gives no rows');
      assert.ok(exporter.stats.errors.some((x) => x > 0), 'invalid file is counted as an error');
    } else {
      assert.equal(rows + options - (REVERSE_ROWS[entry.file] ?? 0), entry.data_records, `rows ${rows}, options ${options}`);
    }
    const optionIds = new Set(context.flatMap((file) => byFile.get(file)!.options_template_ids));
    for (const e of entry.expected) {
      const f = e.fields;
      const isOptions = e.set_id !== undefined && optionIds.has(e.set_id);
      if (isOptions) {
        // Sampling and boot time announced by options data.
        const version = entry.netflow_version;
        const domainId = entry.domain_id ?? 0;
        const rate = first(f, 'sampling_interval', 'samplingInterval') as number | undefined;
        const packetInterval = f.samplingPacketInterval as number | undefined;
        let checked = false;
        if (rate !== undefined && rate !== 0) {
          assert.equal(samplingRateOf(exporter, version, domainId), rate, `${entry.file}: sampling rate`);
          checked = true;
          sampling = rate;
        } else if (packetInterval !== undefined && packetInterval !== 0) {
          const space = (f.samplingPacketSpace as number | undefined) ?? 0;
          assert.equal(samplingRateOf(exporter, version, domainId), (packetInterval + space) / packetInterval);
          checked = true;
          sampling = (packetInterval + space) / packetInterval;
        }
        if (f.systemInitTimeMilliseconds !== undefined) {
          const state = exporter.state as NetFlowState;
          const domain = (version === 9 ? state.v9 : state.ipfix).get(domainId)!;
          assert.equal(domain.sysInitMs, f.systemInitTimeMilliseconds);
          sysInit = f.systemInitTimeMilliseconds as number;
          checked = true;
        }
        if (checked) checkedEvents++;
        else unchecked.push(`${entry.file}#${e.file_event_index} (options record: nothing we store)`);
        continue;
      }
      if (f.systemInitTimeMilliseconds !== undefined) sysInit = f.systemInitTimeMilliseconds as number;
      const want = expectedRow(e, sampling, sysInit);
      const columns = Object.keys(want).filter((c) => c !== 'timeReceived' && c !== 'samplingRate');
      if (columns.length === 0) {
        unchecked.push(`${entry.file}#${e.file_event_index} (no field maps to a column: ${Object.keys(f).join(' ')})`);
        continue;
      }
      const all = Object.keys(want);
      let best: Row = {};
      let bestScore = -1;
      for (let i = start; i < batch.length; i++) {
        const got = actualRow(batch, i, all);
        const score = sameRow(want, got);
        if (score > bestScore) {
          best = got;
          bestScore = score;
        }
        if (score === all.length) break;
      }
      assert.deepEqual(best, want, `${entry.file}: event ${e.file_event_index} has no matching row`);
      checkedEvents++;
    }
    if (entry.file === 'ipfix_test_yaf_data45841.dat') {
      // The reverse row swaps the endpoints and carries the reverse counters.
      assert.deepEqual(actualRow(batch, start + 1, ['srcAddr', 'dstAddr', 'srcPort', 'dstPort', 'bytes', 'packets']), {
        srcAddr: '172.16.32.100',
        dstAddr: '172.16.32.201',
        srcPort: 53,
        dstPort: 46086,
        bytes: 200,
        packets: 2,
      });
    }
    const errors = DECODE_ERRORS.filter((_, k) => exporter.stats.errors[k]! > 0);
    if (entry.data_records !== null) {
      // Only data sets without any template are expected errors.
      assert.ok(errors.every((k) => k === 'template-not-found'), `unexpected errors ${errors.join(', ')}`);
    }
  });
}

test('vendor summary', (t) => {
  t.diagnostic(`${checkedEvents} expected events checked; ${unchecked.length} not checked`);
  for (const u of unchecked) t.diagnostic(`not checked: ${u}`);
  assert.ok(checkedEvents > 50);
});
