// SPDX-License-Identifier: AGPL-3.0-only
// The console service: its API under /api/v0/console/ over ClickHouse, the
// saved filters in SQLite, and the web UI at the root.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { serve } from '../cmd/serve.ts';
import { HTTP } from '../common/clickhouse/http.ts';
import { Schema } from '../common/schema/root.ts';
import type { Configuration, ConsoleConfiguration } from './config.ts';
import { errorHandler, notFound } from './errors.ts';
import { newQueryMetrics } from './metrics.ts';
import type { QueryContext } from './query/input.ts';
import { docsRoutes } from './routes/docs.ts';
import { filterRoutes } from './routes/filter.ts';
import { graphRoutes } from './routes/graph.ts';
import { metaRoutes } from './routes/meta.ts';
import { uiRoutes } from './routes/ui.ts';
import { TOP_COLUMNS, widgetRoutes } from './routes/widgets.ts';
import { SavedFilters } from './saved.ts';

/** PREFIX is where the console API lives. */
export const PREFIX = '/api/v0/console';

/** Dependencies are what the console routes use. */
export interface Dependencies {
  ctx: QueryContext;
  saved: SavedFilters;
  config: ConsoleConfiguration;
  /** topColumn maps a top widget name to its column, null when unknown or disabled. */
  topColumn: (name: string) => string | null;
}

/** newDependencies builds the route dependencies (inert: nothing opened). */
export function newDependencies(ctx: QueryContext, saved: SavedFilters, config: ConsoleConfiguration): Dependencies {
  return {
    ctx,
    saved,
    config,
    topColumn: (name) => {
      const c = Object.hasOwn(TOP_COLUMNS, name) ? TOP_COLUMNS[name as keyof typeof TOP_COLUMNS] : undefined;
      return c !== undefined && ctx.schema.has(c) ? c : null;
    },
  };
}

/**
 * consoleRoutes is the console API as an encapsulated fastify plugin, to
 * register with the prefix PREFIX: its error handler answers every error
 * as `{code, message, errors?}`.
 */
export function consoleRoutes(deps: Dependencies): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.setErrorHandler(errorHandler);
    app.setNotFoundHandler(notFound);
    await metaRoutes(app, deps);
    await filterRoutes(app, deps);
    await graphRoutes(app, deps);
    await widgetRoutes(app, deps);
    await docsRoutes(app);
  };
}

/**
 * run runs the console service: the API over a ClickHouse HTTP driver built
 * from the clickhouse section. The saved filters database opens before the
 * HTTP server listens and closes after it stops.
 */
export function run(config: Configuration): Promise<number> {
  const schema = new Schema(config.schema);
  return serve('console', config, ({ r, http }) => {
    const ch = new HTTP(config.clickhouse);
    // A console without ClickHouse still serves its UI and saved filters: degraded, not down.
    r.child('console/clickhouse').registerHealthcheck(async () =>
      (await ch.ping()) ? { status: 'ok' } : { status: 'degraded', reason: 'ClickHouse does not answer' },
    );
    const saved = new SavedFilters(r, config.database.savedFilters);
    const ctx: QueryContext = { ch, schema, clickhouse: config.clickhouse, console: config, now: () => Math.floor(Date.now() / 1000), metrics: newQueryMetrics(r) };
    http.app.register(consoleRoutes(newDependencies(ctx, saved, config)), { prefix: PREFIX });
    // The web UI answers every other path.
    http.app.register(uiRoutes());
    return [
      ['clickhouse', { stop: () => ch.close() }],
      ['saved', saved],
    ];
  });
}
