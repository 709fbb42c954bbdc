// SPDX-License-Identifier: AGPL-3.0-only
//
// Options data records of NetFlow v9 (RFC 3954 §6.2) and IPFIX (RFC 7011
// §3.4.2.2): they announce sampling rates per sampler and the exporter's boot
// time. They produce no flow rows.
import { errorIndex } from '../root.ts';
import * as f from './fields.ts';
import { uint } from './bytes.ts';
import type { DecodeContext } from './context.ts';
import { setSamplingRate } from './templates.ts';
import type { Template } from './templates.ts';

const E_BAD_LENGTH = errorIndex['bad-length'];

/**
 * decodeOptionsRecords reads the options data records of a set and stores
 * what they announce in the domain: the rate of a sampler (RFC 3954
 * SAMPLING_INTERVAL, FLOW_SAMPLER_RANDOM_INTERVAL; RFC 5477 packet interval
 * and space, or size and population) and systemInitTimeMilliseconds.
 */
export function decodeOptionsRecords(ctx: DecodeContext, t: Template, start: number, end: number): void {
  const b = ctx.b;
  const domain = ctx.domain!;
  const ops = t.ops;
  const nOps = ops.length;
  let p = start;
  while (end - p >= t.minLength) {
    let samplerId = 0;
    let interval = 0;
    let pInterval = 0;
    let pSpace = 0;
    let sSize = 0;
    let sPop = 0;
    let sysInit = 0;
    let bad = false;
    for (let k = 0; k < nOps; k += 3) {
      const kind = ops[k]!;
      const len = ops[k + 1]!;
      if (kind === f.K_VAR) {
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
      if (kind === f.K_SAMPLER_ID) samplerId = uint(b, p, len);
      else if (kind === f.K_SAMPLING_INTERVAL) interval = uint(b, p, len);
      else if (kind === f.K_PACKET_INTERVAL) pInterval = uint(b, p, len);
      else if (kind === f.K_PACKET_SPACE) pSpace = uint(b, p, len);
      else if (kind === f.K_SAMPLING_SIZE) sSize = uint(b, p, len);
      else if (kind === f.K_SAMPLING_POP) sPop = uint(b, p, len);
      else if (kind === f.K_SYSINIT) sysInit = uint(b, p, len);
      p += len;
    }
    if (bad) {
      ctx.stats.errors[E_BAD_LENGTH]!++;
      return;
    }
    ctx.stats.optionsRecords++;
    let rate = 0;
    if (interval !== 0) rate = interval;
    else if (pInterval !== 0) rate = Math.round((pInterval + pSpace) / pInterval);
    else if (sSize !== 0 && sPop !== 0) rate = Math.round(sPop / sSize);
    if (rate !== 0) setSamplingRate(domain, samplerId, rate);
    if (sysInit !== 0) domain.sysInitMs = sysInit;
  }
}
