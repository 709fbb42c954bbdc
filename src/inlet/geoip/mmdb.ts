// SPDX-License-Identifier: AGPL-3.0-only
//
// Turns a MaxMind DB (https://maxmind.github.io/MaxMind-DB/) into a
// PrefixTable. Calling a MMDB reader per flow costs a walk of up to 128
// nodes plus a data decode; instead the search tree is walked once, at load,
// and every network becomes a prefix whose value indexes a deduplicated
// record. mmdb-lib parses the metadata and decodes the data section.
//
// Search tree: node_count nodes of two records (record_size 24, 28 or 32
// bits; left = bit 0). A record < node_count is a node, == node_count means
// no data, > node_count points into the data section, which starts 16 bytes
// after the tree. In an IPv6 database, IPv4 networks sit under ::/96, and
// MaxMind aliases ::ffff:0:0/96 and 2002::/16 to that subtree: here the
// IPv4 subtree is placed at ::ffff:0:0/96 (our IPv4-mapped form) and the
// aliases elsewhere are skipped, as are IPv4-compatible addresses (::/96).
import decoderModule from 'mmdb-lib/lib/decoder.js';
import { parseMetadata } from 'mmdb-lib/lib/metadata.js';
import { SortedPrefixWriter } from '../../common/helpers/prefix-table-builder.ts';
import type { PrefixTable } from '../../common/helpers/prefix-table.ts';
import { RecordSet, toRecord } from './records.ts';

const Decoder = decoderModule.default;

/** MMDBInfo describes a loaded database. */
export interface MMDBInfo {
  databaseType: string;
  ipVersion: number;
  nodeCount: number;
  /** networks is the number of networks with data found in the tree. */
  networks: number;
  buildEpoch: Date;
}

/** MMDBFormatError says that a file is not a valid MaxMind DB. */
export class MMDBFormatError extends RangeError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MMDBFormatError';
  }
}

type ReadRecord = (db: Buffer, node: number, bit: number) => number;

const READERS: Record<number, ReadRecord> = {
  24: (db, node, bit) => {
    const o = node * 6 + bit * 3;
    return (db[o]! << 16) | (db[o + 1]! << 8) | db[o + 2]!;
  },
  28: (db, node, bit) => {
    const o = node * 7;
    if (bit === 0) return (((db[o + 3]! & 0xf0) << 20) | (db[o]! << 16) | (db[o + 1]! << 8) | db[o + 2]!) >>> 0;
    return (((db[o + 3]! & 0x0f) << 24) | (db[o + 4]! << 16) | (db[o + 5]! << 8) | db[o + 6]!) >>> 0;
  },
  32: (db, node, bit) => db.readUInt32BE(node * 8 + bit * 4),
};

/**
 * loadMMDB reads a database and returns a PrefixTable whose values index
 * `set.records` (-1 where the database has nothing Akvorado uses). It
 * throws MMDBFormatError when the file is not a valid database.
 */
