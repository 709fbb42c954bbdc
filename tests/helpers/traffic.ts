// SPDX-License-Identifier: AGPL-3.0-only
// A crafted but realistic traffic capture for real exporters (softflowd,
// pmacctd) to turn into flows: TCP connections with handshake, data and
// teardown, DNS and NTP exchanges, ICMP and ICMPv6 echo, over IPv4 and
// IPv6, between a handful of hosts, with every packet remembered so that
// tests know the totals the exporters must report.
import { parseIP } from '../../src/common/helpers/ip.ts';
// The capture is the same on every run: a seeded PRNG draws it.
import { mulberry32 } from '../../src/inlet/flow/decoder/netflow/testdata/builder.ts';

/** TrafficPacket is one crafted packet, as an exporter should count it. */
export interface TrafficPacket {
  /** time is the capture timestamp, in microseconds since the epoch. */
  time: number;
  src: string;
  dst: string;
  proto: number;
  srcPort: number;
  dstPort: number;
  /** ipLength is the IP total length (IPv6: header plus payload length). */
  ipLength: number;
  /** frameLength is the Ethernet frame length as captured (no FCS). */
  frameLength: number;
}

/** Traffic is a capture file and the packets it holds, in capture order. */
export interface Traffic {
  pcap: Uint8Array;
  packets: TrafficPacket[];
  /** start and end are the first and last capture timestamps, in microseconds. */
  start: number;
  end: number;
}

/** Totals sums bytes and packets. */
export interface Totals {
  bytes: number;
  packets: number;
}

/** TRAFFIC_EPOCH is the capture time of the first packet, in seconds since 1970. */
export const TRAFFIC_EPOCH = 1_700_000_000;

// Hosts: documentation prefixes (RFC 5737, RFC 3849) and locally
// administered MAC addresses.
interface Host {
  ip: string;
  mac: number;
}
const host = (ip: string, n: number): Host => ({ ip, mac: 0x020000000000 + n });
const CLIENT1 = host('192.0.2.10', 0x10);
const CLIENT2 = host('192.0.2.11', 0x11);
const WEB = host('198.51.100.80', 0x80);
const DNS = host('198.51.100.53', 0x53);
const NTP = host('203.0.113.123', 0x7b);
const CLIENT6 = host('2001:db8:1::10', 0x610);
const WEB6 = host('2001:db8:2::80', 0x680);
const DNS6 = host('2001:db8:2::53', 0x653);


// ipBytes gives the 4 or 16 bytes of an address.
function ipBytes(ip: string): Uint8Array {
  const b = parseIP(ip)!;
  return ip.includes(':') ? b : b.subarray(12);
}

