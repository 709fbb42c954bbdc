// SPDX-License-Identifier: AGPL-3.0-only
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import type { Configuration } from './config.ts';

/** Logger is the structured logger components get from their reporter. */
export type Logger = PinoLogger;

/**
 * newLogger builds the root logger: pretty lines on a terminal (or when asked),
 * JSON lines otherwise. Lines are written synchronously: logs are few (the
 * flow path samples its errors), and an asynchronous writer interrupted by
 * the process exit reorders or loses the last lines, the ones that say why
 * it stopped. `destination` replaces stdout (tests).
 */
export function newLogger(config: Configuration, destination?: DestinationStream): Logger {
  const usePretty = config.format === 'pretty' || (config.format === 'auto' && process.stdout.isTTY === true);
  const options = {
    level: config.level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (destination !== undefined) return pino(options, destination);
  if (usePretty) {
    // pino-pretty as a stream in this thread: a transport would need a
    // worker file next to the bundle.
    return pino(options, pretty({ sync: true, translateTime: 'SYS:standard', ignore: 'pid,hostname' }));
  }
  return pino(options, pino.destination({ dest: 1, sync: true }));
}

/**
 * BurstSampler lets `burst` events through per `periodMs` window and drops
 * the rest: per-packet error logs go through one, while their counter still
 * counts every error.
 */
export class BurstSampler {
  readonly burst: number;
  readonly periodMs: number;
  private windowStart: number;
  private count: number;
  /** dropped is the number of events refused since the last allowed one. */
  dropped: number;

  constructor(burst: number, periodMs: number) {
    this.burst = burst;
    this.periodMs = periodMs;
    this.windowStart = 0;
    this.count = 0;
    this.dropped = 0;
  }

  /** allow tells whether this event may be logged. */
  allow(now = Date.now()): boolean {
    if (now - this.windowStart >= this.periodMs) {
      this.windowStart = now;
      this.count = 0;
    }
    if (this.count < this.burst) {
      this.count++;
      return true;
    }
    this.dropped++;
    return false;
  }
}
