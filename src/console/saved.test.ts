// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasCode } from '../common/errors.ts';
import { newMock } from '../common/reporter/mock.ts';
import { SavedFilters } from './saved.ts';

test('saved filters survive a restart in their file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-saved-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'console.sqlite');
  const first = new SavedFilters(newMock(), path);
  await first.start();
  const f = first.add('alice', { description: 'edge', content: 'ExporterName = edge1', shared: false });
  await first.stop();
  assert.throws(() => first.list('alice'), (err) => hasCode(err, 'AKV_COMPONENT_STOPPED'));
  await assert.rejects(first.start(), (err) => hasCode(err, 'AKV_COMPONENT_STOPPED'));

  const second = new SavedFilters(newMock(), path);
  await second.start();
  t.after(() => second.stop());
  assert.deepEqual(second.list('alice'), [{ id: f.id, owner: 'alice', shared: false, description: 'edge', content: 'ExporterName = edge1' }]);
  assert.deepEqual(second.list('bob'), []);
  assert.throws(() => second.remove('bob', f.id), (err) => hasCode(err, 'AKV_CONSOLE_NOT_FOUND'));
  second.remove('alice', f.id);
  assert.deepEqual(second.list('alice'), []);
});

test('saved filters: an unusable path is AKV_CONSOLE_DATABASE', async () => {
  const s = new SavedFilters(newMock(), '/nonexistent/dir/console.sqlite');
  await assert.rejects(s.start(), (err) => hasCode(err, 'AKV_CONSOLE_DATABASE'));
});
