// SPDX-License-Identifier: AGPL-3.0-only
//
// Data records of NetFlow v9 and IPFIX, compiled: one JavaScript function per
// template, generated from its operations (fields.ts). Fixed-length fields
// are read at constant offsets from the record start (or from the end of the
// last variable-length field), with no dispatch per field, and the work after
// the fields (sampling, times, biflows) is cut down to what the template can
// feed. The interpreter in records.ts is the reference: codegen.test.ts checks
// that both fill the same rows.
//
// Safety: the source is built only from integers (operation kinds, lengths
// and offsets, checked by `int`) and from the constant identifiers and
// snippets of this file. No byte or string from the wire reaches it, so a
// template cannot inject code.
import { MAX_MPLS_LABELS } from '../../batch.ts';
import { copyRow } from '../../batch-ops.ts';
import { errorIndex } from '../root.ts';
import { ntpMs, uint } from './bytes.ts';
import { TS_INPUT, TS_PACKET } from './context.ts';
import type { DecodeContext } from './context.ts';
import * as f from './fields.ts';
import { reverseRow } from './reverse.ts';
import type { Template } from './templates.ts';

/** DataDecoder decodes the records of a data set at `ctx.b[start..end)` with template `t`. */
export type DataDecoder = (ctx: DecodeContext, t: Template, start: number, end: number) => void;

const E_BAD_LENGTH = errorIndex['bad-length'];

// Templates with more operations stay interpreted: a huge function would not
// be optimized by V8 anyway.
const MAX_OPS = 256;

// int renders an integer for the generated source, and refuses anything else.
function int(x: number): string {
  if (!Number.isSafeInteger(x)) throw new RangeError(`codegen: not an integer: ${String(x)}`);
  return String(x);
}

// u renders the read of a big-endian unsigned integer of `len` bytes at `p + o`,
// with the same arithmetic as records.ts (exact up to 2^53 for 8 bytes).
function u(o: number, len: number): string {
  const at = (k: number): string => `b[p + ${int(o + k)}]`;
  switch (len) {
    case 1:
      return at(0);
    case 2:
      return `((${at(0)} << 8) | ${at(1)})`;
    case 3:
      return `((${at(0)} << 16) | (${at(1)} << 8) | ${at(2)})`;
    case 4:
      return `(((${at(0)} << 24) | (${at(1)} << 16) | (${at(2)} << 8) | ${at(3)}) >>> 0)`;
    case 8:
      return `(${u(o, 4)} * 4294967296 + ${u(o + 4, 4)})`;
    default:
      return `uint(b, p + ${int(o)}, ${int(len)})`;
  }
}

