// SPDX-License-Identifier: AGPL-3.0-only
import { type Context, E_RECORD, OK, clearIPv4, readMAC, writeIPv4, writeIPv6 } from './context.ts';
import { ETYPE_IPV4, ETYPE_IPV6 } from './packet.ts';

// Flow record formats (enterprise 0) from sflow_version_5.txt.
/** FORMAT_SAMPLED_HEADER is the raw packet header record. */
export const FORMAT_SAMPLED_HEADER = 1;
/** FORMAT_SAMPLED_ETHERNET is the Ethernet frame data record. */
export const FORMAT_SAMPLED_ETHERNET = 2;
/** FORMAT_SAMPLED_IPV4 is the IPv4 data record. */
export const FORMAT_SAMPLED_IPV4 = 3;
/** FORMAT_SAMPLED_IPV6 is the IPv6 data record. */
export const FORMAT_SAMPLED_IPV6 = 4;
/** FORMAT_EXTENDED_SWITCH is the extended switch data record. */
export const FORMAT_EXTENDED_SWITCH = 1001;
/** FORMAT_EXTENDED_ROUTER is the extended router data record. */
export const FORMAT_EXTENDED_ROUTER = 1002;
/** FORMAT_EXTENDED_GATEWAY is the extended gateway data record. */
export const FORMAT_EXTENDED_GATEWAY = 1003;

/** ADDRESS_UNKNOWN is the address_type of an absent address (no bytes follow). */
export const ADDRESS_UNKNOWN = 0;
/** ADDRESS_IPV4 is the address_type of a 4-byte address. */
export const ADDRESS_IPV4 = 1;
/** ADDRESS_IPV6 is the address_type of a 16-byte address. */
export const ADDRESS_IPV6 = 2;

/*
 *   enum address_type { UNKNOWN = 0, IP_V4 = 1, IP_V6 = 2 }
 *   union address (address_type type) {
 *      case UNKNOWN: void;
 *      case IP_V4:   ip_v4;      (opaque[4])
 *      case IP_V6:   ip_v6;      (opaque[16])
 *   }
 */

/**
 * readAddress copies the sFlow address at `off` into `dst` at `at` (left
 * untouched for UNKNOWN) and returns the offset after it, or -1 when the
 * type is unknown or the address does not fit before `end`.
 */
export function readAddress(c: Context, off: number, end: number, dst: Uint8Array, at: number): number {
  if (end - off < 4) return -1;
  const type = c.view.getUint32(off);
  off += 4;
  if (type === ADDRESS_IPV4) {
    if (end - off < 4) return -1;
    // The router and gateway records both give a next hop, maybe not of the same family.
    clearIPv4(dst, at);
    writeIPv4(dst, at, c.bytes, off);
    return off + 4;
  }
  if (type === ADDRESS_IPV6) {
    if (end - off < 16) return -1;
    writeIPv6(dst, at, c.bytes, off);
    return off + 16;
  }
  return type === ADDRESS_UNKNOWN ? off : -1;
}

/*
 *   typedef opaque mac[6];        (XDR pads it to 8 bytes)
 *
 *   struct sampled_ethernet {
 *        unsigned int length;   // MAC packet length, FCS included
 *        mac src_mac;
 *        mac dst_mac;
 *        unsigned int type;     // Ethernet packet type
 *   }
 */

/** decodeSampledEthernet applies an Ethernet frame data record; it keeps an EtherType already set by an IP record. */
export function decodeSampledEthernet(c: Context, off: number, end: number, row: number): number {
  if (end - off < 24) return E_RECORD;
  const view = c.view;
  const batch = c.batch;
  const length = view.getUint32(off);
  if (length !== 0) batch.bytes[row] = length;
  batch.srcMAC[row] = readMAC(view, off + 4);
  batch.dstMAC[row] = readMAC(view, off + 12);
  if (batch.eType[row] === 0) batch.eType[row] = view.getUint32(off + 20) & 0xffff;
  return OK;
}

/*
 *   struct sampled_ipv4 {
 *      unsigned int length;     // IP packet length
 *      unsigned int protocol;   // IP protocol type
 *      ip_v4 src_ip;
 *      ip_v4 dst_ip;
 *      unsigned int src_port;
 *      unsigned int dst_port;
 *      unsigned int tcp_flags;
 *      unsigned int tos;
 *   }
 *
 *   struct sampled_ipv6 {
 *      unsigned int length;
 *      unsigned int protocol;   // IP next header
 *      ip_v6 src_ip;
 *      ip_v6 dst_ip;
 *      unsigned int src_port;
 *      unsigned int dst_port;
 *      unsigned int tcp_flags;
 *      unsigned int priority;   // IP priority (traffic class)
 *   }
 */

/** decodeSampledIPv4 applies an IPv4 data record. */
export function decodeSampledIPv4(c: Context, off: number, end: number, row: number): number {
  if (end - off < 32) return E_RECORD;
  const batch = c.batch;
  const at = row * 16;
  writeIPv4(batch.srcAddr, at, c.bytes, off + 8);
  writeIPv4(batch.dstAddr, at, c.bytes, off + 12);
  sampledIP(c, off, off + 16, row, ETYPE_IPV4);
  return OK;
}

