// SPDX-License-Identifier: AGPL-3.0-only
import { memoryStorage, Umzug } from 'umzug';
import type { Configuration as ClickHouseConfiguration } from '../../common/clickhouse/config.ts';
import { quoteIdentifier as id, quoteString as str, type ClickHouse } from '../../common/clickhouse/root.ts';
import { AkvoradoError } from '../../common/errors.ts';
import type { Reporter } from '../../common/reporter/root.ts';
import { DDL_SETTINGS } from '../../common/schema/clickhouse.ts';
import type { Schema } from '../../common/schema/root.ts';
import { plan, type KafkaSource, type PlanOptions, type Step } from './steps.ts';

/** MigrationResult lists what a run did, by step name. */
export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

interface ExistingObject {
  name: string;
  engine: string;
  comment: string;
  sorting_key: string;
  primary_key: string;
}

interface ExistingColumn {
  name: string;
  type: string;
  default_kind: string;
}

// Settings of every statement: LowCardinality(IPv6) needs the first; a new
// TTL applies to new parts only (old ones expire as they merge) instead of
// rewriting the whole table at once.
const SETTINGS = { ...DDL_SETTINGS, materialize_ttl_after_modify: 0 };

/**
 * Migrations brings a ClickHouse database in line with the flow schema and
 * the configuration: the steps of `plan()` run in order through umzug, each
 * converging (an object whose comment carries the step's hash is left
 * alone; tables are altered in place; views, dictionaries and the Kafka
 * table are replaced). Running it twice changes nothing.
 */
export class Migrations {
  private readonly r: Reporter;
  private readonly ch: ClickHouse;
  private readonly steps: Step[];
  private readonly database: string;
  private readonly metrics;

  constructor(r: Reporter, config: ClickHouseConfiguration, ch: ClickHouse, schema: Schema, kafka: KafkaSource | null, options: PlanOptions = {}) {
    this.r = r.child('configure/clickhouse');
    this.ch = ch;
    this.database = config.database;
    this.steps = plan(schema, config, kafka, options);
    this.metrics = {
      steps: this.r.metrics.counter({ name: 'migration_steps_total', help: 'Migration steps run, by outcome', labelNames: ['type'] as const }),
    };
  }

  /** run applies the steps; it throws AKV_CONFIGURE_CLICKHOUSE naming the failing step. */
  async run(): Promise<MigrationResult> {
    const result: MigrationResult = { applied: [], skipped: [] };
    const db = this.database;
    try {
      await this.ch.exec(`CREATE DATABASE IF NOT EXISTS ${id(db)}`);
    } catch (err) {
      throw new AkvoradoError('AKV_CONFIGURE_CLICKHOUSE', `create database ${db}: ${(err as Error).message}`, { cause: err });
    }
    const existing = new Map<string, ExistingObject>();
    const refresh = async () => {
      existing.clear();
      const rows = await this.ch.select<ExistingObject>(
        'SELECT name, engine, comment, sorting_key, primary_key FROM system.tables WHERE database = {db:String}',
        { params: { db } },
      );
      for (const row of rows) existing.set(row.name, row);
    };
    await refresh();
    await this.dropStale(existing);
    await refresh();

    const umzug = new Umzug({
      migrations: this.steps.map((step) => ({
        name: step.name,
        up: async () => {
          const outcome = await this.apply(step, existing);
          result[outcome].push(step.name);
          this.metrics.steps.labels(outcome).inc();
          if (outcome === 'applied') this.r.logger.info({ step: step.name }, 'migration step applied');
        },
      })),
      storage: memoryStorage(),
      context: {},
      logger: undefined,
    });
    try {
      await umzug.up();
    } catch (err) {
      const e = err as { migration?: { name: string }; cause?: unknown };
      const cause = e.cause ?? err;
      const name = e.migration?.name ?? 'migrations';
      throw new AkvoradoError('AKV_CONFIGURE_CLICKHOUSE', `${name}: ${(cause as Error).message}`, { cause });
    }
    this.r.logger.info({ applied: result.applied.length, skipped: result.skipped.length }, 'ClickHouse migrations done');
    return result;
  }

  // dropStale removes, before anything changes, the views and Kafka tables
  // that will be replaced (they read the tables about to be altered) and
  // those of an earlier schema (another Kafka table name) or configuration
  // (rolled-up tables no longer fed by views).
  private async dropStale(existing: Map<string, ExistingObject>): Promise<void> {
    const wanted = new Map(this.steps.map((s) => [s.object, s]));
    const isOurs = (o: ExistingObject) => o.comment.startsWith('akvorado ');
    const stale = [...existing.values()].filter((o) => {
      if (!isOurs(o)) return false;
      const s = wanted.get(o.name);
      // Also the view of a rolled-up table no longer fed by a view (or gone from the configuration).
      if (s === undefined) return /^flows_.+_raw(_consumer|_errors)?$/.test(o.name) || (o.engine === 'MaterializedView' && /^flows_.+_consumer$/.test(o.name));
      return s.kind === 'replace' && o.comment !== `akvorado ${s.hash}` && s.drop !== 'DICTIONARY';
    });
    // Views first: a table cannot go while a view reads it.
    stale.sort((a, b) => Number(b.engine === 'MaterializedView') - Number(a.engine === 'MaterializedView'));
    for (const o of stale) {
      const verb = o.engine === 'MaterializedView' ? 'VIEW' : o.engine === 'Dictionary' ? 'DICTIONARY' : 'TABLE';
      await this.ch.exec(`DROP ${verb} IF EXISTS ${id(this.database)}.${id(o.name)} SYNC`);
      this.r.logger.info({ object: o.name }, 'stale object dropped');
    }
  }

