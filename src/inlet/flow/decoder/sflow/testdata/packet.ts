// SPDX-License-Identifier: AGPL-3.0-only
// Serializes packets (Ethernet, 802.1Q/802.1ad tags, MPLS, IPv4/IPv6,
// TCP/UDP/ICMP) and XDR items, for the sFlow datagram builder.
import { parseIP } from '../../../../../common/helpers/ip.ts';

/** Packet describes a sampled packet to serialize as a raw header. */
export interface Packet {
  /** ethernet adds an Ethernet header (default true). */
  ethernet?: boolean;
  srcMAC?: number;
  dstMAC?: number;
  /** vlans are VLAN IDs, outermost first; with two or more, the outer tag uses TPID 0x88a8. */
  vlans?: number[];
  /** mpls are labels, outermost first. */
  mpls?: number[];
  /** etherType overrides the EtherType after the tags (a non-IP packet when ipVersion is 0). */
  etherType?: number;
  ipVersion: 4 | 6 | 0;
  srcAddr?: string;
  dstAddr?: string;
  proto?: number;
  ttl?: number;
  tos?: number;
  flowLabel?: number;
  fragmentID?: number;
  /** fragmentOffset is in 8-byte units (the 13-bit field). */
  fragmentOffset?: number;
  moreFragments?: boolean;
  /** ipv6Fragment adds an IPv6 fragment header (uses fragmentID/fragmentOffset). */
  ipv6Fragment?: boolean;
  /** ipv6HopByHop adds an empty hop-by-hop options header. */
  ipv6HopByHop?: boolean;
  srcPort?: number;
  dstPort?: number;
  tcpFlags?: number;
  icmpType?: number;
  icmpCode?: number;
  /** payload is the number of bytes after the transport header. */
  payload?: number;
}

