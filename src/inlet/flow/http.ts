// SPDX-License-Identifier: AGPL-3.0-only
import type { FastifyInstance } from 'fastify';
import type { FlowBatch } from './batch.ts';
import { enrichedRowToJSON } from './json.ts';
import type { BatchHandler } from './root.ts';
import { STRINGS, type StringTable } from './strings.ts';

/** MAX_DEBUG_FLOWS caps `limit` on the debug endpoint. */
export const MAX_DEBUG_FLOWS = 10_000;

/** BatchSource hands batches to its subscribers (the enricher, or the flow component). */
export interface BatchSource {
  subscribe(handler: BatchHandler): () => void;
}

/**
 * flowRoutes adds GET /flows?limit=N: the next N flows of `source`,
 * streamed as JSON lines as they arrive, enriched columns included (text
 * from `strings`). The inlet gives the enricher's output: flows as they go
 * to Kafka. A request subscribes only while it runs, so that the flow path
 * pays nothing when nobody listens. The answer ends after N flows or when
 * the client goes away.
 */
export function flowRoutes(source: BatchSource, strings: StringTable = STRINGS) {
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
        let sent = 0;
        const unsubscribe = source.subscribe((b: FlowBatch) => {
          let chunk = '';
          for (let i = 0; i < b.length && sent < limit; i++, sent++) chunk += `${JSON.stringify(enrichedRowToJSON(b, i, strings))}\n`;
          if (chunk !== '') res.write(chunk);
          if (sent >= limit) {
            unsubscribe();
            res.end();
          }
        });
        res.on('close', unsubscribe);
        // Headers go out once subscribed: a client that has them sees every later flow.
        res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
        res.flushHeaders();
      },
    );
  };
}
