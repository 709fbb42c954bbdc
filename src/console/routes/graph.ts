// SPDX-License-Identifier: AGPL-3.0-only
// graph/line, graph/table-interval and graph/sankey.
import type { FastifyInstance } from 'fastify';
import { graphInputSchema, type GraphInput } from '../query/input.ts';
import { lineQuery } from '../query/line.ts';
import { sankeyQuery } from '../query/sankey.ts';
import { unitSQL } from '../query/units.ts';
import type { Dependencies } from '../root.ts';

/** graphRoutes registers the graph endpoints. */
export async function graphRoutes(app: FastifyInstance, deps: Dependencies): Promise<void> {
  const opts = { schema: { body: graphInputSchema } };
  app.post<{ Body: GraphInput }>('/graph/line', opts, async (req) => lineQuery(deps.ctx, req.body));
  app.post<{ Body: GraphInput }>('/graph/table-interval', opts, async (req) => {
    const line = await lineQuery(deps.ctx, req.body);
    // total is the amount over the range (bits or packets); percents do not add up over time.
    const additive = unitSQL(req.body.units).additive;
    return {
      rows: line.rows,
      axis: line.axis,
      min: line.min,
      max: line.max,
      average: line.average,
      '95th': line['95th'],
      last: line.last,
      total: line.points.map((p) => (additive ? p.reduce((a, b) => a + b, 0) * line.step : null)),
      table: line.table,
      step: line.step,
    };
  });
  app.post<{ Body: GraphInput }>('/graph/sankey', opts, async (req) => sankeyQuery(deps.ctx, req.body));
}