// Statements storing `v` for each integer kind, as in the switch of records.ts.
const NUMERIC = new Map<number, string>([
  [f.K_BYTES, 'if (v !== 0) bytes[i] = v;'],
  [f.K_BYTES_FB, 'if (bytes[i] === 0) bytes[i] = v;'],
  [f.K_PKTS, 'if (v !== 0) packets[i] = v;'],
  [f.K_PKTS_FB, 'if (packets[i] === 0) packets[i] = v;'],
  [f.K_REV_BYTES, 'revBytes = v;'],
  [f.K_REV_PKTS, 'revPkts = v;'],
  [f.K_REV_TOS, 'revTos = v;'],
  [f.K_REV_TCPFLAGS, 'revFlags = v;'],
  [f.K_PROTO, 'batch.proto[i] = v;'],
  [f.K_TOS, 'batch.ipTos[i] = v;'],
  [f.K_TCPFLAGS, 'batch.tcpFlags[i] = v;'],
  [f.K_SRCPORT, 'batch.srcPort[i] = v;'],
  [f.K_DSTPORT, 'batch.dstPort[i] = v;'],
  [f.K_SRCMASK, 'batch.srcNetMask[i] = v;'],
  [f.K_DSTMASK, 'batch.dstNetMask[i] = v;'],
  [f.K_INIF, 'batch.inIf[i] = v;'],
  [f.K_OUTIF, 'batch.outIf[i] = v;'],
  [f.K_SRCAS, 'batch.srcAS[i] = v;'],
  [f.K_DSTAS, 'batch.dstAS[i] = v;'],
  [f.K_SRCVLAN, 'batch.srcVlan[i] = v & 0xfff;'],
  [f.K_DSTVLAN, 'batch.dstVlan[i] = v & 0xfff;'],
  [f.K_IPVERSION, 'if (v === 4) eType[i] = 0x0800; else if (v === 6) eType[i] = 0x86dd;'],
  [f.K_ETYPE, 'eType[i] = v;'],
  [f.K_DIRECTION, 'batch.flowDirection[i] = v;'],
  [f.K_FWDSTATUS, 'batch.forwardingStatus[i] = v;'],
  [f.K_TTL, 'batch.ipTTL[i] = v;'],
  [f.K_FLOWLABEL, 'batch.ipv6FlowLabel[i] = v & 0xfffff;'],
  [f.K_FRAGID, 'batch.ipFragmentID[i] = v;'],
  [f.K_FRAGOFF, 'batch.ipFragmentOffset[i] = v;'],
  [f.K_NSRCPORT, 'batch.srcPortNAT[i] = v;'],
  [f.K_NDSTPORT, 'batch.dstPortNAT[i] = v;'],
  [f.K_ICMP_TC, 'if (v !== 0) { icmpType[i] = v >>> 8; icmpCode[i] = v; }'],
  [f.K_ICMP_TYPE, 'if (v !== 0) icmpType[i] = v;'],
  [f.K_ICMP_CODE, 'if (v !== 0) icmpCode[i] = v;'],
  [f.K_SAMPLER_ID, 'samplerId = v;'],
  [f.K_SAMPLING_INTERVAL, 'interval = v;'],
  [f.K_PACKET_INTERVAL, 'pInterval = v;'],
  [f.K_PACKET_SPACE, 'pSpace = v;'],
  [f.K_SAMPLING_SIZE, 'sSize = v;'],
  [f.K_SAMPLING_POP, 'sPop = v;'],
  [f.K_START_S, 'startMs = v * 1000;'],
  [f.K_END_S, 'endMs = v * 1000;'],
  [f.K_START_MS, 'startMs = v;'],
  [f.K_END_MS, 'endMs = v;'],
  [f.K_START_UP, 'startUp = v;'],
  [f.K_END_UP, 'endUp = v;'],
  [f.K_SYSINIT, 'sysInit = v;'],
  [f.K_START_DELTA, 'startMs = exportSecs * 1000 - Math.floor(v / 1000);'],
  [f.K_END_DELTA, 'endMs = exportSecs * 1000 - Math.floor(v / 1000);'],
]);

// Address columns of the groups of 4 address kinds, from K_SRC4 on.
const ADDRESS = ['srcAddr', 'dstAddr', 'nextHop', 'srcAddrNAT', 'dstAddrNAT'];

// address renders an address operation (see records.ts): g is kind - K_SRC4.
function address(g: number, o: number): string {
  const col = ADDRESS[g >> 2]!;
  const v6 = (g & 2) !== 0;
  const nz = (g & 1) !== 0;
  const n = v6 ? 16 : 4;
  const s: string[] = [];
  if (v6) {
    for (let k = 0; k < 16; k++) s.push(`${col}[a + ${int(k)}] = b[p + ${int(o + k)}];`);
  } else {
    // Overwriting a non-zero IPv6 address of the same record.
    if (nz) for (let k = 0; k < 10; k++) s.push(`${col}[a + ${int(k)}] = 0;`);
    s.push(`${col}[a + 10] = 0xff; ${col}[a + 11] = 0xff;`);
    for (let k = 0; k < 4; k++) s.push(`${col}[a + ${int(12 + k)}] = b[p + ${int(o + k)}];`);
  }
  if (g < 8) s.push(`af = ${v6 ? '6' : '4'};`);
  if (!nz) return s.join('\n');
  const test: string[] = [];
  for (let k = 0; k < n; k++) test.push(`b[p + ${int(o + k)}] !== 0`);
  return `if (${test.join(' || ')}) {\n${s.join('\n')}\n}`;
}

/**
 * compileDataDecoder generates the function decoding the data records of
 * template `t`, with exactly the semantics of `interpretDataRecords`. It
 * returns null when the template should stay interpreted.
 */
