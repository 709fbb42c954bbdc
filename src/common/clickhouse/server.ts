// SPDX-License-Identifier: AGPL-3.0-only
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HTTPServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Reporter } from '../reporter/root.ts';
import type { Engine } from './embedded.ts';
import { ClickHouseError } from './root.ts';

/** ServerOptions configure the ClickHouse HTTP endpoint over the embedded engine. */
export interface ServerOptions {
  /** listen is host:port; port 0 picks a free one (see `address`). */
  listen: string;
  /** readonly refuses every statement that is not a read (SELECT, SHOW, DESCRIBE, EXISTS, EXPLAIN). */
  readonly: boolean;
  /** username and password, when password is not empty, are required from clients. */
  username: string;
  password: string;
}

// Parameters of the HTTP interface that are not query settings, and
// settings that only make sense to a ClickHouse server's HTTP layer.
const NOT_SETTINGS = new Set(['query', 'database', 'default_format', 'query_id', 'session_id', 'session_timeout', 'session_check', 'user', 'password', 'compress', 'decompress', 'quota_key']);
const HTTP_ONLY = new Set(['wait_end_of_query', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'enable_http_compression', 'http_zlib_compression_level', 'buffer_size', 'output_format_enable_streaming', 'cancel_http_readonly_queries_on_client_close', 'max_result_bytes', 'http_wait_end_of_query']);

