// SPDX-License-Identifier: AGPL-3.0-only
// The filter editor's endpoints: validation, completion (values from
// ClickHouse), saved filters per user.
import type { FastifyInstance } from 'fastify';
import { userOf } from '../auth.ts';
import { completeFilter, FilterError, parseFilter, quoteValue, type Candidate } from '../filter/root.ts';
import { MAX_FILTER_LENGTH } from '../filter/root.ts';
import type { Dependencies } from '../root.ts';
import { completionValues } from '../query/values.ts';

const filterText = { type: 'string', maxLength: MAX_FILTER_LENGTH } as const;

/** filterRoutes registers filter/validate, filter/complete and filter/saved. */
export async function filterRoutes(app: FastifyInstance, deps: Dependencies): Promise<void> {
  const { schema } = deps.ctx;
  app.post<{ Body: { filter: string } }>(
    '/filter/validate',
    { schema: { body: { type: 'object', additionalProperties: false, required: ['filter'], properties: { filter: filterText } } } },
    async (req) => {
      try {
        const parsed = parseFilter(req.body.filter, schema);
        return { message: 'ok', parsed: parsed.sql, errors: [] };
      } catch (err) {
        if (!(err instanceof FilterError)) throw err;
        return { message: err.message, errors: err.toJSON().errors };
      }
    },
  );

  app.post<{ Body: { filter: string; cursor: number } }>(
    '/filter/complete',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['filter', 'cursor'],
          properties: { filter: filterText, cursor: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (req) => {
      const c = completeFilter(req.body.filter, req.body.cursor, schema);
      const candidates: Candidate[] = [...c.candidates];
      if (c.needsValues !== undefined) {
        for (const v of await completionValues(deps.ctx, c.needsValues.column, c.needsValues.prefix)) {
          candidates.push(v.quoted ? { label: quoteValue(v.label), detail: v.detail, quoted: true } : v);
        }
      }
      return { from: c.from, to: c.to, candidates };
    },
  );

  app.get('/filter/saved', async (req) => ({ filters: deps.saved.list(userOf(deps.config.auth, req).login) }));
  app.post<{ Body: { description: string; content: string; shared: boolean } }>(
    '/filter/saved',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['description', 'content'],
          properties: {
            description: { type: 'string', minLength: 1, maxLength: 200 },
            content: { type: 'string', minLength: 1, maxLength: MAX_FILTER_LENGTH },
            shared: { type: 'boolean', default: false },
          },
        },
      },
    },
    async (req, reply) => {
      const login = userOf(deps.config.auth, req).login;
      parseFilter(req.body.content, schema);
      void reply.code(201);
      return deps.saved.add(login, req.body);
    },
  );
  app.delete<{ Params: { id: number } }>(
    '/filter/saved/:id',
    { schema: { params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } } } },
    async (req, reply) => {
      deps.saved.remove(userOf(deps.config.auth, req).login, req.params.id);
      void reply.code(204);
    },
  );
}
