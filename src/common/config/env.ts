// SPDX-License-Identifier: AGPL-3.0-only
import { parse as parseYAML } from 'yaml';
import { AkvoradoError } from '../errors.ts';
import { isSetting, type SchemaNode } from './schema.ts';

/** ENV_PREFIX starts every environment variable that overrides a configuration key. */
export const ENV_PREFIX = 'AKVORADO_CFG_';

// squash is how a key is compared with a part of a variable name.
function squash(key: string): string {
  return key.replace(/-/g, '').toLowerCase();
}

/**
 * applyEnv overrides keys of `raw` (the service's section, as read from YAML)
 * with AKVORADO_CFG_<SERVICE>_<KEY>_<SUBKEY>=value variables. Parts match keys
 * case-insensitively with dashes dropped; numeric parts index lists (the next
 * index appends an element). Values are read as YAML scalars or flow
 * collections ("42", "true", "[a, b]"). A variable that names no key is an error.
 */
export function applyEnv(
  raw: Record<string, unknown>,
  schema: SchemaNode,
  service: string,
  env: NodeJS.ProcessEnv,
): void {
  const prefix = `${ENV_PREFIX}${squash(service).toUpperCase()}_`;
  const names = Object.keys(env)
    .filter((n) => n.startsWith(prefix))
    .sort();
  for (const name of names) {
    const parts = name.slice(prefix.length).split('_');
    const value = parseValue(env[name]!);
    setPath(raw, schema, parts, value, name);
  }
}

function parseValue(text: string): unknown {
  try {
    return parseYAML(text) ?? '';
  } catch {
    return text;
  }
}

function fail(variable: string, why: string): never {
  throw new AkvoradoError('AKV_CONFIG_ENV', `${variable}: ${why}`);
}

function setPath(
  target: Record<string, unknown>,
  schema: SchemaNode,
  parts: string[],
  value: unknown,
  variable: string,
): void {
  const part = parts[0]!;
  const key = Object.keys(schema).find((k) => squash(k) === part.toLowerCase());
  if (key === undefined) fail(variable, `no configuration key matches "${part}"`);
  const node = schema[key]!;
  const rest = parts.slice(1);
  if (!isSetting(node)) {
    if (rest.length === 0) fail(variable, `"${key}" is a section, name one of its keys`);
    const sub = (target[key] ??= {});
    if (typeof sub !== 'object' || sub === null || Array.isArray(sub)) fail(variable, `"${key}" is not a mapping`);
    setPath(sub as Record<string, unknown>, node, rest, value, variable);
    return;
  }
  if (rest.length === 0) {
    target[key] = value;
    return;
  }
  if (node.item === undefined) fail(variable, `"${key}" has no sub-keys`);
  const index = Number(rest[0]);
  if (!/^\d+$/.test(rest[0]!)) fail(variable, `"${key}" is a list: expected an index, got "${rest[0]}"`);
  const list = (target[key] ??= structuredClone(node.default) ?? []);
  if (!Array.isArray(list)) fail(variable, `"${key}" is not a list`);
  if (index > list.length) fail(variable, `index ${index} skips elements (list has ${list.length})`);
  if (rest.length === 1) {
    list[index] = value;
    return;
  }
  const item = (list[index] ??= {});
  setPath(item as Record<string, unknown>, node.item, rest.slice(1), value, variable);
}
