// SPDX-License-Identifier: AGPL-3.0-only
import { readFileSync } from 'node:fs';
import type { Configuration as ClickHouseConfiguration } from '../../common/clickhouse/config.ts';
import { quoteIdentifier as id, quoteString as str } from '../../common/clickhouse/root.ts';
import { projectPath } from '../../common/helpers/files.ts';
import { tableColumns, tableName, type Resolution } from '../../common/schema/clickhouse.ts';
import type { Column, Schema } from '../../common/schema/root.ts';
import { digest, render } from './templates.ts';

/** StepKind tells how a step converges: tables are altered, the rest replaced. */
export type StepKind = 'table' | 'data' | 'replace';

/** DesiredColumn is a column a table must have. */
export interface DesiredColumn {
  name: string;
  type: string;
  alias?: string;
  codec?: string;
}

/** Step is one object of the database, with the statement creating it. */
export interface Step {
  /** name identifies the step in logs and errors ("flows_5m0s table"). */
  name: string;
  kind: StepKind;
  /** object is the table, view or dictionary name (unquoted). */
  object: string;
  /** drop is the statement's verb for removing the object (TABLE, VIEW, DICTIONARY). */
  drop: 'TABLE' | 'VIEW' | 'DICTIONARY';
  sql: string;
  /** hash covers the statement, the data and the objects the step reads. */
  hash: string;
  /**
   * columns, primaryKey, sortingKey and ttl drive in-place changes of
   * tables. appendKey marks tables whose sorting key is every dimension:
   * added columns are appended to it.
   */
  columns?: DesiredColumn[];
  primaryKey?: string[];
  sortingKey?: string[];
  appendKey?: boolean;
  ttl?: string;
  /** data is CSVWithNames rows loaded into a data table. */
  data?: string;
}

/** KafkaSource says where the Kafka engine table reads flows (configure only). */
export interface KafkaSource {
  brokers: string[];
  topic: string;
}

// column renders a column definition.
function columnDDL(c: DesiredColumn): string {
  if (c.alias !== undefined) return `  ${id(c.name)} ${c.type} ALIAS ${c.alias}`;
  return `  ${id(c.name)} ${c.type}${c.codec === undefined ? '' : ` CODEC(${c.codec})`}`;
}

function desired(c: Column): DesiredColumn {
  return { name: c.name, type: c.type, ...(c.alias === undefined ? {} : { alias: c.alias }), ...(c.codec === undefined ? {} : { codec: c.codec }) };
}

// partitionFor picks the partition width from the table's resolution (a day
// of raw flows, a week of 5-minute buckets, 30 days of hourly ones): never
// from its TTL, since ClickHouse cannot change a partition key in place.
function partitionFor(r: Resolution): string {
  const width = r.intervalSeconds < 300 ? 86_400 : r.intervalSeconds < 3600 ? 7 * 86_400 : 30 * 86_400;
  return `toYYYYMMDDhhmmss(toStartOfInterval(TimeReceived, toIntervalSecond(${width})))`;
}

/** ttlClause is the TTL of a flows table ('' keeps rows forever). */
export function ttlClause(ttlSeconds: number): string {
  return ttlSeconds === 0 ? '' : `TTL TimeReceived + toIntervalSecond(${ttlSeconds})`;
}

interface Dictionary {
  name: string;
  columns: DesiredColumn[];
  key: string[];
  layout: string;
}

const DICTIONARIES: readonly Dictionary[] = [
  { name: 'asns', columns: [{ name: 'asn', type: 'UInt32' }, { name: 'name', type: 'String' }], key: ['asn'], layout: 'HASHED()' },
  {
    name: 'protocols',
    columns: [{ name: 'proto', type: 'UInt8' }, { name: 'name', type: 'String' }, { name: 'description', type: 'String' }],
    key: ['proto'],
    layout: 'HASHED()',
  },
  {
    name: 'icmp',
    columns: [{ name: 'proto', type: 'UInt8' }, { name: 'type', type: 'UInt8' }, { name: 'code', type: 'UInt8' }, { name: 'name', type: 'String' }],
    key: ['proto', 'type', 'code'],
    layout: 'COMPLEX_KEY_HASHED()',
  },
  {
    name: 'ports',
    columns: [{ name: 'proto', type: 'UInt8' }, { name: 'port', type: 'UInt16' }, { name: 'name', type: 'String' }],
    key: ['proto', 'port'],
    layout: 'COMPLEX_KEY_HASHED()',
  },
];

