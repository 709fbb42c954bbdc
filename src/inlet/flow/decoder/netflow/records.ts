// SPDX-License-Identifier: AGPL-3.0-only
//
// Data records of NetFlow v9 and IPFIX: the compiled operations of a template
// (fields.ts) run over each record, straight into a FlowBatch row.
import { MAX_MPLS_LABELS } from '../../batch.ts';
import { errorIndex } from '../root.ts';
import { TS_INPUT, TS_PACKET } from './context.ts';
import type { DecodeContext } from './context.ts';
import { ntpMs, put16, put4, uint, zero } from './bytes.ts';
import * as f from './fields.ts';
import { copyRow } from '../../batch-ops.ts';
import { reverseRow } from './reverse.ts';
import { compileDataDecoder } from './codegen.ts';
import type { Template } from './templates.ts';

const E_BAD_LENGTH = errorIndex['bad-length'];

// Module-local copies of the operation kinds: V8 folds a local const into
// the switch (a jump table), while an imported binding is loaded at every
// use. Measured: twice the records per second.
const {
  K_VAR,
  K_SRC4,
  K_NDST6NZ,
  K_SRCMAC,
  K_DSTMAC,
  K_MPLS,
  K_START_NTP,
  K_END_NTP,
  K_NUMERIC,
  K_BYTES,
  K_BYTES_FB,
  K_PKTS,
  K_PKTS_FB,
  K_REV_BYTES,
  K_REV_PKTS,
  K_REV_TCPFLAGS,
  K_REV_TOS,
  K_PROTO,
  K_TOS,
  K_TCPFLAGS,
  K_SRCPORT,
  K_DSTPORT,
  K_SRCMASK,
  K_DSTMASK,
  K_INIF,
  K_OUTIF,
  K_SRCAS,
  K_DSTAS,
  K_SRCVLAN,
  K_DSTVLAN,
  K_IPVERSION,
  K_ETYPE,
  K_DIRECTION,
  K_FWDSTATUS,
  K_TTL,
  K_FLOWLABEL,
  K_FRAGID,
  K_FRAGOFF,
  K_NSRCPORT,
  K_NDSTPORT,
  K_ICMP_TC,
  K_ICMP_TYPE,
  K_ICMP_CODE,
  K_SAMPLER_ID,
  K_SAMPLING_INTERVAL,
  K_PACKET_INTERVAL,
  K_PACKET_SPACE,
  K_SAMPLING_SIZE,
  K_SAMPLING_POP,
  K_START_S,
  K_END_S,
  K_START_MS,
  K_END_MS,
  K_START_UP,
  K_END_UP,
  K_SYSINIT,
  K_START_DELTA,
  K_END_DELTA,
} = f;

/**
 * COMPILE_AFTER is the number of data sets a template is interpreted for
 * before its function is generated (codegen.ts): a template used a few times
 * (or a flood of changing ones) does not cost a compilation. Measured with
 * fuzz.test.ts: 8 compiled 41,000 functions and doubled its CPU time, 64
 * compiles 1,900 and costs nothing.
 */
export const COMPILE_AFTER = 64;

/**
 * decodeDataRecords runs template `t` over the records of a data set at
 * `ctx.b[start..end)` and commits one row per record (two for a biflow
 * with reverse packets): with the template's generated function once it is
 * used enough, else with the interpreter.
 */
export function decodeDataRecords(ctx: DecodeContext, t: Template, start: number, end: number): void {
  const decoder = t.decoder;
  if (decoder !== null) {
    decoder(ctx, t, start, end);
    return;
  }
  if (t.runs < COMPILE_AFTER && ++t.runs === COMPILE_AFTER) t.decoder = compileDataDecoder(t);
  interpretDataRecords(ctx, t, start, end);
}

/**
 * interpretDataRecords runs the operations of template `t` over the records
 * of a data set at `ctx.b[start..end)`. It is the reference for the
 * functions of codegen.ts. Bytes after the last whole record are padding.
 */
