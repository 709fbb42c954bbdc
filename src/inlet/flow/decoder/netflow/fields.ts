// SPDX-License-Identifier: AGPL-3.0-only
//
// Information elements (IANA "IPFIX Information Elements" registry; NetFlow v9
// field types 1-79 from RFC 3954 §8 share the same numbers) mapped to the
// columns of a FlowBatch. A template is compiled here into a flat table of
// operations that `records.ts` runs for every data record.

/**
 * K_SKIP and the other K_* constants are the operations of a compiled
 * template. Kinds below K_NUMERIC read raw bytes (addresses, MACs, MPLS
 * entries, NTP timestamps); the others read an unsigned integer of 1 to 8
 * bytes (reduced-size encoding, RFC 7011 §6.2). A NZ variant (kind + 1)
 * writes an address only when non-zero, for templates carrying both an IPv4
 * and an IPv6 field for one column; a FB variant (kind + 1) is the fallback
 * counter, used when the main one is zero (OUT_BYTES for IN_BYTES).
 */
export const K_SKIP = 0;
export const K_VAR = 1;
export const K_SRC4 = 2;
export const K_SRC4NZ = 3;
export const K_SRC6 = 4;
export const K_SRC6NZ = 5;
export const K_DST4 = 6;
export const K_DST4NZ = 7;
export const K_DST6 = 8;
export const K_DST6NZ = 9;
export const K_NH4 = 10;
export const K_NH4NZ = 11;
export const K_NH6 = 12;
export const K_NH6NZ = 13;
export const K_NSRC4 = 14;
export const K_NSRC4NZ = 15;
export const K_NSRC6 = 16;
export const K_NSRC6NZ = 17;
export const K_NDST4 = 18;
export const K_NDST4NZ = 19;
export const K_NDST6 = 20;
export const K_NDST6NZ = 21;
export const K_SRCMAC = 22;
export const K_DSTMAC = 23;
export const K_MPLS = 24;
export const K_START_NTP = 25;
export const K_END_NTP = 26;
export const K_NUMERIC = 27;
export const K_BYTES = 27;
export const K_BYTES_FB = 28;
export const K_PKTS = 29;
export const K_PKTS_FB = 30;
export const K_REV_BYTES = 31;
export const K_REV_PKTS = 32;
export const K_PROTO = 33;
export const K_TOS = 34;
export const K_TCPFLAGS = 35;
export const K_SRCPORT = 36;
export const K_DSTPORT = 37;
export const K_SRCMASK = 38;
export const K_DSTMASK = 39;
export const K_INIF = 40;
export const K_OUTIF = 41;
export const K_SRCAS = 42;
export const K_DSTAS = 43;
export const K_SRCVLAN = 44;
export const K_DSTVLAN = 45;
export const K_IPVERSION = 46;
export const K_ETYPE = 47;
export const K_DIRECTION = 48;
export const K_FWDSTATUS = 49;
export const K_TTL = 50;
export const K_FLOWLABEL = 51;
export const K_FRAGID = 52;
export const K_FRAGOFF = 53;
export const K_NSRCPORT = 54;
export const K_NDSTPORT = 55;
export const K_ICMP_TC = 56;
export const K_ICMP_TYPE = 57;
export const K_ICMP_CODE = 58;
export const K_SAMPLER_ID = 59;
export const K_SAMPLING_INTERVAL = 60;
export const K_PACKET_INTERVAL = 61;
export const K_PACKET_SPACE = 62;
export const K_SAMPLING_SIZE = 63;
export const K_SAMPLING_POP = 64;
export const K_START_S = 65;
export const K_END_S = 66;
export const K_START_MS = 67;
export const K_END_MS = 68;
export const K_START_UP = 69;
export const K_END_UP = 70;
export const K_SYSINIT = 71;
export const K_START_DELTA = 72;
export const K_END_DELTA = 73;
export const K_REV_TOS = 74;
export const K_REV_TCPFLAGS = 75;

/** PEN_REVERSE is the enterprise number of RFC 5103 reverse information elements. */
export const PEN_REVERSE = 29305;

/** MAX_FIELDS caps the fields of one template; longer ones are rejected as bad-template. */
export const MAX_FIELDS = 512;

