// SPDX-License-Identifier: AGPL-3.0-only
import { BATCH_FULL, type Context, E_LENGTH, E_RECORD, OK } from './context.ts';
import { decodeHeader } from './packet.ts';
import {
  FORMAT_EXTENDED_GATEWAY,
  FORMAT_EXTENDED_ROUTER,
  FORMAT_EXTENDED_SWITCH,
  FORMAT_SAMPLED_ETHERNET,
  FORMAT_SAMPLED_HEADER,
  FORMAT_SAMPLED_IPV4,
  FORMAT_SAMPLED_IPV6,
  decodeExtendedGateway,
  decodeExtendedRouter,
  decodeExtendedSwitch,
  decodeSampledEthernet,
  decodeSampledIPv4,
  decodeSampledIPv6,
} from './records.ts';

/*
 *   typedef unsigned int interface;
 *     The most significant 2 bits give the format of the 30-bit value:
 *       format = 0 single interface: value is the ifIndex; 0x3FFFFFFF means
 *                the packet comes from / goes to the device itself;
 *       format = 1 packet discarded: value is a reason code (0-255 ICMP
 *                unreachable codes, 256 unknown, 257 TTL exceeded, 258 ACL,
 *                259 no buffer space, 260 RED, 261 rate limiting, 262 too big);
 *       format = 2 multiple destination interfaces: value is their number.
 *     Formats 1 and 2 apply only to the output interface.
 *
 *   struct interface_expanded {
 *      unsigned int format;   // as above
 *      unsigned int value;    // 0xFFFFFFFF: originating/terminating in device
 *   }
 *
 *   struct flow_record {
 *      data_format flow_format;   // enterprise (20 bits) | format (12 bits)
 *      opaque flow_data<>;
 *   }
 *
 *   // opaque = sample_data; enterprise = 0; format = 1
 *   struct flow_sample {
 *      unsigned int sequence_number;
 *      sflow_data_source source_id;   // type (8 bits) | index (24 bits)
 *      unsigned int sampling_rate;
 *      unsigned int sample_pool;
 *      unsigned int drops;
 *      interface input;
 *      interface output;
 *      flow_record flow_records<>;
 *   }
 *
 *   // opaque = sample_data; enterprise = 0; format = 3
 *   struct flow_sample_expanded {
 *      unsigned int sequence_number;
 *      sflow_data_source_expanded source_id;  // source_id_type, source_id_index
 *      unsigned int sampling_rate;
 *      unsigned int sample_pool;
 *      unsigned int drops;
 *      interface_expanded input;
 *      interface_expanded output;
 *      flow_record flow_records<>;
 *   }
 *
 * Interfaces map to InIf/OutIf as the ifIndex for format 0 and to 0 for
 * anything else (local, multiple, unknown). A discarded packet (format 1 on
 * output) gets ForwardingStatus 128, "dropped, unknown reason" for IPFIX
 * element 89 forwardingStatus (RFC 7270, IANA registry): sFlow reason
 * codes do not map one to one onto IPFIX drop reasons, so the code itself
 * is not kept.
 */

const IF_SINGLE = 0;
const IF_DISCARDED = 1;
const COMPACT_LOCAL = 0x3fffffff;
const EXPANDED_LOCAL = 0xffffffff;
/** FORWARDING_DROPPED is the IPFIX forwardingStatus "dropped, unknown reason". */
export const FORWARDING_DROPPED = 128;

/**
 * decodeFlowSample turns the flow sample `[off, end)` (compact or expanded)
 * into one row and returns OK, BATCH_FULL or an error slot. Records are
 * located first and applied after, in a fixed order whatever their order in
 * the sample: packet data (the raw header, else the Ethernet/IP data
 * records), then extended switch, router and gateway (so the gateway's BGP
 * next hop wins over the router's next hop). Unknown and vendor records
 * are skipped by their length, and not counted as errors.
 */