/** decodeSampledIPv6 applies an IPv6 data record. */
export function decodeSampledIPv6(c: Context, off: number, end: number, row: number): number {
  if (end - off < 56) return E_RECORD;
  const batch = c.batch;
  const at = row * 16;
  writeIPv6(batch.srcAddr, at, c.bytes, off + 8);
  writeIPv6(batch.dstAddr, at, c.bytes, off + 24);
  sampledIP(c, off, off + 40, row, ETYPE_IPV6);
  return OK;
}

// sampledIP writes the fields shared by both IP data records; `ports` is
// where src_port starts.
function sampledIP(c: Context, off: number, ports: number, row: number, etype: number): void {
  const view = c.view;
  const batch = c.batch;
  batch.bytes[row] = view.getUint32(off);
  batch.proto[row] = view.getUint32(off + 4) & 0xff;
  batch.eType[row] = etype;
  batch.srcPort[row] = view.getUint32(ports) & 0xffff;
  batch.dstPort[row] = view.getUint32(ports + 4) & 0xffff;
  batch.tcpFlags[row] = view.getUint32(ports + 8) & 0xffff;
  batch.ipTos[row] = view.getUint32(ports + 12) & 0xff;
}

/*
 *   struct extended_switch {
 *      unsigned int src_vlan;     // 802.1Q VLAN id of incoming frame
 *      unsigned int src_priority; // 802.1p priority of incoming frame
 *      unsigned int dst_vlan;     // 802.1Q VLAN id of outgoing frame
 *      unsigned int dst_priority; // 802.1p priority of outgoing frame
 *   }
 */

/** decodeExtendedSwitch sets the VLANs; a zero src_vlan keeps the one read from the header. */
export function decodeExtendedSwitch(c: Context, off: number, end: number, row: number): number {
  if (end - off < 16) return E_RECORD;
  const view = c.view;
  const src = view.getUint32(off) & 0x0fff;
  const dst = view.getUint32(off + 8) & 0x0fff;
  if (src !== 0) c.batch.srcVlan[row] = src;
  if (dst !== 0) c.batch.dstVlan[row] = dst;
  return OK;
}

/*
 *   typedef next_hop address;
 *
 *   struct extended_router {
 *      next_hop nexthop;            // IP address of next hop router
 *      unsigned int src_mask_len;   // source address prefix mask (bits)
 *      unsigned int dst_mask_len;   // destination address prefix mask (bits)
 *   }
 */

/** decodeExtendedRouter sets the next hop and the source and destination masks. */
export function decodeExtendedRouter(c: Context, off: number, end: number, row: number): number {
  const batch = c.batch;
  off = readAddress(c, off, end, batch.nextHop, row * 16);
  if (off < 0 || end - off < 8) return E_RECORD;
  const src = c.view.getUint32(off);
  const dst = c.view.getUint32(off + 4);
  // A mask is at most 128 bits: anything larger is not a mask length.
  if (src > 128 || dst > 128) return E_RECORD;
  batch.srcNetMask[row] = src;
  batch.dstNetMask[row] = dst;
  return OK;
}

/*
 *   enum as_path_segment_type { AS_SET = 1, AS_SEQUENCE = 2 }
 *   union as_path_type (as_path_segment_type) {
 *      case AS_SET:      unsigned int as_set<>;
 *      case AS_SEQUENCE: unsigned int as_sequence<>;
 *   }
 *
 *   struct extended_gateway {
 *      next_hop nexthop;           // border router for the destination
 *      unsigned int as;            // AS of the router
 *      unsigned int src_as;        // AS of the source
 *      unsigned int src_peer_as;   // AS of the source peer
 *      as_path_type dst_as_path<>; // AS path to the destination
 *      unsigned int communities<>;
 *      unsigned int localpref;
 *   }
 */

/**
 * decodeExtendedGateway sets the next hop, SrcAS (src_as) and DstAS: the
 * last AS of the first path segment, the origin of the destination for a
 * plain AS_SEQUENCE. An empty path leaves DstAS at 0 ("unknown"), so that
 * the enrichment's other AS providers fill it in. Communities and localpref
 * are not read.
 */
export function decodeExtendedGateway(c: Context, off: number, end: number, row: number): number {
  const batch = c.batch;
  const view = c.view;
  off = readAddress(c, off, end, batch.nextHop, row * 16);
  if (off < 0 || end - off < 16) return E_RECORD;
  batch.srcAS[row] = view.getUint32(off + 4);
  const segments = view.getUint32(off + 12);
  off += 16;
  if (segments === 0) return OK;
  // Each segment takes at least 8 bytes (type and count).
  if (segments > (end - off) / 8) return E_RECORD;
  const count = view.getUint32(off + 4);
  off += 8;
  if (count > (end - off) / 4) return E_RECORD;
  if (count > 0) batch.dstAS[row] = view.getUint32(off + (count - 1) * 4);
  return OK;
}
