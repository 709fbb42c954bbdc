// SPDX-License-Identifier: AGPL-3.0-only
import { camelize, validateWith, type SchemaNode } from '../../../common/config/schema.ts';
import { parseIP } from '../../../common/helpers/ip.ts';
import { parseSubnet, SubnetMap } from '../../../common/helpers/subnet.ts';
import { BOUNDARIES, type ExporterInfo, type InterfaceInfo, type Provider, type ProviderAnswer } from './root.ts';

const interfaceSchema = {
  name: { doc: 'Interface name', format: String, default: '' },
  description: { doc: 'Interface description', format: String, default: '' },
  speed: { doc: 'Interface speed in Mbps', format: 'nat', default: 0 },
  provider: { doc: 'Provider (transit, peering, ...) of the interface', format: String, default: '' },
  connectivity: { doc: 'Connectivity (transit, pni, ix, ...) of the interface', format: String, default: '' },
  boundary: { doc: 'Boundary of the interface', format: [...BOUNDARIES], default: 'undefined' },
} satisfies SchemaNode;

function interfaceCheck(v: unknown): void {
  validateWith(interfaceSchema, v);
}

// interfacesFormat accepts a mapping of ifIndex to interfaces.
function interfacesFormat(v: unknown): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError('expected a mapping of ifIndex to interfaces');
  for (const [k, i] of Object.entries(v)) {
    if (!/^\d{1,10}$/.test(k) || Number(k) > 0xffffffff) throw new TypeError(`expected an ifIndex, got ${JSON.stringify(k)}`);
    try {
      interfaceCheck(i);
    } catch (err) {
      throw new TypeError(`${k}.${(err as Error).message}`, { cause: err });
    }
  }
}

const exporterSchema = {
  name: { doc: 'Exporter name', format: String, default: '' },
  group: { doc: 'Exporter group', format: String, default: '' },
  role: { doc: 'Exporter role', format: String, default: '' },
  site: { doc: 'Exporter site', format: String, default: '' },
  region: { doc: 'Exporter region', format: String, default: '' },
  tenant: { doc: 'Exporter tenant', format: String, default: '' },
  default: { doc: 'Interface for an ifIndex not listed; when absent, such an ifIndex is left to the next provider', format: interfaceCheck, freeform: true, default: null as unknown, nullable: true },
  'interfaces-by-index': { doc: 'Interfaces by ifIndex', format: interfacesFormat, freeform: true, default: {} as unknown },
  'if-indexes': { doc: 'Same as interfaces-by-index (the name Akvorado uses)', format: interfacesFormat, freeform: true, default: {} as unknown },
} satisfies SchemaNode;

// exportersFormat accepts a mapping of exporter subnets to exporters.
function exportersFormat(v: unknown): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new TypeError('expected a mapping of exporter subnets to exporters');
  for (const [k, e] of Object.entries(v)) {
    if (parseSubnet(k) === null) throw new TypeError(`expected a subnet like 192.0.2.0/24, got "${k}"`);
    try {
      validateWith(exporterSchema, e);
    } catch (err) {
      throw new TypeError(`${k}.${(err as Error).message}`, { cause: err });
    }
  }
}

/** staticSchema declares one static provider (an element of metadata.providers with type "static"). */
export const staticSchema = {
  type: { doc: 'Provider type', format: ['static'], default: 'static' },
  exporters: { doc: 'Exporters by subnet: name, classification, default interface and interfaces by ifIndex', format: exportersFormat, freeform: true, default: {} as unknown },
} satisfies SchemaNode;

/** StaticExporter is one exporter of the static provider, resolved. */
export interface StaticExporter {
  exporter: ExporterInfo;
  default: InterfaceInfo | null;
  interfaces: Map<number, InterfaceInfo>;
}

/** StaticConfiguration is one static provider's configuration, resolved. */
export interface StaticConfiguration {
  exporters: SubnetMap<StaticExporter>;
}

function toInterface(v: unknown): InterfaceInfo {
  return camelize<InterfaceInfo>(validateWith(interfaceSchema, v), interfaceSchema);
}

/** resolveStatic validates one provider setting (kebab-case, as written) and resolves it; it throws a TypeError naming the key. */
export function resolveStatic(raw: unknown): StaticConfiguration {
  const v = validateWith(staticSchema, raw) as { exporters: Record<string, unknown> };
  const exporters = Object.entries(v.exporters).map(([subnet, e]) => {
    const x = validateWith(exporterSchema, e) as Record<string, unknown> & { default: unknown };
    const interfaces = new Map<number, InterfaceInfo>();
    for (const key of ['if-indexes', 'interfaces-by-index']) {
      for (const [k, i] of Object.entries(x[key] as Record<string, unknown>)) interfaces.set(Number(k), toInterface(i));
    }
    const exporter: ExporterInfo = {
      name: x.name as string,
      group: x.group as string,
      role: x.role as string,
      site: x.site as string,
      region: x.region as string,
      tenant: x.tenant as string,
    };
    return [parseSubnet(subnet)!, { exporter, default: x.default === null ? null : toInterface(x.default), interfaces }] as const;
  });
  return { exporters: new SubnetMap(exporters) };
}

/**
 * StaticProvider answers from the configuration: an exporter whose address
 * no subnet matches is left to the next provider, and so is an ifIndex that
 * is not listed when the exporter has no default interface.
 */
export class StaticProvider implements Provider {
  readonly type = 'static';
  private readonly config: StaticConfiguration;

  constructor(config: StaticConfiguration) {
    this.config = config;
  }

  query(exporterIP: string, ifIndexes: readonly number[]): Promise<ProviderAnswer | null> {
    const e = this.exporter(exporterIP);
    if (e === undefined) return Promise.resolve(null);
    const interfaces = new Map<number, InterfaceInfo | null>();
    for (const i of ifIndexes) {
      const iface = interfaceOf(e, i);
      if (iface !== null) interfaces.set(i, iface);
    }
    return Promise.resolve({ exporter: e.exporter, interfaces });
  }

  answerNow(exporterIP: string, ifIndex: number): { exporter: ExporterInfo; interface: InterfaceInfo } | null {
    const e = this.exporter(exporterIP);
    const iface = e === undefined ? null : interfaceOf(e, ifIndex);
    return e === undefined || iface === null ? null : { exporter: e.exporter, interface: iface };
  }

  // exporter is the configured exporter whose subnet has this address.
  private exporter(exporterIP: string) {
    const addr = parseIP(exporterIP);
    return addr === null ? undefined : this.config.exporters.lookup(addr);
  }
}

// interfaceOf is the interface configured for `ifIndex`, else the exporter's default (null: none).
function interfaceOf(e: StaticExporter, ifIndex: number): InterfaceInfo | null {
  return e.interfaces.get(ifIndex) ?? e.default;
}
