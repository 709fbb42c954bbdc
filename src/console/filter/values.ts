// SPDX-License-Identifier: AGPL-3.0-only
// Parsers for the values of the filter language. Each returns null when the
// text is not a valid value, so that the caller reports where it is.
import { formatIP as formatAddress, isIPv4Mapped, parseIP } from '../../common/helpers/ip.ts';

/** Subnet is an IP subnet as 16 bytes (IPv4 as IPv4-mapped IPv6) and a prefix length over 128 bits. */
export interface Subnet {
  /** first is the lowest address of the subnet (host bits cleared). */
  first: Uint8Array;
  /** last is the highest address of the subnet. */
  last: Uint8Array;
  /** bits is the prefix length over the 128-bit IPv6 address (IPv4 /24 is 120). */
  bits: number;
  /** v4 tells whether it was written as IPv4. */
  v4: boolean;
}

/** parseSubnet reads `192.0.2.1`, `192.0.2.0/24`, `2001:db8::1` or `2001:db8::/32`; host bits are cleared. */
export function parseSubnet(text: string): Subnet | null {
  const slash = text.indexOf('/');
  // Zone identifiers (fe80::1%eth0) mean nothing in a flow.
  const bytes = text.includes('%') ? null : parseIP(slash < 0 ? text : text.slice(0, slash));
  if (bytes === null) return null;
  const addr = { bytes, v4: !text.includes(':') };
  const max = addr.v4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(l) || Number(l) > max) return null;
    len = Number(l);
  }
  const bits = addr.v4 ? 96 + len : len;
  const first = new Uint8Array(16);
  const last = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - 8 * i));
    const mask = (0xff << (8 - keep)) & 0xff;
    first[i] = addr.bytes[i]! & mask;
    last[i] = first[i]! | (~mask & 0xff);
  }
  return { first, last, bits, v4: addr.v4 };
}

/**
 * formatIP renders 16 bytes as ClickHouse prints an IPv6: RFC 5952, with
 * IPv4-mapped addresses as `::ffff:192.0.2.1`.
 */
export function formatIP(bytes: Uint8Array): string {
  return isIPv4Mapped(bytes, 0) ? `::ffff:${formatAddress(bytes)}` : formatAddress(bytes);
}

/** formatPrefix renders a subnet as the SrcNetPrefix/DstNetPrefix columns do: `192.0.2.0/24`, `2001:db8::/32`. */
export function formatPrefix(s: Subnet): string {
  // IPv4 written as ::ffff:192.0.2.0/120 prints as IPv4 too.
  if (s.bits >= 96 && isIPv4Mapped(s.first, 0)) return `${s.first.slice(12).join('.')}/${s.bits - 96}`;
  return `${formatIP(s.first)}/${s.bits}`;
}

/** parseUint reads a decimal integer between 0 and `max`. */
export function parseUint(text: string, max: bigint): bigint | null {
  if (!/^[0-9]{1,20}$/.test(text)) return null;
  const n = BigInt(text);
  return n <= max ? n : null;
}

/** parseASN reads `AS65000`, `as65000` or `65000` (32-bit AS numbers, RFC 6793). */
export function parseASN(text: string): number | null {
  const n = parseUint(/^as/i.test(text) ? text.slice(2) : text, 0xffff_ffffn);
  return n === null ? null : Number(n);
}

/** parseMAC reads `00:11:22:aa:bb:cc`, `00-11-22-AA-BB-CC` or `0011.22aa.bbcc` into the 48-bit number the MAC columns store. */
export function parseMAC(text: string): number | null {
  let hex: string;
  if (/^[0-9a-f]{2}([:-])(?:[0-9a-f]{2}\1){4}[0-9a-f]{2}$/i.test(text)) hex = text.replace(/[:-]/g, '');
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(text)) hex = text.replace(/\./g, '');
  else return null;
  return parseInt(hex, 16);
}

/**
 * PROTOCOLS maps IANA protocol keywords to their numbers (IANA "Assigned
 * Internet Protocol Numbers" registry; names lower-cased, as in
 * /etc/protocols).
 */
export const PROTOCOLS: ReadonlyMap<string, number> = new Map([
  ['hopopt', 0], ['icmp', 1], ['igmp', 2], ['ggp', 3], ['ipv4', 4], ['ipip', 4], ['st', 5], ['tcp', 6],
  ['egp', 8], ['igp', 9], ['pup', 12], ['udp', 17], ['hmp', 20], ['xns-idp', 22], ['rdp', 27], ['iso-tp4', 29],
  ['dccp', 33], ['xtp', 36], ['ddp', 37], ['idpr-cmtp', 38], ['ipv6', 41], ['ipv6-route', 43], ['ipv6-frag', 44],
  ['idrp', 45], ['rsvp', 46], ['gre', 47], ['esp', 50], ['ah', 51], ['skip', 57], ['icmpv6', 58], ['ipv6-icmp', 58],
  ['ipv6-nonxt', 59], ['ipv6-opts', 60], ['rspf', 73], ['vmtp', 81], ['eigrp', 88], ['ospf', 89], ['ospfigp', 89],
  ['ax.25', 93], ['ipip-old', 94], ['etherip', 97], ['encap', 98], ['pim', 103], ['ipcomp', 108], ['vrrp', 112],
  ['l2tp', 115], ['isis', 124], ['sctp', 132], ['fc', 133], ['mobility-header', 135], ['udplite', 136],
  ['mpls-in-ip', 137], ['manet', 138], ['hip', 139], ['shim6', 140], ['wesp', 141], ['rohc', 142], ['ethernet', 143],
]);

/** parseProto reads a protocol keyword of PROTOCOLS (any case) or a number from 0 to 255. */
export function parseProto(text: string): number | null {
  const named = PROTOCOLS.get(text.toLowerCase());
  if (named !== undefined) return named;
  const n = parseUint(text, 255n);
  return n === null ? null : Number(n);
}

/** ETYPES maps the EType keywords to EtherType values (IEEE 802 numbers). */
export const ETYPES: ReadonlyMap<string, number> = new Map([
  ['ipv4', 0x0800],
  ['ipv6', 0x86dd],
]);
