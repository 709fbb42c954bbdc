// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';

interface Run {
  code: number | null;
  markers: string[];
  lines: Array<Record<string, unknown>>;
  elapsedAfterSignal: number;
}

// run starts the fixture, sends SIGTERM once it has started (when asked),
// and collects its JSON log lines.
function run(env: Record<string, string>, signal: boolean): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [new URL('./fixtures/lifecycle.ts', import.meta.url).pathname], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let signalledAt = 0;
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (signal && signalledAt === 0 && out.includes('"msg":"started"')) {
        signalledAt = Date.now();
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({
        code,
        lines,
        markers: lines.filter((l) => l.test !== undefined).map((l) => l.test as string),
        elapsedAfterSignal: signalledAt === 0 ? 0 : Date.now() - signalledAt,
      });
    });
  });
}

describe('service lifecycle', () => {
  it('stops in reverse order on SIGTERM within the deadline and exits 0', async () => {
    const r = await run({ STOP_DELAY_MS: '100', STOP_TIMEOUT_MS: '3000' }, true);
    assert.deepEqual(r.markers, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    assert.equal(r.code, 0);
    assert.ok(r.elapsedAfterSignal < 3000, `stop took ${r.elapsedAfterSignal} ms`);
    assert.ok(r.lines.some((l) => l.msg === 'signal received, stopping' && l.module === 'daemon'));
  });

  it('exits non-zero when stopping exceeds the deadline', async () => {
    const r = await run({ STOP_DELAY_MS: '1500', STOP_TIMEOUT_MS: '500' }, true);
    assert.equal(r.code, 1);
    assert.ok(r.lines.some((l) => l.msg === 'stop deadline exceeded'));
    assert.ok(r.elapsedAfterSignal < 1500, `stop took ${r.elapsedAfterSignal} ms`);
  });

  it('stops everything and exits non-zero when a component dies', async () => {
    const r = await run({ DIE_AFTER_MS: '200' }, false);
    assert.equal(r.code, 1);
    assert.deepEqual(r.markers, ['start a', 'start b', 'start c', 'stop c', 'stop b', 'stop a']);
    const died = r.lines.find((l) => l.msg === 'task died');
    assert.equal(died?.task, 'b/worker');
  });

  it('undoes what started when a component fails to start', async () => {
    const r = await run({ FAIL_START: '1' }, false);
    assert.equal(r.code, 1);
    assert.deepEqual(r.markers, ['start a', 'start b', 'stop b', 'stop a']);
    assert.ok(r.lines.some((l) => l.msg === 'unable to start component' && l.component === 'c'));
  });
});
