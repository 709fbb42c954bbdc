// SPDX-License-Identifier: AGPL-3.0-only
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { projectPath } from '../../common/helpers/files.ts';

const cache = new Map<string, string>();

/**
 * render fills a template of migrations/ ("flows" → migrations/flows.sql).
 * Every placeholder must be given; values are inserted as they are, so
 * callers quote identifiers and literals.
 */
export function render(name: string, vars: Readonly<Record<string, string>>): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(projectPath('migrations', `${name}.sql`), 'utf8');
    cache.set(name, text);
  }
  return text
    .replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const v = vars[key];
      if (v === undefined) throw new Error(`migrations/${name}.sql: no value for {{${key}}}`);
      return v;
    })
    .trim();
}

/** digest is a short hash of statements and data, kept in each object's comment. */
export function digest(...parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 16);
}
