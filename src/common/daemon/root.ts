// SPDX-License-Identifier: AGPL-3.0-only
import { AkvoradoError } from '../errors.ts';
import type { Reporter } from '../reporter/root.ts';

/**
 * Component is the life cycle every component follows: an inert constructor,
 * then optional start() and stop(); stop() undoes what start() did.
 */
export interface Component {
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/** SIGNALS are the signals that ask for an ordered stop. */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Daemon tracks the long-running tasks of the components and turns a signal
 * or the death of a task into one request to stop (`terminated`). It is the
 * only place that listens to signals. A second signal during the stop calls
 * `onForce` (the CLI exits at once).
 */
export class Daemon {
  private readonly r: Reporter;
  private readonly onForce: () => void;
  private resolveTerminated!: () => void;
  private readonly handlers = new Map<string, () => void>();
  /** terminated resolves once a stop has been asked for. */
  readonly terminated: Promise<void>;
  /** failure is the first error that caused the stop (null after a signal). */
  failure: Error | null;
  /** stopping tells whether a stop has been asked for. */
  stopping: boolean;

  constructor(r: Reporter, onForce: () => void = () => {}) {
    this.r = r.child('daemon');
    this.onForce = onForce;
    this.failure = null;
    this.stopping = false;
    this.terminated = new Promise((resolve) => {
      this.resolveTerminated = resolve;
    });
  }

  /** start listens to SIGINT and SIGTERM. */
  start(): void {
    for (const signal of SIGNALS) {
      const handler = () => {
        if (this.stopping) {
          this.r.logger.warn({ signal }, 'second signal received, exiting now');
          this.onForce();
          return;
        }
        this.r.logger.info({ signal }, 'signal received, stopping');
        this.terminate();
      };
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  /** stop removes the signal handlers. */
  stop(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
  }

  /** terminate asks for an ordered stop; with an error, the process will exit non-zero. */
  terminate(failure?: Error): void {
    if (failure !== undefined && this.failure === null) this.failure = failure;
    if (this.stopping) return;
    this.stopping = true;
    this.resolveTerminated();
  }

  /**
   * track watches a long-running task of a component: if it fails, or ends
   * before a stop was asked for, the whole service stops in error.
   */
  track(name: string, task: Promise<unknown>): void {
    task.then(
      () => {
        if (this.stopping) return;
        const err = new AkvoradoError('AKV_DAEMON_TASK_DIED', `${name}: task ended unexpectedly`);
        this.r.logger.error({ task: name }, 'task ended unexpectedly');
        this.terminate(err);
      },
      (cause: unknown) => {
        const err = new AkvoradoError('AKV_DAEMON_TASK_DIED', `${name}: ${(cause as Error)?.message ?? cause}`, {
          cause,
        });
        this.r.logger.error({ task: name, err: cause }, 'task died');
        this.terminate(err);
      },
    );
  }
}
