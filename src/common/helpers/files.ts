// SPDX-License-Identifier: AGPL-3.0-only
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isBundle } from '../version.ts';

/**
 * projectPath locates a file shipped with Akvorado (migrations/, data/),
 * from the sources (src/common/helpers/) or from the bundle (dist/).
 */
export function projectPath(...parts: string[]): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return isBundle() ? join(here, '..', ...parts) : join(here, '..', '..', '..', ...parts);
}
