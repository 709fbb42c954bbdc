// SPDX-License-Identifier: AGPL-3.0-only
//
// The headers of a sampled packet, as an sFlow agent copies them: Ethernet
// (IEEE 802.3), IPv4 (RFC 791) or IPv6 (RFC 8200), then TCP (RFC 9293), UDP
// (RFC 768) or ICMP (RFC 792, RFC 4443). Payloads are not copied.
import type { Flow } from './traffic.ts';

function writeMAC(view: DataView, pos: number, mac: number): void {
  view.setUint16(pos, Math.floor(mac / 0x100000000));
  view.setUint32(pos + 2, mac >>> 0);
}

// ipv4Checksum is the one's complement sum of the header's 16-bit words (RFC 1071).
function ipv4Checksum(view: DataView, start: number): number {
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += view.getUint16(start + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * writePacketHeader writes the Ethernet, IP and transport headers of one
 * packet of `f` (IP length `f.packetSize`) at `pos` and returns their
 * length. `id` fills the IPv4 identification and TCP sequence numbers.
 */
export function writePacketHeader(buf: Buffer, view: DataView, pos: number, f: Flow, srcMAC: number, dstMAC: number, id: number): number {
  const start = pos;
  writeMAC(view, pos, dstMAC);
  writeMAC(view, pos + 6, srcMAC);
  view.setUint16(pos + 12, f.ipv6 ? 0x86dd : 0x0800);
  pos += 14;
  let l4Length: number;
  if (f.ipv6) {
    view.setUint32(pos, (6 << 28) | (f.tos << 20) | (id & 0xfffff));
    view.setUint16(pos + 4, f.packetSize - 40);
    view.setUint8(pos + 6, f.proto);
    view.setUint8(pos + 7, f.ttl);
    buf.set(f.src, pos + 8);
    buf.set(f.dst, pos + 24);
    pos += 40;
    l4Length = f.packetSize - 40;
  } else {
    const ip = pos;
    view.setUint8(pos, 0x45);
    view.setUint8(pos + 1, f.tos);
    view.setUint16(pos + 2, f.packetSize);
    view.setUint16(pos + 4, id & 0xffff);
    view.setUint16(pos + 6, 0x4000); // don't fragment
    view.setUint8(pos + 8, f.ttl);
    view.setUint8(pos + 9, f.proto);
    view.setUint16(pos + 10, 0);
    buf.set(f.src.subarray(12, 16), pos + 12);
    buf.set(f.dst.subarray(12, 16), pos + 16);
    view.setUint16(pos + 10, ipv4Checksum(view, ip));
    pos += 20;
    l4Length = f.packetSize - 20;
  }
  if (f.proto === 6) {
    view.setUint16(pos, f.srcPort);
    view.setUint16(pos + 2, f.dstPort);
    view.setUint32(pos + 4, Math.imul(id, 1460) >>> 0);
    view.setUint32(pos + 8, f.tcpFlags & 0x10 ? Math.imul(id, 977) >>> 0 : 0);
    view.setUint8(pos + 12, 5 << 4);
    view.setUint8(pos + 13, f.tcpFlags);
    view.setUint16(pos + 14, 64240);
    view.setUint32(pos + 16, 0); // checksum and urgent pointer
    pos += 20;
  } else if (f.proto === 17) {
    view.setUint16(pos, f.srcPort);
    view.setUint16(pos + 2, f.dstPort);
    view.setUint16(pos + 4, l4Length);
    view.setUint16(pos + 6, 0);
    pos += 8;
  } else {
    view.setUint8(pos, f.icmpType);
    view.setUint8(pos + 1, f.icmpCode);
    view.setUint16(pos + 2, 0);
    view.setUint32(pos + 4, id >>> 0);
    pos += 8;
  }
  return pos - start;
}
