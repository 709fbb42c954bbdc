// SPDX-License-Identifier: AGPL-3.0-only
import { formatIP } from '../../../common/helpers/ip.ts';

/*
 * Capture files, for the file input: classic pcap (any byte order, micro- or
 * nanosecond timestamps) and pcapng (section header, interface description,
 * enhanced and simple packet blocks). Link types: Ethernet (1, with 802.1Q
 * tags), BSD loopback (0), raw IP (101, 228, 229), Linux cooked v1 (113) and
 * v2 (276). Only unfragmented UDP over IPv4 or IPv6 is kept.
 *
 * pcap global header (24 bytes): magic 0xa1b2c3d4 (µs) or 0xa1b23c4d (ns),
 * version 2.4, thiszone, sigfigs, snaplen, linktype; then per record:
 * ts_sec, ts_frac, incl_len, orig_len (16 bytes) and the frame.
 */

/** UDPDatagram is one UDP payload found in a capture file. */
export interface UDPDatagram {
  /** source is the sender's address as text (IPv4 dotted, IPv6 compressed). */
  source: string;
  sourcePort: number;
  destinationPort: number;
  /** timestamp is the capture time in milliseconds since the epoch. */
  timestamp: number;
  payload: Uint8Array;
}

/** CaptureError tells why a capture file cannot be read. */
export class CaptureError extends Error {
  override name = 'CaptureError';
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = [0x8100, 0x88a8, 0x9100];

/**
 * readCapture returns every UDP datagram of a pcap or pcapng file. It throws
 * a CaptureError for an unknown format and stops quietly at a truncated
 * record (captures cut short are common).
 */
export function readCapture(data: Uint8Array): UDPDatagram[] {
  if (data.length < 4) throw new CaptureError('file too short to be a capture');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const magicBE = dv.getUint32(0, false);
  if (magicBE === 0x0a0d0d0a) return readPcapng(data, dv);
  for (const le of [true, false]) {
    const magic = dv.getUint32(0, le);
    if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) return readPcap(data, dv, le, magic === 0xa1b23c4d);
  }
  throw new CaptureError(`not a pcap or pcapng file (magic 0x${magicBE.toString(16).padStart(8, '0')})`);
}

function readPcap(data: Uint8Array, dv: DataView, le: boolean, nano: boolean): UDPDatagram[] {
  if (data.length < 24) throw new CaptureError('pcap header truncated');
  const linktype = dv.getUint32(20, le) & 0xffff;
  const out: UDPDatagram[] = [];
  let off = 24;
  while (off + 16 <= data.length) {
    const sec = dv.getUint32(off, le);
    const frac = dv.getUint32(off + 4, le);
    const incl = dv.getUint32(off + 8, le);
    off += 16;
    if (off + incl > data.length) break;
    const ts = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    parseFrame(data.subarray(off, off + incl), linktype, ts, out);
    off += incl;
  }
  return out;
}

/*
 * pcapng blocks: type (4), total length (4), body, total length (4). Section
 * header 0x0a0d0d0a carries the byte-order magic 0x1a2b3c4d; interface
 * description (1) gives the link type and if_tsresol option (9); enhanced
 * packet (6): interface id, timestamp high/low, captured and original
 * lengths, data; simple packet (3): original length, data (interface 0).
 */
