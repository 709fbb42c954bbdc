// SPDX-License-Identifier: AGPL-3.0-only
// The home page's widgets: last flow, flow rate, exporters, top N of a few
// dimensions over the last five minutes, and a 24-hour graph.
import type { FastifyInstance } from 'fastify';
import { quoteIdentifier as id } from '../../common/clickhouse/root.ts';
import { AkvoradoError } from '../../common/errors.ts';
import { dimensionSQL } from '../query/dimensions.ts';
import { rfc3339 } from '../query/input.ts';
import { lineQuery } from '../query/line.ts';
import { select } from '../query/select.ts';
import { chooseTable } from '../query/table.ts';
import type { Dependencies } from '../root.ts';
import { TOP_WIDGETS } from './meta.ts';

/** TOP_COLUMNS maps the widget names to the columns they rank. */
export const TOP_COLUMNS: Readonly<Record<(typeof TOP_WIDGETS)[number], string>> = {
  'src-as': 'SrcAS',
  'dst-as': 'DstAS',
  'src-country': 'SrcCountry',
  'dst-country': 'DstCountry',
  exporter: 'ExporterName',
  protocol: 'Proto',
  etype: 'EType',
  'src-port': 'SrcPort',
  'dst-port': 'DstPort',
};

/** widgetRoutes registers the widget endpoints. */
export async function widgetRoutes(app: FastifyInstance, deps: Dependencies): Promise<void> {
  const { ctx } = deps;
  app.get('/widget/flow-last', async () => {
    const rows = await select<Record<string, unknown>>(ctx, 'widget', 'SELECT * FROM flows ORDER BY TimeReceived DESC LIMIT 1', {});
    if (rows.length === 0) throw new AkvoradoError('AKV_CONSOLE_NOT_FOUND', 'no flow stored yet');
    return rows[0];
  });

  app.get('/widget/flow-rate', async () => {
    const now = ctx.now();
    const [row] = await select<{ n: string }>(
      ctx,
      'widget',
      'SELECT count() AS n FROM flows WHERE TimeReceived >= toDateTime({from:UInt32}) AND TimeReceived < toDateTime({to:UInt32})',
      { from: now - 60, to: now },
    );
    return { rate: Number(row?.n ?? 0) / 60, period: 'second' };
  });

  app.get('/widget/exporters', async () => {
    const rows = await select<{ name: string }>(ctx, 'widget', 'SELECT DISTINCT ExporterName AS name FROM exporters ORDER BY name', {});
    return { exporters: rows.map((r) => r.name) };
  });

  app.get<{ Params: { name: string } }>('/widget/top/:name', async (req) => {
    const column = deps.topColumn(req.params.name);
    if (column === null) throw new AkvoradoError('AKV_CONSOLE_NOT_FOUND', `widget/top/${req.params.name}: unknown widget (one of ${TOP_WIDGETS.join(', ')})`);
    const now = ctx.now();
    const choice = chooseTable(ctx.clickhouse, ctx.schema, { start: now - 300, end: now, points: 5, columns: [column], now });
    const rows = await select<{ name: string; v: string; total: string }>(
      ctx,
      'widget',
      `SELECT ${dimensionSQL(ctx.schema, column)} AS name, sum(Bytes * SamplingRate) AS v, sum(v) OVER () AS total FROM ${id(choice.table)} ` +
        'WHERE TimeReceived >= toDateTime({from:UInt32}) AND TimeReceived < toDateTime({to:UInt32}) GROUP BY name ORDER BY v DESC, name LIMIT 5',
      { from: now - 300, to: now, truncate4: 32, truncate6: 128 },
    );
    return { top: rows.map((r) => ({ name: r.name, percent: (100 * Number(r.v)) / Number(r.total) })) };
  });

  app.get<{ Querystring: { points: number } }>(
    '/widget/graph',
    { schema: { querystring: { type: 'object', properties: { points: { type: 'integer', minimum: 5, maximum: 2000, default: 200 } } } } },
    async (req) => {
      const now = ctx.now();
      const line = await lineQuery(ctx, {
        start: rfc3339(now - 86_400),
        end: rfc3339(now),
        points: req.query.points,
        dimensions: [],
        limit: 1,
        limitType: 'avg',
        filter: deps.config.homepageGraphFilter,
        units: 'l3bps',
        bidirectional: false,
        previousPeriod: false,
        truncatev4: 32,
        truncatev6: 128,
      });
      return { t: line.t, data: line.points[0] ?? [] };
    },
  );
}
