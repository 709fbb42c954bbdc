// SPDX-License-Identifier: AGPL-3.0-only

/** BOUNDARIES are the values of an interface's boundary (as in the flow schema). */
export const BOUNDARIES = ['undefined', 'external', 'internal'] as const;
/** Boundary is one of BOUNDARIES. */
export type Boundary = (typeof BOUNDARIES)[number];

/** ExporterInfo is what the inlet knows about an exporter. */
export interface ExporterInfo {
  name: string;
  group: string;
  role: string;
  site: string;
  region: string;
  tenant: string;
}

/** InterfaceInfo is what the inlet knows about one interface of an exporter; speed is in Mbps. */
export interface InterfaceInfo {
  name: string;
  description: string;
  speed: number;
  provider: string;
  connectivity: string;
  boundary: Boundary;
}

/**
 * ProviderAnswer is a provider's answer for one exporter: its information
 * and the interfaces it knows among those asked. An asked ifIndex missing
 * from `interfaces` is left to the next provider; one mapped to null is
 * known not to exist (SNMP noSuchInstance).
 */
export interface ProviderAnswer {
  exporter: ExporterInfo;
  interfaces: Map<number, InterfaceInfo | null>;
}

/**
 * Provider answers metadata queries for exporters. `query` resolves to null
 * when the provider does not handle the exporter (the next one is asked) and
 * rejects when it handles it but could not get an answer (SNMP timeout).
 */
export interface Provider {
  readonly type: string;
  query(exporterIP: string, ifIndexes: readonly number[]): Promise<ProviderAnswer | null>;
  /**
   * answerNow, for a provider that knows its answers without asking anyone
   * (static), is query() for one interface, synchronously: null when it
   * would leave the interface to the next provider.
   */
  answerNow?(exporterIP: string, ifIndex: number): { exporter: ExporterInfo; interface: InterfaceInfo } | null;
  /** close cancels the queries in progress (they reject); called on stop. */
  close?(): void;
}

/** emptyExporter returns exporter information with only a name. */
export function emptyExporter(name: string): ExporterInfo {
  return { name, group: '', role: '', site: '', region: '', tenant: '' };
}

/** emptyInterface returns interface information with only name, description and speed. */
export function emptyInterface(name: string, description: string, speed: number): InterfaceInfo {
  return { name, description, speed, provider: '', connectivity: '', boundary: 'undefined' };
}