// sum16 adds big-endian 16-bit words for the Internet checksum (RFC 1071).
function sum16(b: Uint8Array, sum = 0): number {
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  return sum;
}
function fold(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

const ETH_IPV4 = 0x0800;
const ETH_IPV6 = 0x86dd;
const TCP = 6;
const UDP = 17;
const ICMP = 1;
const ICMP6 = 58;
const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

/** TrafficBuilder accumulates packets; `build()` sorts them by time and writes the pcap. */
class TrafficBuilder {
  readonly frames: Array<{ packet: TrafficPacket; frame: Uint8Array; order: number }> = [];
  private ipID = 1;

  // ip wraps a layer-4 segment (checksum field at `csumAt`, 0 to skip) into
  // an Ethernet/IP frame and records the packet.
  ip(time: number, from: Host, to: Host, proto: number, l4: Uint8Array, csumAt: number, ports: [number, number]): void {
    const v6 = from.ip.includes(':');
    const src = ipBytes(from.ip);
    const dst = ipBytes(to.ip);
    if (csumAt > 0) {
      // Pseudo-header: addresses, upper-layer length, protocol (ICMPv4 has none).
      let sum = proto === ICMP ? 0 : sum16(src, sum16(dst)) + l4.length + proto;
      sum = sum16(l4, sum);
      const c = fold(sum);
      l4[csumAt] = c >> 8;
      l4[csumAt + 1] = c & 0xff;
    }
    const ipLen = (v6 ? 40 : 20) + l4.length;
    const frame = new Uint8Array(14 + ipLen);
    const f = new DataView(frame.buffer);
    writeMAC(frame, 0, to.mac);
    writeMAC(frame, 6, from.mac);
    f.setUint16(12, v6 ? ETH_IPV6 : ETH_IPV4);
    if (v6) {
      f.setUint32(14, 0x60000000 | ((this.ipID * 7919) & 0xfffff));
      f.setUint16(18, l4.length);
      frame[20] = proto;
      frame[21] = 64;
      frame.set(src, 22);
      frame.set(dst, 38);
    } else {
      frame[14] = 0x45;
      f.setUint16(16, ipLen);
      f.setUint16(18, this.ipID & 0xffff);
      f.setUint16(20, proto === TCP ? 0x4000 : 0); // DF for TCP
      frame[22] = 64;
      frame[23] = proto;
      frame.set(src, 26);
      frame.set(dst, 30);
      f.setUint16(24, fold(sum16(frame.subarray(14, 34))));
    }
    this.ipID++;
    frame.set(l4, 14 + (v6 ? 40 : 20));
    this.frames.push({
      packet: {
        time,
        src: from.ip,
        dst: to.ip,
        proto,
        srcPort: ports[0],
        dstPort: ports[1],
        ipLength: ipLen,
        frameLength: frame.length,
      },
      frame,
      order: this.frames.length,
    });
  }

  tcp(time: number, from: Host, to: Host, sport: number, dport: number, seq: number, ack: number, flags: number, payload: number): void {
    const opts = flags & SYN ? 4 : 0; // MSS option on SYN and SYN-ACK
    const seg = new Uint8Array(20 + opts + payload);
    const v = new DataView(seg.buffer);
    v.setUint16(0, sport);
    v.setUint16(2, dport);
    v.setUint32(4, seq >>> 0);
    v.setUint32(8, flags & ACK ? ack >>> 0 : 0);
    seg[12] = ((20 + opts) / 4) << 4;
    seg[13] = flags;
    v.setUint16(14, 64240);
    if (opts > 0) v.setUint32(20, 0x020405b4); // MSS 1460
    for (let i = 0; i < payload; i++) seg[20 + opts + i] = 0x41 + (i % 26);
    this.ip(time, from, to, TCP, seg, 16, [sport, dport]);
  }

  udp(time: number, from: Host, to: Host, sport: number, dport: number, payload: Uint8Array): void {
    const dgram = new Uint8Array(8 + payload.length);
    const v = new DataView(dgram.buffer);
    v.setUint16(0, sport);
    v.setUint16(2, dport);
    v.setUint16(4, dgram.length);
    dgram.set(payload, 8);
    this.ip(time, from, to, UDP, dgram, 6, [sport, dport]);
  }

  echo(time: number, from: Host, to: Host, reply: boolean, id: number, seq: number): void {
    const v6 = from.ip.includes(':');
    const msg = new Uint8Array(8 + 56);
    const v = new DataView(msg.buffer);
    msg[0] = v6 ? (reply ? 129 : 128) : reply ? 0 : 8;
    v.setUint16(4, id);
    v.setUint16(6, seq);
    for (let i = 0; i < 56; i++) msg[8 + i] = i;
    this.ip(time, from, to, v6 ? ICMP6 : ICMP, msg, 2, [0, 0]);
  }

  /** build sorts packets by time (stable) and writes a classic pcap, microseconds, Ethernet. */
  build(): Traffic {
    const sorted = [...this.frames].sort((a, b) => a.packet.time - b.packet.time || a.order - b.order);
    const size = 24 + sorted.reduce((n, x) => n + 16 + x.frame.length, 0);
    const out = new Uint8Array(size);
    const v = new DataView(out.buffer);
    v.setUint32(0, 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, 65535, true);
    v.setUint32(20, 1, true); // LINKTYPE_ETHERNET
    let off = 24;
    for (const { packet, frame } of sorted) {
      v.setUint32(off, Math.floor(packet.time / 1e6), true);
      v.setUint32(off + 4, packet.time % 1e6, true);
      v.setUint32(off + 8, frame.length, true);
      v.setUint32(off + 12, frame.length, true);
      out.set(frame, off + 16);
      off += 16 + frame.length;
    }
    const packets = sorted.map((x) => x.packet);
    return { pcap: out, packets, start: packets[0]!.time, end: packets[packets.length - 1]!.time };
  }
}

function writeMAC(frame: Uint8Array, off: number, mac: number): void {
  for (let i = 5; i >= 0; i--) {
    frame[off + i] = mac % 256;
    mac = Math.floor(mac / 256);
  }
}

/*
 * A TCP connection: three-way handshake, a request, a response of `segments`
 * full-size segments (the client acknowledges every second one), then the
 * client closes (FIN, FIN-ACK, ACK). Times in microseconds.
 */
function connection(
  b: TrafficBuilder,
  rand: () => number,
  t0: number,
  client: Host,
  server: Host,
  sport: number,
  dport: number,
  segments: number,
): void {
  const rtt = 10_000 + Math.floor(rand() * 30_000);
  const mss = client.ip.includes(':') ? 1428 : 1448;
  let cseq = Math.floor(rand() * 2 ** 32);
  let sseq = Math.floor(rand() * 2 ** 32);
  let t = t0;
  b.tcp(t, client, server, sport, dport, cseq, 0, SYN, 0);
  t += rtt / 2;
  b.tcp(t, server, client, dport, sport, sseq, cseq + 1, SYN | ACK, 0);
  t += rtt / 2;
  cseq += 1;
  sseq += 1;
  b.tcp(t, client, server, sport, dport, cseq, sseq, ACK, 0);
  const request = 80 + Math.floor(rand() * 400);
  t += 200;
  b.tcp(t, client, server, sport, dport, cseq, sseq, PSH | ACK, request);
  cseq += request;
  t += rtt / 2 + Math.floor(rand() * 20_000); // server think time
  for (let s = 0; s < segments; s++) {
    const last = s === segments - 1;
    const len = last ? 1 + Math.floor(rand() * mss) : mss;
    b.tcp(t, server, client, dport, sport, sseq, cseq, last ? PSH | ACK : ACK, len);
    sseq += len;
    if (s % 2 === 1 || last) b.tcp(t + rtt / 2, client, server, sport, dport, cseq, sseq, ACK, 0);
    t += 120 + Math.floor(rand() * 400);
  }
  t += rtt + Math.floor(rand() * 500_000);
  b.tcp(t, client, server, sport, dport, cseq, sseq, FIN | ACK, 0);
  t += rtt / 2;
  b.tcp(t, server, client, dport, sport, sseq, cseq + 1, FIN | ACK, 0);
  t += rtt / 2;
  b.tcp(t, client, server, sport, dport, cseq + 1, sseq + 1, ACK, 0);
}

// dnsQuery and dnsAnswer build RFC 1035 messages: one question, and as
// many A or AAAA answers as asked (names compressed to the question).
function dnsQuery(id: number, name: string, qtype: number): Uint8Array {
  const labels = name.split('.').flatMap((l) => [l.length, ...[...l].map((c) => c.charCodeAt(0))]);
  return Uint8Array.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...labels, 0, 0, qtype, 0, 1]);
}
function dnsAnswer(query: Uint8Array, answers: number, rand: () => number): Uint8Array {
  const qtype = query[query.length - 3]!;
  const rdlength = qtype === 28 ? 16 : 4;
  const out = [...query];
  out[2] = 0x81;
  out[3] = 0x80;
  out[7] = answers;
  for (let k = 0; k < answers; k++) {
    out.push(0xc0, 12, 0, qtype, 0, 1, 0, 0, 0x0e, 0x10, 0, rdlength);
    for (let i = 0; i < rdlength; i++) out.push(Math.floor(rand() * 256));
  }
  return Uint8Array.from(out);
}

