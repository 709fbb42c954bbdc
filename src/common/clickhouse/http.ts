// SPDX-License-Identifier: AGPL-3.0-only
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { createReadStream, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import type { Configuration } from './config.ts';
import { ClickHouseError, quoteIdentifier, type ClickHouse, insertBytes, type InsertData, type InsertFormat, type QueryOptions } from './root.ts';

type Settings = Record<string, string | number | boolean>;

// toClickHouseError keeps ClickHouse's own errors (they carry a code) and
// marks the others (connection refused, timeouts) as code 0.
function toClickHouseError(err: unknown): ClickHouseError {
  if (err instanceof ClickHouseError) return err;
  const e = err as { message?: string; code?: string; type?: string };
  if (typeof e.code === 'string' && /^\d+$/.test(e.code)) {
    return new ClickHouseError(e.message ?? String(err), Number(e.code), e.type ?? '', { cause: err });
  }
  return new ClickHouseError(e.message ?? String(err), 0, e.code ?? 'CONNECTION', { cause: err });
}

/**
 * HTTP is the ClickHouse driver over the HTTP interface (@clickhouse/client).
 * With several servers, a statement that cannot reach one (connection
 * error, not a ClickHouse error) is tried on the next.
 */
export class HTTP implements ClickHouse {
  readonly kind = 'http' as const;
  readonly database: string;
  private readonly clients: ClickHouseClient[];
  private next: number;

  constructor(config: Configuration) {
    this.database = config.database;
    const tls =
      config.tls.caFile === ''
        ? undefined
        : config.tls.certFile === ''
          ? { ca_cert: readFileSync(config.tls.caFile) }
          : { ca_cert: readFileSync(config.tls.caFile), cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) };
    this.clients = config.servers.map((url) =>
      createClient({
        url,
        database: config.database,
        username: config.username,
        password: config.password,
        request_timeout: config.requestTimeout,
        max_open_connections: config.maxConnections,
        application: 'akvorado',
        // Errors are returned to the caller, which logs them with context.
        log: { level: ClickHouseLogLevel.OFF },
        ...(tls === undefined ? {} : { tls }),
      }),
    );
    this.next = 0;
  }

  // attempt runs f on each server in turn until one answers.
  private async attempt<T>(f: (c: ClickHouseClient) => Promise<T>): Promise<T> {
    let last: ClickHouseError | null = null;
    for (let i = 0; i < this.clients.length; i++) {
      const idx = (this.next + i) % this.clients.length;
      try {
        const out = await f(this.clients[idx]!);
        this.next = idx;
        return out;
      } catch (err) {
        last = toClickHouseError(err);
        if (last.chCode !== 0) throw last;
      }
    }
    throw last!;
  }

  async select<T = Record<string, unknown>>(sql: string, options: QueryOptions = {}): Promise<T[]> {
    return this.attempt(async (c) => {
      const rs = await c.query({
        query: sql,
        format: 'JSONEachRow',
        ...(options.params === undefined ? {} : { query_params: options.params }),
        ...(options.settings === undefined ? {} : { clickhouse_settings: options.settings as Settings }),
      });
      return rs.json<T>();
    });
  }

  async exec(sql: string, options: QueryOptions = {}): Promise<void> {
    await this.attempt((c) =>
      c.command({
        query: sql,
        ...(options.params === undefined ? {} : { query_params: options.params }),
        clickhouse_settings: { wait_end_of_query: 1, ...(options.settings as Settings | undefined) },
      }),
    );
  }

  async insert(table: string, columns: readonly string[], format: InsertFormat, data: InsertData, options: QueryOptions = {}): Promise<void> {
    if (insertBytes(data) === 0) return;
    const query = `INSERT INTO ${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) FORMAT ${format}`;
    await this.attempt(async (c) => {
      const r = await c.exec({
        query,
        // A stream per attempt: a retry sends the data again.
        values: data instanceof Uint8Array ? Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]) : createReadStream(data.path),
        ...(options.settings === undefined ? {} : { clickhouse_settings: options.settings as Settings }),
      });
      // The response body must be consumed for the connection to be reused.
      for await (const _ of r.stream) void _;
    });
  }

  async ping(): Promise<boolean> {
    for (const c of this.clients) {
      const r = await c.ping();
      if (r.success) return true;
    }
    return false;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}
