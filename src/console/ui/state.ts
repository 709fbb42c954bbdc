// SPDX-License-Identifier: AGPL-3.0-only
// The state of the visualize page, kept in the query string so that a URL
// reproduces the view.

/** GRAPH_TYPES are the kinds of graph of the visualize page. */
export const GRAPH_TYPES = ['stacked', 'stacked100', 'lines', 'grid', 'sankey'] as const;

/** VisualizeState is everything that defines a view. */
export interface VisualizeState {
  start: string;
  end: string;
  dimensions: string[];
  filter: string;
  limit: number;
  units: string;
  graphType: string;
  bidirectional: boolean;
  previousPeriod: boolean;
}

/** Configuration is the answer of GET configuration (the fields the UI uses). */
export interface Configuration {
  defaultVisualizeOptions: { start: string; end: string; filter: string; dimensions: string[]; limit: number; units: string; graphType: string };
  dimensionsLimit: number;
  dimensions: string[];
  columns: string[];
  units: string[];
  homepageTopWidgets: string[];
}

/** defaultState is the view configured as default by the console. */
export function defaultState(c: Configuration): VisualizeState {
  const d = c.defaultVisualizeOptions;
  return { ...d, dimensions: [...d.dimensions], bidirectional: false, previousPeriod: false };
}

/** stateFromQuery reads a view from a query string; missing or invalid fields take the defaults. */
export function stateFromQuery(search: string, c: Configuration): VisualizeState {
  const q = new URLSearchParams(search);
  const s = defaultState(c);
  const str = (k: string): string | null => q.get(k);
  s.start = str('start') ?? s.start;
  s.end = str('end') ?? s.end;
  s.filter = str('filter') ?? s.filter;
  const dims = str('dimensions');
  if (dims !== null) s.dimensions = dims.split(',').filter((d) => c.dimensions.includes(d));
  const limit = Number(str('limit'));
  if (Number.isInteger(limit) && limit >= 1 && limit <= c.dimensionsLimit) s.limit = limit;
  const units = str('units');
  if (units !== null && c.units.includes(units)) s.units = units;
  const type = str('graph');
  if (type !== null && (GRAPH_TYPES as readonly string[]).includes(type)) s.graphType = type;
  s.bidirectional = str('bidirectional') === '1';
  s.previousPeriod = str('previous') === '1';
  return s;
}

/** stateToQuery writes a view as a query string (with its "?"). */
export function stateToQuery(s: VisualizeState): string {
  const q = new URLSearchParams({
    start: s.start,
    end: s.end,
    dimensions: s.dimensions.join(','),
    filter: s.filter,
    limit: String(s.limit),
    units: s.units,
    graph: s.graphType,
  });
  if (s.bidirectional) q.set('bidirectional', '1');
  if (s.previousPeriod) q.set('previous', '1');
  return `?${q.toString()}`;
}
