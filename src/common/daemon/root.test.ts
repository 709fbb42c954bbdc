// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newMock as newReporter } from '../reporter/mock.ts';
import { newMock } from './mock.ts';

describe('daemon', () => {
  it('stops when a tracked task fails', async () => {
    const r = newReporter();
    const d = newMock(r);
    d.track('receiver', Promise.reject(new Error('socket closed')));
    await d.terminated;
    assert.equal(d.stopping, true);
    assert.equal((d.failure as Error & { code: string }).code, 'AKV_DAEMON_TASK_DIED');
    assert.match(d.failure!.message, /receiver: socket closed/);
  });

  it('treats a task ending before the stop as a death, not after', async () => {
    const r = newReporter();
    const early = newMock(r);
    early.track('poller', Promise.resolve());
    await early.terminated;
    assert.match(early.failure!.message, /poller: task ended unexpectedly/);

    const late = newMock(r);
    let finish!: () => void;
    late.track('poller', new Promise<void>((resolve) => (finish = resolve)));
    late.terminate();
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(late.failure, null);
  });

  it('keeps the first failure', async () => {
    const d = newMock(newReporter());
    d.terminate(new Error('first'));
    d.terminate(new Error('second'));
    await d.terminated;
    assert.equal(d.failure!.message, 'first');
  });
});
