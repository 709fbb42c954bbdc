// SPDX-License-Identifier: AGPL-3.0-only
// GET docs and docs/{name}: the markdown pages of docs/, for the web UI.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { AkvoradoError } from '../../common/errors.ts';

// The docs folder is dist/docs next to the bundle (build.mjs copies it),
// ../../../docs from this file in the sources.
const CANDIDATES = ['./docs/', '../../../docs/', '../docs/'];

/** docsDirectory finds the folder of the documentation, null when absent. */
export function docsDirectory(): string | null {
  for (const c of CANDIDATES) {
    const dir = fileURLToPath(new URL(c, import.meta.url));
    if (existsSync(join(dir, 'api.md'))) return dir;
  }
  return null;
}

/** docsRoutes registers GET docs (the page names) and GET docs/{name} (markdown). */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  const dir = docsDirectory();
  // The names are listed once: a request can only read one of them, never a path.
  const names = dir === null ? [] : readdirSync(dir).filter((f) => /^[a-z0-9-]+\.md$/i.test(f)).map((f) => f.slice(0, -3)).sort();
  app.get('/docs', async () => ({ pages: names }));
  app.get<{ Params: { name: string } }>('/docs/:name', async (req, reply) => {
    const name = req.params.name.replace(/\.md$/, '');
    if (dir === null || !names.includes(name)) throw new AkvoradoError('AKV_CONSOLE_NOT_FOUND', `docs/${name}: no such page`);
    return reply.header('content-type', 'text/markdown; charset=utf-8').send(readFileSync(join(dir, `${name}.md`), 'utf8'));
  });
}
