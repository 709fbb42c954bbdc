// SPDX-License-Identifier: AGPL-3.0-only
// Runs bin/akvorado from the sources as a child process, without blocking
// the test's event loop (tests may serve ClickHouse to the child), and
// collects its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;

/** Running is a started akvorado process and its log lines so far. */
export interface Running {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  /** waitFor resolves with the first log line matching, or rejects after timeoutMs. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** exited resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * startAkvorado runs `akvorado ...args`, with env added to the environment
 * (e.g. AKVORADO_CFG_* overrides); the process is killed when the test ends.
 */
export function startAkvorado(t: TestContext, args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(join(root, 'bin', 'akvorado'), args, {
    cwd: root,
    env: { ...process.env, ...env, AKVORADO_FROM_SOURCES: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const waitFor = async (match: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = lines.find(match);
      if (found !== undefined) return found;
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`akvorado ${args.join(' ')}: expected log line not seen (exit ${child.exitCode}):\n${lines.map((l) => JSON.stringify(l)).join('\n')}\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, lines, waitFor, exited };
}

/** runAkvorado runs a one-shot command to its end. */
export async function runAkvorado(t: TestContext, args: string[]): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> {
  const p = startAkvorado(t, args);
  const code = await p.exited;
  // Let the last stdout chunk arrive.
  await new Promise((r) => setImmediate(r));
  return { code, lines: p.lines };
}
