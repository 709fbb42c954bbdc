// SPDX-License-Identifier: AGPL-3.0-only

/** ExporterInfo is what exporter rules see of an exporter (`Exporter.IP`, `Exporter.Name`). */
export interface ExporterInfo {
  ip: string;
  name: string;
}

/** InterfaceInfo is what interface rules see of an interface (`Interface.*`); speed is in Mbps. */
export interface InterfaceInfo {
  index: number;
  name: string;
  description: string;
  speed: number;
  vlan: number;
}

/** ExporterClassification is the result of the exporter rules; empty strings are "not classified". */
export interface ExporterClassification {
  group: string;
  role: string;
  site: string;
  region: string;
  tenant: string;
  reject: boolean;
}

/** Boundary is the network boundary of an interface, as the InIfBoundary/OutIfBoundary columns have it. */
export type Boundary = 'external' | 'internal' | 'undefined';

/**
 * InterfaceClassification is the result of the interface rules. `name` and
 * `description` are the interface's own unless a rule set them.
 */
export interface InterfaceClassification {
  provider: string;
  connectivity: string;
  boundary: Boundary;
  name: string;
  description: string;
  reject: boolean;
}

/** Value is a value of the rule language. */
export type Value = string | number | boolean | Value[];

/** Type is the static type of an expression; arrays also carry their element type at compile time. */
export type Type = 'string' | 'int' | 'bool' | 'array';

/**
 * Env is what a compiled rule runs against: the inputs and the
 * classification being built. Exporter rules leave `iface` and
 * `interfaceResult` at placeholders they never read.
 */
export interface Env {
  exporter: ExporterInfo;
  iface: InterfaceInfo;
  exporterResult: ExporterClassification;
  interfaceResult: InterfaceClassification;
}

/** newExporterClassification returns an empty exporter classification. */
export function newExporterClassification(): ExporterClassification {
  return { group: '', role: '', site: '', region: '', tenant: '', reject: false };
}

/** newInterfaceClassification returns an empty interface classification. */
export function newInterfaceClassification(): InterfaceClassification {
  return { provider: '', connectivity: '', boundary: 'undefined', name: '', description: '', reject: false };
}
