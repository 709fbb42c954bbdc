// SPDX-License-Identifier: AGPL-3.0-only
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Replaced by build.mjs (esbuild `define`) in the bundle.
declare const AKVORADO_BUILD_VERSION: string | undefined;
declare const AKVORADO_BUILD_COMMIT: string | undefined;
declare const AKVORADO_BUILD_DATE: string | undefined;

/** VersionInfo says what is running. */
export interface VersionInfo {
  version: string;
  commit: string;
  buildDate: string;
  node: string;
}

let cached: VersionInfo | null = null;

/**
 * versionInfo returns the version, commit and build date baked in by the
 * bundle, or read from package.json and git when running from the sources.
 */
export function versionInfo(): VersionInfo {
  if (cached !== null) return cached;
  if (typeof AKVORADO_BUILD_VERSION === 'string') {
    cached = {
      version: AKVORADO_BUILD_VERSION,
      commit: AKVORADO_BUILD_COMMIT ?? 'unknown',
      buildDate: AKVORADO_BUILD_DATE ?? 'unknown',
      node: process.version,
    };
    return cached;
  }
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', root, 'describe', '--always', '--dirty', '--abbrev=12'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  cached = { version: pkg.version, commit, buildDate: 'source', node: process.version };
  return cached;
}

/** isBundle tells whether this code runs from the esbuild bundle (dist/) rather than the sources. */
export function isBundle(): boolean {
  return typeof AKVORADO_BUILD_VERSION === 'string';
}