// ntp builds an RFC 5905 header (48 bytes): version 4, client or server mode.
function ntp(server: boolean, seconds: number): Uint8Array {
  const b = new Uint8Array(48);
  const v = new DataView(b.buffer);
  b[0] = server ? 0x24 : 0x23;
  b[1] = server ? 2 : 0; // stratum
  b[2] = 6; // poll
  b[3] = 0xe9; // precision
  const ntpSeconds = seconds + 2_208_988_800; // 1900 epoch
  v.setUint32(40, ntpSeconds >>> 0); // transmit timestamp
  if (server) {
    v.setUint32(12, 0xc0000201); // reference id
    v.setUint32(24, ntpSeconds >>> 0); // origin
    v.setUint32(32, ntpSeconds >>> 0); // receive
  }
  return b;
}

const NAMES = ['www.example.com', 'example.org', 'mail.example.net', 'ntp.example.com', 'cdn.example.org'];

/** TRAILER_HOSTS send the optional trailer packets: they are not part of the traffic under test. */
export const TRAILER_HOSTS = ['192.0.2.200', '192.0.2.201'] as const;

/** TrafficOptions tune craftTraffic. */
export interface TrafficOptions {
  seed?: number;
  /**
   * trailer appends that many small UDP packets between TRAILER_HOSTS one
   * second after the traffic: pmacctd's sFlow agent only sends full
   * datagrams and drops the last partial one at exit, so the trailer pushes
   * every real sample out.
   */
  trailer?: number;
}