function readPcapng(data: Uint8Array, dv: DataView): UDPDatagram[] {
  const out: UDPDatagram[] = [];
  let le = true;
  let interfaces: Array<{ linktype: number; unitsPerMs: number }> = [];
  let off = 0;
  while (off + 12 <= data.length) {
    const type = dv.getUint32(off, le);
    if (type === 0x0a0d0d0a) {
      le = dv.getUint32(off + 8, true) === 0x1a2b3c4d;
      interfaces = [];
    }
    const len = dv.getUint32(off + 4, le);
    if (len < 12 || off + len > data.length) break;
    const body = off + 8;
    if (type === 1 && len >= 20) {
      let unitsPerMs = 1000; // microseconds by default
      let o = body + 8;
      while (o + 4 <= off + len - 4) {
        const code = dv.getUint16(o, le);
        const olen = dv.getUint16(o + 2, le);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = data[o + 4]!;
          const units = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** (v & 0x7f);
          unitsPerMs = units / 1000;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      interfaces.push({ linktype: dv.getUint16(body, le), unitsPerMs });
    } else if (type === 6 && len >= 32) {
      const iface = interfaces[dv.getUint32(body, le)];
      const ts = dv.getUint32(body + 4, le) * 2 ** 32 + dv.getUint32(body + 8, le);
      const caplen = dv.getUint32(body + 12, le);
      if (iface !== undefined && body + 20 + caplen <= off + len) {
        parseFrame(data.subarray(body + 20, body + 20 + caplen), iface.linktype, ts / iface.unitsPerMs, out);
      }
    } else if (type === 3 && len >= 16) {
      const iface = interfaces[0];
      const caplen = Math.min(dv.getUint32(body, le), len - 16);
      if (iface !== undefined) parseFrame(data.subarray(body + 4, body + 4 + caplen), iface.linktype, 0, out);
    }
    off += len;
  }
  return out;
}

// parseFrame finds the network layer of a frame and keeps UDP payloads.
function parseFrame(frame: Uint8Array, linktype: number, ts: number, out: UDPDatagram[]): void {
  let off: number;
  let ethertype: number;
  switch (linktype) {
    case 1: {
      if (frame.length < 14) return;
      off = 12;
      ethertype = (frame[off]! << 8) | frame[off + 1]!;
      off += 2;
      while (ETHERTYPE_VLAN.includes(ethertype) && off + 4 <= frame.length) {
        ethertype = (frame[off + 2]! << 8) | frame[off + 3]!;
        off += 4;
      }
      break;
    }
    case 0: // BSD loopback: 4-byte address family in host order
      off = 4;
      ethertype = ipVersion(frame, off);
      break;
    case 101:
    case 228:
    case 229:
      off = 0;
      ethertype = ipVersion(frame, off);
      break;
    case 113:
      if (frame.length < 16) return;
      off = 16;
      ethertype = (frame[14]! << 8) | frame[15]!;
      break;
    case 276:
      if (frame.length < 20) return;
      off = 20;
      ethertype = (frame[0]! << 8) | frame[1]!;
      break;
    default:
      return;
  }
  parseIP(frame, off, ethertype, ts, out);
}

function ipVersion(frame: Uint8Array, off: number): number {
  if (off >= frame.length) return 0;
  const v = frame[off]! >> 4;
  return v === 4 ? ETHERTYPE_IPV4 : v === 6 ? ETHERTYPE_IPV6 : 0;
}

function parseIP(frame: Uint8Array, off: number, ethertype: number, ts: number, out: UDPDatagram[]): void {
  let source: string;
  let l4: number;
  let end: number;
  if (ethertype === ETHERTYPE_IPV4) {
    if (off + 20 > frame.length) return;
    const ihl = (frame[off]! & 0x0f) * 4;
    const total = (frame[off + 2]! << 8) | frame[off + 3]!;
    const fragment = ((frame[off + 6]! << 8) | frame[off + 7]!) & 0x3fff;
    if (frame[off + 9] !== 17 || fragment !== 0 || ihl < 20) return;
    const mapped = new Uint8Array(16);
    mapped[10] = 0xff;
    mapped[11] = 0xff;
    mapped.set(frame.subarray(off + 12, off + 16), 12);
    source = formatIP(mapped);
    l4 = off + ihl;
    end = Math.min(frame.length, off + total);
  } else if (ethertype === ETHERTYPE_IPV6) {
    if (off + 40 > frame.length) return;
    if (frame[off + 6] !== 17) return; // no extension headers
    source = formatIP(frame, off + 8);
    l4 = off + 40;
    end = Math.min(frame.length, l4 + ((frame[off + 4]! << 8) | frame[off + 5]!));
  } else {
    return;
  }
  if (l4 + 8 > end) return;
  const udpLen = (frame[l4 + 4]! << 8) | frame[l4 + 5]!;
  const payloadEnd = Math.min(end, l4 + Math.max(udpLen, 8));
  out.push({
    source,
    sourcePort: (frame[l4]! << 8) | frame[l4 + 1]!,
    destinationPort: (frame[l4 + 2]! << 8) | frame[l4 + 3]!,
    timestamp: ts,
    payload: frame.subarray(l4 + 8, payloadEnd),
  });
}

/**
 * writePcap writes UDP datagrams into a classic pcap file (Ethernet,
 * microseconds) with IPv4 or IPv6 headers built around each payload: tests
 * feed such files to tshark, softflowd and the file input.
 */
export function writePcap(
  datagrams: ReadonlyArray<{ source: Uint8Array; destination: Uint8Array; sourcePort: number; destinationPort: number; timestamp: number; payload: Uint8Array }>,
): Uint8Array {
  const parts: Uint8Array[] = [];
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b2c3d4, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 262144, true);
  header.setUint32(20, 1, true);
  parts.push(new Uint8Array(header.buffer));
  for (const d of datagrams) {
    const v4 = d.source.length === 4;
    const ipLen = v4 ? 20 : 40;
    const frame = new Uint8Array(14 + ipLen + 8 + d.payload.length);
    const f = new DataView(frame.buffer);
    f.setUint16(12, v4 ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6);
    const udpLen = 8 + d.payload.length;
    if (v4) {
      frame[14] = 0x45;
      f.setUint16(16, 20 + udpLen);
      frame[22] = 64;
      frame[23] = 17;
      frame.set(d.source, 26);
      frame.set(d.destination, 30);
      let sum = 0;
      for (let i = 14; i < 34; i += 2) sum += f.getUint16(i);
      while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
      f.setUint16(24, ~sum & 0xffff);
    } else {
      frame[14] = 0x60;
      f.setUint16(18, udpLen);
      frame[20] = 17;
      frame[21] = 64;
      frame.set(d.source, 22);
      frame.set(d.destination, 38);
    }
    const l4 = 14 + ipLen;
    f.setUint16(l4, d.sourcePort);
    f.setUint16(l4 + 2, d.destinationPort);
    f.setUint16(l4 + 4, udpLen);
    frame.set(d.payload, l4 + 8);
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(0, Math.floor(d.timestamp / 1000), true);
    rec.setUint32(4, Math.round((d.timestamp % 1000) * 1000), true);
    rec.setUint32(8, frame.length, true);
    rec.setUint32(12, frame.length, true);
    parts.push(new Uint8Array(rec.buffer), frame);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
