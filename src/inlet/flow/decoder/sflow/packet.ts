// SPDX-License-Identifier: AGPL-3.0-only
import { MAX_MPLS_LABELS } from '../../batch.ts';
import { type Context, readMAC, writeIPv4, writeIPv6 } from './context.ts';

/*
 * The raw packet header record carries the first bytes of the sampled
 * packet (usually 128), as seen on the wire:
 *
 *   enum header_protocol {
 *      ETHERNET-ISO88023    = 1,
 *      ...
 *      IPv4                 = 11,
 *      IPv6                 = 12,
 *      MPLS                 = 13,
 *      ...
 *   }
 *
 * The header is cut anywhere, so every layer below parses what fits and
 * stops quietly: a short header is normal, not an error.
 */

/** HEADER_ETHERNET is the header_protocol of an Ethernet (ISO 8802-3) frame. */
export const HEADER_ETHERNET = 1;
/** HEADER_IPV4 is the header_protocol of a bare IPv4 packet. */
export const HEADER_IPV4 = 11;
/** HEADER_IPV6 is the header_protocol of a bare IPv6 packet. */
export const HEADER_IPV6 = 12;
/** HEADER_MPLS is the header_protocol of a bare MPLS label stack. */
export const HEADER_MPLS = 13;

/** ETYPE_IPV4 is the EtherType of IPv4. */
export const ETYPE_IPV4 = 0x0800;
/** ETYPE_IPV6 is the EtherType of IPv6. */
export const ETYPE_IPV6 = 0x86dd;
const ETYPE_VLAN = 0x8100; // IEEE 802.1Q customer tag
const ETYPE_QINQ = 0x88a8; // IEEE 802.1ad service tag
const ETYPE_QINQ_OLD = 0x9100; // pre-standard stacked tag, still seen
const ETYPE_MPLS = 0x8847;
const ETYPE_MPLS_MULTICAST = 0x8848;

const PROTO_ICMP = 1;
const PROTO_TCP = 6;
const PROTO_UDP = 17;
const PROTO_ICMPV6 = 58;
const PROTO_SCTP = 132;
const PROTO_UDPLITE = 136;

// IPv6 extension headers walked to reach the transport header (RFC 8200 §4).
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_AH = 51; // length in 4-octet units minus 2 (RFC 4302)
const IPV6_DEST_OPTIONS = 60;
const MAX_IPV6_EXTENSIONS = 8;

/** decodeHeader parses the sampled header `[off, end)` of the given protocol into `row`. */
export function decodeHeader(c: Context, protocol: number, off: number, end: number, row: number): void {
  switch (protocol) {
    case HEADER_ETHERNET:
      decodeEthernet(c, off, end, row);
      return;
    case HEADER_IPV4:
      decodeIPv4(c, off, end, row);
      return;
    case HEADER_IPV6:
      decodeIPv6(c, off, end, row);
      return;
    case HEADER_MPLS:
      decodeMPLS(c, off, end, row);
      return;
  }
}

/*
 * Ethernet II, with any number of 802.1Q/802.1ad tags before the EtherType:
 *
 *   dst MAC (6) | src MAC (6) | [TPID (2) | TCI (2)]* | EtherType (2) | payload
 *
 * The outermost VLAN ID (low 12 bits of the first TCI) becomes SrcVlan.
 */
function decodeEthernet(c: Context, off: number, end: number, row: number): void {
  if (end - off < 14) return;
  const view = c.view;
  const batch = c.batch;
  batch.dstMAC[row] = readMAC(view, off);
  batch.srcMAC[row] = readMAC(view, off + 6);
  let etype = view.getUint16(off + 12);
  off += 14;
  let tagged = false;
  while (etype === ETYPE_VLAN || etype === ETYPE_QINQ || etype === ETYPE_QINQ_OLD) {
    if (end - off < 4) return;
    if (!tagged) {
      batch.srcVlan[row] = view.getUint16(off) & 0x0fff;
      tagged = true;
    }
    etype = view.getUint16(off + 2);
    off += 4;
  }
  decodeEtherType(c, etype, off, end, row);
}

function decodeEtherType(c: Context, etype: number, off: number, end: number, row: number): void {
  switch (etype) {
    case ETYPE_IPV4:
      decodeIPv4(c, off, end, row);
      return;
    case ETYPE_IPV6:
      decodeIPv6(c, off, end, row);
      return;
    case ETYPE_MPLS:
    case ETYPE_MPLS_MULTICAST:
      decodeMPLS(c, off, end, row);
      return;
    default:
      // Below 0x0600 the field is an IEEE 802.3 length, not an EtherType.
      if (etype >= 0x0600) c.batch.eType[row] = etype;
  }
}

/*
 * MPLS label stack entries (RFC 3032), outermost first:
 *
 *   label (20) | traffic class (3) | bottom of stack (1) | TTL (8)
 *
 * MPLS does not say what follows the bottom of the stack: the first nibble
 * of the payload (the IP version) decides between IPv4 and IPv6.
 */
