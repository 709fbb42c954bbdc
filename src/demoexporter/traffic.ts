// SPDX-License-Identifier: AGPL-3.0-only
import { mulberry32 } from '../common/helpers/random.ts';
import { parseSubnet, type Subnet } from '../common/helpers/subnet.ts';
import { REMOTE_ASES, type Customer, type RemoteAS } from './asns.ts';
import type { Interface, Topology } from './interfaces.ts';

/**
 * Flow is one flow record the demo sends (for sFlow, one sampled packet).
 * Addresses are 16 bytes, IPv4 mapped in IPv6. Encoders read it; the
 * generator refills the same objects, so a tick allocates nothing per flow.
 */
export class Flow {
  ipv6 = false;
  readonly src = new Uint8Array(16);
  readonly dst = new Uint8Array(16);
  srcAS = 0;
  dstAS = 0;
  /** srcMask and dstMask are the prefix lengths (IPv4: 0 to 32). */
  srcMask = 0;
  dstMask = 0;
  proto = 0;
  srcPort = 0;
  dstPort = 0;
  icmpType = 0;
  icmpCode = 0;
  tcpFlags = 0;
  tos = 0;
  ttl = 0;
  inIf = 0;
  outIf = 0;
  packets = 0;
  /** bytes is the sum of the IP lengths of the packets. */
  bytes = 0;
  /** packetSize is the IP length of one packet (what sFlow samples). */
  packetSize = 0;
  startMs = 0;
  endMs = 0;
}

// Service is an application: protocol, server port, share of flows and the
// IP length of the packets the server sends (clients send small ones).
interface Service {
  proto: number;
  port: number;
  weight: number;
  min: number;
  max: number;
}

const SERVICES: readonly Service[] = [
  { proto: 6, port: 443, weight: 52, min: 1100, max: 1500 },
  { proto: 17, port: 443, weight: 15, min: 1150, max: 1350 }, // QUIC
  { proto: 6, port: 80, weight: 9, min: 600, max: 1500 },
  { proto: 17, port: 53, weight: 5, min: 70, max: 400 },
  { proto: 17, port: 123, weight: 1, min: 76, max: 76 },
  { proto: 6, port: 22, weight: 2, min: 90, max: 1400 },
  { proto: 6, port: 25, weight: 1, min: 200, max: 1500 },
  { proto: 6, port: 993, weight: 1, min: 150, max: 1500 },
  { proto: 6, port: 8080, weight: 2, min: 400, max: 1500 },
  { proto: 17, port: 3478, weight: 2, min: 100, max: 1200 }, // STUN, video calls
  { proto: 17, port: 27015, weight: 2, min: 80, max: 1200 }, // games
  { proto: 17, port: 4500, weight: 2, min: 150, max: 1450 }, // IPsec NAT traversal
  { proto: 1, port: 0, weight: 2, min: 84, max: 84 }, // ICMP (58 over IPv6)
];

/** IPV6_SHARE is the share of flows over IPv6 when both ends have IPv6 prefixes. */
export const IPV6_SHARE = 0.35;

// Prefixes of one network, parsed once, by family.
interface Prefixes {
  v4: Subnet[];
  v6: Subnet[];
}

function prefixesOf(list: readonly string[]): Prefixes {
  const out: Prefixes = { v4: [], v6: [] };
  for (const p of list) {
    const s = parseSubnet(p)!;
    (p.includes(':') ? out.v6 : out.v4).push(s);
  }
  return out;
}

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (out[i] = sum += w));
  return out;
}

/**
 * TrafficGenerator draws the flows of one exporter: who talks to whom
 * (remote networks weighted by their share of traffic, the exporter's
 * customers), over which application, which way, and through which
 * interfaces of the exporter's topology. A seed replays the same flows.
 */
export class TrafficGenerator {
  readonly #rand: () => number;
  readonly #topology: Topology;
  readonly #remote: Prefixes[];
  readonly #remoteWeights: Float64Array;
  readonly #customers: Prefixes[];
  readonly #customerWeights: Float64Array;
  readonly #serviceWeights = cumulative(SERVICES.map((s) => s.weight));

  constructor(topology: Topology, seed: number) {
    this.#rand = mulberry32(seed);
    this.#topology = topology;
    this.#remote = REMOTE_ASES.map((as) => prefixesOf(as.prefixes.map(([p]) => p)));
    this.#remoteWeights = cumulative(REMOTE_ASES.map((as) => as.weight));
    this.#customers = topology.customerLinks.map((i) => prefixesOf([i.customer!.v4, i.customer!.v6]));
    this.#customerWeights = cumulative(topology.customerLinks.map((i) => i.customer!.weight));
  }

