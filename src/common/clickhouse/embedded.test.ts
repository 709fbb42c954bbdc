// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

// In a child process: chdb opens one data directory per process, and the
// tests' shared engine holds this one's.
test('engine: server settings given at open apply to the engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-engine-args-'));
  try {
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
import { Engine } from ${JSON.stringify(new URL('./embedded.ts', import.meta.url).pathname)};
const engine = new Engine(${JSON.stringify(dir)}, ['--mark_cache_size=268435456', '--background_merges_mutations_concurrency_ratio=1']);
const r = await engine.run("SELECT name, value FROM system.server_settings WHERE name IN ('mark_cache_size', 'background_merges_mutations_concurrency_ratio') ORDER BY name", { format: 'JSONEachRow' });
console.log(Buffer.from(r.data).toString());
await engine.close();
`,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 0, child.stderr);
    const rows = child.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; value: string });
    assert.deepEqual(rows, [
      { name: 'background_merges_mutations_concurrency_ratio', value: '1' },
      { name: 'mark_cache_size', value: '268435456' },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
