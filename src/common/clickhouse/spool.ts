// SPDX-License-Identifier: AGPL-3.0-only
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// PREFIX starts the name of every spool file, followed by the pid of the process that wrote it.
const PREFIX = 'akvorado-insert-';

// MIN_SHM_FREE is the free space /dev/shm needs to be the spool directory:
// containers often give it 64 MiB, less than a few inserts of flows.
const MIN_SHM_FREE = 1024 * 1024 * 1024;

let chosen: string | null = null;

/**
 * spoolDirectory is where inserts' data is spooled: /dev/shm (memory) when
 * it has 1 GiB free, else the system's temporary directory. Chosen once.
 */
export function spoolDirectory(): string {
  if (chosen !== null) return chosen;
  chosen = tmpdir();
  try {
    if (existsSync('/dev/shm')) {
      const fs = statfsSync('/dev/shm');
      if (fs.bavail * fs.bsize >= MIN_SHM_FREE) chosen = '/dev/shm';
    }
  } catch {
    // No /dev/shm to use: the temporary directory.
  }
  return chosen;
}

/**
 * Spooled is the data of an insert in a file of the spool directory rather
 * than in the process's memory. The embedded engine reads an insert's data
 * from a file (chdb takes SQL text only): written there once, when it is
 * encoded, the data is not held twice (an encoded buffer and the engine's
 * file) while its insert waits or runs, and it stays there for a retry
 * until `remove()`.
 */
export class Spooled {
  /** path is the file. */
  readonly path: string;
  /** bytes is its size. */
  readonly bytes: number;
  #removed = false;

  private constructor(path: string, bytes: number) {
    this.path = path;
    this.bytes = bytes;
  }

  /**
   * write creates a spool file with what `fill` gives to `put`, chunk
   * after chunk (a chunk may be reused once `put` returns). A failure
   * (no space left) removes the file and throws, naming it.
   */
  static write(fill: (put: (chunk: Uint8Array) => void) => void, directory = spoolDirectory()): Spooled {
    const path = join(directory, `${PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`);
    let bytes = 0;
    let fd = -1;
    try {
      fd = openSync(path, 'wx', 0o600);
      fill((chunk) => {
        for (let at = 0; at < chunk.length; ) at += writeSync(fd, chunk, at, chunk.length - at, bytes + at);
        bytes += chunk.length;
      });
    } catch (err) {
      if (fd >= 0) closeSync(fd);
      fd = -1;
      rmSync(path, { force: true });
      throw new Error(`cannot spool an insert's data to ${path}: ${(err as Error).message}`, { cause: err });
    } finally {
      if (fd >= 0) closeSync(fd);
    }
    return new Spooled(path, bytes);
  }

  /** of spools bytes already in memory. */
  static of(data: Uint8Array, directory = spoolDirectory()): Spooled {
    return Spooled.write((put) => put(data), directory);
  }

  /** read returns the data (for drivers sending bytes). */
  read(): Buffer {
    if (this.#removed) throw new Error(`spooled insert data ${this.path} already removed`);
    return readFileSync(this.path);
  }

  /** removed tells whether remove() ran. */
  get removed(): boolean {
    return this.#removed;
  }

  /** remove deletes the file (again: nothing). */
  remove(): void {
    if (this.#removed) return;
    this.#removed = true;
    rmSync(this.path, { force: true });
  }
}

/**
 * spoolFiles lists the spool files of a directory with the pid of the
 * process that wrote each and their size (a file removed meanwhile is left out).
 */
export function spoolFiles(directory = spoolDirectory()): Array<{ path: string; pid: number; bytes: number }> {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return [];
  }
  const files: Array<{ path: string; pid: number; bytes: number }> = [];
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const path = join(directory, name);
    try {
      files.push({ path, pid, bytes: statSync(path).size });
    } catch {
      // Removed meanwhile.
    }
  }
  return files;
}

/**
 * removeStaleSpools deletes the spool files of processes that no longer
 * run (a crash or a kill leaves them, in memory for /dev/shm) and returns
 * how many bytes it freed.
 */
export function removeStaleSpools(directory = spoolDirectory()): number {
  let freed = 0;
  for (const f of spoolFiles(directory)) {
    if (f.pid === process.pid || running(f.pid)) continue;
    rmSync(f.path, { force: true });
    freed += f.bytes;
  }
  return freed;
}

// running tells whether a process runs with this pid (not ours to signal counts as running).
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
