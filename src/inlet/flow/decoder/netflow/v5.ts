// SPDX-License-Identifier: AGPL-3.0-only
import { errorIndex } from '../root.ts';
import { TS_INPUT, TS_PACKET } from './context.ts';
import { uint } from './bytes.ts';
import type { DecodeContext } from './context.ts';

const E_SHORT = errorIndex['short-packet'];
const E_BAD_LENGTH = errorIndex['bad-length'];

/** V5_HEADER_LENGTH and V5_RECORD_LENGTH are the fixed sizes of NetFlow v5. */
export const V5_HEADER_LENGTH = 24;
export const V5_RECORD_LENGTH = 48;
/** V5_MAX_RECORDS is the most records a v5 datagram carries (Cisco format). */
export const V5_MAX_RECORDS = 30;

/*
 * NetFlow v5 (Cisco "NetFlow Export Datagram Format"), big-endian.
 *
 * Header, 24 bytes:
 *   0-1   version (= 5)
 *   2-3   count: records in this datagram, 1 to 30
 *   4-7   SysUptime: ms since the device booted
 *   8-11  unix_secs: export time, seconds since 1970
 *   12-15 unix_nsecs: residual nanoseconds
 *   16-19 flow_sequence: sequence counter of flows seen
 *   20    engine_type
 *   21    engine_id
 *   22-23 sampling_interval: 2 bits of mode, 14 bits of interval
 *
 * Record, 48 bytes:
 *   0-3   srcaddr             24-27 First: SysUptime at the first packet
 *   4-7   dstaddr             28-31 Last: SysUptime at the last packet
 *   8-11  nexthop             32-33 srcport
 *   12-13 input ifIndex       34-35 dstport (ICMP: type << 8 | code)
 *   14-15 output ifIndex      36    pad1
 *   16-19 dPkts               37    tcp_flags
 *   20-23 dOctets             38    prot
 *                             39    tos
 *   40-41 src_as              44    src_mask
 *   42-43 dst_as              45    dst_mask
 *                             46-47 pad2
 */

/** decodeV5 decodes a NetFlow v5 datagram `b` of `len` bytes. */
export function decodeV5(ctx: DecodeContext, b: Uint8Array, len: number): void {
  const stats = ctx.stats;
  if (len < V5_HEADER_LENGTH) {
    stats.errors[E_SHORT]!++;
    return;
  }
  const count = (b[2]! << 8) | b[3]!;
  if (count === 0 || count > V5_MAX_RECORDS) {
    stats.errors[E_BAD_LENGTH]!++;
    return;
  }
  if (len < V5_HEADER_LENGTH + count * V5_RECORD_LENGTH) {
    stats.errors[E_SHORT]!++;
    return;
  }
  const uptime = uint(b, 4, 4);
  const secs = uint(b, 8, 4);
  const headerMs = secs * 1000 + Math.floor(uint(b, 12, 4) / 1e6);
  const rate = ((b[22]! << 8) | b[23]!) & 0x3fff;
  const ts = ctx.timeSource;
  const batch = ctx.batch;
  const srcAddr = batch.srcAddr;
  const dstAddr = batch.dstAddr;
  const nextHop = batch.nextHop;
  const exporterAddress = batch.exporterAddress;
  const ea = ctx.exporterAddress;
  let p = V5_HEADER_LENGTH;
  for (let r = 0; r < count; r++, p += V5_RECORD_LENGTH) {
    if (batch.length >= batch.capacity) {
      ctx.full = true;
      return;
    }
    const i = batch.begin();
    const a = i * 16;
    for (let k = 0; k < 4; k++) {
      srcAddr[a + 12 + k] = b[p + k]!;
      dstAddr[a + 12 + k] = b[p + 4 + k]!;
      nextHop[a + 12 + k] = b[p + 8 + k]!;
    }
    srcAddr[a + 10] = srcAddr[a + 11] = 0xff;
    dstAddr[a + 10] = dstAddr[a + 11] = 0xff;
    nextHop[a + 10] = nextHop[a + 11] = 0xff;
    for (let k = 0; k < 16; k++) exporterAddress[a + k] = ea[k]!;
    batch.inIf[i] = (b[p + 12]! << 8) | b[p + 13]!;
    batch.outIf[i] = (b[p + 14]! << 8) | b[p + 15]!;
    batch.packets[i] = uint(b, p + 16, 4);
    batch.bytes[i] = uint(b, p + 20, 4);
    // First and Last are uptimes: subtract their age at export, modulo 2^32.
    const startMs = headerMs - ((uptime - uint(b, p + 24, 4)) >>> 0);
    batch.timeFlowStartMs[i] = startMs;
    batch.timeFlowEndMs[i] = headerMs - ((uptime - uint(b, p + 28, 4)) >>> 0);
    batch.srcPort[i] = (b[p + 32]! << 8) | b[p + 33]!;
    const dstPort = (b[p + 34]! << 8) | b[p + 35]!;
    batch.dstPort[i] = dstPort;
    batch.tcpFlags[i] = b[p + 37]!;
    const proto = b[p + 38]!;
    batch.proto[i] = proto;
    if (proto === 1) {
      batch.icmpType[i] = dstPort >>> 8;
      batch.icmpCode[i] = dstPort & 0xff;
    }
    batch.ipTos[i] = b[p + 39]!;
    batch.srcAS[i] = (b[p + 40]! << 8) | b[p + 41]!;
    batch.dstAS[i] = (b[p + 42]! << 8) | b[p + 43]!;
    batch.srcNetMask[i] = b[p + 44]!;
    batch.dstNetMask[i] = b[p + 45]!;
    batch.eType[i] = 0x0800;
    batch.samplingRate[i] = rate;
    batch.timeReceived[i] =
      ts === TS_INPUT ? ctx.timeReceived : ts === TS_PACKET || startMs <= 0 ? secs : Math.floor(startMs / 1000);
    batch.commit();
    stats.flows++;
  }
}
