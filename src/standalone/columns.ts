// SPDX-License-Identifier: AGPL-3.0-only
// Enriched flow batches as ClickHouse Native columns, for the standalone
// sink. The columns and their kinds come from the protobuf encoder's table
// (SOURCES), so both outputs write the same values.
import { NativeBlock, type FixedType } from '../common/clickhouse/native.ts';
import { SOURCE_KINDS as K, SOURCES, STRING_SOURCES } from '../common/schema/protobuf.ts';
import type { Schema } from '../common/schema/root.ts';
import { FlowBatch, MAX_MPLS_LABELS, STRING_COUNT, STRING_INDEX, UNKNOWN_DIRECTION } from '../inlet/flow/batch.ts';
import type { StringTable } from '../inlet/flow/strings.ts';

// EMPTY is a batch of no rows, to read the shape of the columns from.
const EMPTY = new FlowBatch(0);

/** Copied is one column of a Chunk: a fresh array in Native layout (MPLS: labels and counts). */
export type Copied = ArrayBufferView | { labels: Uint32Array; counts: Uint8Array };
/** Plan is how one table column is written: `copy` turns a batch's rows into its Copied column. */
export interface Plan {
  name: string;
  type: FixedType | 'String' | 'LowCardinality(String)' | 'Array(UInt32)';
  copy: (b: FlowBatch, n: number) => Copied;
}

/** Chunk is rows copied out of a batch, column by column in Native layout. */
export interface Chunk {
  rows: number;
  columns: Copied[];
}

const INT_TYPES = new Map<unknown, FixedType>([
  [Uint8Array, 'UInt8'],
  [Uint16Array, 'UInt16'],
  [Uint32Array, 'UInt32'],
]);

/**
 * plan compiles the columns to write: the enabled, non-alias columns of the
 * main table that the batch carries (the others take their default).
 */
export function plan(schema: Schema): Plan[] {
  const plans: Plan[] = [];
  for (const c of schema.columns) {
    if (c.alias !== undefined) continue;
    const strings = STRING_SOURCES[c.name];
    if (strings !== undefined) {
      const slot = STRING_INDEX[strings];
      plans.push({
        name: c.name,
        // LowCardinality columns get their values as such: converting a
        // String column costs ClickHouse a hash lookup per row.
        type: c.type === 'LowCardinality(String)' ? 'LowCardinality(String)' : 'String',
        copy: (b, n) => {
          const ids = new Uint32Array(n);
          for (let i = 0; i < n; i++) ids[i] = b.stringIds[i * STRING_COUNT + slot]!;
          return ids;
        },
      });
      continue;
    }
    const source = SOURCES[c.name];
    if (source === undefined) continue;
    plans.push(columnPlan(c.name, c.type, source));
  }
  return plans;
}