/** XDRWriter appends XDR items to a growing buffer. */
export class XDRWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private grow(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** u32 appends an unsigned int. */
  u32(v: number): this {
    this.grow(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
    return this;
  }

  /** u16 appends a 16-bit big-endian value (for packet headers). */
  u16(v: number): this {
    this.grow(2);
    this.view.setUint16(this.length, v & 0xffff);
    this.length += 2;
    return this;
  }

  /** u8 appends one byte (for packet headers). */
  u8(v: number): this {
    this.grow(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  /** raw appends bytes as they are. */
  raw(b: Uint8Array): this {
    this.grow(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** pad appends zeros up to a multiple of 4. */
  pad(): this {
    while (this.length % 4 !== 0) this.u8(0);
    return this;
  }

  /** opaque appends a variable-length opaque: length, bytes, padding. */
  opaque(b: Uint8Array): this {
    return this.u32(b.length).raw(b).pad();
  }

  /** mac appends a 48-bit MAC address as 6 bytes. */
  mac(v: number): this {
    return this.u16(Math.floor(v / 0x100000000)).u32(v % 0x100000000);
  }

  /** address appends an sFlow address (type and bytes). */
  address(text: string | null): this {
    if (text === null) return this.u32(0);
    const ip = parseIP(text);
    if (ip === null) throw new TypeError(`address: expected an IP address, got "${text}"`);
    if (!text.includes(':')) return this.u32(1).raw(ip.subarray(12));
    return this.u32(2).raw(ip);
  }

  /** bytes returns a copy of what was written. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** ipBytes returns the 4 (IPv4) or 16 bytes of an address. */
export function ipBytes(text: string, v6: boolean): Uint8Array {
  const ip = parseIP(text);
  if (ip === null) throw new TypeError(`address: expected an IP address, got "${text}"`);
  return v6 ? ip : ip.subarray(12);
}

function checksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function transport(p: Packet): Uint8Array {
  const w = new XDRWriter();
  const proto = p.proto ?? 0;
  if (proto === 6) {
    w.u16(p.srcPort ?? 0).u16(p.dstPort ?? 0).u32(1000).u32(2000);
    const flags = p.tcpFlags ?? 0x10;
    w.u16((5 << 12) | (flags & 0x0fff)).u16(65535).u16(0).u16(0);
  } else if (proto === 17 || proto === 132 || proto === 136) {
    w.u16(p.srcPort ?? 0).u16(p.dstPort ?? 0).u16(8 + (p.payload ?? 0)).u16(0);
    if (proto === 132) w.u32(0).u32(0);
  } else if (proto === 1 || proto === 58) {
    w.u8(p.icmpType ?? 8).u8(p.icmpCode ?? 0).u16(0).u32(0);
  }
  for (let i = 0; i < (p.payload ?? 0); i++) w.u8(i);
  return w.bytes();
}

/** buildPacket serializes a packet description: Ethernet, tags, MPLS, IP, transport. */
export function buildPacket(p: Packet): Uint8Array {
  const w = new XDRWriter();
  const fragmented = (p.fragmentOffset ?? 0) !== 0;
  const l4 = fragmented ? new Uint8Array(p.payload ?? 0) : transport(p);
  let ip = new Uint8Array(0);
  if (p.ipVersion === 4) {
    const h = new XDRWriter();
    const flags = ((p.moreFragments ?? false) ? 0x2000 : 0) | ((p.fragmentOffset ?? 0) & 0x1fff);
    h.u8(0x45).u8(p.tos ?? 0).u16(20 + l4.length).u16(p.fragmentID ?? 0).u16(flags);
    h.u8(p.ttl ?? 64).u8(p.proto ?? 0).u16(0);
    h.raw(ipBytes(p.srcAddr ?? '0.0.0.0', false)).raw(ipBytes(p.dstAddr ?? '0.0.0.0', false));
    const header = h.bytes();
    const sum = checksum(header);
    header[10] = sum >>> 8;
    header[11] = sum & 0xff;
    ip = new Uint8Array([...header, ...l4]);
  } else if (p.ipVersion === 6) {
    const ext = new XDRWriter();
    let next = p.proto ?? 59;
    if (p.ipv6Fragment === true) {
      const fo = ((p.fragmentOffset ?? 0) << 3) | ((p.moreFragments ?? false) ? 1 : 0);
      ext.u8(next).u8(0).u16(fo).u32(p.fragmentID ?? 0);
      next = 44;
    }
    if (p.ipv6HopByHop === true) {
      // Pad1/PadN options filling 6 bytes after next header and length.
      const before = ext.bytes();
      const hbh = new XDRWriter().u8(next).u8(0).u8(1).u8(4).u32(0);
      ext.length = 0;
      ext.raw(hbh.bytes()).raw(before);
      next = 0;
    }
    const payload = new Uint8Array([...ext.bytes(), ...l4]);
    const h = new XDRWriter();
    h.u32((6 << 28) | ((p.tos ?? 0) << 20) | ((p.flowLabel ?? 0) & 0xfffff));
    h.u16(payload.length).u8(next).u8(p.ttl ?? 64);
    h.raw(ipBytes(p.srcAddr ?? '::', true)).raw(ipBytes(p.dstAddr ?? '::', true));
    ip = new Uint8Array([...h.bytes(), ...payload]);
  } else {
    ip = new Uint8Array(28).fill(0xaa);
  }
  if (p.mpls !== undefined && p.mpls.length > 0) {
    const m = new XDRWriter();
    p.mpls.forEach((label, i) => {
      const bos = i === p.mpls!.length - 1 ? 0x100 : 0;
      m.u32(((label & 0xfffff) << 12) | bos | 64);
    });
    ip = new Uint8Array([...m.bytes(), ...ip]);
  }
  if (p.ethernet === false) return ip;
  w.mac(p.dstMAC ?? 0x020000000002).mac(p.srcMAC ?? 0x020000000001);
  const vlans = p.vlans ?? [];
  vlans.forEach((vlan, i) => {
    w.u16(vlans.length > 1 && i === 0 ? 0x88a8 : 0x8100).u16(vlan & 0x0fff);
  });
  let etype = p.etherType;
  if (etype === undefined) {
    if (p.mpls !== undefined && p.mpls.length > 0) etype = 0x8847;
    else etype = p.ipVersion === 4 ? 0x0800 : p.ipVersion === 6 ? 0x86dd : 0x0806;
  }
  w.u16(etype).raw(ip);
  return w.bytes();
}