const READ_STATEMENT = /^\s*(\(\s*)*(SELECT|WITH|SHOW|DESC|DESCRIBE|EXISTS|EXPLAIN)\b/i;
const INSERT_FORMAT = /^\s*INSERT\s+INTO\s+[\s\S]+?\s+FORMAT\s+[A-Za-z0-9]+\s*$/i;
const INSERT_INLINE = /^(\s*INSERT\s+INTO\s+[\s\S]+?\s+FORMAT\s+[A-Za-z0-9]+)[ \t]*\r?\n/i;
const FORMAT_CLAUSE = /\bFORMAT\s+([A-Za-z0-9]+)\s*;?\s*$/i;

// HTTP status by ClickHouse error code, as a ClickHouse server answers.
function statusFor(code: number): number {
  if ([60, 81, 16, 47, 46].includes(code)) return 404; // UNKNOWN_TABLE, UNKNOWN_DATABASE, NO_SUCH_COLUMN..., UNKNOWN_IDENTIFIER, UNKNOWN_FUNCTION
  if ([62, 27, 36, 115, 457, 26].includes(code)) return 400; // SYNTAX_ERROR, CANNOT_PARSE_INPUT..., BAD_ARGUMENTS, UNKNOWN_SETTING, ...
  if (code === 164) return 403; // READONLY
  if (code === 516 || code === 194) return 401; // AUTHENTICATION_FAILED, REQUIRED_PASSWORD
  return 500;
}

function contentType(format: string): string {
  if (/^JSON(?!.*EachRow)/i.test(format)) return 'application/json; charset=UTF-8';
  if (/EachRow|^JSONLines|^NDJSON/i.test(format)) return 'application/x-ndjson; charset=UTF-8';
  if (/^(TabSeparated|TSV|CSV|Pretty|Values|Vertical|Markdown|Raw|LineAsString|Template|CustomSeparated|XML)/i.test(format)) return 'text/plain; charset=UTF-8';
  return 'application/octet-stream';
}

/**
 * Server speaks ClickHouse's HTTP interface over the embedded engine: the
 * subset @clickhouse/client and common tools use (query in the URL or the
 * body, `database`, `default_format`, settings and `param_*` in the URL,
 * INSERT data in the body, gzip both ways, errors with ClickHouse's codes and
 * statuses). Tests and the console reach the embedded engine through it
 * with the same client they use against a ClickHouse server.
 */
export class Server {
  private readonly r: Reporter;
  private readonly options: ServerOptions;
  private readonly engine: Engine;
  private server: HTTPServer | null;
  private readonly metrics;

  constructor(r: Reporter, options: ServerOptions, engine: Engine) {
    this.r = r.child('clickhouse/server');
    this.options = options;
    this.engine = engine;
    this.server = null;
    this.metrics = {
      requests: this.r.metrics.counter({ name: 'requests_total', help: 'HTTP requests by status', labelNames: ['status'] as const }),
      duration: this.r.metrics.summary({ name: 'request_duration_seconds', help: 'Time to answer a request', percentiles: [0.5, 0.9, 0.99] }),
    };
  }

  /** address is where the server listens, once started ("127.0.0.1:8123"). */
  get address(): string {
    const a = this.server?.address() as AddressInfo | null | undefined;
    if (a === null || a === undefined) return '';
    return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
  }

  /** url is http://address/, for clients. */
  get url(): string {
    return `http://${this.address}`;
  }

  async start(): Promise<void> {
    const m = /^(.*):(\d+)$/.exec(this.options.listen);
    if (m === null) throw new TypeError(`listen: expected host:port, got ${JSON.stringify(this.options.listen)}`);
    const host = m[1]!.replace(/^\[|\]$/g, '') || '127.0.0.1';
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(Number(m[2]), host, () => resolve());
    });
    this.r.logger.info({ listen: this.address, readonly: this.options.readonly }, 'ClickHouse HTTP endpoint listening');
  }

  /** unref lets the process exit while the endpoint listens (tests sharing one endpoint). */
  unref(): void {
    this.server?.unref();
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (s === null) return;
    this.server = null;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    this.r.logger.info('ClickHouse HTTP endpoint stopped');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://localhost');
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    let status = 200;
    try {
      if ((url.pathname === '/ping' || url.pathname === '/') && !url.searchParams.has('query') && req.method !== 'POST') {
        res.end('Ok.\n');
        return;
      }
      if (url.pathname !== '/') throw new ClickHouseError(`There is no handle ${url.pathname}`, 0, 'NOT_FOUND');
      this.authenticate(req, url);
      let body: Buffer = await readBody(req);
      if (req.headers['content-encoding'] === 'gzip' || url.searchParams.get('decompress') === '1') body = gunzipSync(body);
      const { sql, data } = split(url.searchParams.get('query'), body);
      if (sql.trim() === '') throw new ClickHouseError('Empty query', 62, 'SYNTAX_ERROR');
      if (this.options.readonly && !READ_STATEMENT.test(sql)) {
        throw new ClickHouseError('Code: 164. DB::Exception: Cannot execute query in readonly mode. (READONLY)', 164, 'READONLY');
      }
      const params: Record<string, string> = {};
      const settings: Record<string, string> = {};
      for (const [k, v] of url.searchParams) {
        if (k.startsWith('param_')) params[k.slice(6)] = v;
        else if (!NOT_SETTINGS.has(k) && !HTTP_ONLY.has(k)) settings[k] = v;
      }
      const format = FORMAT_CLAUSE.exec(sql)?.[1] ?? url.searchParams.get('default_format') ?? 'TabSeparated';
      const result = await this.engine.run(
        sql,
        { format, database: url.searchParams.get('database') ?? 'default', params, settings },
        data === null ? undefined : data,
      );
      const summary = { read_rows: String(result.rowsRead), read_bytes: '0', written_rows: '0', written_bytes: '0', total_rows_to_read: '0', result_rows: '0', result_bytes: String(result.data.length), elapsed_ns: String(Math.round(result.elapsedSeconds * 1e9)) };
      res.setHeader('Content-Type', contentType(format));
      res.setHeader('X-ClickHouse-Format', format);
      res.setHeader('X-ClickHouse-Query-Id', queryId);
      res.setHeader('X-ClickHouse-Summary', JSON.stringify(summary));
      res.setHeader('X-ClickHouse-Timezone', 'UTC');
      let out = Buffer.from(result.data.buffer, result.data.byteOffset, result.data.byteLength);
      if (url.searchParams.get('enable_http_compression') === '1' && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        out = gzipSync(out, { level: 1 });
        res.setHeader('Content-Encoding', 'gzip');
      }
      res.end(out);
    } catch (err) {
      const e = err instanceof ClickHouseError ? err : ClickHouseError.fromMessage((err as Error).message, err);
      status = e.chName === 'NOT_FOUND' ? 404 : statusFor(e.chCode);
      const message = e.message.startsWith('Code: ') ? e.message : `Code: ${e.chCode}. DB::Exception: ${e.message}. (${e.chName || 'UNKNOWN'})`;
      res.statusCode = status;
      res.setHeader('Content-Type', 'text/plain; charset=UTF-8');
      res.setHeader('X-ClickHouse-Exception-Code', String(e.chCode));
      res.setHeader('X-ClickHouse-Query-Id', queryId);
      res.end(`${message}\n`);
    } finally {
      this.metrics.requests.labels(String(status)).inc();
      this.metrics.duration.observe((performance.now() - started) / 1000);
    }
  }

  private authenticate(req: IncomingMessage, url: URL): void {
    if (this.options.password === '') return;
    let user = req.headers['x-clickhouse-user'] ?? url.searchParams.get('user') ?? 'default';
    let password = req.headers['x-clickhouse-key'] ?? url.searchParams.get('password') ?? '';
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic !== null) {
      const text = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = text.indexOf(':');
      user = text.slice(0, colon);
      password = text.slice(colon + 1);
    }
    if (user !== this.options.username || password !== this.options.password) {
      throw new ClickHouseError(`Code: 516. DB::Exception: ${String(user)}: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)`, 516, 'AUTHENTICATION_FAILED');
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * split tells the statement from its data as ClickHouse does: with a query
 * in the URL, a body is the INSERT's data or the rest of the statement;
 * without, the body is the statement, possibly followed by inline INSERT data.
 */
export function split(urlQuery: string | null, body: Buffer): { sql: string; data: Buffer | null } {
  if (urlQuery !== null) {
    if (INSERT_FORMAT.test(urlQuery)) return { sql: urlQuery, data: body };
    return { sql: body.length === 0 ? urlQuery : `${urlQuery}\n${body.toString('utf8')}`, data: null };
  }
  // Only look at the start of a large body for the statement.
  const head = body.subarray(0, 65_536).toString('latin1');
  const m = INSERT_INLINE.exec(head);
  if (m !== null) return { sql: m[1]!, data: body.subarray(Buffer.byteLength(m[0], 'latin1')) };
  return { sql: body.toString('utf8'), data: null };
}