// columnPlan is the plan of a numeric, address, country or MPLS column.
function columnPlan(name: string, tableType: string, source: (b: FlowBatch) => [number, ArrayBufferView]): Plan {
  const col = (b: FlowBatch) => source(b)[1];
  // The kind does not depend on the batch: read it from an empty one.
  const kind = source(EMPTY)[0];
  switch (kind) {
    case K.u32: {
      const ctor = col(EMPTY).constructor;
      const type = tableType.startsWith('Enum8') ? 'Enum8' : tableType === 'DateTime' && ctor === Uint32Array ? 'DateTime' : INT_TYPES.get(ctor);
      if (type === undefined) throw new Error(`standalone sink: ${name}: unexpected batch column`);
      return { name, type, copy: (b, n) => (col(b) as Uint32Array).slice(0, n) };
    }
    case K.f64:
      return {
        name,
        type: 'UInt64',
        copy: (b, n) => {
          const v = col(b) as Float64Array;
          const out = new BigUint64Array(n);
          for (let i = 0; i < n; i++) out[i] = BigInt(v[i]!);
          return out;
        },
      };
    case K.addr:
      return { name, type: 'IPv6', copy: (b, n) => (col(b) as Uint8Array).slice(0, n * 16) };
    case K.direction:
      return {
        name,
        type: 'Enum8',
        copy: (b, n) => {
          const v = col(b) as Uint8Array;
          const out = new Uint8Array(n);
          for (let i = 0; i < n; i++) out[i] = v[i] === UNKNOWN_DIRECTION ? 0 : v[i]! + 1;
          return out;
        },
      };
    case K.icmp4Type:
    case K.icmp4Code:
    case K.icmp6Type:
    case K.icmp6Code: {
      const v6 = kind === K.icmp6Type || kind === K.icmp6Code;
      const [eType, proto] = v6 ? [0x86dd, 58] : [0x0800, 1];
      return {
        name,
        type: 'UInt8',
        copy: (b, n) => {
          const v = col(b) as Uint8Array;
          const out = new Uint8Array(n);
          for (let i = 0; i < n; i++) out[i] = b.eType[i] === eType && b.proto[i] === proto ? v[i]! : 0;
          return out;
        },
      };
    }
    case K.country:
      return {
        name,
        type: 'FixedString(2)',
        copy: (b, n) => {
          // First letter in the high byte, as the protobuf encoder writes it.
          const v = col(b) as Uint16Array;
          const out = new Uint8Array(n * 2);
          for (let i = 0; i < n; i++) {
            out[i * 2] = v[i]! >>> 8;
            out[i * 2 + 1] = v[i]! & 0xff;
          }
          return out;
        },
      };
    case K.mpls:
      return {
        name,
        type: 'Array(UInt32)',
        copy: (b, n) => ({ labels: b.mplsLabels.slice(0, n * MAX_MPLS_LABELS), counts: b.mplsCount.slice(0, n) }),
      };
    default:
      throw new Error(`standalone sink: ${name}: unknown kind ${kind}`);
  }
}

/** copyBatch copies the rows of a batch (whose buffer its worker reuses) as a Chunk. */
export function copyBatch(plans: readonly Plan[], b: FlowBatch): Chunk {
  const n = b.length;
  return { rows: n, columns: plans.map((p) => p.copy(b, n)) };
}

// concat joins the same column of several chunks.
function concat<T extends Uint8Array | Uint16Array | Uint32Array | BigUint64Array>(parts: T[]): T {
  if (parts.length === 1) return parts[0]!;
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new (parts[0]!.constructor as new (n: number) => T)(total);
  let o = 0;
  for (const p of parts) {
    out.set(p as never, o);
    o += p.length;
  }
  return out;
}

/**
 * buildBlock makes one Native block of the chunks' rows. Text columns are
 * written from the string table's UTF-8 bytes (ids never change meaning:
 * strings are never removed from the table).
 */
export function buildBlock(plans: readonly Plan[], chunks: readonly Chunk[], strings: StringTable): { block: NativeBlock; columns: string[] } {
  let rows = 0;
  for (const c of chunks) rows += c.rows;
  const block = new NativeBlock(rows);
  let dictionary: Uint8Array[] | null = null;
  plans.forEach((p, k) => {
    const parts = chunks.map((c) => c.columns[k]!);
    if (p.type === 'Array(UInt32)') {
      const mpls = parts as Array<{ labels: Uint32Array; counts: Uint8Array }>;
      block.uint32Arrays(p.name, concat(mpls.map((m) => m.labels)), concat(mpls.map((m) => m.counts)), MAX_MPLS_LABELS);
    } else if (p.type === 'String' || p.type === 'LowCardinality(String)') {
      if (dictionary === null) {
        dictionary = [];
        for (let id = 0; id < strings.size; id++) dictionary.push(strings.bytes(id));
      }
      if (p.type === 'String') block.strings(p.name, dictionary, concat(parts as Uint32Array[]));
      else block.lowCardinality(p.name, dictionary, concat(parts as Uint32Array[]));
    } else {
      block.fixed(p.name, p.type, concat(parts as Uint8Array[]));
    }
  });
  return { block, columns: plans.map((p) => p.name) };
}
