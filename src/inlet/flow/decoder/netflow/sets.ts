// SPDX-License-Identifier: AGPL-3.0-only
//
// Data sets shared by NetFlow v9 and IPFIX: find the template, run it, and
// keep a few sets whose template has not arrived yet (exporters often send
// data first after a restart) to replay them when it does.
import { errorIndex } from '../root.ts';
import { decodeOptionsRecords } from './options.ts';
import { decodeDataRecords } from './records.ts';
import type { DecodeContext } from './context.ts';
import { INSTALL_NEW, INSTALL_REJECTED, PendingSet, domainsOf, installTemplate } from './templates.ts';
import type { Template } from './templates.ts';

const E_TEMPLATE_NOT_FOUND = errorIndex['template-not-found'];
const E_BAD_TEMPLATE = errorIndex['bad-template'];

/** MAX_PENDING_SETS caps the data sets kept per exporter while waiting for templates. */
export const MAX_PENDING_SETS = 4;
/** MAX_PENDING_SET_BYTES is the largest data set that is kept for later. */
export const MAX_PENDING_SET_BYTES = 4096;
/** PENDING_TTL is how long (seconds) a kept data set blocks newer ones. */
export const PENDING_TTL = 60;

/** runTemplate decodes the records of a set with a template (data or options). */
export function runTemplate(ctx: DecodeContext, t: Template, start: number, end: number): void {
  if (t.isOptions) decodeOptionsRecords(ctx, t, start, end);
  else decodeDataRecords(ctx, t, start, end);
}

/**
 * dataSet decodes the data set `setId` whose records are at
 * `ctx.b[start..end)`. Without a template, it counts template-not-found and
 * keeps a copy of the set for replayPending.
 */
export function dataSet(ctx: DecodeContext, setId: number, start: number, end: number): void {
  const t = ctx.domain === null ? undefined : ctx.domain.templates.get(setId);
  if (t !== undefined) {
    runTemplate(ctx, t, start, end);
    return;
  }
  ctx.stats.errors[E_TEMPLATE_NOT_FOUND]!++;
  if (end - start > MAX_PENDING_SET_BYTES || end <= start) return;
  // When full, the oldest set is replaced only once it is stale: a busy
  // exporter whose templates are late does not make a copy per datagram.
  const pending = ctx.state.pending;
  if (pending.length >= MAX_PENDING_SETS) {
    if (ctx.timeReceived - pending[0]!.timeReceived < PENDING_TTL) return;
    pending.shift();
  }
  pending.push(
    new PendingSet(
      ctx.version,
      ctx.domainId,
      setId,
      ctx.b.slice(start, end),
      ctx.exportSecs,
      ctx.headerMs,
      ctx.uptime,
      ctx.timeReceived,
    ),
  );
}

/**
 * replayPending decodes the kept data sets that template `t` (just
 * installed in the current domain) can read, with their own header values.
 */
export function replayPending(ctx: DecodeContext, t: Template): void {
  const pending = ctx.state.pending;
  if (pending.length === 0) return;
  const b = ctx.b;
  const exportSecs = ctx.exportSecs;
  const headerMs = ctx.headerMs;
  const uptime = ctx.uptime;
  const timeReceived = ctx.timeReceived;
  for (let k = 0; k < pending.length; ) {
    const s = pending[k]!;
    if (s.version !== ctx.version || s.domainId !== ctx.domainId || s.setId !== t.id) {
      k++;
      continue;
    }
    pending.splice(k, 1);
    ctx.b = s.bytes;
    ctx.exportSecs = s.exportSecs;
    ctx.headerMs = s.headerMs;
    ctx.uptime = s.uptime;
    ctx.timeReceived = s.timeReceived;
    runTemplate(ctx, t, 0, s.bytes.length);
  }
  ctx.b = b;
  ctx.exportSecs = exportSecs;
  ctx.headerMs = headerMs;
  ctx.uptime = uptime;
  ctx.timeReceived = timeReceived;
}

/**
 * addTemplate installs a template record of the current domain from its
 * field specifiers at `ctx.b[start..end)`, counts it, and replays the kept
 * data sets it can now read.
 */
export function addTemplate(
  ctx: DecodeContext,
  id: number,
  start: number,
  end: number,
  fieldCount: number,
  scopeCount: number,
  isOptions: boolean,
): void {
  const stats = ctx.stats;
  stats.templates++;
  if (isOptions) stats.optionsTemplates++;
  const r = installTemplate(
    ctx.state,
    ctx.version,
    ctx.domainId,
    id,
    ctx.b,
    start,
    end,
    fieldCount,
    scopeCount,
    isOptions,
  );
  if (r === INSTALL_REJECTED) {
    stats.errors[E_BAD_TEMPLATE]!++;
    return;
  }
  if (r !== INSTALL_NEW) return;
  const domain = domainsOf(ctx.state, ctx.version).get(ctx.domainId)!;
  ctx.domain = domain;
  replayPending(ctx, domain.templates.get(id)!);
}