// Columns with several candidate elements: the present element of lowest rank
// wins; others are skipped, except that rank 1 of a counter group becomes the
// runtime fallback of rank 0 (OUT_BYTES when IN_BYTES is zero).
const G_NONE = 0;
const G_SRC = 1;
const G_DST = 2;
const G_NH = 3;
const G_NSRC = 4;
const G_NDST = 5;
const G_BYTES = 6;
const G_PKTS = 7;
const G_REV_BYTES = 8;
const G_REV_PKTS = 9;
const G_INIF = 10;
const G_OUTIF = 11;
const G_SRCMAC = 12;
const G_DSTMAC = 13;
const G_SRCVLAN = 14;
const G_DSTVLAN = 15;
const G_ETYPE = 16;
const G_START = 17;
const G_END = 18;
const G_SAMPLER = 19;
const G_INTERVAL = 20;
const GROUPS = 21;

// spec = kind | group << 8 | rank << 16, for data records (pen 0).
const FLOW = new Int32Array(512).fill(-1);
const REVERSE = new Int32Array(512).fill(-1);
// Options data records only look at sampling and the system init time.
const OPTION = new Int32Array(512).fill(-1);

function def(table: Int32Array, ie: number, kind: number, group = G_NONE, rank = 0): void {
  table[ie] = kind | (group << 8) | (rank << 16);
}

