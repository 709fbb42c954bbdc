// SPDX-License-Identifier: AGPL-3.0-only
import { BATCH_FULL, type Context, E_LENGTH, E_RECORD, E_SHORT, E_UNSUPPORTED, E_VERSION, OK } from './context.ts';
import { ADDRESS_IPV4, ADDRESS_IPV6, ADDRESS_UNKNOWN } from './records.ts';
import { decodeFlowSample } from './sample.ts';

/*
 * sFlow version 5 datagram (https://sflow.org/sflow_version_5.txt), in XDR:
 * big-endian 32-bit words, variable-length arrays and opaque data prefixed
 * by their length and padded to 4 bytes.
 *
 *   struct sample_datagram_v5 {
 *      address agent_address;         // IP address of the sampling agent
 *      unsigned int sub_agent_id;     // distinguishes datagram streams
 *      unsigned int sequence_number;  // per sub-agent
 *      unsigned int uptime;           // milliseconds since the device booted
 *      sample_record samples<>;
 *   }
 *
 *   union sample_datagram_type (datagram_version version) {
 *      case VERSION5: sample_datagram_v5 datagram;
 *   }
 *
 *   struct sample_record {
 *      data_format sample_type;       // enterprise (20 bits) | format (12 bits)
 *      opaque sample_data<>;
 *   }
 *
 * Sample formats of enterprise 0: 1 flow_sample, 2 counters_sample,
 * 3 flow_sample_expanded, 4 counters_sample_expanded.
 */

const VERSION5 = 5;
const SAMPLE_FLOW = 1;
const SAMPLE_COUNTERS = 2;
const SAMPLE_FLOW_EXPANDED = 3;
const SAMPLE_COUNTERS_EXPANDED = 4;

/**
 * SFlowExporterState is what the decoder keeps per exporter, from the last
 * datagram: the agent address (16 bytes, IPv4 mapped; zero when unknown) and
 * the header counters. Informational: flows carry the exporter's source
 * address, not the agent address.
 */
export class SFlowExporterState {
  readonly agentAddress: Uint8Array;
  subAgentId: number;
  sequence: number;
  uptime: number;

  constructor() {
    this.agentAddress = new Uint8Array(16);
    this.subAgentId = 0;
    this.sequence = 0;
    this.uptime = 0;
  }
}

/**
 * decodeDatagram decodes the datagram `c` was reset to: header, then each
 * sample. A broken header rejects the datagram; a broken sample is counted
 * and skipped when its length still tells where the next one starts. Rows
 * of the samples before an unrecoverable error are kept.
 */
export function decodeDatagram(c: Context, state: SFlowExporterState): void {
  const stats = c.stats;
  const view = c.view;
  const end = c.end;
  stats.datagrams++;
  if (end < 8) {
    stats.errors[E_SHORT]!++;
    return;
  }
  if (view.getUint32(0) !== VERSION5) {
    stats.errors[E_VERSION]!++;
    return;
  }
  const addressType = view.getUint32(4);
  let off = 8;
  const agent = state.agentAddress;
  if (addressType === ADDRESS_IPV4) {
    off += 4;
  } else if (addressType === ADDRESS_IPV6) {
    off += 16;
  } else if (addressType !== ADDRESS_UNKNOWN) {
    stats.errors[E_RECORD]!++;
    return;
  }
  if (end - off < 16) {
    stats.errors[E_SHORT]!++;
    return;
  }
  const bytes = c.bytes;
  if (addressType === ADDRESS_IPV4) {
    for (let k = 0; k < 10; k++) agent[k] = 0;
    agent[10] = 0xff;
    agent[11] = 0xff;
    for (let k = 0; k < 4; k++) agent[12 + k] = bytes[8 + k]!;
  } else if (addressType === ADDRESS_IPV6) {
    for (let k = 0; k < 16; k++) agent[k] = bytes[8 + k]!;
  } else {
    agent.fill(0);
  }
  state.subAgentId = view.getUint32(off);
  state.sequence = view.getUint32(off + 4);
  state.uptime = view.getUint32(off + 8);
  const samples = view.getUint32(off + 12);
  off += 16;
  // Each sample takes at least 8 bytes (type and length): a count that
  // cannot fit is a lie, not a truncation worth decoding.
  if (samples > (end - off) / 8) {
    stats.errors[E_LENGTH]!++;
    return;
  }
  for (let n = 0; n < samples; n++) {
    if (end - off < 8) {
      stats.errors[E_SHORT]!++;
      return;
    }
    const type = view.getUint32(off);
    const length = view.getUint32(off + 4);
    off += 8;
    if (length > end - off) {
      stats.errors[E_LENGTH]!++;
      return;
    }
    const sampleEnd = off + length;
    let rc = OK;
    // Enterprise 0 (standard structures) leaves `type` equal to the format.
    switch (type) {
      case SAMPLE_FLOW:
        rc = decodeFlowSample(c, off, sampleEnd, false);
        break;
      case SAMPLE_FLOW_EXPANDED:
        rc = decodeFlowSample(c, off, sampleEnd, true);
        break;
      case SAMPLE_COUNTERS:
      case SAMPLE_COUNTERS_EXPANDED:
        stats.counterSamples++;
        break;
      default:
        rc = E_UNSUPPORTED;
    }
    if (rc !== OK) {
      // A full batch without `onFull` cannot take more rows: stop here.
      if (rc === BATCH_FULL) return;
      stats.errors[rc]!++;
    }
    off = sampleEnd + ((4 - (length & 3)) & 3);
  }
}
