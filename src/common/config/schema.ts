// SPDX-License-Identifier: AGPL-3.0-only
import convict from 'convict';
import { parseDuration } from './duration.ts';
import { registerFormats } from './formats.ts';

/**
 * Setting is one configuration key in a convict schema: its doc, format and
 * default. Keys are written in kebab-case, as users write them in YAML.
 */
export interface Setting {
  doc: string;
  format?: unknown;
  default: unknown;
  nullable?: boolean;
  sensitive?: boolean;
  /** item is the schema of each element when the setting is a list of mappings. */
  item?: SchemaNode;
  /**
   * freeform marks a value that may be a mapping with arbitrary keys (subnets,
   * Kafka settings such as "retention.ms"): it is validated by its format
   * alone and kept away from convict, whose dotted paths would split such keys.
   */
  freeform?: boolean;
}

/** SchemaNode is a nested convict schema: settings and sub-sections by key. */
export interface SchemaNode {
  [key: string]: Setting | SchemaNode;
}

/** isSetting tells a setting (it has a default) from a sub-section. */
export function isSetting(node: Setting | SchemaNode): node is Setting {
  return Object.hasOwn(node, 'default');
}

// Nested errors from list items travel inside one convict error line; these
// markers let formatErrors() turn them back into full key paths.
const NESTED = '\u0001';
const NESTED_SEP = '\u0002';

/**
 * validateWith validates a value against a schema in strict mode and returns
 * its properties with defaults filled in, or throws a TypeError listing
 * "path: message" lines.
 */
export function validateWith(schema: SchemaNode, value: unknown): Record<string, unknown> {
  registerFormats();
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`expected a mapping, got ${JSON.stringify(value)}`);
  }
  const freeform: Array<[string[], unknown]> = [];
  const errors: string[] = [];
  const stripped = stripFreeform(schema, value as Record<string, unknown>, [], freeform, errors);
  const c = convict(convictSchema(schema) as convict.Schema<Record<string, unknown>>);
  c.load(stripped);
  try {
    c.validate({ allowed: 'strict' });
  } catch (err) {
    errors.push(...normalizeLines((err as Error).message));
  }
  if (errors.length > 0) throw new TypeError(errors.join('\n'));
  const props = c.getProperties();
  setFreeformDefaults(schema, props);
  for (const [path, v] of freeform) setIn(props, path, v);
  return fillItems(props, schema);
}

const convictSchemas = new WeakMap<SchemaNode, SchemaNode>();

// convictSchema is the schema given to convict: free-form settings become
// placeholders (their defaults may have keys with dots, which convict splits).
function convictSchema(schema: SchemaNode): SchemaNode {
  let out = convictSchemas.get(schema);
  if (out !== undefined) return out;
  out = {};
  for (const [key, node] of Object.entries(schema)) {
    if (isSetting(node)) out[key] = node.freeform ? { doc: node.doc, format: '*', default: null, nullable: true } : node;
    else out[key] = convictSchema(node);
  }
  convictSchemas.set(schema, out);
  return out;
}

// setFreeformDefaults puts the defaults of free-form settings in place.
function setFreeformDefaults(schema: SchemaNode, props: Record<string, unknown>): void {
  for (const [key, node] of Object.entries(schema)) {
    if (isSetting(node)) {
      if (node.freeform) props[key] = structuredClone(node.default);
    } else {
      setFreeformDefaults(node, (props[key] ??= {}) as Record<string, unknown>);
    }
  }
}

// stripFreeform takes free-form values out of `value` (into `found`, after
// checking them with their format) and returns what convict may see.
function stripFreeform(
  schema: SchemaNode,
  value: Record<string, unknown>,
  path: string[],
  found: Array<[string[], unknown]>,
  errors: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  for (const [key, node] of Object.entries(schema)) {
    if (!(key in value)) continue;
    const v = value[key];
    if (isSetting(node)) {
      if (!node.freeform) continue;
      delete out[key];
      try {
        (node.format as (x: unknown) => void)(v);
        found.push([[...path, key], v]);
      } catch (err) {
        errors.push(`${[...path, key].join('.')}: ${(err as Error).message}`);
      }
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      out[key] = stripFreeform(node, v as Record<string, unknown>, [...path, key], found, errors);
    }
  }
  return out;
}

