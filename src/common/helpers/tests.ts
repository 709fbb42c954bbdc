// SPDX-License-Identifier: AGPL-3.0-only
import type { TestContext } from 'node:test';
import type { Component } from '../daemon/root.ts';

/** startStop starts a component and stops it when the test ends. */
export async function startStop<C extends Component>(t: TestContext, c: C): Promise<C> {
  await c.start?.();
  t.after(async () => {
    await c.stop?.();
  });
  return c;
}
