// SPDX-License-Identifier: AGPL-3.0-only
import type { Exporter } from '../root.ts';
import { compileOps } from './fields.ts';
import type { CompiledOps } from './fields.ts';
import type { DataDecoder } from './codegen.ts';

/** MAX_TEMPLATES caps the templates kept for one exporter, all domains together. */
export const MAX_TEMPLATES = 4096;
/** MAX_DOMAINS caps the observation domains (or v9 source ids) kept for one exporter. */
export const MAX_DOMAINS = 1024;
/** MAX_SAMPLERS caps the sampler ids remembered for one observation domain. */
export const MAX_SAMPLERS = 256;

/**
 * Template is a compiled data or options template: the original field
 * specifiers (to recognise a refresh that changes nothing) and the operations
 * to run on each record, as (kind, length, minimum bytes after) triples,
 * and the function generated from them once the template is used enough.
 */
export class Template {
  readonly id: number;
  readonly isOptions: boolean;
  readonly fieldCount: number;
  readonly scopeCount: number;
  readonly raw: Uint8Array;
  readonly ops: Int32Array;
  readonly minLength: number;
  readonly hasReverse: boolean;
  readonly hasIcmp: boolean;
  /** decoder is the generated function of a data template (codegen.ts), or null to interpret ops. */
  decoder: DataDecoder | null;
  /** runs counts the data sets interpreted, up to COMPILE_AFTER (records.ts). */
  runs: number;

  constructor(id: number, isOptions: boolean, fieldCount: number, scopeCount: number, raw: Uint8Array, c: CompiledOps) {
    this.id = id;
    this.isOptions = isOptions;
    this.fieldCount = fieldCount;
    this.scopeCount = scopeCount;
    this.raw = raw;
    this.ops = c.ops;
    this.minLength = c.minLength;
    this.hasReverse = c.hasReverse;
    this.hasIcmp = c.hasIcmp;
    this.decoder = null;
    this.runs = 0;
  }

  /** sameAs tells whether the specifiers at `b[start..end)` define this template again. */
  sameAs(
    b: Uint8Array,
    start: number,
    end: number,
    fieldCount: number,
    scopeCount: number,
    isOptions: boolean,
  ): boolean {
    const raw = this.raw;
    if (
      raw.length !== end - start ||
      fieldCount !== this.fieldCount ||
      scopeCount !== this.scopeCount ||
      isOptions !== this.isOptions
    ) {
      return false;
    }
    for (let k = 0; k < raw.length; k++) if (raw[k] !== b[start + k]) return false;
    return true;
  }
}

/**
 * Domain is the state of one (version, observation domain or source id):
 * its templates by id, sampling rates by sampler id, the rate to use when a
 * record names no sampler, and the system init time from options data.
 */
export class Domain {
  readonly templates = new Map<number, Template>();
  readonly samplers = new Map<number, number>();
  rate = 0;
  sysInitMs = 0;
}

/** PendingSet is a data set kept until its template arrives, with its header context. */
export class PendingSet {
  readonly version: number;
  readonly domainId: number;
  readonly setId: number;
  readonly bytes: Uint8Array;
  readonly exportSecs: number;
  readonly headerMs: number;
  readonly uptime: number;
  readonly timeReceived: number;

  constructor(
    version: number,
    domainId: number,
    setId: number,
    bytes: Uint8Array,
    exportSecs: number,
    headerMs: number,
    uptime: number,
    timeReceived: number,
  ) {
    this.version = version;
    this.domainId = domainId;
    this.setId = setId;
    this.bytes = bytes;
    this.exportSecs = exportSecs;
    this.headerMs = headerMs;
    this.uptime = uptime;
    this.timeReceived = timeReceived;
  }
}

/**
 * NetFlowState is what the NetFlow decoder keeps in `Exporter.state`: one map
 * of domains per version (numeric keys, no string building per record) and a
 * small queue of data sets that arrived before their template.
 */
export class NetFlowState {
  readonly v9 = new Map<number, Domain>();
  readonly ipfix = new Map<number, Domain>();
  templateCount = 0;
  readonly pending: PendingSet[] = [];
}

