// SPDX-License-Identifier: AGPL-3.0-only
// What the benchmarks that send UDP over loopback share: the datagram files
// bench/sender reads, running it, and the kernel's receive buffer limit.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { rmemMax } from '../src/inlet/flow/kernel.ts';

const RMEM_MAX_FILE = '/proc/sys/net/core/rmem_max';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** writeDatagrams stores datagrams as bench/sender reads them (u32 LE length, then the bytes). */
export function writeDatagrams(path: string, datagrams: readonly Uint8Array[]): void {
  const size = datagrams.reduce((n, d) => n + 4 + d.length, 0);
  const out = Buffer.alloc(size);
  let off = 0;
  for (const d of datagrams) {
    off = out.writeUInt32LE(d.length, off);
    out.set(d, off);
    off += d.length;
  }
  writeFileSync(path, out);
}

/** SenderReport is what bench/sender prints when it is done. */
export interface SenderReport {
  sent: number;
  bytes: number;
  elapsed: number;
  /** cpu is the sender's own CPU time in seconds. */
  cpu: number;
  errors: number;
}

/** runSender runs bench/sender with `args` and resolves with its report. */
export function runSender(sender: string, args: readonly string[]): Promise<SenderReport> {
  const child = spawn(sender, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /sent=(\d+) bytes=(\d+) elapsed=([\d.]+) cpu=([\d.]+) errors=(\d+)/.exec(out);
      if (code !== 0 || m === null) reject(new Error(`sender exited with ${code}: ${out.trim()}`));
      else resolve({ sent: Number(m[1]), bytes: Number(m[2]), elapsed: Number(m[3]), cpu: Number(m[4]), errors: Number(m[5]) });
    });
  });
}

/**
 * raiseRmemMax lets sockets get a receive buffer of `bytes` (Linux caps
 * requests at net.core.rmem_max) when it can write the setting; it
 * returns the value to restore, or null when nothing changed.
 */
export function raiseRmemMax(bytes: number, log: (line: string) => void): number | null {
  const max = rmemMax();
  if (max === null || max >= bytes) {
    log(`net.core.rmem_max ${max === null ? 'unknown' : fmt(max)} bytes, receive buffer asked ${fmt(bytes)} bytes`);
    return null;
  }
  try {
    writeFileSync(RMEM_MAX_FILE, String(bytes));
  } catch {
    log(`net.core.rmem_max ${fmt(max)} bytes (not writable): the receive buffer of ${fmt(bytes)} bytes is capped to it`);
    return null;
  }
  log(`net.core.rmem_max raised from ${fmt(max)} to ${fmt(bytes)} bytes for the run (restored after), receive buffer asked ${fmt(bytes)} bytes`);
  return max;
}

/** restoreRmemMax puts back what raiseRmemMax changed. */
export function restoreRmemMax(previous: number | null): void {
  if (previous !== null) writeFileSync(RMEM_MAX_FILE, String(previous));
}

/** machineTimes returns the busy and total CPU seconds of the machine, every core (/proc/stat). */
export function machineTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = f.reduce((a, b) => a + b, 0) / 100;
  return { busy: total - (f[3]! + f[4]!) / 100, total };
}
