// SPDX-License-Identifier: AGPL-3.0-only
import convict from 'convict';
import { parseDuration } from './duration.ts';

/**
 * Formats used by the configuration schemas, on top of convict's own. Each
 * validator throws with a message that names the expected and received value.
 */

let registered = false;

/** registerFormats adds the project's formats to convict (once). */
export function registerFormats(): void {
  if (registered) return;
  registered = true;
  convict.addFormat({
    name: 'duration',
    validate(value: unknown) {
      if (typeof value !== 'string' || parseDuration(value) === null) {
        throw new TypeError('expected a duration like "5s", "1m30s" or "250ms"');
      }
    },
  });
  convict.addFormat({
    name: 'listen',
    validate(value: unknown) {
      if (typeof value !== 'string' || parseListen(value) === null) {
        throw new TypeError('expected host:port');
      }
    },
  });
  convict.addFormat({
    name: 'positive',
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        throw new TypeError('expected a positive integer');
      }
    },
  });
  convict.addFormat({
    name: 'size',
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw new TypeError('expected a size in bytes (a non-negative integer)');
      }
    },
  });
}

/** parseListen splits "host:port" or "[v6]:port" (host may be empty: all addresses). */
export function parseListen(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: m[1] ?? m[2] ?? '', port };
}