function decodeMPLS(c: Context, off: number, end: number, row: number): void {
  const view = c.view;
  const batch = c.batch;
  const base = row * MAX_MPLS_LABELS;
  let count = 0;
  for (;;) {
    if (end - off < 4) {
      batch.mplsCount[row] = count;
      return;
    }
    const entry = view.getUint32(off);
    off += 4;
    if (count < MAX_MPLS_LABELS) batch.mplsLabels[base + count++] = entry >>> 12;
    if ((entry & 0x100) !== 0) break;
  }
  batch.mplsCount[row] = count;
  if (off >= end) return;
  const version = c.bytes[off]! >>> 4;
  if (version === 4) decodeIPv4(c, off, end, row);
  else if (version === 6) decodeIPv6(c, off, end, row);
}

/*
 * IPv4 header (RFC 791):
 *
 *   version (4) | IHL (4) | TOS (8) | total length (16)
 *   identification (16)  | flags (3) | fragment offset (13)
 *   TTL (8) | protocol (8) | header checksum (16)
 *   source address (32)
 *   destination address (32)
 *   options (IHL * 4 - 20)
 *
 * Only the first fragment (offset 0) carries the transport header.
 */
function decodeIPv4(c: Context, off: number, end: number, row: number): void {
  const batch = c.batch;
  batch.eType[row] = ETYPE_IPV4;
  if (end - off < 20) return;
  const bytes = c.bytes;
  const b0 = bytes[off]!;
  if (b0 >>> 4 !== 4) return;
  const view = c.view;
  const at = row * 16;
  batch.ipTos[row] = bytes[off + 1]!;
  batch.ipFragmentID[row] = view.getUint16(off + 4);
  const fragment = view.getUint16(off + 6) & 0x1fff;
  batch.ipFragmentOffset[row] = fragment;
  batch.ipTTL[row] = bytes[off + 8]!;
  const proto = bytes[off + 9]!;
  batch.proto[row] = proto;
  writeIPv4(batch.srcAddr, at, bytes, off + 12);
  writeIPv4(batch.dstAddr, at, bytes, off + 16);
  const ihl = (b0 & 0x0f) * 4;
  if (fragment !== 0 || ihl < 20) return;
  decodeTransport(c, proto, off + ihl, end, row);
}

/*
 * IPv6 header (RFC 8200):
 *
 *   version (4) | traffic class (8) | flow label (20)
 *   payload length (16) | next header (8) | hop limit (8)
 *   source address (128)
 *   destination address (128)
 *
 * followed by extension headers. The fragment header is
 *
 *   next header (8) | reserved (8) | fragment offset (13) | res (2) | M (1)
 *   identification (32)
 */
function decodeIPv6(c: Context, off: number, end: number, row: number): void {
  const batch = c.batch;
  batch.eType[row] = ETYPE_IPV6;
  if (end - off < 40) return;
  const view = c.view;
  const bytes = c.bytes;
  const first = view.getUint32(off);
  if (first >>> 28 !== 6) return;
  const at = row * 16;
  batch.ipTos[row] = (first >>> 20) & 0xff;
  batch.ipv6FlowLabel[row] = first & 0xfffff;
  let next = bytes[off + 6]!;
  batch.ipTTL[row] = bytes[off + 7]!;
  writeIPv6(batch.srcAddr, at, bytes, off + 8);
  writeIPv6(batch.dstAddr, at, bytes, off + 24);
  off += 40;
  for (let n = 0; n < MAX_IPV6_EXTENSIONS; n++) {
    if (next === IPV6_HOP_BY_HOP || next === IPV6_ROUTING || next === IPV6_DEST_OPTIONS) {
      if (end - off < 2) break;
      next = bytes[off]!;
      off += (bytes[off + 1]! + 1) * 8;
    } else if (next === IPV6_AH) {
      if (end - off < 2) break;
      next = bytes[off]!;
      off += (bytes[off + 1]! + 2) * 4;
    } else if (next === IPV6_FRAGMENT) {
      if (end - off < 8) break;
      next = bytes[off]!;
      const fragment = view.getUint16(off + 2) >>> 3;
      batch.ipFragmentOffset[row] = fragment;
      batch.ipFragmentID[row] = view.getUint32(off + 4);
      off += 8;
      if (fragment !== 0) {
        batch.proto[row] = next;
        return;
      }
    } else {
      break;
    }
  }
  batch.proto[row] = next;
  decodeTransport(c, next, off, end, row);
}

/*
 * Transport headers: TCP (RFC 9293) and UDP/SCTP/UDP-Lite start with the
 * source and destination ports; TCP has its flags in bytes 12-13 (data
 * offset (4) | reserved (3) | AE/NS (1) | CWR ECE URG ACK PSH RST SYN FIN);
 * ICMP and ICMPv6 start with type (8) and code (8).
 */
function decodeTransport(c: Context, proto: number, off: number, end: number, row: number): void {
  const left = end - off;
  const batch = c.batch;
  if (proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP || proto === PROTO_UDPLITE) {
    if (left < 4) return;
    batch.srcPort[row] = c.view.getUint16(off);
    batch.dstPort[row] = c.view.getUint16(off + 2);
    if (proto === PROTO_TCP && left >= 14) batch.tcpFlags[row] = c.view.getUint16(off + 12) & 0x0fff;
  } else if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
    if (left < 2) return;
    batch.icmpType[row] = c.bytes[off]!;
    batch.icmpCode[row] = c.bytes[off + 1]!;
  }
}