/**
 * craftTraffic returns the test capture: about 340 packets over 15 seconds
 * from TRAFFIC_EPOCH, the same for a given seed.
 */
export function craftTraffic(options: TrafficOptions = {}): Traffic {
  const seed = options.seed ?? 42;
  const rand = mulberry32(seed);
  const b = new TrafficBuilder();
  const at = (s: number) => TRAFFIC_EPOCH * 1e6 + Math.floor(s * 1e6);
  const ephemeral = () => 32768 + Math.floor(rand() * 28000);
  // TCP: HTTP, HTTPS and SSH, IPv4 and IPv6, short and long transfers.
  connection(b, rand, at(0), CLIENT1, WEB, ephemeral(), 443, 12);
  connection(b, rand, at(1.3), CLIENT2, WEB, ephemeral(), 80, 4);
  connection(b, rand, at(2.6), CLIENT1, WEB, ephemeral(), 80, 1);
  connection(b, rand, at(3.7), CLIENT1, WEB, ephemeral(), 443, 40);
  connection(b, rand, at(5.0), CLIENT2, WEB, ephemeral(), 443, 16);
  connection(b, rand, at(6.2), CLIENT6, WEB6, ephemeral(), 443, 30);
  connection(b, rand, at(9.1), CLIENT2, WEB, ephemeral(), 22, 8);
  connection(b, rand, at(10.5), CLIENT1, WEB, ephemeral(), 443, 24);
  connection(b, rand, at(11.4), CLIENT6, WEB6, ephemeral(), 80, 6);
  connection(b, rand, at(13.2), CLIENT6, WEB6, ephemeral(), 443, 2);
  // DNS: a query and its answer, each from its own source port.
  for (let k = 0; k < 12; k++) {
    const [client, server] = k % 3 === 2 ? [CLIENT6, DNS6] : [k % 2 === 0 ? CLIENT1 : CLIENT2, DNS];
    const t = at(0.5 + k * 1.1 + rand() * 0.5);
    const port = ephemeral();
    const query = dnsQuery(Math.floor(rand() * 65536), NAMES[k % NAMES.length]!, k % 4 === 3 ? 28 : 1);
    b.udp(t, client, server, port, 53, query);
    b.udp(t + 2_000 + Math.floor(rand() * 30_000), server, client, 53, port, dnsAnswer(query, 1 + Math.floor(rand() * 4), rand));
  }
  // NTP: symmetric port 123, every few seconds (one flow each way).
  for (let k = 0; k < 5; k++) {
    const t = at(2 + k * 3 + rand());
    b.udp(t, CLIENT1, NTP, 123, 123, ntp(false, Math.floor(t / 1e6)));
    b.udp(t + 25_000 + Math.floor(rand() * 10_000), NTP, CLIENT1, 123, 123, ntp(true, Math.floor(t / 1e6)));
  }
  // ICMP echo: one ping per second.
  for (let k = 0; k < 6; k++) {
    const t = at(4 + k + rand() * 0.01);
    b.echo(t, CLIENT2, WEB, false, 0x1234, k + 1);
    b.echo(t + 18_000, WEB, CLIENT2, true, 0x1234, k + 1);
  }
  for (let k = 0; k < 4; k++) {
    const t = at(8 + k + rand() * 0.01);
    b.echo(t, CLIENT6, WEB6, false, 0x4321, k + 1);
    b.echo(t + 21_000, WEB6, CLIENT6, true, 0x4321, k + 1);
  }
  const from = host(TRAILER_HOSTS[0], 0xc8);
  const to = host(TRAILER_HOSTS[1], 0xc9);
  for (let k = 0; k < (options.trailer ?? 0); k++) b.udp(at(16 + k * 0.001), from, to, 9, 9, new Uint8Array(18));
  return b.build();
}

/** totalsBy sums IP bytes and packets per key, e.g. `${src} ${dst} ${proto}`. */
export function totalsBy(packets: readonly TrafficPacket[], key: (p: TrafficPacket) => string, bytes: (p: TrafficPacket) => number = (p) => p.ipLength): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const p of packets) {
    const k = key(p);
    const t = out.get(k) ?? { bytes: 0, packets: 0 };
    t.bytes += bytes(p);
    t.packets++;
    out.set(k, t);
  }
  return out;
}
