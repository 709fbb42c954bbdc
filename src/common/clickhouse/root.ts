// SPDX-License-Identifier: AGPL-3.0-only
import type { Spooled } from './spool.ts';

/** QueryOptions go with one statement. */
export interface QueryOptions {
  /** params bind {name:Type} placeholders: values never enter the SQL text. */
  params?: Readonly<Record<string, string | number | boolean>>;
  /** settings are ClickHouse query settings for this statement only. */
  settings?: Readonly<Record<string, string | number | boolean>>;
}

/** InsertFormat is a format in which inserts are sent: binary ones for the flow path. */
export type InsertFormat = 'Native' | 'RowBinary' | 'JSONEachRow' | 'TSV' | 'CSV';

/** InsertData is an insert's data: bytes in memory, or spooled to a file (see spool.ts). */
export type InsertData = Uint8Array | Spooled;

/** insertBytes is the size of an insert's data. */
export function insertBytes(data: InsertData): number {
  return data instanceof Uint8Array ? data.length : data.bytes;
}

/**
 * ClickHouse is how every component reaches ClickHouse, whether a server
 * over HTTP (`http.ts`) or the engine embedded in this process
 * (`embedded.ts`): the same SQL runs on both.
 */
export interface ClickHouse {
  /** kind says which driver this is, for logs and metrics. */
  readonly kind: 'http' | 'embedded';
  /** database is the database unqualified names refer to. */
  readonly database: string;
  /** select runs a query and returns its rows as objects (JSONEachRow). */
  select<T = Record<string, unknown>>(sql: string, options?: QueryOptions): Promise<T[]>;
  /** exec runs a statement returning nothing (DDL, INSERT ... SELECT). */
  exec(sql: string, options?: QueryOptions): Promise<void>;
  /**
   * insert sends `data`, already in `format`, into `table` (columns in the
   * order given). Spooled data stays in its file (the caller removes it).
   */
  insert(table: string, columns: readonly string[], format: InsertFormat, data: InsertData, options?: QueryOptions): Promise<void>;
  /** ping tells whether the server answers. */
  ping(): Promise<boolean>;
  /** close releases connections; the driver is unusable afterwards. */
  close(): Promise<void>;
}

/**
 * ClickHouseError is an error reported by ClickHouse: `chCode` is its
 * numeric code (e.g. 60 UNKNOWN_TABLE), `chName` its symbolic name.
 */
export class ClickHouseError extends Error {
  readonly chCode: number;
  readonly chName: string;

  constructor(message: string, chCode: number, chName: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClickHouseError';
    this.chCode = chCode;
    this.chName = chName;
  }

  /** fromMessage parses "Code: 60. DB::Exception: ... (UNKNOWN_TABLE)" as ClickHouse writes errors. */
  static fromMessage(message: string, cause?: unknown): ClickHouseError {
    const code = /Code: (\d+)\./.exec(message);
    const name = /\(([A-Z][A-Z0-9_]+)\)(?: \(version [^)]*\))?\s*$/.exec(message.trim());
    return new ClickHouseError(message.trim(), code === null ? 0 : Number(code[1]), name === null ? '' : name[1]!, { cause });
  }
}

/** quoteIdentifier quotes a table, column or database name for ClickHouse SQL. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

/** quoteString quotes a string literal for ClickHouse SQL (for DDL, where placeholders are not allowed). */
export function quoteString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
