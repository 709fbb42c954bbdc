// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeStaleSpools, spoolDirectory, Spooled } from './spool.ts';

function directory(t: { after: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('Spooled writes chunks in order into a file of its own, until removed', (t) => {
  const dir = directory(t);
  const chunk = new Uint8Array(3);
  const a = Spooled.write((put) => {
    // The chunk is reused once put returns.
    for (let i = 0; i < 4; i++) {
      chunk.set([i, i + 10, i + 20]);
      put(chunk);
    }
    put(new Uint8Array(0));
  }, dir);
  const b = Spooled.of(new Uint8Array([7]), dir);
  assert.notEqual(a.path, b.path);
  assert.equal(a.bytes, 12);
  assert.deepEqual([...a.read()], [0, 10, 20, 1, 11, 21, 2, 12, 22, 3, 13, 23]);
  assert.deepEqual(readdirSync(dir).length, 2);
  a.remove();
  a.remove();
  assert.equal(a.removed, true);
  assert.equal(existsSync(a.path), false);
  assert.throws(() => a.read(), /already removed/);
  assert.deepEqual([...b.read()], [7]);
});

test('Spooled: a failed write leaves no file and names it', (t) => {
  const dir = directory(t);
  assert.throws(
    () => Spooled.write((put) => {
      put(new Uint8Array(10));
      throw new Error('no space left on device');
    }, dir),
    (err: Error) => err.message.startsWith(`cannot spool an insert's data to ${dir}/akvorado-insert-${process.pid}-`) && err.message.endsWith('no space left on device'),
  );
  assert.deepEqual(readdirSync(dir), []);
  assert.throws(() => Spooled.of(new Uint8Array(1), join(dir, 'missing')), /cannot spool an insert's data to .*missing.*ENOENT/);
});

test('removeStaleSpools removes the files of processes gone, not the running ones\', nor others', (t) => {
  const dir = directory(t);
  // A pid that ran and ended.
  const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
  const ours = Spooled.of(new Uint8Array(5), dir);
  writeFileSync(join(dir, `akvorado-insert-${gone}-0a1b2c`), new Uint8Array(100));
  writeFileSync(join(dir, `akvorado-insert-1-0a1b2c`), new Uint8Array(1));
  writeFileSync(join(dir, 'other-file'), '');
  assert.equal(removeStaleSpools(dir), 100);
  assert.deepEqual(readdirSync(dir).sort(), ['akvorado-insert-1-0a1b2c', ours.path.slice(dir.length + 1), 'other-file'].sort());
});

test('spoolDirectory is /dev/shm when it has room, else the temporary directory', () => {
  const dir = spoolDirectory();
  assert.ok(dir === '/dev/shm' || dir === tmpdir(), dir);
  assert.equal(spoolDirectory(), dir);
});