function setIn(target: Record<string, unknown>, path: string[], v: unknown): void {
  let t = target;
  for (const k of path.slice(0, -1)) t = (t[k] ??= {}) as Record<string, unknown>;
  t[path[path.length - 1]!] = structuredClone(v);
}

/** listOf declares a list of mappings, each validated with `item`. */
export function listOf(doc: string, item: SchemaNode, dflt: unknown[] = []): Setting {
  return {
    doc,
    default: dflt,
    // Marked sensitive only so that convict does not append the whole list
    // to the error message; items report their own values.
    sensitive: true,
    item,
    format(value: unknown) {
      if (!Array.isArray(value)) throw new TypeError(`expected a list, got ${JSON.stringify(value)}`);
      const lines: string[] = [];
      value.forEach((v, i) => {
        try {
          validateWith(item, v);
        } catch (err) {
          for (const line of (err as Error).message.split('\n')) {
            lines.push(line.startsWith(': ') ? `${i}${line}` : `${i}.${line}`);
          }
        }
      });
      if (lines.length > 0) throw new TypeError(NESTED + lines.join(NESTED_SEP));
    },
  };
}

// normalizeLines rewrites convict's messages as "full.path: message".
function normalizeLines(message: string): string[] {
  const out: string[] = [];
  for (const line of message.split('\n')) {
    const undeclared = /^configuration param '(.+)' not declared in the schema$/.exec(line);
    if (undeclared !== null) {
      out.push(`${undeclared[1]}: unknown key`);
      continue;
    }
    const nested = line.indexOf(`: ${NESTED}`);
    if (nested >= 0) {
      const prefix = line.slice(0, nested);
      for (const sub of line.slice(nested + 2 + NESTED.length).split(NESTED_SEP)) {
        out.push(`${prefix}.${sub}`);
      }
      continue;
    }
    out.push(line);
  }
  return out;
}

// fillItems applies item defaults to the elements of lists of mappings.
function fillItems(value: Record<string, unknown>, schema: SchemaNode): Record<string, unknown> {
  for (const [key, node] of Object.entries(schema)) {
    const v = value[key];
    if (isSetting(node)) {
      if (node.item !== undefined && Array.isArray(v)) {
        value[key] = v.map((x) => validateWith(node.item!, x));
      }
    } else if (typeof v === 'object' && v !== null) {
      fillItems(v as Record<string, unknown>, node);
    }
  }
  return value;
}

/** camelCase turns a kebab-case key into camelCase ("receive-buffer" → "receiveBuffer"). */
export function camelCase(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * camelize turns validated kebab-case properties into the camelCase values
 * components use: durations become milliseconds, list items are converted
 * with their own schema, and free-form mappings are kept as they are.
 */
export function camelize<T>(value: Record<string, unknown>, schema: SchemaNode): T {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(schema)) {
    const v = value[key];
    if (!isSetting(node)) {
      out[camelCase(key)] = camelize(v as Record<string, unknown>, node);
    } else if (node.format === 'duration' && typeof v === 'string') {
      out[camelCase(key)] = parseDuration(v);
    } else if (node.item !== undefined && Array.isArray(v)) {
      out[camelCase(key)] = v.map((x) => camelize(x as Record<string, unknown>, node.item!));
    } else {
      out[camelCase(key)] = structuredClone(v);
    }
  }
  return out as T;
}

/** defaultsOf returns the camelCase default configuration of a schema. */
export function defaultsOf<T>(schema: SchemaNode): T {
  return camelize<T>(validateWith(schema, {}), schema);
}
