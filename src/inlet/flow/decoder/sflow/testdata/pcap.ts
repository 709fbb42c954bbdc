// SPDX-License-Identifier: AGPL-3.0-only
// A tiny pcap writer: each payload becomes an Ethernet/IPv4/UDP frame, so
// that tools like tshark can read datagrams built by tests.

const LINKTYPE_ETHERNET = 1;

function ipChecksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (b[off + i]! << 8) | b[off + i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/**
 * pcapUDP returns a pcap file (microsecond timestamps, Ethernet link type)
 * holding one UDP datagram per payload, from 192.0.2.100:50000 to
 * 192.0.2.1 on `port`.
 */
export function pcapUDP(payloads: Uint8Array[], port: number): Uint8Array {
  const size = 24 + payloads.reduce((n, p) => n + 16 + 42 + p.length, 0);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  // Global header, little-endian.
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setInt32(8, 0, true); // thiszone
  view.setUint32(12, 0, true); // sigfigs
  view.setUint32(16, 65535, true); // snaplen
  view.setUint32(20, LINKTYPE_ETHERNET, true);
  let off = 24;
  payloads.forEach((payload, n) => {
    const frame = 42 + payload.length;
    view.setUint32(off, 1_700_000_000 + n, true);
    view.setUint32(off + 4, 0, true);
    view.setUint32(off + 8, frame, true);
    view.setUint32(off + 12, frame, true);
    off += 16;
    const f = off;
    out.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00], f);
    // IPv4 header.
    out[f + 14] = 0x45;
    view.setUint16(f + 16, 20 + 8 + payload.length);
    view.setUint16(f + 18, n & 0xffff);
    out[f + 22] = 64;
    out[f + 23] = 17;
    out.set([192, 0, 2, 100, 192, 0, 2, 1], f + 26);
    view.setUint16(f + 24, ipChecksum(out, f + 14, 20));
    // UDP header, checksum 0 (none).
    view.setUint16(f + 34, 50000);
    view.setUint16(f + 36, port);
    view.setUint16(f + 38, 8 + payload.length);
    out.set(payload, f + 42);
    off += frame;
  });
  return out;
}
