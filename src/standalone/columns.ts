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

/** Column is one column of a Block, in Native layout (MPLS: labels and counts). */
export type Column = Uint8Array | Uint16Array | Uint32Array | { labels: Uint32Array; counts: Uint8Array };
/**
 * Plan is how one table column is written: `alloc` makes its Column for a
 * Block of `capacity` rows, `copy` copies `n` rows of a batch from row
 * `from` into it at row `at`.
 */
export interface Plan {
  name: string;
  type: FixedType | 'String' | 'LowCardinality(String)' | 'Array(UInt32)';
  alloc: (capacity: number) => Column;
  copy: (b: FlowBatch, from: number, n: number, out: Column, at: number) => void;
}

/**
 * Block holds rows copied out of batches (whose buffers their workers
 * reuse), column by column in Native layout, up to `max` rows. Its arrays
 * grow with the rows (by a quarter at least) and are kept: the sink empties and
 * reuses blocks, so that hundreds of megabytes are not allocated and
 * collected every second.
 */
export class Block {
  /** max is the most rows the block takes. */
  readonly max: number;
  /** capacity is how many rows its arrays hold now. */
  capacity: number;
  readonly columns: Column[];
  rows = 0;

  constructor(plans: readonly Plan[], max: number, capacity = max) {
    this.max = max;
    this.capacity = Math.min(capacity, max);
    this.columns = plans.map((p) => p.alloc(this.capacity));
  }

  /** room is how many more rows fit. */
  get room(): number {
    return this.max - this.rows;
  }

  /** clear empties the block for reuse. */
  clear(): void {
    this.rows = 0;
  }

  /** append copies `n` rows of a batch from row `from` (n must fit). */
  append(plans: readonly Plan[], b: FlowBatch, from: number, n: number): void {
    if (this.rows + n > this.capacity) this.reserve(plans, this.rows + n);
    for (let k = 0; k < plans.length; k++) plans[k]!.copy(b, from, n, this.columns[k]!, this.rows);
    this.rows += n;
  }