// RFC 3954 §8 / IANA IPFIX IEs.
def(FLOW, 1, K_BYTES, G_BYTES, 0); // octetDeltaCount / IN_BYTES
def(FLOW, 23, K_BYTES, G_BYTES, 1); // postOctetDeltaCount / OUT_BYTES
def(FLOW, 85, K_BYTES, G_BYTES, 2); // octetTotalCount
def(FLOW, 231, K_BYTES, G_BYTES, 3); // initiatorOctets (Cisco ASA NF_F_FWD_FLOW_DELTA_BYTES)
def(FLOW, 2, K_PKTS, G_PKTS, 0); // packetDeltaCount / IN_PKTS
def(FLOW, 24, K_PKTS, G_PKTS, 1); // postPacketDeltaCount / OUT_PKTS
def(FLOW, 86, K_PKTS, G_PKTS, 2); // packetTotalCount
def(FLOW, 298, K_PKTS, G_PKTS, 3); // initiatorPackets
def(FLOW, 4, K_PROTO); // protocolIdentifier
def(FLOW, 5, K_TOS); // ipClassOfService
def(FLOW, 6, K_TCPFLAGS); // tcpControlBits
def(FLOW, 7, K_SRCPORT); // sourceTransportPort
def(FLOW, 11, K_DSTPORT); // destinationTransportPort
def(FLOW, 8, K_SRC4, G_SRC); // sourceIPv4Address
def(FLOW, 27, K_SRC6, G_SRC); // sourceIPv6Address
def(FLOW, 12, K_DST4, G_DST); // destinationIPv4Address
def(FLOW, 28, K_DST6, G_DST); // destinationIPv6Address
def(FLOW, 9, K_SRCMASK); // sourceIPv4PrefixLength
def(FLOW, 29, K_SRCMASK); // sourceIPv6PrefixLength
def(FLOW, 13, K_DSTMASK); // destinationIPv4PrefixLength
def(FLOW, 30, K_DSTMASK); // destinationIPv6PrefixLength
def(FLOW, 10, K_INIF, G_INIF, 0); // ingressInterface
def(FLOW, 252, K_INIF, G_INIF, 2); // ingressPhysicalInterface
def(FLOW, 14, K_OUTIF, G_OUTIF, 0); // egressInterface
def(FLOW, 253, K_OUTIF, G_OUTIF, 2); // egressPhysicalInterface
def(FLOW, 15, K_NH4, G_NH, 0); // ipNextHopIPv4Address
def(FLOW, 62, K_NH6, G_NH, 0); // ipNextHopIPv6Address
def(FLOW, 18, K_NH4, G_NH, 2); // bgpNextHopIPv4Address
def(FLOW, 63, K_NH6, G_NH, 2); // bgpNextHopIPv6Address
def(FLOW, 16, K_SRCAS); // bgpSourceAsNumber
def(FLOW, 17, K_DSTAS); // bgpDestinationAsNumber
def(FLOW, 32, K_ICMP_TC); // icmpTypeCodeIPv4
def(FLOW, 139, K_ICMP_TC); // icmpTypeCodeIPv6
def(FLOW, 176, K_ICMP_TYPE); // icmpTypeIPv4
def(FLOW, 177, K_ICMP_CODE); // icmpCodeIPv4
def(FLOW, 178, K_ICMP_TYPE); // icmpTypeIPv6
def(FLOW, 179, K_ICMP_CODE); // icmpCodeIPv6
def(FLOW, 56, K_SRCMAC, G_SRCMAC, 0); // sourceMacAddress
def(FLOW, 81, K_SRCMAC, G_SRCMAC, 2); // postSourceMacAddress
def(FLOW, 80, K_DSTMAC, G_DSTMAC, 0); // destinationMacAddress
def(FLOW, 57, K_DSTMAC, G_DSTMAC, 2); // postDestinationMacAddress
def(FLOW, 58, K_SRCVLAN, G_SRCVLAN, 0); // vlanId
def(FLOW, 243, K_SRCVLAN, G_SRCVLAN, 2); // dot1qVlanId
def(FLOW, 59, K_DSTVLAN, G_DSTVLAN, 0); // postVlanId
def(FLOW, 254, K_DSTVLAN, G_DSTVLAN, 2); // postDot1qVlanId
def(FLOW, 256, K_ETYPE, G_ETYPE, 0); // ethernetType
def(FLOW, 60, K_IPVERSION, G_ETYPE, 2); // ipVersion
def(FLOW, 61, K_DIRECTION); // flowDirection
def(FLOW, 89, K_FWDSTATUS); // forwardingStatus (RFC 7270)
def(FLOW, 192, K_TTL); // ipTTL
def(FLOW, 31, K_FLOWLABEL); // flowLabelIPv6
def(FLOW, 54, K_FRAGID); // fragmentIdentification
def(FLOW, 88, K_FRAGOFF); // fragmentOffset
for (let ie = 70; ie <= 79; ie++) def(FLOW, ie, K_MPLS); // mplsTopLabelStackSection..mplsLabelStackSection10
def(FLOW, 225, K_NSRC4, G_NSRC); // postNATSourceIPv4Address
def(FLOW, 281, K_NSRC6, G_NSRC); // postNATSourceIPv6Address
def(FLOW, 226, K_NDST4, G_NDST); // postNATDestinationIPv4Address
def(FLOW, 282, K_NDST6, G_NDST); // postNATDestinationIPv6Address
def(FLOW, 227, K_NSRCPORT); // postNAPTSourceTransportPort
def(FLOW, 228, K_NDSTPORT); // postNAPTDestinationTransportPort
def(FLOW, 48, K_SAMPLER_ID, G_SAMPLER, 0); // samplerId / FLOW_SAMPLER_ID
def(FLOW, 302, K_SAMPLER_ID, G_SAMPLER, 2); // selectorId (RFC 5477)
def(FLOW, 34, K_SAMPLING_INTERVAL, G_INTERVAL, 0); // samplingInterval
def(FLOW, 50, K_SAMPLING_INTERVAL, G_INTERVAL, 2); // samplerRandomInterval
def(FLOW, 305, K_PACKET_INTERVAL); // samplingPacketInterval (RFC 5477)
def(FLOW, 306, K_PACKET_SPACE); // samplingPacketSpace
def(FLOW, 309, K_SAMPLING_SIZE); // samplingSize
def(FLOW, 310, K_SAMPLING_POP); // samplingPopulation
def(FLOW, 152, K_START_MS, G_START, 0); // flowStartMilliseconds
def(FLOW, 154, K_START_NTP, G_START, 2); // flowStartMicroseconds (NTP format)
def(FLOW, 156, K_START_NTP, G_START, 3); // flowStartNanoseconds (NTP format)
def(FLOW, 150, K_START_S, G_START, 4); // flowStartSeconds
def(FLOW, 22, K_START_UP, G_START, 5); // flowStartSysUpTime / FIRST_SWITCHED
def(FLOW, 158, K_START_DELTA, G_START, 6); // flowStartDeltaMicroseconds
def(FLOW, 153, K_END_MS, G_END, 0); // flowEndMilliseconds
def(FLOW, 155, K_END_NTP, G_END, 2); // flowEndMicroseconds
def(FLOW, 157, K_END_NTP, G_END, 3); // flowEndNanoseconds
def(FLOW, 151, K_END_S, G_END, 4); // flowEndSeconds
def(FLOW, 21, K_END_UP, G_END, 5); // flowEndSysUpTime / LAST_SWITCHED
def(FLOW, 159, K_END_DELTA, G_END, 6); // flowEndDeltaMicroseconds
def(FLOW, 160, K_SYSINIT); // systemInitTimeMilliseconds
// RFC 5103 reverse elements: same numbers under PEN 29305.
def(REVERSE, 1, K_REV_BYTES, G_REV_BYTES, 0);
def(REVERSE, 85, K_REV_BYTES, G_REV_BYTES, 2);
def(REVERSE, 2, K_REV_PKTS, G_REV_PKTS, 0);
def(REVERSE, 86, K_REV_PKTS, G_REV_PKTS, 2);
def(REVERSE, 5, K_REV_TOS); // reverse ipClassOfService
def(REVERSE, 6, K_REV_TCPFLAGS); // reverse tcpControlBits
// Cisco ASA NSEL field types of older releases (v9 only: above 32767 in v9,
// these would carry the enterprise bit in IPFIX).
const V9_VENDOR = new Map<number, number>([
  [40001, K_NSRC4 | (G_NSRC << 8)], // NF_F_XLATE_SRC_ADDR_IPV4
  [40002, K_NDST4 | (G_NDST << 8)], // NF_F_XLATE_DST_ADDR_IPV4
  [40003, K_NSRCPORT], // NF_F_XLATE_SRC_PORT
  [40004, K_NDSTPORT], // NF_F_XLATE_DST_PORT
]);
// Options data (sampler tables, exporting process statistics).
def(OPTION, 48, K_SAMPLER_ID, G_SAMPLER, 0);
def(OPTION, 302, K_SAMPLER_ID, G_SAMPLER, 2);
def(OPTION, 34, K_SAMPLING_INTERVAL, G_INTERVAL, 0);
def(OPTION, 50, K_SAMPLING_INTERVAL, G_INTERVAL, 2);
def(OPTION, 305, K_PACKET_INTERVAL);
def(OPTION, 306, K_PACKET_SPACE);
def(OPTION, 309, K_SAMPLING_SIZE);
def(OPTION, 310, K_SAMPLING_POP);
def(OPTION, 160, K_SYSINIT);

