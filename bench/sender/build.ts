// SPDX-License-Identifier: AGPL-3.0-only
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

const SOURCE = fileURLToPath(new URL('./sender.c', import.meta.url));
const CACHE = fileURLToPath(new URL('../../.cache/bench/sender/', import.meta.url));
const CFLAGS = ['-O2', '-Wall', '-Wextra', '-std=c11'];

/**
 * buildSender compiles sender.c with the system C compiler (`$CC`, else
 * `cc`) into .cache/bench/sender and returns the executable's path. The
 * file name carries a hash of the source and flags, so it is rebuilt only
 * when they change. Throws when no compiler is found or compiling fails.
 */
export async function buildSender(): Promise<string> {
  const cc = process.env['CC'] ?? 'cc';
  const source = readFileSync(SOURCE);
  const hash = createHash('sha256').update(source).update(CFLAGS.join(' ')).update(cc).digest('hex').slice(0, 16);
  const out = join(CACHE, `sender-${hash}`);
  if (existsSync(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  // Compile beside and rename, so that a concurrent run never sees half a file.
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await run(cc, [...CFLAGS, '-o', tmp, SOURCE]);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error(`no C compiler "${cc}" to build the sender (install gcc or set CC)`, { cause: err });
    throw new Error(`cannot compile ${SOURCE}: ${e.stderr ?? e.message}`, { cause: err });
  }
  renameSync(tmp, out);
  return out;
}