export function interpretDataRecords(ctx: DecodeContext, t: Template, start: number, end: number): void {
  const b = ctx.b;
  const batch = ctx.batch;
  const stats = ctx.stats;
  const domain = ctx.domain!;
  const ops = t.ops;
  const nOps = ops.length;
  const minLength = t.minLength;
  const srcAddr = batch.srcAddr;
  const dstAddr = batch.dstAddr;
  const nextHop = batch.nextHop;
  const bytes = batch.bytes;
  const packets = batch.packets;
  const eType = batch.eType;
  const icmpType = batch.icmpType;
  const icmpCode = batch.icmpCode;
  const exporterAddress = batch.exporterAddress;
  const ea = ctx.exporterAddress;
  ctx.samplerCacheId = -1;
  let p = start;
  // Bytes left after the last whole record are padding. They should be
  // zero (RFC 7011 §3.3.1), but MikroTik and nProbe leave garbage there.
  while (end - p >= minLength) {
    if (batch.length >= batch.capacity) {
      ctx.full = true;
      return;
    }
    const i = batch.begin();
    const a = i * 16;
    let af = 0;
    let mplsN = 0;
    let mplsDone = false;
    let revBytes = 0;
    let revPkts = 0;
    let revTos = -1;
    let revFlags = -1;
    let samplerId = -1;
    let interval = 0;
    let pInterval = 0;
    let pSpace = 0;
    let sSize = 0;
    let sPop = 0;
    let startMs = 0;
    let endMs = 0;
    let startUp = -1;
    let endUp = -1;
    let sysInit = 0;
    let bad = false;
    for (let k = 0; k < nOps; k += 3) {
      const kind = ops[k]!;
      const len = ops[k + 1]!;
      if (kind >= K_NUMERIC) {
        // Integers: read once (the usual lengths inline), then store.
        let v: number;
        if (len === 4) v = ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
        else if (len === 2) v = (b[p]! << 8) | b[p + 1]!;
        else if (len === 1) v = b[p]!;
        else if (len === 8) {
          v =
            (((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0) * 4294967296 +
            (((b[p + 4]! << 24) | (b[p + 5]! << 16) | (b[p + 6]! << 8) | b[p + 7]!) >>> 0);
        } else v = uint(b, p, len);
        p += len;
        switch (kind) {
          case K_BYTES:
            // Only non-zero, so that the OUT_BYTES fallback may come first.
            if (v !== 0) bytes[i] = v;
            break;
          case K_BYTES_FB:
            if (bytes[i] === 0) bytes[i] = v;
            break;
          case K_PKTS:
            if (v !== 0) packets[i] = v;
            break;
          case K_PKTS_FB:
            if (packets[i] === 0) packets[i] = v;
            break;
          case K_REV_BYTES:
            revBytes = v;
            break;
          case K_REV_PKTS:
            revPkts = v;
            break;
          case K_REV_TOS:
            revTos = v;
            break;
          case K_REV_TCPFLAGS:
            revFlags = v;
            break;
          case K_PROTO:
            batch.proto[i] = v;
            break;
          case K_TOS:
            batch.ipTos[i] = v;
            break;
          case K_TCPFLAGS:
            batch.tcpFlags[i] = v;
            break;
          case K_SRCPORT:
            batch.srcPort[i] = v;
            break;
          case K_DSTPORT:
            batch.dstPort[i] = v;
            break;
          case K_SRCMASK:
            batch.srcNetMask[i] = v;
            break;
          case K_DSTMASK:
            batch.dstNetMask[i] = v;
            break;
          case K_INIF:
            batch.inIf[i] = v;
            break;
          case K_OUTIF:
            batch.outIf[i] = v;
            break;
          case K_SRCAS:
            batch.srcAS[i] = v;
            break;
          case K_DSTAS:
            batch.dstAS[i] = v;
            break;
          case K_SRCVLAN:
            batch.srcVlan[i] = v & 0xfff;
            break;
          case K_DSTVLAN:
            batch.dstVlan[i] = v & 0xfff;
            break;
          case K_IPVERSION:
            if (v === 4) eType[i] = 0x0800;
            else if (v === 6) eType[i] = 0x86dd;
            break;
          case K_ETYPE:
            eType[i] = v;
            break;
          case K_DIRECTION:
            batch.flowDirection[i] = v;
            break;
          case K_FWDSTATUS:
            // Status in the top 2 bits, reason in the 6 others (RFC 7270 §4.12).
            batch.forwardingStatus[i] = v;
            break;
          case K_TTL:
            batch.ipTTL[i] = v;
            break;
          case K_FLOWLABEL:
            batch.ipv6FlowLabel[i] = v & 0xfffff;
            break;
          case K_FRAGID:
            batch.ipFragmentID[i] = v;
            break;
          case K_FRAGOFF:
            batch.ipFragmentOffset[i] = v;
            break;
          case K_NSRCPORT:
            batch.srcPortNAT[i] = v;
            break;
          case K_NDSTPORT:
            batch.dstPortNAT[i] = v;
            break;
          case K_ICMP_TC:
            // IPv4 and IPv6 fields may share a template: keep the non-zero one.
            if (v !== 0) {
              icmpType[i] = v >>> 8;
              icmpCode[i] = v;
            }
            break;
          case K_ICMP_TYPE:
            if (v !== 0) icmpType[i] = v;
            break;
          case K_ICMP_CODE:
            if (v !== 0) icmpCode[i] = v;
            break;
          case K_SAMPLER_ID:
            samplerId = v;
            break;
          case K_SAMPLING_INTERVAL:
            interval = v;
            break;
          case K_PACKET_INTERVAL:
            pInterval = v;
            break;
          case K_PACKET_SPACE:
            pSpace = v;
            break;
          case K_SAMPLING_SIZE:
            sSize = v;
            break;
          case K_SAMPLING_POP:
            sPop = v;
            break;
          case K_START_S:
            startMs = v * 1000;
            break;
          case K_END_S:
            endMs = v * 1000;
            break;
          case K_START_MS:
            startMs = v;
            break;
          case K_END_MS:
            endMs = v;
            break;
          case K_START_UP:
            startUp = v;
            break;
          case K_END_UP:
            endUp = v;
            break;
          case K_SYSINIT:
            sysInit = v;
            break;
          case K_START_DELTA:
            startMs = ctx.exportSecs * 1000 - Math.floor(v / 1000);
            break;
          case K_END_DELTA:
            endMs = ctx.exportSecs * 1000 - Math.floor(v / 1000);
            break;
        }
        continue;
      }
      if (kind === K_VAR) {
        // The length byte is there: minLength (or the previous variable
        // field's check) counted one byte for it. Then the value and the
        // minimum of the fields after it must fit, so that fixed fields up
        // to the next variable one need no check (RFC 7011 §7).
        let l = b[p++]!;
        if (l === 255) {
          if (p + 2 > end) {
            bad = true;
            break;
          }
          l = (b[p]! << 8) | b[p + 1]!;
          p += 2;
        }
        if (p + l + ops[k + 2]! > end) {
          bad = true;
          break;
        }
        p += l;
        continue;
      }
      if (kind <= K_NDST6NZ && kind >= K_SRC4) {
        // Addresses: groups of 4 kinds (IPv4, IPv4 if non-zero, IPv6, IPv6
        // if non-zero) for source, destination, next hop and NAT columns.
        const g = kind - K_SRC4;
        const v6 = (g & 2) !== 0;
        if ((g & 1) === 0 || !zero(b, p, len)) {
          const dst =
            g < 4 ? srcAddr : g < 8 ? dstAddr : g < 12 ? nextHop : g < 16 ? batch.srcAddrNAT : batch.dstAddrNAT;
          if (v6) put16(dst, a, b, p);
          else {
            // Overwriting a non-zero IPv6 address of the same record.
            if ((g & 1) !== 0) dst.fill(0, a, a + 10);
            put4(dst, a, b, p);
          }
          if (g < 8) af = v6 ? 6 : 4;
        }
        p += len;
        continue;
      }
      switch (kind) {
        case K_SRCMAC:
          batch.srcMAC[i] = ((b[p]! << 8) | b[p + 1]!) * 4294967296 + uint(b, p + 2, 4);
          break;
        case K_DSTMAC:
          batch.dstMAC[i] = ((b[p]! << 8) | b[p + 1]!) * 4294967296 + uint(b, p + 2, 4);
          break;
        case K_MPLS:
          // RFC 3032 entry: label (20 bits), traffic class (3), bottom of stack (1).
          if (!mplsDone) {
            const e = (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
            if (e === 0) mplsDone = true;
            else {
              if (mplsN < MAX_MPLS_LABELS) batch.mplsLabels[i * MAX_MPLS_LABELS + mplsN++] = e >>> 4;
              if (e & 1) mplsDone = true;
            }
          }
          break;
        case K_START_NTP:
          startMs = ntpMs(b, p);
          break;
        case K_END_NTP:
          endMs = ntpMs(b, p);
          break;
      }
      p += len;
    }
    if (bad) {
      stats.errors[E_BAD_LENGTH]!++;
      return;
    }
    if (eType[i] === 0) {
      if (af === 4) eType[i] = 0x0800;
      else if (af === 6) eType[i] = 0x86dd;
    }
    if (mplsN !== 0) batch.mplsCount[i] = mplsN;
    // Without ICMP fields, exporters put type and code in the destination port.
    if (!t.hasIcmp) {
      const proto = batch.proto[i];
      if (proto === 1 || proto === 58) {
        const port = batch.dstPort[i]!;
        icmpType[i] = port >>> 8;
        icmpCode[i] = port;
      }
    }
    // Sampling: the record's own fields, else its sampler's rate, else the domain's.
    let rate: number;
    if (interval !== 0) rate = interval;
    else if (pInterval !== 0) rate = Math.round((pInterval + pSpace) / pInterval);
    else if (sSize !== 0 && sPop !== 0) rate = Math.round(sPop / sSize);
    else if (samplerId >= 0) {
      if (samplerId !== ctx.samplerCacheId) {
        ctx.samplerCacheId = samplerId;
        ctx.samplerCacheRate = domain.samplers.get(samplerId) ?? domain.rate;
      }
      rate = ctx.samplerCacheRate;
    } else rate = domain.rate;
    batch.samplingRate[i] = rate;
    // Times relative to the exporter's boot: the record's systemInitTime,
    // else the v9 header (uptime and clock, modulo 2^32 ms), else options data.
    if (startUp >= 0 || endUp >= 0) {
      const init = sysInit !== 0 ? sysInit : ctx.uptime < 0 ? domain.sysInitMs : 0;
      if (startMs === 0 && startUp >= 0) {
        if (init !== 0) startMs = init + startUp;
        else if (ctx.uptime >= 0) startMs = ctx.headerMs - ((ctx.uptime - startUp) >>> 0);
      }
      if (endMs === 0 && endUp >= 0) {
        if (init !== 0) endMs = init + endUp;
        else if (ctx.uptime >= 0) endMs = ctx.headerMs - ((ctx.uptime - endUp) >>> 0);
      }
    }
    batch.timeFlowStartMs[i] = startMs;
    batch.timeFlowEndMs[i] = endMs;
    const ts = ctx.timeSource;
    batch.timeReceived[i] =
      ts === TS_INPUT
        ? ctx.timeReceived
        : ts === TS_PACKET || startMs <= 0
          ? ctx.exportSecs
          : Math.floor(startMs / 1000);
    for (let k = 0; k < 16; k++) exporterAddress[a + k] = ea[k]!;
    // A biflow record may carry traffic in the reverse direction only: its
    // forward side (no packets, no bytes) is not a flow. The reverse row is
    // built from row i before row i is given up.
    if (t.hasReverse && packets[i] === 0 && bytes[i] === 0) {
      if (revPkts > 0 && i + 1 < batch.capacity) {
        batch.length = i + 1;
        const j = batch.begin();
        batch.length = i;
        reverseRow(batch, i, j, revBytes, revPkts, revTos, revFlags);
        copyRow(batch, j, i);
        batch.commit();
        stats.flows++;
      }
      continue;
    }
    batch.commit();
    stats.flows++;
    if (revPkts > 0) {
      if (batch.length >= batch.capacity) {
        ctx.full = true;
        return;
      }
      const j = batch.begin();
      // j === i only with a batch of one row, just emptied by onFull.
      if (j !== i) {
        reverseRow(batch, i, j, revBytes, revPkts, revTos, revFlags);
        batch.commit();
        stats.flows++;
      }
    }
  }
}
