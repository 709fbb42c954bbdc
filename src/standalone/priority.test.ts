// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

// In a child process (nice values cannot be lowered back without
// privileges): a worker thread, whose threads Linux names WorkerThread,
// goes to nice 7; the other threads stay where they were.
const CHILD = `
import { readdirSync, readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { lowerPriority } from ${JSON.stringify(new URL('./priority.ts', import.meta.url).pathname)};
const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
await new Promise((resolve) => worker.once('online', resolve));
const changed = lowerPriority('WorkerThread', 7);
const nice = (task) => Number(readFileSync('/proc/self/task/' + task + '/stat', 'utf8').split(') ')[1].split(' ')[16]);
const threads = readdirSync('/proc/self/task').map((t) => [readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim(), nice(t)]);
console.log(JSON.stringify({ changed, again: lowerPriority('WorkerThread', 7), main: nice(process.pid), threads }));
process.exit(0);
`;

test('lowerPriority: threads of the name get the nice value, once; the others keep theirs', { skip: process.platform !== 'linux' }, () => {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const out = JSON.parse(child.stdout) as { changed: number; again: number; main: number; threads: Array<[string, number]> };
  assert.ok(out.changed >= 1, child.stdout);
  assert.equal(out.again, 0, 'already at that priority');
  // Relative to the nice value the test runs at (inherited).
  assert.ok(out.main < 7, `main thread at ${out.main}`);
  for (const [name, nice] of out.threads) assert.equal(nice, name.startsWith('WorkerThread') ? 7 : out.main, `${name}: ${nice}`);
});
