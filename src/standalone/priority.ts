// SPDX-License-Identifier: AGPL-3.0-only
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * MERGE_THREADS is the name prefix of the embedded engine's threads running
 * background merges ("MergeMutate"), as Linux shows them.
 */
export const MERGE_THREADS = 'MergeMutate';

/**
 * lowerPriority sets the nice value of this process's threads whose name
 * starts with `prefix` to `nice` (when lower), and returns how many it
 * changed. Raising a nice value needs no privilege. Linux only: elsewhere,
 * or when /proc cannot be read, it changes nothing.
 *
 * The embedded engine merges parts in the background as fast as it can;
 * on a small machine that takes the CPU the receiving, the decoding and the
 * inserts need, and flows are dropped while merges could have waited. At a
 * lower priority, merges use the CPU left over; when that is not enough,
 * parts pile up and ClickHouse slows inserts down (parts_to_delay_insert):
 * the sink then holds rows, and drops and counts them past its bound.
 */
export function lowerPriority(prefix: string, nice: number): number {
  let tasks: string[];
  try {
    tasks = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  let changed = 0;
  for (const task of tasks) {
    try {
      const name = readFileSync(`/proc/self/task/${task}/comm`, 'utf8');
      if (!name.startsWith(prefix)) continue;
      const tid = Number(task);
      if (getPriority(tid) >= nice) continue;
      setPriority(tid, nice);
      changed++;
    } catch {
      // The thread ended meanwhile.
    }
  }
  return changed;
}
