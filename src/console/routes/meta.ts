// SPDX-License-Identifier: AGPL-3.0-only
// configuration and user/info: what the web UI needs before anything else.
import type { FastifyInstance } from 'fastify';
import { userOf } from '../auth.ts';
import { UNITS } from '../config.ts';
import type { Dependencies } from '../root.ts';

/** TOP_WIDGETS are the top-N widgets of the home page (widget/top/{name}). */
export const TOP_WIDGETS = ['src-as', 'dst-as', 'src-country', 'dst-country', 'exporter', 'protocol', 'etype', 'src-port', 'dst-port'] as const;

/** metaRoutes registers GET configuration and GET user/info. */
export async function metaRoutes(app: FastifyInstance, deps: Dependencies): Promise<void> {
  const { schema } = deps.ctx;
  const options = deps.config.defaultVisualizeOptions;
  app.get('/configuration', async () => ({
    defaultVisualizeOptions: {
      start: options.start,
      end: options.end,
      filter: options.filter,
      // Disabled dimensions are left out rather than failing the UI.
      dimensions: options.dimensions.filter((d) => schema.has(d)),
      limit: options.limit,
      units: options.units,
      graphType: options.graphType,
    },
    dimensionsLimit: deps.config.dimensionsLimit,
    homepageTopWidgets: TOP_WIDGETS.filter((w) => deps.topColumn(w) !== null),
    dimensions: schema.columns.filter((c) => !c.notDimension).map((c) => c.name),
    truncatable: ['SrcAddr', 'DstAddr'].filter((n) => schema.has(n)),
    columns: schema.columns.map((c) => c.name),
    mainTableOnly: schema.columns.filter((c) => c.mainOnly).map((c) => c.name),
    units: UNITS.filter((u) => !u.endsWith('%') || schema.has(u === 'inl2%' ? 'InIfSpeed' : 'OutIfSpeed')),
  }));
  app.get('/user/info', async (req) => userOf(deps.config.auth, req));
}
