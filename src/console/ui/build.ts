// SPDX-License-Identifier: AGPL-3.0-only
// Builds the web UI with esbuild: one JS and one CSS file named by their
// content hash, plus index.html. build.mjs writes them into dist/ui/; the
// console builds them in memory when it runs from the sources.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

/** UIFile is one file of the UI as served: its bytes and content type. */
export interface UIFile {
  body: Buffer;
  type: string;
}

/** CONTENT_TYPES maps the extensions of the UI files to content types. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** contentType gives the content type of a UI file name. */
export function contentType(name: string): string {
  const dot = name.lastIndexOf('.');
  return CONTENT_TYPES[dot < 0 ? '' : name.slice(dot)] ?? 'application/octet-stream';
}

const ENTRY = fileURLToPath(new URL('./index.tsx', import.meta.url));

// indexHTML is the single page: every SPA route answers it.
function indexHTML(js: string, css: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Akvorado</title>',
    // No favicon: without this, browsers ask for /favicon.ico.
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="/assets/${css}">`,
    `<script type="module" src="/assets/${js}"></script>`,
    '</head>',
    '<body><div id="app"><p class="loading">Loading…</p></div></body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * buildUI bundles the UI in memory and returns its files by name:
 * `index.html` and `assets/<name>-<hash>.{js,css}`.
 */
export async function buildUI(): Promise<Map<string, UIFile>> {
  const result = await esbuild.build({
    entryPoints: { app: ENTRY },
    bundle: true,
    write: false,
    outdir: 'ui-out',
    entryNames: '[name]-[hash]',
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const files = new Map<string, UIFile>();
  let js = '';
  let css = '';
  for (const f of result.outputFiles) {
    const name = basename(f.path);
    if (name.endsWith('.js')) js = name;
    if (name.endsWith('.css')) css = name;
    files.set(`assets/${name}`, { body: Buffer.from(f.contents), type: contentType(name) });
  }
  files.set('index.html', { body: Buffer.from(indexHTML(js, css)), type: contentType('index.html') });
  return files;
}

/** writeUI builds the UI and writes its files under dir (dist/ui), replacing the previous build. */
export async function writeUI(dir: string): Promise<void> {
  const files = await buildUI();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'assets'), { recursive: true });
  for (const [name, f] of files) writeFileSync(join(dir, name), f.body);
}
