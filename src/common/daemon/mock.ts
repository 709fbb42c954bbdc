// SPDX-License-Identifier: AGPL-3.0-only
import type { Reporter } from '../reporter/root.ts';
import { Daemon } from './root.ts';

/** newMock returns a daemon that does not listen to signals (tests call terminate()). */
export function newMock(r: Reporter): Daemon {
  return new Daemon(r);
}
