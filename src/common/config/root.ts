// SPDX-License-Identifier: AGPL-3.0-only
import { readFileSync } from 'node:fs';
import { isNode, LineCounter, parseDocument, stringify, type Document } from 'yaml';
import { AkvoradoError } from '../errors.ts';
import { applyEnv } from './env.ts';
import { camelize, validateWith, type SchemaNode } from './schema.ts';

/** SERVICES are the top-level sections of a configuration file, one per service. */
export const SERVICES = ['inlet', 'configure', 'console', 'standalone', 'demo-exporter'] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * SHARED are top-level sections that several services use (the flow schema
 * must be the same for the inlet, configure and the console). A service
 * whose schema has such a section starts from the top-level one; its own
 * section, if any, overrides it key by key.
 */
export const SHARED = ['schema', 'kafka', 'clickhouse'] as const;

/** LoadOptions tells where a service's configuration comes from. */
export interface LoadOptions {
  /** file is a YAML file whose top-level keys are service names; absent means defaults only. */
  file?: string | undefined;
  /** env is the environment holding AKVORADO_CFG_* overrides (process.env by default). */
  env?: NodeJS.ProcessEnv;
}

/** Loaded is a service's validated configuration. */
export interface Loaded<T> {
  /** config is what components take: camelCase keys, durations in milliseconds. */
  config: T;
  /** effective is the kebab-case configuration with defaults, as `--dump` prints it. */
  effective: Record<string, unknown>;
}

// ConfigFile is a parsed configuration file, kept to point errors at lines.
interface ConfigFile {
  name: string;
  doc: Document;
  lines: LineCounter;
  top: Record<string, unknown>;
}

function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AkvoradoError('AKV_CONFIG_FILE', `cannot read configuration file ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const where = e.linePos?.[0] ? `:${e.linePos[0].line}:${e.linePos[0].col}` : '';
    throw new AkvoradoError('AKV_CONFIG_FILE', `${file}${where}: invalid YAML: ${e.message.split('\n')[0]}`);
  }
  const top: unknown = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  if (typeof top !== 'object' || top === null || Array.isArray(top)) {
    throw new AkvoradoError('AKV_CONFIG_FILE', `${file}: expected a mapping of services (${SERVICES.join(', ')})`);
  }
  return { name: file, doc, lines, top: top as Record<string, unknown> };
}

// position returns "file:line:col" for a dotted key path, as close as the file allows.
function position(f: ConfigFile, path: string[]): string {
  for (let n = path.length; n > 0; n--) {
    const keys = path.slice(0, n).map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const parent = n > 1 ? f.doc.getIn(keys.slice(0, -1), true) : f.doc.contents;
    // Point at the key when there is one (unknown keys), else at the value.
    if (isNode(parent) && 'items' in parent && Array.isArray(parent.items)) {
      const last = keys[keys.length - 1];
      const pair = (parent.items as unknown[]).find(
        (it) => typeof it === 'object' && it !== null && 'key' in it && isNode(it.key) && 'value' in it.key && it.key.value === last,
      ) as { key: { range?: [number, number, number] } } | undefined;
      const range = pair?.key.range ?? (f.doc.getIn(keys, true) as { range?: [number, number, number] } | undefined)?.range;
      if (range !== undefined) {
        const p = f.lines.linePos(range[0]);
        return `${f.name}:${p.line}:${p.col}`;
      }
    }
  }
  return f.name;
}

// sectionOf returns the service's section of a file, checking the top-level keys.
function sectionOf(f: ConfigFile, service: ServiceName): Record<string, unknown> {
  const allowed: readonly string[] = [...SERVICES, ...SHARED];
  for (const key of Object.keys(f.top)) {
    if (!allowed.includes(key)) {
      throw new AkvoradoError(
        'AKV_CONFIG_INVALID',
        `${position(f, [key])}: ${key}: unknown key (top-level keys are services: ${SERVICES.join(', ')}; and shared sections: ${SHARED.join(', ')})`,
      );
    }
  }
  for (const key of allowed) {
    const v = f.top[key];
    if (v !== undefined && v !== null && (typeof v !== 'object' || Array.isArray(v))) {
      throw new AkvoradoError('AKV_CONFIG_INVALID', `${position(f, [key])}: ${key}: expected a mapping`);
    }
  }
  return (f.top[service] ?? {}) as Record<string, unknown>;
}

// withShared starts each shared section of the service from the top-level one.
function withShared(f: ConfigFile, schema: SchemaNode, section: Record<string, unknown>): Record<string, unknown> {
  const out = { ...section };
  for (const key of SHARED) {
    const shared = f.top[key];
    if (shared === undefined || shared === null || !(key in schema)) continue;
    const own = out[key];
    out[key] = typeof own === 'object' && own !== null ? { ...(shared as object), ...own } : structuredClone(shared);
  }
  return out;
}

/**
 * loadConfiguration reads the service's section of the file, applies the
 * environment overrides, validates it strictly against the schema and fills
 * the defaults. Errors name every offending key by its full path, with the
 * file's line and column when the key comes from the file.
 */
export function loadConfiguration<T>(service: ServiceName, schema: SchemaNode, options: LoadOptions = {}): Loaded<T> {
  const file = options.file === undefined ? null : readConfigFile(options.file);
  const raw = file === null ? {} : withShared(file, schema, sectionOf(file, service));
  applyEnv(raw, schema, service, options.env ?? process.env);
  let effective: Record<string, unknown>;
  try {
    effective = validateWith(schema, raw);
  } catch (err) {
    const lines = (err as Error).message.split('\n').map((l) => {
      const path = l.slice(0, l.indexOf(':'));
      const where = file === null ? '' : `${position(file, [service, ...path.split('.')])}: `;
      return `${where}${service}.${l}`;
    });
    throw new AkvoradoError('AKV_CONFIG_INVALID', `invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return { config: camelize<T>(effective, schema), effective };
}

/** dumpConfiguration renders an effective configuration as YAML under its service key. */
export function dumpConfiguration(service: ServiceName, effective: Record<string, unknown>): string {
  return stringify({ [service]: effective });
}