export function decodeFlowSample(c: Context, off: number, end: number, expanded: boolean): number {
  const view = c.view;
  const fixed = expanded ? 44 : 32;
  if (end - off < fixed) return E_RECORD;
  let samplingRate: number;
  let inIf: number;
  let outIf: number;
  let discarded = false;
  if (expanded) {
    samplingRate = view.getUint32(off + 12);
    const inFormat = view.getUint32(off + 24);
    const inValue = view.getUint32(off + 28);
    const outFormat = view.getUint32(off + 32);
    const outValue = view.getUint32(off + 36);
    inIf = inFormat === IF_SINGLE && inValue !== EXPANDED_LOCAL ? inValue : 0;
    outIf = outFormat === IF_SINGLE && outValue !== EXPANDED_LOCAL ? outValue : 0;
    discarded = outFormat === IF_DISCARDED;
  } else {
    samplingRate = view.getUint32(off + 8);
    const input = view.getUint32(off + 20);
    const output = view.getUint32(off + 24);
    inIf = input >>> 30 === IF_SINGLE && input !== COMPACT_LOCAL ? input : 0;
    outIf = output >>> 30 === IF_SINGLE && output !== COMPACT_LOCAL ? output : 0;
    discarded = output >>> 30 === IF_DISCARDED;
  }
  const nrecords = view.getUint32(off + fixed - 4);
  off += fixed;
  // Each record takes at least 8 bytes (format and length).
  if (nrecords > (end - off) / 8) return E_LENGTH;

  // Where each record we use sits; -1 when absent. The last one of a kind wins.
  let header = -1;
  let headerEnd = 0;
  let ethernet = -1;
  let ethernetEnd = 0;
  let ipv4 = -1;
  let ipv4End = 0;
  let ipv6 = -1;
  let ipv6End = 0;
  let sw = -1;
  let swEnd = 0;
  let router = -1;
  let routerEnd = 0;
  let gateway = -1;
  let gatewayEnd = 0;
  for (let n = 0; n < nrecords; n++) {
    if (end - off < 8) return E_LENGTH;
    const format = view.getUint32(off);
    const length = view.getUint32(off + 4);
    off += 8;
    if (length > end - off) return E_LENGTH;
    const recordEnd = off + length;
    switch (format) {
      case FORMAT_SAMPLED_HEADER:
        header = off;
        headerEnd = recordEnd;
        break;
      case FORMAT_SAMPLED_ETHERNET:
        ethernet = off;
        ethernetEnd = recordEnd;
        break;
      case FORMAT_SAMPLED_IPV4:
        ipv4 = off;
        ipv4End = recordEnd;
        break;
      case FORMAT_SAMPLED_IPV6:
        ipv6 = off;
        ipv6End = recordEnd;
        break;
      case FORMAT_EXTENDED_SWITCH:
        sw = off;
        swEnd = recordEnd;
        break;
      case FORMAT_EXTENDED_ROUTER:
        router = off;
        routerEnd = recordEnd;
        break;
      case FORMAT_EXTENDED_GATEWAY:
        gateway = off;
        gatewayEnd = recordEnd;
        break;
    }
    // XDR pads opaque data to 4 bytes; a missing pad after the last record
    // only moves `off` past `end`, which the next check catches.
    off = recordEnd + ((4 - (length & 3)) & 3);
  }

  const batch = c.batch;
  if (batch.length >= batch.capacity) return BATCH_FULL;
  const row = batch.begin();
  batch.timeReceived[row] = c.timeReceived;
  batch.samplingRate[row] = samplingRate;
  const at = row * 16;
  const exporter = c.exporterAddress;
  const dst = batch.exporterAddress;
  for (let k = 0; k < 16; k++) dst[at + k] = exporter[k]!;
  batch.inIf[row] = inIf;
  batch.outIf[row] = outIf;
  if (discarded) batch.forwardingStatus[row] = FORWARDING_DROPPED;
  batch.packets[row] = 1;

  let rc = OK;
  if (header >= 0) {
    rc = sampledHeader(c, header, headerEnd, row);
  } else {
    if (ipv4 >= 0) rc = decodeSampledIPv4(c, ipv4, ipv4End, row);
    else if (ipv6 >= 0) rc = decodeSampledIPv6(c, ipv6, ipv6End, row);
    if (rc === OK && ethernet >= 0) rc = decodeSampledEthernet(c, ethernet, ethernetEnd, row);
  }
  if (rc === OK && sw >= 0) rc = decodeExtendedSwitch(c, sw, swEnd, row);
  if (rc === OK && router >= 0) rc = decodeExtendedRouter(c, router, routerEnd, row);
  if (rc === OK && gateway >= 0) rc = decodeExtendedGateway(c, gateway, gatewayEnd, row);
  // On error the row is left uncommitted: the next `begin()` reuses it.
  if (rc !== OK) return rc;
  batch.commit();
  c.rows++;
  c.stats.flows++;
  return OK;
}

/*
 *   struct sampled_header {
 *      header_protocol protocol;  // format of the sampled header
 *      unsigned int frame_length; // original length of the packet; for a
 *                                 // layer 2 protocol, FCS included
 *      unsigned int stripped;     // octets removed before the header<> octets
 *      opaque header<>;           // header bytes
 *   }
 *
 * Bytes is the frame length, Packets is 1: the sampling rate scales both
 * later, as for every sampled flow.
 */
function sampledHeader(c: Context, off: number, end: number, row: number): number {
  if (end - off < 16) return E_RECORD;
  const view = c.view;
  const length = view.getUint32(off + 12);
  if (length > end - off - 16) return E_LENGTH;
  c.batch.bytes[row] = view.getUint32(off + 4);
  decodeHeader(c, view.getUint32(off), off + 16, off + 16 + length, row);
  return OK;
}
