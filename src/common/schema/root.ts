// SPDX-License-Identifier: AGPL-3.0-only
import { createHash } from 'node:crypto';
import { AkvoradoError } from '../errors.ts';
import type { Configuration } from './config.ts';
import { COLUMNS, SORTING_KEY, type ColumnDefinition } from './definition.ts';

/** ProtobufType is the protobuf scalar type a column is encoded as. */
export type ProtobufType = 'uint32' | 'uint64' | 'string' | 'bytes';

/** Column is a column of the active schema. */
export interface Column extends ColumnDefinition {
  /** mainOnly after the configuration's main-table-only settings. */
  readonly mainOnly: boolean;
  /** protobuf is the field's number and type, null for ALIAS columns (computed by ClickHouse). */
  readonly protobuf: { readonly number: number; readonly type: ProtobufType; readonly repeated: boolean } | null;
}

// protobufType derives the wire type from the ClickHouse type.
function protobufType(chType: string): { type: ProtobufType; repeated: boolean } {
  if (chType.startsWith('Array(')) return { ...protobufType(chType.slice(6, -1)), repeated: true };
  if (chType.includes('String')) return { type: 'string', repeated: false };
  if (chType.includes('IPv6')) return { type: 'bytes', repeated: false };
  if (chType === 'UInt64') return { type: 'uint64', repeated: false };
  // UInt8/16/32, DateTime and Enum8 travel as varints.
  return { type: 'uint32', repeated: false };
}

/**
 * Schema is the active flow schema: the columns this deployment stores,
 * after `schema.enabled`, `schema.disabled` and `schema.main-table-only`.
 * The protobuf description, the Kafka topic name, the ClickHouse DDL and the
 * console's dimensions all come from it. Protobuf field numbers are fixed by
 * the position in COLUMNS, so enabling a column never renumbers others.
 */
export class Schema {
  /** columns are the enabled columns, in definition order. */
  readonly columns: readonly Column[];
  private readonly byName: ReadonlyMap<string, Column>;

  constructor(config: Configuration) {
    const known = new Map(COLUMNS.map((c) => [c.name, c]));
    const check = (key: string, names: readonly string[]) => {
      for (const n of names) {
        if (!known.has(n)) {
          throw new AkvoradoError('AKV_SCHEMA_INVALID', `schema.${key}: unknown column "${n}"`);
        }
      }
    };
    check('enabled', config.enabled);
    check('disabled', config.disabled);
    check('main-table-only', config.mainTableOnly);
    check('not-main-table-only', config.notMainTableOnly);
    for (const n of config.disabled) {
      if (known.get(n)!.required) throw new AkvoradoError('AKV_SCHEMA_INVALID', `schema.disabled: column "${n}" cannot be disabled`);
      if (config.enabled.includes(n)) {
        throw new AkvoradoError('AKV_SCHEMA_INVALID', `schema: column "${n}" is both enabled and disabled`);
      }
    }
    const columns: Column[] = [];
    let number = 0;
    for (const def of COLUMNS) {
      const protobuf = def.alias === undefined ? { number: ++number, ...protobufType(def.type) } : null;
      const on = config.enabled.includes(def.name) || (!def.disabled && !config.disabled.includes(def.name));
      if (!on) continue;
      const mainOnly = config.mainTableOnly.includes(def.name)
        ? true
        : config.notMainTableOnly.includes(def.name)
          ? false
          : (def.mainOnly ?? false);
      columns.push({ ...def, mainOnly, protobuf });
    }
    const byName = new Map(columns.map((c) => [c.name, c]));
    for (const c of columns) {
      for (const d of c.depends ?? []) {
        if (!byName.has(d)) {
          throw new AkvoradoError('AKV_SCHEMA_INVALID', `schema: column "${c.name}" needs column "${d}", which is disabled`);
        }
      }
    }
    this.columns = columns;
    this.byName = byName;
  }

  /** column returns an enabled column by name (case-sensitive), or undefined. */
  column(name: string): Column | undefined {
    return this.byName.get(name);
  }

  /** has tells whether a column is enabled. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** protobufColumns are the enabled columns the inlet sends, in field number order. */
  get protobufColumns(): Column[] {
    return this.columns.filter((c) => c.protobuf !== null);
  }

  /** sortingKey is the ORDER BY of the main table (enabled columns only). */
  get sortingKey(): string[] {
    return SORTING_KEY.filter((n) => this.byName.has(n));
  }

  /**
   * protobufText is the .proto description of one flow message. ClickHouse
   * reads the Kafka topic with it (length-delimited messages).
   */
  protobufText(): string {
    const fields = this.protobufColumns.map((c) => {
      const p = c.protobuf!;
      return `  ${p.repeated ? 'repeated ' : ''}${p.type} ${c.name} = ${p.number};`;
    });
    return `syntax = "proto3";\n\nmessage FlowMessage {\n${fields.join('\n')}\n}\n`;
  }

  /** hash is a short digest of the protobuf description: it changes whenever the message does. */
  hash(): string {
    return createHash('sha256').update(this.protobufText()).digest('base64url').slice(0, 10);
  }

  /** topicName is the Kafka topic for this schema ("flows-<hash>"), so that producers and consumers of another schema never mix. */
  topicName(base = 'flows'): string {
    return `${base}-${this.hash()}`;
  }
}
