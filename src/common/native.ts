// SPDX-License-Identifier: AGPL-3.0-only
// Finds and loads the project's Node-API addons: native/<name>, built into
// native/<name>/build/Release/<name>.node by scripts/build-native.sh.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cache = new Map<string, unknown>();

/**
 * addonPath looks for an addon from this file's folder up: sources run from
 * src/common/, the bundle from dist/ (or any folder of the checkout), and
 * both find <checkout>/native/<name>/build/Release/<name>.node.
 */
export function addonPath(name: string): string | null {
  const file = join('native', name, 'build', 'Release', `${name}.node`);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, file);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/**
 * loadAddon returns the addon `name`, or null when it is not built, cannot
 * load (built for another Node version) or the system is not Linux: each
 * caller has a way without it.
 */
export function loadAddon<T>(name: string): T | null {
  if (cache.has(name)) return cache.get(name) as T | null;
  let addon: T | null = null;
  const path = process.platform === 'linux' ? addonPath(name) : null;
  if (path !== null) {
    try {
      addon = createRequire(import.meta.url)(path) as T;
    } catch {
      addon = null;
    }
  }
  cache.set(name, addon);
  return addon;
}
