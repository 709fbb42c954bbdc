// SPDX-License-Identifier: AGPL-3.0-only
import type { ClassifierSet } from '../classifier/root.ts';
import type { StringTable } from '../flow/strings.ts';
import type { GeoRecord } from '../geoip/root.ts';
import type { Answer } from '../metadata/root.ts';
import type { Networks } from '../networks/root.ts';
import type { ASNProvider } from './config.ts';

/** MetadataSource is what the enricher needs of the metadata component. */
export interface MetadataSource {
  lookup(exporterIP: string, ifIndex: number): Answer | null;
}

/** GeoSource is what the enricher needs of the GeoIP component. */
export interface GeoSource {
  readonly geoRecords: readonly GeoRecord[];
  lookupBatch(addr: Uint8Array, off: number, stride: number, count: number, out: Int32Array): void;
  asnOf(entry: number): number;
  geoOf(entry: number): number;
}

/** EnricherDependencies are the sources an Enricher reads. */
export interface EnricherDependencies {
  metadata: MetadataSource;
  geoip: GeoSource | null;
  networks: Networks;
  classifiers: ClassifierSet;
  strings: StringTable;
}

/** Misses lists, by exporter address, the ifIndexes whose metadata is missing. */
export type Misses = Map<string, number[]>;

/** AS_FLOW is the code of the "flow" AS provider. */
export const AS_FLOW = 0;
/** AS_FLOW_EXCEPT_PRIVATE is the code of the "flow-except-private" AS provider. */
export const AS_FLOW_EXCEPT_PRIVATE = 1;
/** AS_GEOIP is the code of the "geoip" AS provider. */
export const AS_GEOIP = 2;
/** AS_NETWORKS is the code of the "networks" AS provider. */
export const AS_NETWORKS = 3;
/** AS_CODES maps asn-providers values to their codes. */
export const AS_CODES: Readonly<Record<ASNProvider, number>> = { flow: AS_FLOW, 'flow-except-private': AS_FLOW_EXCEPT_PRIVATE, geoip: AS_GEOIP, networks: AS_NETWORKS };

/** isPrivateAS tells 16-bit and 32-bit private AS numbers (RFC 6996) and AS_TRANS (RFC 6793). */
export function isPrivateAS(asn: number): boolean {
  return (asn >= 64512 && asn <= 65534) || (asn >= 4_200_000_000 && asn <= 4_294_967_294) || asn === 23456;
}

