// SPDX-License-Identifier: AGPL-3.0-only
import type { ClassifierSet } from '../classifier/root.ts';
import type { StringTable } from '../flow/strings.ts';
import type { Answer, ExporterInfo } from '../metadata/root.ts';
import type { HotCounters } from './metrics.ts';

/** BOUNDARY_CODES maps a boundary to the value of the InIfBoundary/OutIfBoundary Enum8. */
export const BOUNDARY_CODES: Readonly<Record<string, number>> = { undefined: 0, external: 1, internal: 2 };

// NO_EXPORTER stands for an exporter no metadata provider knows.
const NO_EXPORTER: ExporterInfo = Object.freeze({ name: '', group: '', role: '', site: '', region: '', tenant: '' });

/**
 * InterfaceState is what the enricher writes for one interface of an
 * exporter: string ids and numbers resolved once, so that each flow only
 * copies them. `epoch` is the batch in which the metadata was last looked
 * up: the lookup runs once per interface and batch, not per flow.
 */
export class InterfaceState {
  epoch = -1;
  /** answer is the metadata answer the fields were computed from (null: none yet). */
  answer: Answer | null = null;
  /** missing tells that the last lookup had no answer. */
  missing = true;
  /** missedEpoch is the last batch that listed this interface among its misses. */
  missedEpoch = -1;
  reject = false;
  name = 0;
  description = 0;
  connectivity = 0;
  provider = 0;
  speed = 0;
  boundary = 0;
  lastUsed = 0;

  /** clear forgets the interface's fields (no answer). */
  clear(): void {
    this.answer = null;
    this.missing = true;
    this.reject = false;
    this.name = this.description = this.connectivity = this.provider = 0;
    this.speed = this.boundary = 0;
  }
}

/**
 * ExporterState is what the enricher knows of one exporter: its address as
 * metadata keys it, its classified fields as string ids, and its interfaces.
 */
export class ExporterState {
  readonly ip: string;
  readonly interfaces = new Map<number, InterfaceState>();
  /** small indexes the same states by ifIndex when it is small (a sparse array). */
  readonly small: Array<InterfaceState | undefined> = [];
  /** info is the metadata exporter object the fields were computed from. */
  info: ExporterInfo | null = null;
  reject = false;
  name = 0;
  group = 0;
  role = 0;
  site = 0;
  region = 0;
  tenant = 0;
  lastUsed = 0;

  constructor(ip: string) {
    this.ip = ip;
  }
}

// sameExporter tells whether two answers say the same of an exporter.
function sameExporter(a: ExporterInfo, b: ExporterInfo): boolean {
  return a.name === b.name && a.group === b.group && a.role === b.role && a.site === b.site && a.region === b.region && a.tenant === b.tenant;
}

/**
 * Classifications computes exporter and interface fields from metadata
 * answers and classifier rules. What a metadata provider says (a static
 * provider may set a group or a boundary) wins; rules fill what it left
 * empty. Results are kept in the states until the answer object changes
 * (metadata refreshed) or the state expires.
 */
export class Classifications {
  private readonly classifiers: ClassifierSet;
  private readonly strings: StringTable;
  private readonly hot: HotCounters;

  constructor(classifiers: ClassifierSet, strings: StringTable, hot: HotCounters) {
    this.classifiers = classifiers;
    this.strings = strings;
    this.hot = hot;
  }

  /** update refreshes an interface on a VLAN (and its exporter) from a metadata answer (null: none). */
  update(exp: ExporterState, s: InterfaceState, ifIndex: number, vlan: number, answer: Answer | null): void {
    if (answer === null) {
      s.clear();
      // Exporter rules still see the exporter's IP (they may reject it).
      if (exp.info === null) this.exporter(exp, NO_EXPORTER);
      return;
    }
    s.missing = false;
    if (answer.exporter !== exp.info) {
      // Each poll brings its own exporter object: the interfaces of one
      // exporter may hold different but equal ones.
      if (exp.info !== null && sameExporter(exp.info, answer.exporter)) exp.info = answer.exporter;
      else this.exporter(exp, answer.exporter);
    }
    if (answer === s.answer) {
      this.hot.classifierHits++;
      return;
    }
    this.hot.classifierMisses++;
    s.answer = answer;
    const i = answer.interface;
    if (i === null) {
      s.reject = false;
      s.name = s.description = s.connectivity = s.provider = 0;
      s.speed = s.boundary = 0;
      return;
    }
    const st = this.strings;
    let name = i.name;
    let description = i.description;
    let provider = i.provider;
    let connectivity = i.connectivity;
    let boundary = i.boundary;
    let reject = false;
    if (this.classifiers.iface.length > 0) {
      const c = this.classifiers.classifyInterface({ ip: exp.ip, name: answer.exporter.name }, { index: ifIndex, name, description, speed: i.speed, vlan });
      name = c.name;
      description = c.description;
      provider ||= c.provider;
      connectivity ||= c.connectivity;
      if (boundary === 'undefined') boundary = c.boundary;
      reject = c.reject;
    }
    s.reject = reject;
    s.name = st.intern(name);
    s.description = st.intern(description);
    s.provider = st.intern(provider);
    s.connectivity = st.intern(connectivity);
    s.speed = i.speed >>> 0;
    s.boundary = BOUNDARY_CODES[boundary] ?? 0;
  }

  // exporter computes an exporter's fields from its metadata.
  private exporter(exp: ExporterState, info: ExporterInfo): void {
    this.hot.classifierMisses++;
    exp.info = info;
    let { group, role, site, region, tenant } = info;
    let reject = false;
    if (this.classifiers.exporter.length > 0) {
      const c = this.classifiers.classifyExporter({ ip: exp.ip, name: info.name });
      group ||= c.group;
      role ||= c.role;
      site ||= c.site;
      region ||= c.region;
      tenant ||= c.tenant;
      reject = c.reject;
    }
    const st = this.strings;
    exp.reject = reject;
    exp.name = st.intern(info.name);
    exp.group = st.intern(group);
    exp.role = st.intern(role);
    exp.site = st.intern(site);
    exp.region = st.intern(region);
    exp.tenant = st.intern(tenant);
  }
}