// csvField quotes a CSV field.
function csvField(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

// dictionaryData reads data/<name>.csv; AS names from the configuration are added or win.
function dictionaryData(name: string, config: ClickHouseConfiguration): string {
  const text = readFileSync(projectPath('data', `${name}.csv`), 'utf8');
  if (name !== 'asns' || Object.keys(config.asns).length === 0) return text;
  const lines = text.trimEnd().split('\n');
  const overridden = new Set(Object.keys(config.asns));
  const kept = lines.slice(1).filter((l) => !overridden.has(l.slice(0, l.indexOf(','))));
  const added = Object.entries(config.asns).map(([asn, n]) => `${asn},${csvField(n)}`);
  return `${[lines[0], ...kept, ...added].join('\n')}\n`;
}

/** PlanOptions change what the steps create. */
export interface PlanOptions {
  /**
   * rollupViews creates the materialized views feeding the rolled-up tables
   * from every insert into flows (the default). Without them, whoever
   * inserts flows writes the rolled-up tables too (standalone's sink, which
   * adds rows up before inserting them, at a fraction of the views' cost).
   */
  rollupViews?: boolean;
}

/**
 * plan lists the steps bringing a database in line with the schema and the
 * configuration, in the order they must run: dictionaries (ALIAS columns
 * use them), flows tables and their views, exporters, then the Kafka
 * engine table and its views when `kafka` is given.
 */
export function plan(schema: Schema, config: ClickHouseConfiguration, kafka: KafkaSource | null, options: PlanOptions = {}): Step[] {
  const db = str(config.database);
  const steps: Step[] = [];
  const comment = (hash: string) => str(`akvorado ${hash}`);
  const add = (s: Omit<Step, 'hash' | 'sql'> & { template: string; vars: Record<string, string>; extra?: string[] }) => {
    const h = digest(render(s.template, { ...s.vars, comment: "''" }), ...(s.extra ?? []), s.data ?? '');
    const { template, vars, extra: _extra, ...rest } = s;
    const step: Step = { ...rest, sql: render(template, { ...vars, comment: comment(h) }), hash: h };
    steps.push(step);
    return step;
  };

  for (const d of DICTIONARIES) {
    const data = dictionaryData(d.name, config);
    add({
      name: `${d.name} dictionary data`,
      kind: 'data',
      object: `${d.name}_data`,
      drop: 'TABLE',
      template: 'dictionary-data',
      vars: { table: id(`${d.name}_data`), columns: d.columns.map(columnDDL).join(',\n'), key: d.key.map(id).join(', ') },
      data,
    });
    add({
      name: `${d.name} dictionary`,
      kind: 'replace',
      object: d.name,
      drop: 'DICTIONARY',
      template: 'dictionary',
      vars: {
        dictionary: id(d.name),
        columns: d.columns.map(columnDDL).join(',\n'),
        key: d.key.map(id).join(', '),
        database: db,
        source: str(`${d.name}_data`),
        layout: d.layout,
      },
    });
  }

  const resolutions = config.resolutions
    .map((r) => ({ intervalSeconds: r.interval / 1000, ttlSeconds: r.ttl / 1000 }))
    .sort((a, b) => a.intervalSeconds - b.intervalSeconds);
  let flows: Step | null = null;
  for (const r of resolutions) {
    const columns = tableColumns(schema, r);
    const present = new Set(columns.map((c) => c.name));
    const primary = schema.sortingKey.filter((k) => present.has(k));
    // Rolled-up tables sum rows equal on every dimension, so all of them are in ORDER BY.
    const order =
      r.intervalSeconds === 0
        ? primary
        : [...primary, ...columns.filter((c) => c.alias === undefined && !primary.includes(c.name) && c.name !== 'Bytes' && c.name !== 'Packets').map((c) => c.name)];
    const table = add({
      name: `${tableName(r.intervalSeconds)} table`,
      kind: 'table',
      object: tableName(r.intervalSeconds),
      drop: 'TABLE',
      template: 'flows',
      vars: {
        table: id(tableName(r.intervalSeconds)),
        columns: columns.map((c) => columnDDL(desired(c))).join(',\n'),
        engine: r.intervalSeconds === 0 ? 'MergeTree' : 'SummingMergeTree((Bytes, Packets))',
        partition: partitionFor(r),
        primaryKey: primary.map(id).join(', '),
        order: order.map(id).join(', '),
        ttl: ttlClause(r.ttlSeconds),
      },
      columns: columns.map(desired),
      primaryKey: primary,
      sortingKey: order,
      appendKey: r.intervalSeconds !== 0,
      ttl: ttlClause(r.ttlSeconds),
    });
    if (r.intervalSeconds === 0) {
      flows = table;
      continue;
    }
    if (flows === null) throw new TypeError('clickhouse.resolutions: expected an entry with interval 0 (the main flows table)');
    if (options.rollupViews === false) continue;
    const select = columns
      .filter((c) => c.alias === undefined)
      .map((c) => (c.name === 'TimeReceived' ? `  toStartOfInterval(TimeReceived, toIntervalSecond(${r.intervalSeconds})) AS TimeReceived` : `  ${id(c.name)}`));
    add({
      name: `${tableName(r.intervalSeconds)} view`,
      kind: 'replace',
      object: `${tableName(r.intervalSeconds)}_consumer`,
      drop: 'VIEW',
      template: 'flows-rollup',
      vars: { view: id(`${tableName(r.intervalSeconds)}_consumer`), table: id(tableName(r.intervalSeconds)), flows: id('flows'), select: select.join(',\n') },
      extra: [flows.hash, table.hash],
    });
  }
  if (flows === null) throw new TypeError('clickhouse.resolutions: expected an entry with interval 0 (the main flows table)');

  // Exporters: one row per exporter interface, from both sides of each
  // flow: [inner expression, outer expression] for each column.
  const exporterColumns: Array<[DesiredColumn, string, string]> = [
    [{ name: 'TimeReceived', type: 'DateTime' }, 'TimeReceived AS Seen', 'max(Seen) AS TimeReceived'],
    [{ name: 'ExporterAddress', type: 'LowCardinality(IPv6)' }, 'ExporterAddress', 'ExporterAddress'],
  ];
  for (const n of ['ExporterName', 'ExporterGroup', 'ExporterRole', 'ExporterSite', 'ExporterRegion', 'ExporterTenant']) {
    const c = schema.column(n);
    if (c !== undefined) exporterColumns.push([{ name: n, type: c.type }, id(n), `any(${id(n)}) AS ${id(n)}`]);
  }
  for (const n of ['Name', 'Description', 'Speed', 'Connectivity', 'Provider', 'Boundary']) {
    const c = schema.column(`InIf${n}`);
    if (c === undefined) continue;
    const inner = `[${id(`InIf${n}`)}, ${id(`OutIf${n}`)}][num] AS ${id(`If${n}`)}`;
    exporterColumns.push([{ name: `If${n}`, type: c.type }, inner, n === 'Name' ? id('IfName') : `any(${id(`If${n}`)}) AS ${id(`If${n}`)}`]);
  }
  // The smallest table holding every column needed.
  const rollup = resolutions.find((r) => r.intervalSeconds > 0);
  const source =
    rollup !== undefined && exporterColumns.every(([c]) => c.name === 'TimeReceived' || !(schema.column(c.name.replace(/^If/, 'InIf'))?.mainOnly ?? false))
      ? tableName(rollup.intervalSeconds)
      : 'flows';
  const exporters = add({
    name: 'exporters table',
    kind: 'table',
    object: 'exporters',
    drop: 'TABLE',
    template: 'exporters',
    vars: { table: id('exporters'), columns: exporterColumns.map(([c]) => columnDDL(c)).join(',\n') },
    columns: exporterColumns.map(([c]) => c),
    sortingKey: ['ExporterAddress', 'IfName'],
  });
  add({
    name: 'exporters view',
    kind: 'replace',
    object: 'exporters_consumer',
    drop: 'VIEW',
    template: 'exporters-view',
    vars: {
      view: id('exporters_consumer'),
      table: id('exporters'),
      source: id(source),
      inner: exporterColumns.map(([, inner]) => `    ${inner}`).join(',\n'),
      select: exporterColumns.map(([, , outer]) => `  ${outer}`).join(',\n'),
    },
    extra: [flows.hash, exporters.hash],
  });

  if (kafka !== null) {
    const rawName = `flows_${schema.hash()}_raw`;
    const errors = add({
      name: 'Kafka errors table',
      kind: 'table',
      object: 'flows_raw_errors',
      drop: 'TABLE',
      template: 'kafka-errors',
      vars: { table: id('flows_raw_errors') },
      columns: [
        { name: 'timestamp', type: 'DateTime' },
        { name: 'topic', type: 'LowCardinality(String)' },
        { name: 'partition', type: 'UInt64' },
        { name: 'offset', type: 'UInt64' },
        { name: 'raw', type: 'String' },
        { name: 'error', type: 'String' },
      ],
      sortingKey: ['timestamp', 'topic', 'partition', 'offset'],
    });
    const proto = schema.protobufColumns;
    const k = config.kafka;
    const raw = add({
      name: 'Kafka engine table',
      kind: 'replace',
      object: rawName,
      drop: 'TABLE',
      template: 'kafka',
      vars: {
        table: id(rawName),
        columns: proto.map((c) => `  ${id(c.name)} ${c.type}`).join(',\n'),
        brokers: str(kafka.brokers.join(',')),
        topic: str(kafka.topic),
        group: str('clickhouse'),
        consumers: String(k.consumers),
        maxBlockSize: String(k.maxBlockSize),
        pollTimeout: String(k.pollTimeout),
        protobuf: str(schema.protobufText()),
        extraSettings: Object.entries(k.engineSettings)
          .map(([key, v]) => `,\n  ${key} = ${typeof v === 'number' ? String(v) : str(v)}`)
          .join(''),
      },
    });
    add({
      name: 'Kafka consumer view',
      kind: 'replace',
      object: `${rawName}_consumer`,
      drop: 'VIEW',
      template: 'kafka-view',
      vars: { view: id(`${rawName}_consumer`), flows: id('flows'), kafka: id(rawName), select: proto.map((c) => `  ${id(c.name)}`).join(',\n') },
      extra: [raw.hash, flows.hash],
    });
    add({
      name: 'Kafka errors view',
      kind: 'replace',
      object: `${rawName}_errors`,
      drop: 'VIEW',
      template: 'kafka-errors-view',
      vars: { view: id(`${rawName}_errors`), table: id('flows_raw_errors'), kafka: id(rawName) },
      extra: [raw.hash, errors.hash],
    });
  }
  return steps;
}
