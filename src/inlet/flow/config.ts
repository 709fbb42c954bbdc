// SPDX-License-Identifier: AGPL-3.0-only
import { listOf, type SchemaNode } from '../../common/config/schema.ts';
import { parseSubnet } from '../../common/helpers/subnet.ts';
import type { TimestampSource } from './decoder/root.ts';

/** InputConfiguration is one flow input: a UDP listener or capture files. */
export interface InputConfiguration {
  type: 'udp' | 'file';
  decoder: 'netflow' | 'sflow';
  listen: string;
  workers: number;
  receiveBuffer: number;
  useSrcAddrForExporterAddr: boolean;
  timestampSource: TimestampSource;
  paths: string[];
  loop: boolean;
  maxFlows: number;
}

/** SamplingRateSetting is one rate for every exporter, or rates by exporter subnet. */
export type SamplingRateSetting = number | Record<string, number>;

/** Configuration is the flow section of the inlet. */
export interface Configuration {
  inputs: InputConfiguration[];
  defaultSamplingRate: SamplingRateSetting;
  overrideSamplingRate: SamplingRateSetting;
  rateLimit: number;
}

// samplingRateFormat accepts a non-negative integer or { subnet: positive integer }.
function samplingRateFormat(value: unknown): void {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw new TypeError('expected a non-negative integer');
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('expected a number or a mapping of exporter subnets to numbers');
  }
  for (const [k, v] of Object.entries(value)) {
    if (parseSubnet(k) === null) throw new TypeError(`expected a subnet like 192.0.2.0/24, got "${k}"`);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new TypeError(`${k}: expected a positive integer, got ${JSON.stringify(v)}`);
    }
  }
}

const TIMESTAMP_SOURCES: readonly TimestampSource[] = ['input', 'netflow-packet', 'netflow-first-switched'];

/** inputSchema declares one element of flow.inputs. */
export const inputSchema = {
  type: { doc: 'Input type: "udp" listens for datagrams, "file" replays capture files (pcap, pcapng)', format: ['udp', 'file'], default: 'udp' },
  decoder: { doc: 'Decoder: "netflow" (NetFlow v5, v9 and IPFIX) or "sflow" (sFlow v5)', format: ['netflow', 'sflow'], default: 'netflow' },
  listen: { doc: 'udp: address to listen on, host:port (an empty host listens on every address)', format: 'listen', default: ':2055' },
  workers: {
    doc: 'udp: worker threads, each with its own socket on the same port (the kernel spreads exporters across them)',
    format: 'nat',
    default: 1,
  },
  'receive-buffer': {
    doc: 'udp: socket receive buffer in bytes (capped by net.core.rmem_max; 0 keeps the system default)',
    format: 'size',
    default: 10_485_760,
  },
  'use-src-addr-for-exporter-addr': {
    doc: 'sFlow: use the datagram source address as the exporter address instead of the agent address',
    format: Boolean,
    default: false,
  },
  'timestamp-source': {
    doc: 'Where TimeReceived comes from: "input" (reception time), "netflow-packet" (export time in the header) or "netflow-first-switched" (flow start)',
    format: TIMESTAMP_SOURCES,
    default: 'input',
  },
  paths: { doc: 'file: capture files to replay', format: Array, default: [] as string[] },
  loop: { doc: 'file: replay the files again and again (false: once)', format: Boolean, default: true },
  'max-flows': { doc: 'file: stop after this many flows (0: no limit)', format: 'nat', default: 0 },
} satisfies SchemaNode;

/** schema declares the flow section. */
export const schema = {
  inputs: listOf('Flow inputs', inputSchema, [
    { type: 'udp', decoder: 'netflow', listen: ':2055' },
    { type: 'udp', decoder: 'sflow', listen: ':6343' },
  ]),
  'default-sampling-rate': {
    doc: 'Sampling rate for flows that do not say theirs: a number, or a mapping of exporter subnets to numbers (0: none, such flows are dropped)',
    format: samplingRateFormat,
    freeform: true,
    default: 0 as SamplingRateSetting,
  },
  'override-sampling-rate': {
    doc: 'Sampling rate replacing the one flows say: a number, or a mapping of exporter subnets to numbers (0: no override)',
    format: samplingRateFormat,
    freeform: true,
    default: 0 as SamplingRateSetting,
  },
  'rate-limit': {
    doc: 'Maximum flows per second kept for each exporter (0: no limit); the sampling rate of kept flows is scaled up to compensate',
    format: 'nat',
    default: 0,
  },
} satisfies SchemaNode;