/** lengthFits tells whether a kind can be read from a field of `len` bytes. */
function lengthFits(kind: number, len: number): boolean {
  switch (kind) {
    case K_SRC4:
    case K_DST4:
    case K_NH4:
    case K_NSRC4:
    case K_NDST4:
      return len === 4;
    case K_SRC6:
    case K_DST6:
    case K_NH6:
    case K_NSRC6:
    case K_NDST6:
      return len === 16;
    case K_SRCMAC:
    case K_DSTMAC:
      return len === 6;
    case K_START_NTP:
    case K_END_NTP:
      return len === 8;
    case K_MPLS:
      return len >= 3 && len <= 8;
    default:
      // Unsigned integers, reduced-size encoding allowed (RFC 7011 §6.2).
      return len >= 1 && len <= 8;
  }
}

/** CompiledOps is the output of compileOps: (kind, length, minimum bytes after) triples and flags. */
export interface CompiledOps {
  ops: Int32Array;
  minLength: number;
  hasReverse: boolean;
  hasIcmp: boolean;
}

// Scratch space for compileOps (templates arrive rarely, but a flood of them
// should not allocate more than the result).
const sKind = new Int32Array(MAX_FIELDS);
const sLen = new Int32Array(MAX_FIELDS);
const sGroup = new Int32Array(MAX_FIELDS);
const sRank = new Int32Array(MAX_FIELDS);
const best = new Int32Array(GROUPS);
const hasV4 = new Uint8Array(GROUPS);
const hasV6 = new Uint8Array(GROUPS);