/** stateOf returns the NetFlow state of an exporter, creating it on first use. */
export function stateOf(exporter: Exporter): NetFlowState {
  const s = exporter.state;
  if (s instanceof NetFlowState) return s;
  const created = new NetFlowState();
  exporter.state = created;
  return created;
}

/** domainsOf returns the domain map of a version (9 or 10). */
export function domainsOf(state: NetFlowState, version: number): Map<number, Domain> {
  return version === 9 ? state.v9 : state.ipfix;
}

/** INSTALL_* are the outcomes of installTemplate. */
export const INSTALL_NEW = 0;
export const INSTALL_SAME = 1;
export const INSTALL_REJECTED = 2;

/**
 * installTemplate stores (or refreshes) template `id` of a domain from the
 * field specifiers at `b[start..end)`. A definition identical to the stored
 * one is kept as is; a different one replaces the compiled reader. It returns
 * an INSTALL_* code; INSTALL_REJECTED means a bad template or a full state.
 */
export function installTemplate(
  state: NetFlowState,
  version: number,
  domainId: number,
  id: number,
  b: Uint8Array,
  start: number,
  end: number,
  fieldCount: number,
  scopeCount: number,
  isOptions: boolean,
): number {
  const domains = domainsOf(state, version);
  let domain = domains.get(domainId);
  const old = domain?.templates.get(id);
  if (old !== undefined && old.sameAs(b, start, end, fieldCount, scopeCount, isOptions)) return INSTALL_SAME;
  if (old === undefined && state.templateCount >= MAX_TEMPLATES) return INSTALL_REJECTED;
  const compiled = compileOps(b, start, fieldCount, scopeCount, version === 10, isOptions, version === 9);
  if (compiled === null) {
    // The old definition no longer describes the data: forget it.
    if (old !== undefined) {
      domain!.templates.delete(id);
      state.templateCount--;
    }
    return INSTALL_REJECTED;
  }
  if (domain === undefined) {
    if (domains.size >= MAX_DOMAINS) return INSTALL_REJECTED;
    domain = new Domain();
    domains.set(domainId, domain);
  }
  const t = new Template(id, isOptions, fieldCount, scopeCount, b.slice(start, end), compiled);
  if (old === undefined) state.templateCount++;
  domain.templates.set(id, t);
  return INSTALL_NEW;
}

/** withdrawTemplate forgets one template of a domain; it returns whether it existed. */
export function withdrawTemplate(state: NetFlowState, version: number, domainId: number, id: number): boolean {
  const domain = domainsOf(state, version).get(domainId);
  if (domain === undefined || !domain.templates.delete(id)) return false;
  state.templateCount--;
  return true;
}

/** withdrawAll forgets every data (or options) template of a domain (RFC 7011 §8.1). */
export function withdrawAll(state: NetFlowState, version: number, domainId: number, isOptions: boolean): void {
  const domain = domainsOf(state, version).get(domainId);
  if (domain === undefined) return;
  for (const [id, t] of domain.templates) {
    if (t.isOptions !== isOptions) continue;
    domain.templates.delete(id);
    state.templateCount--;
  }
}

/** setSamplingRate records the rate announced by options data for a sampler. */
export function setSamplingRate(domain: Domain, samplerId: number, rate: number): void {
  if (domain.samplers.has(samplerId) || domain.samplers.size < MAX_SAMPLERS) domain.samplers.set(samplerId, rate);
  domain.rate = rate;
}

/**
 * samplingRateOf returns the rate known for (version, domain, sampler) of an
 * exporter, or the domain's rate when the sampler is unknown, or 0. For tests
 * and diagnostics, not for the hot path.
 */
export function samplingRateOf(exporter: Exporter, version: number, domainId: number, samplerId = -1): number {
  const s = exporter.state;
  if (!(s instanceof NetFlowState)) return 0;
  const domain = domainsOf(s, version).get(domainId);
  if (domain === undefined) return 0;
  return domain.samplers.get(samplerId) ?? domain.rate;
}
