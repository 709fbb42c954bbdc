// SPDX-License-Identifier: AGPL-3.0-only
import { errorIndex } from '../root.ts';
import { MAX_FIELDS } from './fields.ts';
import { uint, zero } from './bytes.ts';
import type { DecodeContext } from './context.ts';
import { addTemplate, dataSet } from './sets.ts';
import { withdrawAll, withdrawTemplate } from './templates.ts';

const E_SHORT = errorIndex['short-packet'];
const E_BAD_LENGTH = errorIndex['bad-length'];
const E_BAD_TEMPLATE = errorIndex['bad-template'];
const E_UNSUPPORTED = errorIndex.unsupported;

/*
 * IPFIX message header (RFC 7011 §3.1), 16 bytes, big-endian:
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------+---------------------------------+
 * |       version (= 10)            |  length (whole message, bytes)  |
 * +---------------------------------+---------------------------------+
 * |                 export time (seconds since 1970)                  |
 * +-------------------------------------------------------------------+
 * |                 sequence number                                   |
 * +-------------------------------------------------------------------+
 * |                 observation domain ID                             |
 * +-------------------------------------------------------------------+
 *
 * Sets (§3.3), each | set ID | length (header included) | then records and
 * optional padding. Set ID 2 = templates, 3 = options templates, 0, 1 and
 * 4-255 reserved, 256-65535 = data records of that template.
 *
 * Template record (§3.4.1): | template ID (>= 256) | field count | then
 * field count field specifiers (§3.2):
 * +-+-------------------------------+---------------------------------+
 * |E| information element id       |  field length (65535 = variable)|
 * +-+-------------------------------+---------------------------------+
 * |        enterprise number (only when E is set)                     |
 * +-------------------------------------------------------------------+
 * A field count of 0 withdraws the template (§8.1); template ID 2 with
 * field count 0 withdraws all templates of the domain.
 *
 * Options template record (§3.4.2): | template ID | field count |
 * scope field count (>= 1) | then the field specifiers, scopes first.
 * Withdrawal: | template ID | 0 |, and template ID 3 withdraws all options
 * templates.
 *
 * Data record (§3.4.3): field values in template order. A variable-length
 * value (§7) starts with a length byte, or 255 and a 2-byte length.
 * Reverse elements of biflows (RFC 5103) use enterprise number 29305.
 */

/** decodeIPFIX decodes one IPFIX message from `b` (`len` bytes received). */
export function decodeIPFIX(ctx: DecodeContext, b: Uint8Array, len: number): void {
  const stats = ctx.stats;
  if (len < 16) {
    stats.errors[E_SHORT]!++;
    return;
  }
  const msgLen = (b[2]! << 8) | b[3]!;
  if (msgLen < 16) {
    stats.errors[E_BAD_LENGTH]!++;
    return;
  }
  if (msgLen > len) {
    stats.errors[E_SHORT]!++;
    return;
  }
  const secs = uint(b, 4, 4);
  const domainId = uint(b, 12, 4);
  ctx.b = b;
  ctx.version = 10;
  ctx.domainId = domainId;
  ctx.domain = ctx.state.ipfix.get(domainId) ?? null;
  ctx.exportSecs = secs;
  ctx.headerMs = secs * 1000;
  ctx.uptime = -1;
  let p = 16;
  while (!ctx.full) {
    if (p + 4 > msgLen) {
      if (!zero(b, p, msgLen - p)) stats.errors[E_BAD_LENGTH]!++;
      return;
    }
    const id = (b[p]! << 8) | b[p + 1]!;
    const setLen = (b[p + 2]! << 8) | b[p + 3]!;
    if (setLen < 4 || p + setLen > msgLen) {
      stats.errors[E_BAD_LENGTH]!++;
      return;
    }
    const end = p + setLen;
    if (id === 2) templateSet(ctx, b, p + 4, end, false);
    else if (id === 3) templateSet(ctx, b, p + 4, end, true);
    else if (id >= 256) dataSet(ctx, id, p + 4, end);
    else stats.errors[E_UNSUPPORTED]!++;
    p = end;
  }
}

function templateSet(ctx: DecodeContext, b: Uint8Array, start: number, end: number, options: boolean): void {
  const stats = ctx.stats;
  let q = start;
  while (q + 4 <= end) {
    const id = (b[q]! << 8) | b[q + 1]!;
    const count = (b[q + 2]! << 8) | b[q + 3]!;
    if (count === 0) {
      if (id === 0) return; // padding
      stats.templateWithdrawals++;
      if (id === (options ? 3 : 2)) withdrawAll(ctx.state, 10, ctx.domainId, options);
      else if (id >= 256) withdrawTemplate(ctx.state, 10, ctx.domainId, id);
      else {
        stats.errors[E_BAD_TEMPLATE]!++;
        return;
      }
      q += 4;
      continue;
    }
    let r = q + 4;
    let scope = 0;
    if (options) {
      if (r + 2 > end) {
        stats.errors[E_BAD_TEMPLATE]!++;
        return;
      }
      scope = (b[r]! << 8) | b[r + 1]!;
      r += 2;
    }
    if (id < 256 || count > MAX_FIELDS || (options && (scope === 0 || scope > count))) {
      stats.errors[E_BAD_TEMPLATE]!++;
      return;
    }
    const fieldsEnd = fieldsEndOf(b, r, count, end);
    if (fieldsEnd < 0) {
      stats.errors[E_BAD_TEMPLATE]!++;
      return;
    }
    addTemplate(ctx, id, r, fieldsEnd, count, scope, options);
    q = fieldsEnd;
  }
}

// fieldsEndOf returns where `count` field specifiers starting at `p` end,
// or -1 when they overflow `end`.
function fieldsEndOf(b: Uint8Array, p: number, count: number, end: number): number {
  for (let k = 0; k < count; k++) {
    if (p + 4 > end) return -1;
    p += b[p]! & 0x80 ? 8 : 4;
  }
  return p <= end ? p : -1;
}