export function compileDataDecoder(t: Template): DataDecoder | null {
  const ops = t.ops;
  if (t.isOptions || ops.length > MAX_OPS * 3) return null;
  const has = new Set<number>();
  const body: string[] = [];
  // o is the offset of the next field from p: the record start, or the end
  // of the last variable-length field.
  let o = 0;
  let mpls = false;
  let af = false;
  for (let k = 0; k < ops.length; k += 3) {
    const kind = ops[k]!;
    const len = ops[k + 1]!;
    has.add(kind);
    if (kind >= f.K_NUMERIC) {
      const store = NUMERIC.get(kind);
      if (store === undefined) return null;
      body.push(`{ const v = ${u(o, len)}; ${store} }`);
    } else if (kind === f.K_SKIP) {
      // Nothing to read.
    } else if (kind === f.K_VAR) {
      // Same checks as records.ts: the length byte is counted by minLength or
      // the previous check; the value and the fields after it must fit.
      body.push(
        `p += ${int(o)};`,
        '{',
        'let l = b[p++];',
        `if (l === 255) { if (p + 2 > end) { stats.errors[${int(E_BAD_LENGTH)}]++; return; } l = (b[p] << 8) | b[p + 1]; p += 2; }`,
        `if (p + l + ${int(ops[k + 2]!)} > end) { stats.errors[${int(E_BAD_LENGTH)}]++; return; }`,
        'p += l;',
        '}',
      );
      o = 0;
      continue;
    } else if (kind >= f.K_SRC4 && kind <= f.K_NDST6NZ) {
      const g = kind - f.K_SRC4;
      if (g < 8) af = true;
      body.push(address(g, o));
    } else if (kind === f.K_SRCMAC || kind === f.K_DSTMAC) {
      const col = kind === f.K_SRCMAC ? 'srcMAC' : 'dstMAC';
      body.push(`batch.${col}[i] = ${u(o, 2)} * 4294967296 + ${u(o + 2, 4)};`);
    } else if (kind === f.K_MPLS) {
      // RFC 3032 entry: label (20 bits), traffic class (3), bottom of stack (1).
      mpls = true;
      body.push(
        `if (!mplsDone) { const e = ${u(o, 3)}; if (e === 0) mplsDone = true; else {`,
        `if (mplsN < ${int(MAX_MPLS_LABELS)}) mplsLabels[i * ${int(MAX_MPLS_LABELS)} + mplsN++] = e >>> 4;`,
        'if (e & 1) mplsDone = true; } }',
      );
    } else if (kind === f.K_START_NTP || kind === f.K_END_NTP) {
      body.push(`${kind === f.K_START_NTP ? 'startMs' : 'endMs'} = ntpMs(b, p + ${int(o)});`);
    } else {
      return null;
    }
    o += len;
  }
  if (o !== 0) body.push(`p += ${int(o)};`);

  const post: string[] = [];
  if (af) {
    post.push('if (eType[i] === 0) { if (af === 4) eType[i] = 0x0800; else if (af === 6) eType[i] = 0x86dd; }');
  }
  if (mpls) post.push('if (mplsN !== 0) batch.mplsCount[i] = mplsN;');
  // Without ICMP fields, exporters put type and code in the destination port
  // (without a protocol field, the protocol is 0).
  if (!t.hasIcmp && has.has(f.K_PROTO)) {
    post.push(
      '{ const proto = batch.proto[i]; if (proto === 1 || proto === 58) {',
      'const port = batch.dstPort[i]; icmpType[i] = port >>> 8; icmpCode[i] = port; } }',
    );
  }
  // Sampling: the record's own fields, else its sampler's rate, else the
  // domain's. A sampler id read from the record is never negative.
  const rate: string[] = [];
  if (has.has(f.K_SAMPLING_INTERVAL)) rate.push('if (interval !== 0) rate = interval;');
  if (has.has(f.K_PACKET_INTERVAL)) rate.push('if (pInterval !== 0) rate = Math.round((pInterval + pSpace) / pInterval);');
  if (has.has(f.K_SAMPLING_SIZE) && has.has(f.K_SAMPLING_POP)) {
    rate.push('if (sSize !== 0 && sPop !== 0) rate = Math.round(sPop / sSize);');
  }
  if (has.has(f.K_SAMPLER_ID)) {
    rate.push(
      '{ if (samplerId !== ctx.samplerCacheId) { ctx.samplerCacheId = samplerId;' +
        ' ctx.samplerCacheRate = domain.samplers.get(samplerId) ?? domain.rate; }' +
        ' rate = ctx.samplerCacheRate; }',
    );
  } else rate.push('rate = domain.rate;');
  post.push('let rate = 0;', rate.join(' else '), 'batch.samplingRate[i] = rate;');
  // Times relative to the exporter's boot (a read uptime is never negative).
  const startUp = has.has(f.K_START_UP);
  const endUp = has.has(f.K_END_UP);
  if (startUp || endUp) {
    post.push('{ const init = sysInit !== 0 ? sysInit : uptime < 0 ? domain.sysInitMs : 0;');
    if (startUp) {
      post.push(
        'if (startMs === 0) { if (init !== 0) startMs = init + startUp;',
        'else if (uptime >= 0) startMs = headerMs - ((uptime - startUp) >>> 0); }',
      );
    }
    if (endUp) {
      post.push(
        'if (endMs === 0) { if (init !== 0) endMs = init + endUp;',
        'else if (uptime >= 0) endMs = headerMs - ((uptime - endUp) >>> 0); }',
      );
    }
    post.push('}');
  }
  post.push(
    'batch.timeFlowStartMs[i] = startMs;',
    'batch.timeFlowEndMs[i] = endMs;',
    `batch.timeReceived[i] = ts === ${int(TS_INPUT)} ? timeReceived :` +
      ` ts === ${int(TS_PACKET)} || startMs <= 0 ? exportSecs : Math.floor(startMs / 1000);`,
  );
  for (let k = 0; k < 16; k++) post.push(`exporterAddress[a + ${int(k)}] = ea${int(k)};`);
  if (t.hasReverse) {
    // A biflow record may carry traffic in the reverse direction only: its
    // forward side is not a flow (see records.ts).
    post.push(
      'if (packets[i] === 0 && bytes[i] === 0) {',
      'if (revPkts > 0 && i + 1 < capacity) {',
      'batch.length = i + 1; const j = batch.begin(); batch.length = i;',
      'reverseRow(batch, i, j, revBytes, revPkts, revTos, revFlags);',
      'copyRow(batch, j, i); batch.commit(); stats.flows++; }',
      'continue; }',
      'batch.commit(); stats.flows++;',
      'if (revPkts > 0) { if (batch.length >= capacity) { ctx.full = true; return; }',
      'const j = batch.begin();',
      'if (j !== i) { reverseRow(batch, i, j, revBytes, revPkts, revTos, revFlags); batch.commit(); stats.flows++; } }',
    );
  } else post.push('batch.commit(); stats.flows++;');

  const ea: string[] = [];
  for (let k = 0; k < 16; k++) ea.push(`const ea${int(k)} = ctx.exporterAddress[${int(k)}];`);
  const source = [
    'return function decodeTemplate(ctx, t, start, end) {',
    'const b = ctx.b; const batch = ctx.batch; const stats = ctx.stats; const domain = ctx.domain;',
    'const capacity = batch.capacity;',
    'const srcAddr = batch.srcAddr; const dstAddr = batch.dstAddr; const nextHop = batch.nextHop;',
    'const srcAddrNAT = batch.srcAddrNAT; const dstAddrNAT = batch.dstAddrNAT;',
    'const exporterAddress = batch.exporterAddress; const mplsLabels = batch.mplsLabels;',
    'const bytes = batch.bytes; const packets = batch.packets; const eType = batch.eType;',
    'const icmpType = batch.icmpType; const icmpCode = batch.icmpCode;',
    'const exportSecs = ctx.exportSecs; const headerMs = ctx.headerMs; const uptime = ctx.uptime;',
    'const timeReceived = ctx.timeReceived; const ts = ctx.timeSource;',
    ...ea,
    'ctx.samplerCacheId = -1;',
    'let p = start;',
    `while (end - p >= ${int(t.minLength)}) {`,
    'if (batch.length >= capacity) { ctx.full = true; return; }',
    'const i = batch.begin(); const a = i * 16;',
    // Per-record state; V8 drops what the template never uses.
    'let af = 0; let mplsN = 0; let mplsDone = false;',
    'let revBytes = 0; let revPkts = 0; let revTos = -1; let revFlags = -1;',
    'let samplerId = -1; let interval = 0; let pInterval = 0; let pSpace = 0; let sSize = 0; let sPop = 0;',
    'let startMs = 0; let endMs = 0; let startUp = -1; let endUp = -1; let sysInit = 0;',
    ...body,
    ...post,
    '}',
    '};',
  ].join('\n');
  try {
    const factory = new Function('uint', 'ntpMs', 'copyRow', 'reverseRow', source) as (
      ...helpers: unknown[]
    ) => DataDecoder;
    return factory(uint, ntpMs, copyRow, reverseRow);
  } catch {
    // Code generation disallowed (--disallow-code-generation-from-strings).
    return null;
  }
}

