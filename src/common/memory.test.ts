// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryTrimmer, type NativeMemory } from './memory.ts';
import { loadAddon } from './native.ts';
import { newMock } from './reporter/mock.ts';

const addon = loadAddon<NativeMemory>('memory');

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('loads native/memory', () => {
  // Part of the build (scripts/build-native.sh): missing, it fails here.
  assert.ok(addon !== null, 'native/memory is not built: run bash scripts/build-native.sh (make test does)');
});

it('gives the free pages inside the C heap back to the system', async () => {
  // 2,048 buffers of 48 KiB (below glibc's mmap threshold: from the heap),
  // written so that their pages are resident; every other one freed leaves
  // 48 MiB of holes that free() alone does not give back.
  const size = 48 * 1024;
  const kept: Buffer[] = [];
  let freed: Buffer[] | null = [];
  for (let i = 0; i < 2048; i++) {
    const b = Buffer.allocUnsafeSlow(size).fill(i & 0xff);
    (i % 2 === 0 ? kept : freed).push(b);
  }
  freed = null;
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(50);
  }
  const before = process.memoryUsage.rss();
  assert.equal(await addon!.trim(), true);
  const after = process.memoryUsage.rss();
  assert.ok(before - after > 32 * 1024 * 1024, `RSS ${before} → ${after}: expected at least 32 MiB back`);
  assert.equal(kept.length, 1024);
  assert.equal(kept[1023]![size - 1], 2046 & 0xff, 'the buffers still in use keep their bytes');
});

// slowAddon is a stand-in whose trims end when the test says so.
function slowAddon(): NativeMemory & { calls: number; finish(): void } {
  let resolve: ((released: boolean) => void) | null = null;
  return {
    calls: 0,
    trim() {
      this.calls++;
      return new Promise<boolean>((r) => (resolve = r));
    },
    finish() {
      resolve?.(true);
    },
  };
}

it('trims every interval, one at a time, counted; stop waits for the running one', async () => {
  const r = newMock();
  const fake = slowAddon();
  const trimmer = new MemoryTrimmer(r, 10, fake);
  trimmer.start();
  await sleep(80);
  assert.equal(fake.calls, 1, 'a second trim started while the first ran');
  let stopped = false;
  const stopping = trimmer.stop().then(() => (stopped = true));
  await sleep(20);
  assert.equal(stopped, false, 'stop() returned before the running trim ended');
  fake.finish();
  await stopping;
  const m = await r.getMetrics('akvorado_memory_');
  assert.equal(m['akvorado_memory_trims_total{released="yes"}'], 1);
  assert.equal(m['akvorado_memory_trim_duration_seconds_count'], 1);
  await sleep(30);
  assert.equal(fake.calls, 1, 'trimmed after stop()');
});

it('with the real addon, trims while running', async () => {
  const r = newMock();
  const trimmer = new MemoryTrimmer(r, 5, addon);
  trimmer.start();
  await sleep(300);
  await trimmer.stop();
  const m = await r.getMetrics('akvorado_memory_trims_total');
  const trims = Object.values(m).reduce((a, b) => a + b, 0);
  assert.ok(trims >= 2, `${trims} trims in 300 ms at a 5 ms interval`);
});

it('does nothing at interval 0, warns without the addon', async () => {
  const fake = slowAddon();
  const off = new MemoryTrimmer(newMock(), 0, fake);
  off.start();
  await sleep(30);
  await off.stop();
  assert.equal(fake.calls, 0);

  const r = newMock();
  const missing = new MemoryTrimmer(r, 10, null);
  missing.start();
  await missing.stop();
  assert.ok(r.logs().some((l) => l.level === 40 && String(l.msg).includes('native/memory is not built')));
});

it('a failing trim is logged (a few lines, not one per interval), the next one still runs', async () => {
  const r = newMock();
  let calls = 0;
  const failing: NativeMemory = {
    trim: () => {
      calls++;
      return Promise.reject(new Error('boom'));
    },
  };
  const trimmer = new MemoryTrimmer(r, 5, failing);
  trimmer.start();
  await sleep(60);
  await trimmer.stop();
  assert.ok(calls >= 5, `${calls} trims`);
  // Logged, but not at every interval.
  const lines = r.logs().filter((l) => l.level === 40 && l.msg === 'cannot trim the C heap').length;
  assert.ok(lines >= 1 && lines <= 3, `${lines} log lines for ${calls} failed trims`);
});
