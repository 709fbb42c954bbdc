// SPDX-License-Identifier: AGPL-3.0-only
import { serve } from '../cmd/serve.ts';
import type { Configuration } from './config.ts';
import { flowRoutes } from './flow/http.ts';
import { FlowComponent } from './flow/root.ts';

/**
 * run runs the inlet service: flow inputs and decoders, with the debug
 * endpoint on the HTTP server. This version has no Kafka output yet: flows
 * are decoded, counted and discarded, and the start says so.
 */
export function run(config: Configuration): Promise<number> {
  return serve('inlet', config, ({ r, daemon, http }) => {
    const flow = new FlowComponent(r, config.flow, daemon);
    http.app.register(flowRoutes(flow), { prefix: '/api/v0/inlet' });
    r.child('inlet').logger.warn(
      'no Kafka output in this version: flows are decoded, counted and discarded (see /api/v0/inlet/flows)',
    );
    return [['flow', flow]];
  });
}
