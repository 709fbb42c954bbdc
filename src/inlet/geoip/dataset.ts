// SPDX-License-Identifier: AGPL-3.0-only
import { mergeTables } from '../../common/helpers/prefix-table-builder.ts';
import type { PrefixTable } from '../../common/helpers/prefix-table.ts';
import type { GeoRecord, RecordSet } from './records.ts';

/**
 * Dataset is everything the loaded databases say, swapped as a whole on
 * reload. The tables of every file, ASN and geo, are merged into one: a
 * single lookup gives an entry, and an entry gives both answers. This
 * halves the memory accesses of an enricher that wants both (the cost of a
 * lookup is its cache misses), and "the last file wins" costs nothing at
 * lookup time since it was settled while merging.
 */
export interface Dataset {
  /** table maps addresses to entries (-1: no database knows the address). */
  readonly table: PrefixTable;
  /** entryAS maps an entry to its index in asnRecords (-1: none). */
  readonly entryAS: Int32Array;
  /** entryASN maps an entry to its AS number (0: none). */
  readonly entryASN: Uint32Array;
  /** entryGeo maps an entry to its index in geoRecords (-1: none). */
  readonly entryGeo: Int32Array;
  readonly asnRecords: readonly GeoRecord[];
  readonly geoRecords: readonly GeoRecord[];
}

/**
 * buildDataset merges the tables of the ASN files and of the geo files (in
 * configuration order: for each address, the last file knowing it wins).
 */
export function buildDataset(asn: readonly PrefixTable[], asnSet: RecordSet, geo: readonly PrefixTable[], geoSet: RecordSet): Dataset {
  const na = asn.length;
  const pairs = new Map<number, number>();
  const entryAS: number[] = [];
  const entryGeo: number[] = [];
  const table = mergeTables([...asn, ...geo], (values) => {
    let a = -1;
    for (let t = na - 1; t >= 0 && a < 0; t--) a = values[t]!;
    let g = -1;
    for (let t = values.length - 1; t >= na && g < 0; t--) g = values[t]!;
    if (a < 0 && g < 0) return -1;
    // Record indexes stay far below 2^26: the key is exact.
    const key = (a + 1) * 67_108_864 + (g + 1);
    let e = pairs.get(key);
    if (e === undefined) {
      e = entryAS.length;
      pairs.set(key, e);
      entryAS.push(a);
      entryGeo.push(g);
    }
    return e;
  });
  const entryASN = new Uint32Array(Math.max(1, entryAS.length));
  entryAS.forEach((a, e) => {
    entryASN[e] = a < 0 ? 0 : asnSet.asns[a]!;
  });
  return {
    table,
    entryAS: Int32Array.from(entryAS),
    entryASN,
    entryGeo: Int32Array.from(entryGeo),
    asnRecords: asnSet.records,
    geoRecords: geoSet.records,
  };
}