  /** next fills `f` with a new flow that ended shortly before `nowMs`. */
  next(f: Flow, nowMs: number): void {
    const rand = this.#rand;
    const ri = this.#pick(this.#remoteWeights);
    const remote = REMOTE_ASES[ri]!;
    const ci = this.#pick(this.#customerWeights);
    const link: Interface = this.#topology.customerLinks[ci]!;
    const customer = link.customer!;
    const service = SERVICES[this.#pick(this.#serviceWeights)]!;
    const rp = this.#remote[ri]!;
    const cp = this.#customers[ci]!;
    f.ipv6 = rp.v6.length > 0 && (rp.v4.length === 0 || rand() < IPV6_SHARE);
    const remoteServes = serverIsRemote(remote, customer, rand());
    // Two flows out of three carry the server's data, the others the client's requests and acknowledgements.
    const fromServer = rand() < 0.67;
    const remoteIsSource = remoteServes === fromServer;
    const [srcP, dstP] = remoteIsSource ? [rp, cp] : [cp, rp];
    f.srcMask = this.#address(f.src, f.ipv6 ? srcP.v6 : srcP.v4);
    f.dstMask = this.#address(f.dst, f.ipv6 ? dstP.v6 : dstP.v4);
    const remoteLink = this.#topology.linkTo(remote.asn);
    f.srcAS = remoteIsSource ? remote.asn : customer.asn;
    f.dstAS = remoteIsSource ? customer.asn : remote.asn;
    f.inIf = remoteIsSource ? remoteLink : link.index;
    f.outIf = remoteIsSource ? link.index : remoteLink;
    f.proto = service.proto === 1 && f.ipv6 ? 58 : service.proto;
    const client = 32768 + Math.floor(rand() * 28232);
    f.srcPort = service.proto === 1 ? 0 : fromServer ? service.port : client;
    f.dstPort = service.proto === 1 ? 0 : fromServer ? client : service.port;
    this.#icmp(f);
    f.tos = rand() < 0.1 ? 0x28 : 0;
    f.ttl = remoteIsSource ? 40 + Math.floor(rand() * 20) : 63;
    f.packets = 1;
    // Sampled at 1 in hundreds, most flows show one packet.
    while (f.packets < 30 && rand() < 0.2) f.packets++;
    const small = !fromServer && service.proto === 6;
    f.packetSize = small ? 52 + Math.floor(rand() * 60) : service.min + Math.floor(rand() * (service.max - service.min + 1));
    if (f.ipv6 && f.packetSize < 60) f.packetSize += 20;
    f.bytes = f.packets * f.packetSize;
    f.tcpFlags = f.proto !== 6 ? 0 : rand() < 0.05 ? 0x02 : rand() < 0.05 ? 0x11 : fromServer ? 0x18 : 0x10;
    f.endMs = nowMs - Math.floor(rand() * 1000);
    f.startMs = f.endMs - Math.floor(rand() * f.packets * 800);
  }

  #icmp(f: Flow): void {
    f.icmpType = 0;
    f.icmpCode = 0;
    if (f.proto !== 1 && f.proto !== 58) return;
    const r = this.#rand();
    if (r < 0.8) f.icmpType = f.proto === 1 ? (r < 0.4 ? 8 : 0) : r < 0.4 ? 128 : 129; // echo request, reply
    else if (r < 0.95) [f.icmpType, f.icmpCode] = f.proto === 1 ? [3, 3] : [1, 4]; // port unreachable
    else f.icmpType = f.proto === 1 ? 11 : 3; // time exceeded
  }

  // #pick returns an index drawn with the given cumulative weights.
  #pick(weights: Float64Array): number {
    const x = this.#rand() * weights[weights.length - 1]!;
    let i = 0;
    while (weights[i]! <= x) i++;
    return i;
  }

  // #address writes a random host of one of the prefixes into `out` and
  // returns the prefix length as the flow carries it (IPv4: 0 to 32).
  #address(out: Uint8Array, prefixes: readonly Subnet[]): number {
    const s = prefixes[Math.floor(this.#rand() * prefixes.length)]!;
    out.set(s.address);
    for (let byte = s.length >> 3; byte < 16; byte++) {
      const keep = byte === s.length >> 3 ? (0xff00 >> (s.length & 7)) & 0xff : 0;
      out[byte] = (s.address[byte]! & keep) | (Math.floor(this.#rand() * 256) & ~keep);
    }
    // Avoid the network and broadcast-looking addresses.
    if (s.length <= 120 && (out[15] === 0 || out[15] === 255)) out[15] = 1 + Math.floor(this.#rand() * 254);
    return s.length >= 96 && out[10] === 0xff && out[11] === 0xff && out[0] === 0 ? s.length - 96 : s.length;
  }
}

// serverIsRemote tells whether the remote end is the server: content
// networks serve the customers, the customers that host serve eyeballs,
// and the rest goes both ways.
function serverIsRemote(remote: RemoteAS, customer: Customer, x: number): boolean {
  if (remote.kind === 'content') return x < 0.95;
  if (remote.kind === 'eyeball') return customer.kind === 'content' ? x < 0.05 : x < 0.5;
  return customer.kind === 'content' ? x < 0.3 : x < 0.6;
}
