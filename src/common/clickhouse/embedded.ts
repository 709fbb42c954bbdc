// SPDX-License-Identifier: AGPL-3.0-only
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { ClickHouseError, quoteIdentifier, quoteString, type ClickHouse, insertBytes, type InsertData, type InsertFormat, type QueryOptions } from './root.ts';
import { Spooled } from './spool.ts';

// The chdb types, as far as this module uses them (the package is loaded
// lazily: its native library is large and only standalone needs it).
interface ChdbResult {
  readonly rowsRead: number;
  readonly elapsed: number;
  bytes(): Uint8Array;
  text(): string;
}
interface ChdbSession {
  queryAsync(query: string, opts?: { format?: string }): Promise<ChdbResult>;
  queryBindAsync(query: string, params: object, opts?: { format?: string }): Promise<ChdbResult>;
  close(): void;
}

/** RunOptions are what one statement of the engine may carry. */
export interface RunOptions extends QueryOptions {
  /** format is the output format (a FORMAT clause in the SQL wins). */
  format?: string;
  /** database is the current database for this statement. */
  database?: string;
}

/** RunResult is the raw output of one statement. */
export interface RunResult {
  data: Uint8Array;
  rowsRead: number;
  elapsedSeconds: number;
}

// settingName guards SET statements built from request parameters.
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

// settingsList renders settings as "k = v, ..." (names checked: they are spliced).
function settingsList(settings: Readonly<Record<string, string | number | boolean>>): string {
  const entries = Object.entries(settings);
  for (const [k] of entries) if (!SETTING_NAME.test(k)) throw new ClickHouseError(`invalid setting name ${JSON.stringify(k)}`, 115, 'UNKNOWN_SETTING');
  return entries.map(([k, v]) => `${k} = ${typeof v === 'string' ? quoteString(v) : Number(v)}`).join(', ');
}

/**
 * Engine is the ClickHouse engine embedded in this process (chdb) over one
 * data directory. Statements run one at a time: the session's current
 * database and settings are per session, so each statement sets what it
 * needs and restores it while nothing else runs. Binary inserts go
 * through a file (see spool.ts) because chdb takes SQL text only.
 * `insert()` runs on sessions of their own (`insertSessions`, opened on
 * the same directory when first needed): statements of different sessions
 * run in parallel, so that a query of the console does not wait for an
 * insert of several seconds, and inserts given at once run side by side.
 */
export class Engine {
  /** path is the data directory. */
  readonly path: string;
  private session: ChdbSession | null;
  private currentDatabase: string;
  private queue: Promise<unknown>;
  private closed: boolean;
  // The sessions for inserts, their queues and how many inserts each holds (see insert()).
  private readonly inserters: Array<ChdbSession | null>;
  private readonly insertQueues: Array<Promise<unknown>>;
  private readonly insertsHeld: number[];

  /** serverArgs are the engine's server settings (`--name=value`), given when the data directory opens. */
  readonly serverArgs: readonly string[];

  /** `insertSessions` is how many inserts may run at once (at least 1). */
  constructor(path: string, serverArgs: readonly string[] = [], insertSessions = 1) {
    this.path = resolve(path);
    this.serverArgs = serverArgs;
    this.session = null;
    this.currentDatabase = 'default';
    this.queue = Promise.resolve();
    this.closed = false;
    const sessions = Math.max(1, Math.floor(insertSessions));
    this.inserters = new Array<ChdbSession | null>(sessions).fill(null);
    this.insertQueues = new Array<Promise<unknown>>(sessions).fill(Promise.resolve());
    this.insertsHeld = new Array<number>(sessions).fill(0);
  }

  /** open loads chdb and opens the data directory (created when missing). */
  open(): void {
    if (this.session !== null) return;
    if (this.closed) throw new Error('embedded ClickHouse engine already closed');
    mkdirSync(this.path, { recursive: true });
    this.session = this.newSession();
  }

  // newSession opens a session on the data directory (several may).
  private newSession(): ChdbSession {
    const require = createRequire(import.meta.url);
    const chdb = require('chdb') as { Session: new (path: string, opts?: { connectionArgs?: string[] }) => ChdbSession };
    return this.serverArgs.length > 0 ? new chdb.Session(this.path, { connectionArgs: [...this.serverArgs] }) : new chdb.Session(this.path);
  }