  /** reserve makes room for `rows` rows at least (up to max), keeping the rows held. */
  reserve(plans: readonly Plan[], rows: number): void {
    if (rows <= this.capacity) return;
    const capacity = Math.min(this.max, Math.max(rows, Math.ceil(this.capacity * 1.25)));
    for (let k = 0; k < plans.length; k++) {
      const old = this.columns[k]!;
      const c = plans[k]!.alloc(capacity);
      if (ArrayBuffer.isView(old)) {
        const w = old.length / this.capacity;
        (c as typeof old).set(old.subarray(0, this.rows * w));
      } else {
        const m = c as { labels: Uint32Array; counts: Uint8Array };
        m.labels.set(old.labels.subarray(0, this.rows * MAX_MPLS_LABELS));
        m.counts.set(old.counts.subarray(0, this.rows));
      }
      this.columns[k] = c;
    }
    this.capacity = capacity;
  }
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
        alloc: (capacity) => new Uint32Array(capacity),
        copy: (b, from, n, out, at) => {
          const ids = out as Uint32Array;
          const src = b.stringIds;
          for (let i = 0, s = from * STRING_COUNT + slot; i < n; i++, s += STRING_COUNT) ids[at + i] = src[s]!;
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
      const ctor = col(EMPTY).constructor as new (n: number) => Uint8Array | Uint16Array | Uint32Array;
      const type = tableType.startsWith('Enum8') ? 'Enum8' : tableType === 'DateTime' && ctor === Uint32Array ? 'DateTime' : INT_TYPES.get(ctor);
      if (type === undefined) throw new Error(`standalone sink: ${name}: unexpected batch column`);
      return {
        name,
        type,
        alloc: (capacity) => new ctor(capacity),
        copy: (b, from, n, out, at) => (out as Uint32Array).set((col(b) as Uint32Array).subarray(from, from + n), at),
      };
    }
    case K.f64:
      // Little-endian UInt64 as two 32-bit halves: the values are integers
      // below 2^53, and BigInt conversions cost about 10 times more.
      return {
        name,
        type: 'UInt64',
        alloc: (capacity) => new Uint32Array(capacity * 2),
        copy: (b, from, n, out, at) => {
          const v = col(b) as Float64Array;
          const o = out as Uint32Array;
          // x >>> 0 is x modulo 2^32 (an integer), cheaper than %.
          for (let i = 0, j = at * 2; i < n; i++, j += 2) {
            const x = v[from + i]!;
            const low = x >>> 0;
            o[j] = low;
            o[j + 1] = (x - low) / 4294967296;
          }
        },
      };
    case K.addr:
      return {
        name,
        type: 'IPv6',
        alloc: (capacity) => new Uint8Array(capacity * 16),
        copy: (b, from, n, out, at) => (out as Uint8Array).set((col(b) as Uint8Array).subarray(from * 16, (from + n) * 16), at * 16),
      };
    case K.direction:
      return {
        name,
        type: 'Enum8',
        alloc: (capacity) => new Uint8Array(capacity),
        copy: (b, from, n, out, at) => {
          const v = col(b) as Uint8Array;
          const o = out as Uint8Array;
          for (let i = 0; i < n; i++) o[at + i] = v[from + i] === UNKNOWN_DIRECTION ? 0 : v[from + i]! + 1;
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
        alloc: (capacity) => new Uint8Array(capacity),
        copy: (b, from, n, out, at) => {
          const v = col(b) as Uint8Array;
          const o = out as Uint8Array;
          for (let i = from; i < from + n; i++) o[at + i - from] = b.eType[i] === eType && b.proto[i] === proto ? v[i]! : 0;
        },
      };
    }
    case K.country:
      return {
        name,
        type: 'FixedString(2)',
        alloc: (capacity) => new Uint8Array(capacity * 2),
        copy: (b, from, n, out, at) => {
          // First letter in the high byte, as the protobuf encoder writes it.
          const v = col(b) as Uint16Array;
          const o = out as Uint8Array;
          for (let i = 0; i < n; i++) {
            o[(at + i) * 2] = v[from + i]! >>> 8;
            o[(at + i) * 2 + 1] = v[from + i]! & 0xff;
          }
        },
      };
    case K.mpls:
      return {
        name,
        type: 'Array(UInt32)',
        alloc: (capacity) => ({ labels: new Uint32Array(capacity * MAX_MPLS_LABELS), counts: new Uint8Array(capacity) }),
        copy: (b, from, n, out, at) => {
          const o = out as { labels: Uint32Array; counts: Uint8Array };
          o.labels.set(b.mplsLabels.subarray(from * MAX_MPLS_LABELS, (from + n) * MAX_MPLS_LABELS), at * MAX_MPLS_LABELS);
          o.counts.set(b.mplsCount.subarray(from, from + n), at);
        },
      };
    default:
      throw new Error(`standalone sink: ${name}: unknown kind ${kind}`);
  }
}

/**
 * buildBlock makes one Native block of a Block's rows. Text columns are
 * written from the string table's UTF-8 bytes (ids never change meaning:
 * strings are never removed from the table). `indexes`, if given, lends
 * the buffer for the one-byte indexes of the k-th LowCardinality column
 * (see NativeBlock.lowCardinality), of `size` bytes at least: the block
 * reads them until it is encoded or written.
 */
export function buildBlock(
  plans: readonly Plan[],
  rows: Block,
  strings: StringTable,
  indexes?: (k: number, size: number) => Uint8Array,
): { block: NativeBlock; columns: string[] } {
  const block = new NativeBlock(rows.rows);
  let dictionary: Uint8Array[] | null = null;
  let lc = 0;
  plans.forEach((p, k) => {
    const c = rows.columns[k]!;
    if (p.type === 'Array(UInt32)') {
      const mpls = c as { labels: Uint32Array; counts: Uint8Array };
      block.uint32Arrays(p.name, mpls.labels, mpls.counts, MAX_MPLS_LABELS);
    } else if (p.type === 'String' || p.type === 'LowCardinality(String)') {
      if (dictionary === null) {
        dictionary = [];
        for (let id = 0; id < strings.size; id++) dictionary.push(strings.bytes(id));
      }
      if (p.type === 'String') block.strings(p.name, dictionary, c as Uint32Array);
      else block.lowCardinality(p.name, dictionary, c as Uint32Array, indexes?.(lc++, rows.rows));
    } else {
      block.fixed(p.name, p.type, c as ArrayBufferView);
    }
  });
  return { block, columns: plans.map((p) => p.name) };
}
