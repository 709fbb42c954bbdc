// SPDX-License-Identifier: AGPL-3.0-only
//
// Flow fields shared by NetFlow v9 (RFC 3954 §8) and IPFIX (RFC 7011, IANA
// "IPFIX Information Elements"): both number these elements alike.
import type { SetPacker } from './packer.ts';
import type { Flow } from './traffic.ts';

/** Field is an element ID and its length in bytes, as a template lists it. */
export type Field = readonly [id: number, length: number];

/** Encoder packs flows into datagrams of one protocol. */
export interface Encoder {
  /**
   * encode packs the first `count` flows into datagrams sent at `nowMs`;
   * templates (and sampling options) go first when they are due.
   */
  encode(flows: readonly Flow[], count: number, nowMs: number): Buffer[];
}

/** TEMPLATE_INTERVAL_MS is how often NetFlow v9 and IPFIX templates and sampling options are sent again. */
export const TEMPLATE_INTERVAL_MS = 10_000;

/** V4_FIELDS and V6_FIELDS are the elements common to both NetFlow v9 and IPFIX templates. */
export const V4_FIELDS: readonly Field[] = [
  [8, 4], // sourceIPv4Address
  [12, 4], // destinationIPv4Address
  [9, 1], // sourceIPv4PrefixLength
  [13, 1], // destinationIPv4PrefixLength
  [16, 4], // bgpSourceAsNumber
  [17, 4], // bgpDestinationAsNumber
  [10, 4], // ingressInterface
  [14, 4], // egressInterface
  [4, 1], // protocolIdentifier
  [7, 2], // sourceTransportPort
  [11, 2], // destinationTransportPort
  [32, 2], // icmpTypeCodeIPv4
  [6, 1], // tcpControlBits
  [5, 1], // ipClassOfService
  [61, 1], // flowDirection (0: ingress)
];
/** V6_FIELDS are V4_FIELDS with IPv6 addresses, prefix lengths and ICMP. */
export const V6_FIELDS: readonly Field[] = V4_FIELDS.map(([id, len]): Field => {
  const v6: Record<number, Field> = { 8: [27, 16], 12: [28, 16], 9: [29, 1], 13: [30, 1], 32: [139, 2] };
  return v6[id] ?? [id, len];
});

/** recordLength returns the length of a record made of `fields`. */
export function recordLength(fields: readonly Field[]): number {
  return fields.reduce((n, [, len]) => n + len, 0);
}

/** writeUint writes a big-endian unsigned integer of 1, 2, 4 or 8 bytes. */
export function writeUint(view: DataView, pos: number, len: number, v: number): void {
  if (len === 1) view.setUint8(pos, v);
  else if (len === 2) view.setUint16(pos, v);
  else if (len === 4) view.setUint32(pos, v >>> 0);
  else {
    view.setUint32(pos, Math.floor(v / 0x100000000));
    view.setUint32(pos + 4, v >>> 0);
  }
}

/**
 * writeField writes one element of a flow at `pos` and returns the next
 * position. Counters and times depend on the protocol: `bootMs` is the
 * exporter's boot time, which NetFlow v9 switched times count from.
 */
export function writeField(b: Buffer, view: DataView, pos: number, [id, len]: Field, f: Flow, bootMs: number): number {
  switch (id) {
    case 8:
    case 12:
    case 27:
    case 28: {
      const a = id === 8 || id === 27 ? f.src : f.dst;
      b.set(len === 4 ? a.subarray(12, 16) : a, pos);
      break;
    }
    case 1: // octetDeltaCount
      writeUint(view, pos, len, f.bytes);
      break;
    case 2: // packetDeltaCount
      writeUint(view, pos, len, f.packets);
      break;
    case 9:
    case 29:
      writeUint(view, pos, len, f.srcMask);
      break;
    case 13:
    case 30:
      writeUint(view, pos, len, f.dstMask);
      break;
    case 16:
      writeUint(view, pos, len, f.srcAS);
      break;
    case 17:
      writeUint(view, pos, len, f.dstAS);
      break;
    case 10:
      writeUint(view, pos, len, f.inIf);
      break;
    case 14:
      writeUint(view, pos, len, f.outIf);
      break;
    case 4:
      writeUint(view, pos, len, f.proto);
      break;
    case 7:
      writeUint(view, pos, len, f.srcPort);
      break;
    case 11:
      writeUint(view, pos, len, f.dstPort);
      break;
    case 32:
    case 139:
      writeUint(view, pos, len, (f.icmpType << 8) | f.icmpCode);
      break;
    case 6:
      writeUint(view, pos, len, f.tcpFlags);
      break;
    case 5:
      writeUint(view, pos, len, f.tos);
      break;
    case 61:
      writeUint(view, pos, len, 0);
      break;
    case 21: // LAST_SWITCHED, ms since boot
      writeUint(view, pos, len, f.endMs - bootMs);
      break;
    case 22: // FIRST_SWITCHED
      writeUint(view, pos, len, f.startMs - bootMs);
      break;
    case 152: // flowStartMilliseconds
      writeUint(view, pos, len, f.startMs);
      break;
    case 153: // flowEndMilliseconds
      writeUint(view, pos, len, f.endMs);
      break;
    default:
      b.fill(0, pos, pos + len);
  }
  return pos + len;
}

/**
 * writeRecords packs the first `count` flows as data records: IPv4 flows
 * with the first template, IPv6 ones with the second (NetFlow v9 and IPFIX
 * alike; `bootMs` is the exporter's boot time for uptime-relative fields).
 */
export function writeRecords(
  p: SetPacker,
  flows: readonly Flow[],
  count: number,
  templates: readonly [v4: readonly [id: number, fields: readonly Field[]], v6: readonly [id: number, fields: readonly Field[]]],
  bootMs: number,
): void {
  for (const [k, [template, fields]] of templates.entries()) {
    const v6 = k === 1;
    const len = recordLength(fields);
    for (let i = 0; i < count; i++) {
      const f = flows[i]!;
      if (f.ipv6 !== v6) continue;
      p.record(template, len, true);
      for (const field of fields) p.pos = writeField(p.buf, p.view, p.pos, field, f, bootMs);
    }
  }
}
