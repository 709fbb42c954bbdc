// SPDX-License-Identifier: AGPL-3.0-only
// Test helpers: the embedded engine behind the project's ClickHouse HTTP
// endpoint, with one random database per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { newMock } from '../reporter/mock.ts';
import type { Configuration } from './config.ts';
import { Embedded, Engine } from './embedded.ts';
import { HTTP } from './http.ts';
import { quoteIdentifier } from './root.ts';
import { Server } from './server.ts';

// One engine per test process: chdb keeps one ClickHouse context per process.
let shared: { engine: Engine; server: Server; dir: string } | null = null;

async function sharedEngine(): Promise<{ engine: Engine; server: Server }> {
  if (shared !== null) return shared;
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-chdb-'));
  // Two insert sessions, as standalone (src/standalone/root.ts).
  const engine = new Engine(dir, [], 2);
  engine.open();
  const server = new Server(newMock(), { listen: '127.0.0.1:0', readonly: false, username: 'default', password: '' }, engine);
  await server.start();
  server.unref();
  shared = { engine, server, dir };
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return shared;
}

/** clickhouseConfig is a clickhouse section pointing at `url` and `database`. */
export function clickhouseConfig(url: string, database: string): Configuration {
  return {
    servers: [url],
    database,
    username: 'default',
    password: '',
    requestTimeout: 60_000,
    maxConnections: 4,
    tls: { caFile: '', certFile: '', keyFile: '' },
    kafka: { consumers: 1, maxBlockSize: 1_048_576, pollTimeout: 1000, engineSettings: {} },
    resolutions: [
      { interval: 0, ttl: 15 * 86_400_000 },
      { interval: 60_000, ttl: 7 * 86_400_000 },
      { interval: 300_000, ttl: 90 * 86_400_000 },
      { interval: 3_600_000, ttl: 365 * 86_400_000 },
    ],
    asns: {},
  };
}

/** TestClickHouse is what a test gets: both drivers on one fresh database. */
export interface TestClickHouse {
  engine: Engine;
  server: Server;
  database: string;
  config: Configuration;
  http: HTTP;
  embedded: Embedded;
}

/**
 * testClickHouse gives a test a fresh database on the embedded engine,
 * reachable in process and through the HTTP endpoint; the database is
 * dropped when the test ends.
 */
export async function testClickHouse(t: TestContext): Promise<TestClickHouse> {
  const { engine, server } = await sharedEngine();
  const database = `test_${Math.random().toString(36).slice(2, 10)}`;
  await engine.run(`CREATE DATABASE ${quoteIdentifier(database)}`);
  const config = clickhouseConfig(server.url, database);
  const http = new HTTP(config);
  const embedded = new Embedded(engine, database);
  t.after(async () => {
    await http.close();
    await engine.run(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)} SYNC`);
  });
  return { engine, server, database, config, http, embedded };
}
