// SPDX-License-Identifier: AGPL-3.0-only
import { errorIndex } from '../root.ts';
import { MAX_FIELDS } from './fields.ts';
import { uint, zero } from './bytes.ts';
import type { DecodeContext } from './context.ts';
import { addTemplate, dataSet } from './sets.ts';

const E_SHORT = errorIndex['short-packet'];
const E_BAD_LENGTH = errorIndex['bad-length'];
const E_BAD_TEMPLATE = errorIndex['bad-template'];
const E_UNSUPPORTED = errorIndex.unsupported;

/*
 * NetFlow v9 packet header (RFC 3954 §5.1), 20 bytes, big-endian:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------+---------------------------------+
 * |       version (= 9)             |  count (records; often wrong)   |
 * +---------------------------------+---------------------------------+
 * |                 sysUpTime (ms since the device booted)            |
 * +-------------------------------------------------------------------+
 * |                 UNIX secs (export time, seconds since 1970)       |
 * +-------------------------------------------------------------------+
 * |                 sequence number                                   |
 * +-------------------------------------------------------------------+
 * |                 source ID (scope of template ids)                 |
 * +-------------------------------------------------------------------+
 *
 * Then FlowSets to the end of the datagram, each starting with:
 * +---------------------------------+---------------------------------+
 * |  FlowSet ID                     |  length (header included)       |
 * +---------------------------------+---------------------------------+
 * FlowSet ID 0 = templates, 1 = options templates, 2-255 reserved,
 * 256-65535 = data records of that template. FlowSets end with padding
 * to a 4-byte boundary.
 *
 * Template FlowSet (§5.2), records back to back:
 * | template ID (>= 256) | field count | type 1 | length 1 | ... |
 *
 * Options Template FlowSet (§6.1):
 * | template ID | option scope length (bytes) | option length (bytes) |
 * | scope type 1 | scope length 1 | ... | option type 1 | option length 1 | ...
 * Scope types are RFC 3954's own (1 system, 2 interface, 3 line card,
 * 4 cache, 5 template), not field types.
 *
 * Data FlowSet (§5.3): field values of each record in template order, no
 * separator; the field lengths come from the template only. Length 65535 is
 * not v9, but some exporters (H3C) use it like IPFIX's variable length.
 */

/** decodeV9 decodes a NetFlow v9 datagram `b` of `len` bytes. */
export function decodeV9(ctx: DecodeContext, b: Uint8Array, len: number): void {
  const stats = ctx.stats;
  if (len < 20) {
    stats.errors[E_SHORT]!++;
    return;
  }
  const uptime = uint(b, 4, 4);
  const secs = uint(b, 8, 4);
  const sourceId = uint(b, 16, 4);
  ctx.b = b;
  ctx.version = 9;
  ctx.domainId = sourceId;
  ctx.domain = ctx.state.v9.get(sourceId) ?? null;
  ctx.exportSecs = secs;
  ctx.headerMs = secs * 1000;
  ctx.uptime = uptime;
  let p = 20;
  while (!ctx.full) {
    if (p + 4 > len) {
      // Up to 3 bytes may be left: padding if zero, else a cut FlowSet.
      if (!zero(b, p, len - p)) stats.errors[E_BAD_LENGTH]!++;
      return;
    }
    const id = (b[p]! << 8) | b[p + 1]!;
    const setLen = (b[p + 2]! << 8) | b[p + 3]!;
    if (setLen < 4 || p + setLen > len) {
      // Zero bytes after the last FlowSet are padding (Palo Alto pads to 1,400).
      if (id !== 0 || setLen !== 0) stats.errors[E_BAD_LENGTH]!++;
      return;
    }
    const end = p + setLen;
    if (id === 0) templateSet(ctx, b, p + 4, end);
    else if (id === 1) optionsTemplateSet(ctx, b, p + 4, end);
    else if (id >= 256) dataSet(ctx, id, p + 4, end);
    else stats.errors[E_UNSUPPORTED]!++;
    p = end;
  }
}

function templateSet(ctx: DecodeContext, b: Uint8Array, start: number, end: number): void {
  let q = start;
  while (q + 4 <= end) {
    const id = (b[q]! << 8) | b[q + 1]!;
    const count = (b[q + 2]! << 8) | b[q + 3]!;
    if (id === 0 && count === 0) return; // padding
    const fieldsEnd = q + 4 + count * 4;
    if (id < 256 || count === 0 || count > MAX_FIELDS || fieldsEnd > end) {
      ctx.stats.errors[E_BAD_TEMPLATE]!++;
      return;
    }
    addTemplate(ctx, id, q + 4, fieldsEnd, count, 0, false);
    q = fieldsEnd;
  }
}

function optionsTemplateSet(ctx: DecodeContext, b: Uint8Array, start: number, end: number): void {
  let q = start;
  while (q + 6 <= end) {
    const id = (b[q]! << 8) | b[q + 1]!;
    const scopeLen = (b[q + 2]! << 8) | b[q + 3]!;
    const optionLen = (b[q + 4]! << 8) | b[q + 5]!;
    if (id === 0 && scopeLen === 0 && optionLen === 0) return; // padding
    const count = (scopeLen + optionLen) >>> 2;
    const fieldsEnd = q + 6 + scopeLen + optionLen;
    if (id < 256 || scopeLen & 3 || optionLen & 3 || count === 0 || count > MAX_FIELDS || fieldsEnd > end) {
      ctx.stats.errors[E_BAD_TEMPLATE]!++;
      return;
    }
    addTemplate(ctx, id, q + 6, fieldsEnd, count, scopeLen >>> 2, true);
    q = fieldsEnd;
  }
}
