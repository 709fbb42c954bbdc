// SPDX-License-Identifier: AGPL-3.0-only
// Saved filters, per user, in SQLite (node:sqlite). A shared filter is seen
// by every user; only its owner may delete it.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { Component } from '../common/daemon/root.ts';
import { AkvoradoError } from '../common/errors.ts';
import type { Reporter } from '../common/reporter/root.ts';

/** SavedFilter is one saved filter as the API returns it. */
export interface SavedFilter {
  id: number;
  shared: boolean;
  /** owner is the login of the user who saved it. */
  owner: string;
  description: string;
  content: string;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS saved_filters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  owner TEXT NOT NULL,
  shared INTEGER NOT NULL DEFAULT 0,
  description TEXT NOT NULL,
  content TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saved_filters_owner ON saved_filters (owner)`;

interface Row {
  id: number;
  owner: string;
  shared: number;
  description: string;
  content: string;
}

/**
 * SavedFilters keeps the saved filters in a SQLite file (":memory:" for
 * tests). The constructor is inert; start() opens the database.
 */
export class SavedFilters implements Component {
  private readonly r: Reporter;
  private readonly path: string;
  private db: DatabaseSync | null;
  private statements: { list: StatementSync; add: StatementSync; remove: StatementSync } | null;
  private stopped: boolean;

  constructor(r: Reporter, path: string) {
    this.r = r.child('console/saved');
    this.path = path;
    this.db = null;
    this.statements = null;
    this.stopped = false;
  }

  async start(): Promise<void> {
    if (this.stopped) throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'console/saved: already stopped');
    this.r.logger.info({ path: this.path }, 'starting saved filters database');
    try {
      this.db = new DatabaseSync(this.path);
      this.db.exec(SCHEMA);
      this.statements = {
        list: this.db.prepare('SELECT id, owner, shared, description, content FROM saved_filters WHERE owner = ? OR shared = 1 ORDER BY description, id'),
        add: this.db.prepare('INSERT INTO saved_filters (owner, shared, description, content) VALUES (?, ?, ?, ?) RETURNING id'),
        remove: this.db.prepare('DELETE FROM saved_filters WHERE id = ? AND owner = ?'),
      };
    } catch (cause) {
      throw new AkvoradoError('AKV_CONSOLE_DATABASE', `console.database.saved-filters: cannot open ${this.path}: ${(cause as Error).message}`, { cause });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.statements = null;
    this.db?.close();
    this.db = null;
    this.r.logger.info('saved filters database stopped');
  }

  private get st(): NonNullable<SavedFilters['statements']> {
    if (this.statements === null) throw new AkvoradoError('AKV_COMPONENT_STOPPED', 'console/saved: database not open');
    return this.statements;
  }

  /** list returns the filters of `owner` and the shared ones of everybody. */
  list(owner: string): SavedFilter[] {
    return (this.st.list.all(owner) as unknown as Row[]).map((r) => ({ ...r, id: Number(r.id), shared: r.shared === 1 }));
  }

  /** add saves a filter for `owner` and returns it. */
  add(owner: string, f: { description: string; content: string; shared: boolean }): SavedFilter {
    const row = this.st.add.get(owner, f.shared ? 1 : 0, f.description, f.content) as { id: number };
    return { id: Number(row.id), owner, ...f };
  }

  /** remove deletes a filter of `owner`; it throws AKV_CONSOLE_NOT_FOUND for an unknown id or another user's filter. */
  remove(owner: string, id: number): void {
    const result = this.st.remove.run(id, owner);
    if (Number(result.changes) === 0) throw new AkvoradoError('AKV_CONSOLE_NOT_FOUND', `saved filter ${id}: no such filter of user ${owner}`);
  }
}
