// SPDX-License-Identifier: AGPL-3.0-only
import type { FastifyInstance } from 'fastify';
import type { FlowBatch } from './batch.ts';
import { rowToJSON } from './json.ts';
import type { FlowComponent } from './root.ts';

/** MAX_DEBUG_FLOWS caps `limit` on the debug endpoint. */
export const MAX_DEBUG_FLOWS = 10_000;

/**
 * flowRoutes adds GET /flows?limit=N: the next N decoded flows (after
 * sampling rates and rate limit), streamed as JSON lines as they arrive.
 * The answer ends after N flows or when the client goes away.
 */
export function flowRoutes(flow: FlowComponent) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get(
      '/flows',
      {
        schema: {
          querystring: {
            type: 'object',
            properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_DEBUG_FLOWS, default: 10 } },
            additionalProperties: false,
          },
        },
      },
      async (req, reply) => {
        const limit = (req.query as { limit: number }).limit;
        reply.hijack();
        const res = reply.raw;
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
        let sent = 0;
        const unsubscribe = flow.subscribe((b: FlowBatch) => {
          let chunk = '';
          for (let i = 0; i < b.length && sent < limit; i++, sent++) chunk += `${JSON.stringify(rowToJSON(b, i))}\n`;
          if (chunk !== '') res.write(chunk);
          if (sent >= limit) {
            unsubscribe();
            res.end();
          }
        });
        res.on('close', unsubscribe);
      },
    );
  };
}