/**
 * compileOps turns `count` field specifiers at `b[start]` into operations.
 * Specifiers are 4 bytes (type, length), plus a 4-byte enterprise number when
 * `enterprise` is set and the type has its top bit (IPFIX only). The first
 * `scope` fields are options scopes: with `v9Scope`, they use RFC 3954's own
 * scope types and are skipped. Returns null when a record would be empty.
 */
export function compileOps(
  b: Uint8Array,
  start: number,
  count: number,
  scope: number,
  enterprise: boolean,
  options: boolean,
  v9Scope: boolean,
): CompiledOps | null {
  best.fill(0x7fffffff);
  hasV4.fill(0);
  hasV6.fill(0);
  let p = start;
  for (let f = 0; f < count; f++) {
    let id = (b[p]! << 8) | b[p + 1]!;
    const len = (b[p + 2]! << 8) | b[p + 3]!;
    p += 4;
    let pen = 0;
    if (enterprise && id & 0x8000) {
      pen = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
      id &= 0x7fff;
      p += 4;
    }
    let spec = -1;
    if (v9Scope && f < scope) {
      // RFC 3954 scope types are not field types: skipped.
    } else if (id < 512) {
      if (pen === 0) spec = options ? OPTION[id]! : FLOW[id]!;
      else if (pen === PEN_REVERSE && !options) spec = REVERSE[id]!;
    } else if (!enterprise && !options) {
      spec = V9_VENDOR.get(id) ?? -1;
    }
    sLen[f] = len === 0xffff ? -1 : len;
    if (spec < 0 || len === 0xffff || !lengthFits(spec & 0xff, len)) {
      sKind[f] = len === 0xffff ? K_VAR : K_SKIP;
      sGroup[f] = G_NONE;
      continue;
    }
    const kind = spec & 0xff;
    const group = (spec >> 8) & 0xff;
    const rank = spec >> 16;
    sKind[f] = kind;
    sGroup[f] = group;
    sRank[f] = rank;
    if (group !== G_NONE && rank < best[group]!) best[group] = rank;
  }
  // Address columns fed by both an IPv4 and an IPv6 field of the winning rank.
  for (let f = 0; f < count; f++) {
    const group = sGroup[f]!;
    if (group < G_SRC || group > G_NDST || sRank[f] !== best[group]) continue;
    const kind = sKind[f]!;
    if (kind === K_SRC4 || kind === K_DST4 || kind === K_NH4 || kind === K_NSRC4 || kind === K_NDST4) hasV4[group] = 1;
    else hasV6[group] = 1;
  }
  // Resolve groups, then emit (kind, len, minAfter) triples with
  // consecutive skipped fields merged.
  const out: number[] = [];
  let hasReverse = false;
  let hasIcmp = false;
  for (let f = 0; f < count; f++) {
    let kind = sKind[f]!;
    const len = sLen[f]!;
    const group = sGroup[f]!;
    if (group !== G_NONE) {
      const rank = sRank[f]!;
      if (rank !== best[group]) {
        const counter = group === G_BYTES || group === G_PKTS;
        kind = counter && rank === 1 && best[group] === 0 ? kind + 1 : K_SKIP;
      } else if (hasV4[group] && hasV6[group]) {
        kind += 1; // NZ variant
      }
    }
    if (kind === K_REV_PKTS) hasReverse = true;
    else if (kind === K_ICMP_TC || kind === K_ICMP_TYPE || kind === K_ICMP_CODE) hasIcmp = true;
    if (len === 0) continue;
    const n = out.length;
    if (kind === K_SKIP && n > 0 && out[n - 3] === K_SKIP) {
      out[n - 2]! += len;
      continue;
    }
    out.push(kind, len, 0);
  }
  // minAfter of each operation, and the minimum record length (a variable
  // field takes at least its length byte).
  let min = 0;
  for (let k = out.length - 3; k >= 0; k -= 3) {
    out[k + 2] = min;
    min += out[k] === K_VAR ? 1 : out[k + 1]!;
  }
  if (min === 0) return null;
  return { ops: Int32Array.from(out), minLength: min, hasReverse, hasIcmp };
}