  private async apply(step: Step, existing: Map<string, ExistingObject>): Promise<'applied' | 'skipped'> {
    const current = existing.get(step.object);
    const comment = `akvorado ${step.hash}`;
    if (current !== undefined && current.comment === comment) return 'skipped';
    if (current === undefined) {
      await this.ch.exec(step.sql, { settings: SETTINGS });
    } else if (step.kind === 'table') {
      await this.alterTable(step, current);
    } else if (step.kind === 'replace') {
      await this.ch.exec(`DROP ${step.drop} IF EXISTS ${id(this.database)}.${id(step.object)} SYNC`);
      await this.ch.exec(step.sql, { settings: SETTINGS });
    }
    if (step.kind === 'data') {
      await this.loadData(step, current !== undefined);
      // The dictionary over this table (same name without _data) reads the new rows now.
      const dictionary = step.object.replace(/_data$/, '');
      if (existing.has(dictionary)) await this.ch.exec(`SYSTEM RELOAD DICTIONARY ${id(this.database)}.${id(dictionary)}`);
    }
    if (step.drop === 'DICTIONARY') await this.ch.exec(`SYSTEM RELOAD DICTIONARY ${id(this.database)}.${id(step.object)}`);
    return 'applied';
  }

  // loadData replaces the rows of a dictionary's data table.
  private async loadData(step: Step, existed: boolean): Promise<void> {
    const table = `${id(this.database)}.${id(step.object)}`;
    if (existed) {
      await this.ch.exec(`TRUNCATE TABLE ${table}`);
      await this.ch.exec(`ALTER TABLE ${table} MODIFY COMMENT ${str(`akvorado ${step.hash}`)}`);
    }
    const header = step.data!.slice(0, step.data!.indexOf('\n')).split(',');
    await this.ch.insert(step.object, header, 'CSV', Buffer.from(step.data!.slice(step.data!.indexOf('\n') + 1)));
  }

  // alterTable changes a table in place: columns, TTL, then the comment.
  private async alterTable(step: Step, current: ExistingObject): Promise<void> {
    const table = `${id(this.database)}.${id(step.object)}`;
    const key = step.primaryKey ?? step.sortingKey!;
    // ClickHouse writes a one-column key in parentheses.
    const have = (step.primaryKey === undefined ? current.sorting_key : current.primary_key).replace(/^\((.*)\)$/, '$1');
    if (have !== key.join(', ')) {
      throw new Error(
        `table ${step.object}: ${step.primaryKey === undefined ? 'sorting' : 'primary'} key is (${have}), the configuration needs (${key.join(', ')}); ClickHouse cannot change it in place`,
      );
    }
    const columns = await this.ch.select<ExistingColumn>(
      'SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
      { params: { db: this.database, t: step.object } },
    );
    const existing = new Map(columns.map((c) => [c.name, c]));
    const wanted = new Set(step.columns!.map((c) => c.name));
    const sortingKey = current.sorting_key.replace(/^\((.*)\)$/, '$1').split(', ');
    const adds: string[] = [];
    const added: string[] = [];
    const changes: string[] = [];
    let previous: string | null = null;
    for (const c of step.columns!) {
      const def = `${id(c.name)} ${c.type}${c.alias === undefined ? '' : ` ALIAS ${c.alias}`}${c.codec === undefined ? '' : ` CODEC(${c.codec})`}`;
      const old = existing.get(c.name);
      if (old === undefined) {
        adds.push(`ADD COLUMN ${def} ${previous === null ? 'FIRST' : `AFTER ${id(previous)}`}`);
        added.push(c.name);
      } else if (old.type !== c.type || (old.default_kind === 'ALIAS') !== (c.alias !== undefined) || c.alias !== undefined) {
        changes.push(`MODIFY COLUMN ${def}`);
      }
      previous = c.name;
    }
    for (const c of columns) {
      if (wanted.has(c.name)) continue;
      if (sortingKey.includes(c.name)) {
        // ClickHouse cannot remove a column of the sorting key: it stays, filled with defaults.
        this.r.logger.warn({ table: step.object, column: c.name }, 'column kept: it is part of the sorting key (drop the table to remove it)');
        continue;
      }
      changes.push(`DROP COLUMN ${id(c.name)}`);
    }
    // New dimensions of a rolled-up table join its sorting key in the same statement.
    const newKey = step.appendKey === true ? added.filter((n) => step.sortingKey!.includes(n)) : [];
    if (newKey.length > 0) {
      await this.ch.exec(`ALTER TABLE ${table} ${[...adds, `MODIFY ORDER BY (${[...sortingKey, ...newKey].map(id).join(', ')})`].join(', ')}`, { settings: SETTINGS });
    } else {
      for (const change of adds) await this.ch.exec(`ALTER TABLE ${table} ${change}`, { settings: SETTINGS });
    }
    // Aliases may read columns being dropped: change them one at a time, in order.
    for (const change of changes) await this.ch.exec(`ALTER TABLE ${table} ${change}`, { settings: SETTINGS });
    if (step.ttl !== undefined) {
      if (step.ttl === '') {
        if (/\bTTL\b/.test(await this.engineFull(step.object))) await this.ch.exec(`ALTER TABLE ${table} REMOVE TTL`, { settings: SETTINGS });
      } else {
        await this.ch.exec(`ALTER TABLE ${table} MODIFY ${step.ttl}`, { settings: SETTINGS });
      }
    }
    await this.ch.exec(`ALTER TABLE ${table} MODIFY COMMENT ${str(`akvorado ${step.hash}`)}`);
  }

  private async engineFull(table: string): Promise<string> {
    const rows = await this.ch.select<{ engine_full: string }>(
      'SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}',
      { params: { db: this.database, t: table } },
    );
    return rows[0]?.engine_full ?? '';
  }
}
