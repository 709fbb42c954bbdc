// SPDX-License-Identifier: AGPL-3.0-only
// The web UI: its assets under /assets/ and index.html for / and every other
// path that is not an API route (the UI routes itself in the browser).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { AkvoradoError } from '../../common/errors.ts';
import type { UIFile } from '../ui/build.ts';
import { notFound } from '../errors.ts';

// FROM_SOURCES is true when this module runs as TypeScript, unbundled.
const FROM_SOURCES = import.meta.url.endsWith('.ts');

// readUI reads the files that build.mjs wrote next to the bundle (dist/ui/).
async function readUI(dir: string): Promise<Map<string, UIFile>> {
  // A copy of build.ts's CONTENT_TYPES: importing build.ts would pull
  // esbuild into the executable.
  const types: Record<string, string> = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
  const files = new Map<string, UIFile>();
  const add = (name: string): void => {
    const ext = name.slice(name.lastIndexOf('.') + 1);
    files.set(name, { body: readFileSync(join(dir, name)), type: types[ext] ?? 'application/octet-stream' });
  };
  add('index.html');
  for (const name of readdirSync(join(dir, 'assets'))) add(`assets/${name}`);
  return files;
}

let fromSources: Promise<Map<string, UIFile>> | null = null;

/**
 * loadUI returns the UI files: from dist/ui/ in the bundle, or built in
 * memory with esbuild (once per process) when running from the sources, so
 * that tests and `node src/cmd/akvorado.ts` need no prior build.
 */
export function loadUI(): Promise<Map<string, UIFile>> {
  if (FROM_SOURCES) {
    // A computed specifier keeps esbuild from bundling the builder (and
    // esbuild itself) into the executable.
    const builder = '../ui/build.ts';
    fromSources ??= import(builder).then((m: typeof import('../ui/build.ts')) => m.buildUI());
    return fromSources;
  }
  const dir = fileURLToPath(new URL('./ui/', import.meta.url));
  if (!existsSync(join(dir, 'index.html'))) {
    return Promise.reject(new AkvoradoError('AKV_COMPONENT_START', `console: web UI not found in ${dir} (run "make build")`));
  }
  return readUI(dir);
}

// gzipped holds the compressed files, made once: the script is about 1 MB, 300 kB gzipped.
const gzipped = new WeakMap<UIFile, Buffer>();

function send(req: FastifyRequest, reply: FastifyReply, f: UIFile, cache: string): FastifyReply {
  void reply.header('content-type', f.type).header('cache-control', cache).header('x-content-type-options', 'nosniff').header('vary', 'accept-encoding');
  if (f.body.length > 1024 && /\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    let z = gzipped.get(f);
    if (z === undefined) {
      z = gzipSync(f.body);
      gzipped.set(f, z);
    }
    return reply.header('content-encoding', 'gzip').send(z);
  }
  return reply.send(f.body);
}

/**
 * uiRoutes serves the web UI at the root of the HTTP server. Assets carry
 * their content hash in their name and are cached for a year; index.html
 * is revalidated each time. Unknown paths under /api/ stay JSON 404s.
 */
export function uiRoutes(): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    const files = await loadUI();
    const index = files.get('index.html')!;
    app.get<{ Params: { name: string } }>('/assets/:name', async (req, reply) => {
      const f = files.get(`assets/${req.params.name}`);
      if (f === undefined) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('not found\n');
      return send(req, reply, f, 'public, max-age=31536000, immutable');
    });
    app.get('/', async (req, reply) => send(req, reply, index, 'no-cache'));
    app.get('/*', async (req, reply) => {
      if (req.url.startsWith('/api/')) {
        notFound(req, reply);
        return reply;
      }
      // A file name (robots.txt, a stale asset) is not a page of the UI.
      if (/\.[a-z0-9]+$/i.test(req.url.split('?')[0]!)) return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('not found\n');
      return send(req, reply, index, 'no-cache');
    });
  };
}
