// SPDX-License-Identifier: AGPL-3.0-only
import { setTimeout as sleep } from 'node:timers/promises';
import type { Component, Daemon } from '../common/daemon/root.ts';
import { AkvoradoError } from '../common/errors.ts';
import type { Reporter } from '../common/reporter/root.ts';

/** NamedComponent pairs a component with the name used in logs. */
export type NamedComponent = readonly [name: string, component: Component];

/**
 * runComponents starts the components in order, waits for the daemon to ask
 * for a stop (signal or a dead task), then stops them in reverse order within
 * `stopTimeoutMs`. It returns the process exit code: 0 after a clean stop on a
 * signal, 1 when a component failed to start, died, or did not stop in time.
 */
export async function runComponents(
  r: Reporter,
  daemon: Daemon,
  components: readonly NamedComponent[],
  stopTimeoutMs: number,
): Promise<number> {
  const log = r.logger;
  daemon.start();
  const started: NamedComponent[] = [];
  let code = 0;
  try {
    for (const entry of components) {
      const [name, c] = entry;
      try {
        await c.start?.();
      } catch (cause) {
        const err = new AkvoradoError('AKV_COMPONENT_START', `${name}: ${(cause as Error).message}`, { cause });
        log.error({ component: name, err: cause }, 'unable to start component');
        daemon.terminate(err);
        code = 1;
        break;
      }
      started.push(entry);
      // A task may have died while later components were starting.
      if (daemon.stopping) break;
    }
    if (code === 0 && !daemon.stopping) {
      log.info({ components: started.map(([n]) => n) }, 'started');
    }
    await daemon.terminated;
    const stopped = await stopAll(r, started, stopTimeoutMs);
    if (!stopped) code = 1;
    if (daemon.failure !== null) code = 1;
    log.info({ code }, 'stopped');
    return code;
  } finally {
    daemon.stop();
  }
}

// stopAll stops components in reverse order; false when the deadline passed.
async function stopAll(r: Reporter, started: readonly NamedComponent[], timeoutMs: number): Promise<boolean> {
  const log = r.logger;
  const ordered = async () => {
    for (const [name, c] of [...started].reverse()) {
      try {
        await c.stop?.();
        log.debug({ component: name }, 'component stopped');
      } catch (err) {
        log.error({ component: name, err }, 'error while stopping component');
      }
    }
    return true;
  };
  const abort = new AbortController();
  const deadline = sleep(timeoutMs, false, { signal: abort.signal }).catch(() => false);
  const ok = await Promise.race([ordered(), deadline]);
  abort.abort();
  if (!ok) {
    const err = new AkvoradoError('AKV_DAEMON_STOP_TIMEOUT', `components did not stop within ${timeoutMs} ms`);
    log.error({ err }, 'stop deadline exceeded');
  }
  return ok;
}
