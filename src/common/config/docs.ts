// SPDX-License-Identifier: AGPL-3.0-only
import { stringify } from 'yaml';
import type { ServiceDefinition } from '../service.ts';
import { SHARED } from './root.ts';
import { isSetting, type SchemaNode, type Setting } from './schema.ts';

/** KeyDoc is one documented configuration key. */
export interface KeyDoc {
  path: string;
  default: unknown;
  doc: string;
  format: string;
}

function formatName(s: Setting): string {
  if (s.item !== undefined) return 'list';
  if (Array.isArray(s.format)) return s.format.map((x) => JSON.stringify(x)).join(' \\| ');
  if (typeof s.format === 'string') return s.format;
  return typeof s.default;
}

/** walkSchema lists every key of a schema, list items as `key[].sub`. */
export function walkSchema(schema: SchemaNode, prefix = ''): KeyDoc[] {
  const out: KeyDoc[] = [];
  for (const [key, node] of Object.entries(schema)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (!isSetting(node)) {
      out.push(...walkSchema(node, path));
      continue;
    }
    out.push({ path, default: node.default, doc: node.doc, format: formatName(node) });
    if (node.item !== undefined) out.push(...walkSchema(node.item, `${path}[]`));
  }
  return out;
}

function scalar(v: unknown): string {
  return stringify(v, { lineWidth: 0 }).trimEnd();
}

function yamlLines(schema: SchemaNode, indent: string): string[] {
  const lines: string[] = [];
  for (const [key, node] of Object.entries(schema)) {
    if (!isSetting(node)) {
      lines.push(`${indent}${key}:`);
      lines.push(...yamlLines(node, `${indent}  `));
      continue;
    }
    lines.push(`${indent}# ${node.doc}`);
    const value = scalar(node.default);
    const block = typeof node.default === 'object' && node.default !== null && Object.keys(node.default).length > 0;
    if (block || value.includes('\n')) {
      lines.push(`${indent}${key}:`);
      for (const l of value.split('\n')) lines.push(`${indent}  ${l}`);
    } else {
      lines.push(`${indent}${key}: ${value}`);
    }
    if (node.item !== undefined) {
      // Element keys are shown commented, the first key opening the element with "- ".
      lines.push(`${indent}# Each element of ${key} takes these keys (defaults shown):`);
      const item = yamlLines(node.item, '');
      const firstKey = item.findIndex((l) => !l.startsWith('#'));
      for (const [i, l] of item.entries()) lines.push(`${indent}# ${i === firstKey ? '- ' : '  '}${l}`);
    }
  }
  return lines;
}

/** exampleYAML renders a configuration file with every key of every service at its default. */
export function exampleYAML(services: readonly ServiceDefinition[]): string {
  const lines = [
    '# Akvorado configuration, every key at its default value.',
    '# Generated from the configuration schemas by `make config-docs`: do not edit by hand.',
    '# Top-level keys are services: `akvorado <service> -c FILE` reads its own section,',
    '# and shared sections (schema, kafka, clickhouse) that a service\'s own section may override.',
    '# Any key can be overridden with AKVORADO_CFG_<SERVICE>_<KEY>_<SUBKEY>=value',
    '# (dashes dropped, list elements by index), e.g. AKVORADO_CFG_INLET_HTTP_LISTEN=:9000.',
  ];
  for (const key of SHARED) {
    const owner = services.find((s) => key in s.schema);
    if (owner === undefined) continue;
    const users = services.filter((s) => key in s.schema).map((s) => s.name);
    lines.push('', `# Shared by ${users.join(', ')} (each may override keys in its own section)`, `${key}:`);
    lines.push(...yamlLines(owner.schema[key] as SchemaNode, '  '));
  }
  for (const s of services) {
    lines.push('', `# ${s.description}`, `${s.name}:`, ...yamlLines(withoutShared(s.schema), '  '));
  }
  return `${lines.join('\n')}\n`;
}

// withoutShared drops the shared sections, documented once at the top level.
function withoutShared(schema: SchemaNode): SchemaNode {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !(SHARED as readonly string[]).includes(k)));
}

/** markdownTable renders the keys of every service as Markdown tables. */
export function markdownTable(services: readonly ServiceDefinition[]): string {
  const out: string[] = [];
  const shared: ServiceDefinition[] = [];
  for (const key of SHARED) {
    const owner = services.find((s) => key in s.schema);
    if (owner === undefined) continue;
    const users = services.filter((s) => key in s.schema).map((s) => s.name);
    shared.push({ name: key as ServiceDefinition['name'], description: `Shared section, used by ${users.join(', ')}`, schema: { ...(owner.schema[key] as SchemaNode) } });
  }
  for (const s of [...shared, ...services.map((d) => ({ ...d, schema: withoutShared(d.schema) }))]) {
    out.push(`## ${s.name}`, '', s.description + '.', '', '| key | default | description |', '| --- | --- | --- |');
    for (const k of walkSchema(s.schema)) {
      const dflt = `\`${JSON.stringify(k.default)}\``;
      out.push(`| \`${s.name}.${k.path}\` | ${dflt} | ${k.doc.replace(/\|/g, '\\|')} (${k.format}) |`);
    }
    out.push('');
  }
  return out.join('\n');
}