  /** run executes one statement, exclusively. `body` is data for an INSERT ... FORMAT statement. */
  run(sql: string, options: RunOptions = {}, body?: Uint8Array): Promise<RunResult> {
    const next = this.queue.then(() => this.runNow(sql, options, body));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async runNow(sql: string, options: RunOptions, body: Uint8Array | undefined): Promise<RunResult> {
    if (this.session === null) this.open();
    const session = this.session!;
    const database = options.database ?? 'default';
    if (database !== this.currentDatabase) {
      await this.call(() => session.queryAsync(`USE ${quoteIdentifier(database)}`));
      this.currentDatabase = database;
    }
    const settings = options.settings ?? {};
    const list = settingsList(settings);
    if (list !== '') await this.call(() => session.queryAsync(`SET ${list}`));
    try {
      const run = async (statement: string) => {
        const format = options.format ?? 'TabSeparated';
        const params = options.params;
        return this.call(() =>
          params !== undefined && Object.keys(params).length > 0
            ? session.queryBindAsync(statement, params, { format })
            : session.queryAsync(statement, { format }),
        );
      };
      const result = body !== undefined && body.length > 0 ? await this.spooled(body, (file) => run(withInfile(sql, file))) : await run(sql);
      return { data: result.bytes(), rowsRead: result.rowsRead, elapsedSeconds: result.elapsed };
    } finally {
      if (list !== '') await this.call(() => session.queryAsync(`SET ${Object.keys(settings).map((k) => `${k} = DEFAULT`).join(', ')}`));
    }
  }

  // spooled writes `body` to a spool file for the time of `f` (chdb reads
  // data from files only). The write is synchronous: a copy into memory of
  // about 10 ms for an insert of 250,000 flows, where an asynchronous write
  // goes in 512 KiB steps, each waiting for a turn of a busy event loop
  // (2.6 s for the first insert of a standalone under load).
  private async spooled<T>(body: InsertData, f: (file: string) => Promise<T>): Promise<T> {
    if (!(body instanceof Uint8Array)) return f(body.path);
    const file = Spooled.of(body);
    try {
      return await f(file.path);
    } finally {
      file.remove();
    }
  }

  // call turns chdb's errors into ClickHouseError.
  private async call(f: () => Promise<ChdbResult>): Promise<ChdbResult> {
    try {
      return await f();
    } catch (err) {
      throw ClickHouseError.fromMessage((err as Error).message.replace(/^Query failed: /, ''), err);
    }
  }

  /**
   * insert runs "INSERT INTO <database>.<table> (...) ... FORMAT <format>"
   * (`sql`, names qualified: the session has no current database) with
   * `body` as its data (a spooled file is read where it is and left there),
   * on the insert session holding the fewest inserts,
   * each session one at a time; settings go in the statement. Queries run
   * meanwhile.
   */
  insert(sql: string, settings: Readonly<Record<string, string | number | boolean>>, body: InsertData): Promise<void> {
    if (this.session === null) this.open();
    const list = settingsList(settings);
    let k = 0;
    for (let i = 1; i < this.insertsHeld.length; i++) if (this.insertsHeld[i]! < this.insertsHeld[k]!) k = i;
    this.insertsHeld[k]!++;
    const next = this.insertQueues[k]!.then(async () => {
      const inserter = (this.inserters[k] ??= this.newSession());
      await this.spooled(body, (file) => this.call(() => inserter.queryAsync(withInfile(sql, file, list))));
    }).finally(() => this.insertsHeld[k]!--);
    this.insertQueues[k] = next.catch(() => undefined);
    return next;
  }

  /** close waits for running statements, then closes the data directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    await Promise.all(this.insertQueues);
    for (let i = 0; i < this.inserters.length; i++) {
      this.inserters[i]?.close();
      this.inserters[i] = null;
    }
    this.session?.close();
    this.session = null;
  }
}

/**
 * withInfile rewrites "INSERT INTO t (cols) FORMAT F" so that its data is
 * read from a file: "INSERT INTO t (cols) FROM INFILE 'f' FORMAT F", with
 * "SETTINGS <settings>" before FORMAT when given.
 */
export function withInfile(sql: string, file: string, settings = ''): string {
  const m = /^(\s*INSERT\s+INTO\s+[\s\S]+?)\s+FORMAT\s+([A-Za-z0-9]+)\s*$/i.exec(sql);
  if (m === null) throw new ClickHouseError('data sent with a statement that is not "INSERT INTO ... FORMAT <format>"', 62, 'SYNTAX_ERROR');
  return `${m[1]} FROM INFILE ${quoteString(file)}${settings === '' ? '' : ` SETTINGS ${settings}`} FORMAT ${m[2]}`;
}

/** Embedded is the ClickHouse driver over the engine embedded in this process. */
export class Embedded implements ClickHouse {
  readonly kind = 'embedded' as const;
  readonly database: string;
  /** engine is the embedded engine, shared with the project's HTTP endpoint when there is one. */
  readonly engine: Engine;

  constructor(engine: Engine, database = 'default') {
    this.engine = engine;
    this.database = database;
  }

  async select<T = Record<string, unknown>>(sql: string, options: QueryOptions = {}): Promise<T[]> {
    const r = await this.engine.run(sql, { ...options, format: 'JSONEachRow', database: this.database });
    const text = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength).toString('utf8');
    const rows: T[] = [];
    for (const line of text.split('\n')) if (line !== '') rows.push(JSON.parse(line) as T);
    return rows;
  }

  async exec(sql: string, options: QueryOptions = {}): Promise<void> {
    await this.engine.run(sql, { ...options, database: this.database });
  }

  async insert(table: string, columns: readonly string[], format: InsertFormat, data: InsertData, options: QueryOptions = {}): Promise<void> {
    if (insertBytes(data) === 0) return;
    const sql = `INSERT INTO ${quoteIdentifier(this.database)}.${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) FORMAT ${format}`;
    await this.engine.insert(sql, options.settings ?? {}, data);
  }

  async ping(): Promise<boolean> {
    try {
      await this.engine.run('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    // The engine belongs to whoever created it (it may serve HTTP too).
  }
}