export function loadMMDB(db: Buffer, set: RecordSet): { table: PrefixTable; info: MMDBInfo } {
  let meta: ReturnType<typeof parseMetadata>;
  try {
    meta = parseMetadata(db);
  } catch (err) {
    throw new MMDBFormatError(`not a MaxMind DB: ${(err as Error).message}`, { cause: err });
  }
  const { nodeCount, recordSize, ipVersion, searchTreeSize } = meta;
  const read = READERS[recordSize];
  if (read === undefined) throw new MMDBFormatError(`record size: expected 24, 28 or 32, got ${recordSize}`);
  if (ipVersion !== 4 && ipVersion !== 6) throw new MMDBFormatError(`ip_version: expected 4 or 6, got ${ipVersion}`);
  const dataStart = searchTreeSize + 16;
  const dataEnd = db.lastIndexOf(Buffer.from('\xAB\xCD\xEFMaxMind.com', 'latin1'));
  if (!Number.isInteger(nodeCount) || nodeCount < 1 || dataStart > dataEnd) {
    throw new MMDBFormatError(`node_count ${nodeCount}: search tree larger than the file`);
  }
  const decoder = new Decoder(db, dataStart);
  const writer = new SortedPrefixWriter();
  const values = new Map<number, number>();
  const cur = new Uint32Array(4);
  // A corrupt tree may loop (through aliases or bad records): bound the walk.
  let budget = nodeCount * 3 + 1024;
  let networks = 0;

  const valueOf = (record: number): number => {
    let v = values.get(record);
    if (v === undefined) {
      const offset = record - nodeCount - 16;
      if (offset < 0 || dataStart + offset >= dataEnd) throw new MMDBFormatError(`record ${record}: data pointer past the data section`);
      let data: unknown;
      try {
        data = decoder.decode(dataStart + offset).value;
      } catch (err) {
        throw new MMDBFormatError(`record ${record}: bad data: ${(err as Error).message}`, { cause: err });
      }
      const r = toRecord(data);
      v = r.asn === 0 && r.asName === '' && r.country === '' && r.city === '' && r.state === '' ? -1 : set.add(r);
      values.set(record, v);
    }
    return v;
  };

  const setBit = (depth: number, one: boolean) => {
    const m = 1 << (31 - (depth & 31));
    const w = depth >> 5;
    cur[w] = one ? cur[w]! | m : cur[w]! & ~m;
  };

  // walk visits the subtree of `record` for the prefix cur/depth. In v4
  // mode (under ::ffff:0:0/96), there are no aliases to look for.
  const walk = (record: number, depth: number, v4mode: boolean): void => {
    if (!v4mode && ipVersion === 6 && v4Root >= 0 && depth <= 96 && containsMapped(depth)) {
      if (depth === 96) {
        if (cur[2] === 0xffff) walkMapped();
        return; // ::/96, IPv4-compatible addresses
      }
      if (record >= nodeCount) {
        if (record > nodeCount) emit(record, depth);
        walkMapped();
        return;
      }
    }
    if (record > nodeCount) {
      emit(record, depth);
      return;
    }
    if (record === nodeCount) return;
    if (--budget < 0) throw new MMDBFormatError('search tree has cycles');
    if (!v4mode && record === v4Root && v4Root > 0) return; // an alias (2002::/16, ...)
    if (depth >= 128) throw new MMDBFormatError('search tree deeper than 128 bits');
    walk(read(db, record, 0), depth + 1, v4mode);
    setBit(depth, true);
    walk(read(db, record, 1), depth + 1, v4mode);
    setBit(depth, false);
  };

  const emit = (record: number, depth: number) => {
    networks++;
    writer.add(cur[0]!, cur[1]!, cur[2]!, cur[3]!, depth, valueOf(record));
  };

  // containsMapped tells whether cur/depth contains ::ffff:0:0/96 (bits
  // past depth are zero in cur).
  const containsMapped = (depth: number): boolean => {
    if (cur[0] !== 0 || cur[1] !== 0) return false;
    if (depth <= 80) return cur[2] === 0;
    return cur[2] === ((0xffff << (96 - depth)) & 0xffff) || (depth === 96 && cur[2] === 0);
  };

  const walkMapped = () => {
    const saved = cur[2]!;
    cur[2] = 0xffff;
    walk(v4Root === -2 ? 0 : v4Root, 96, true);
    cur[2] = saved;
  };

  // v4Root is the record at ::/96 (a node or data), or -1 when the
  // database has no IPv4 networks there.
  let v4Root = -1;
  if (ipVersion === 6) {
    let r = 0;
    for (let i = 0; i < 96 && r < nodeCount; i++) r = read(db, r, 0);
    v4Root = r === nodeCount ? -1 : r;
    if (v4Root === 0) throw new MMDBFormatError('search tree has cycles');
    walk(0, 0, false);
  } else {
    v4Root = -2; // the whole tree, from node 0
    walkMapped();
  }
  return {
    table: writer.finish(),
    info: { databaseType: meta.databaseType, ipVersion, nodeCount, networks, buildEpoch: meta.buildEpoch },
  };
}
