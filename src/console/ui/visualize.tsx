// SPDX-License-Identifier: AGPL-3.0-only
// The visualize page: controls, the graph and the table under it. The view
// lives in the query string: controls change the URL, the URL drives the
// request, and a shared link shows the same view.
import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useRequest } from './api.ts';
import { Chart } from './chart.tsx';
import { Dimensions, Options, TimeRange } from './controls.tsx';
import { FilterEditor } from './filter-editor.tsx';
import { lineOption, sankeyOption, type LineData, type SankeyData } from './options.ts';
import { navigate } from './router.tsx';
import { stateFromQuery, stateToQuery, type Configuration, type VisualizeState } from './state.ts';
import { Status } from './status.tsx';
import { LineTable, SankeyTable } from './table.tsx';
import { parseTime, rfc3339 } from './time.ts';

// requestOf turns a view into the body of a graph request, or an error message.
function requestOf(s: VisualizeState): { path: string; body: object } | string {
  const start = parseTime(s.start);
  const end = parseTime(s.end);
  if (start === null) return `cannot read the start time "${s.start}"`;
  if (end === null) return `cannot read the end time "${s.end}"`;
  if (start >= end) return 'the start time must be before the end time';
  const sankey = s.graphType === 'sankey';
  if (sankey && s.dimensions.length < 2) return 'a sankey graph needs at least two dimensions';
  const body = {
    start: rfc3339(start),
    end: rfc3339(end),
    points: 200,
    dimensions: s.dimensions,
    limit: s.limit,
    filter: s.filter,
    units: s.units,
    ...(sankey ? {} : { bidirectional: s.bidirectional, previousPeriod: s.previousPeriod }),
  };
  return { path: sankey ? 'graph/sankey' : 'graph/line', body };
}

/** Visualize is the visualize page for the view of the query string. */
export function Visualize(props: { config: Configuration; search: string }): JSX.Element {
  const applied = useMemo(() => stateFromQuery(props.search, props.config), [props.search, props.config]);
  // Text fields (filter, times) are drafts until applied; other controls apply at once.
  const [draft, setDraft] = useState({ filter: applied.filter, start: applied.start, end: applied.end, from: props.search });
  if (draft.from !== props.search) setDraft({ filter: applied.filter, start: applied.start, end: applied.end, from: props.search });
  const [refresh, setRefresh] = useState(0);
  // Any change applies the drafts too, so that no typed text is lost.
  const go = (changes: Partial<VisualizeState>): void => {
    navigate(`/visualize${stateToQuery({ ...applied, filter: draft.filter, start: draft.start, end: draft.end, ...changes })}`);
    setRefresh((r) => r + 1);
  };
  const apply = (): void => go({});
  // Relative times ("6 hours ago") are evaluated once per view or refresh.
  const req = useMemo(() => requestOf(applied), [applied, refresh]);
  const ok = typeof req !== 'string';
  const graph = useRequest<LineData | SankeyData>(ok ? req.path : null, ok ? req.body : undefined);
  const sankey = applied.graphType === 'sankey';
  const data = graph.data;
  // A sankey answer has no `t`: never draw an answer of the other kind while the next one loads.
  const fits = data !== null && ('t' in data) !== sankey;
  const option = useMemo(
    () => (!fits ? null : sankey ? sankeyOption(data as SankeyData, applied.units) : lineOption(data as LineData, applied.graphType, applied.units)),
    [data, fits, sankey, applied.graphType, applied.units],
  );
  const dirty = draft.filter !== applied.filter || draft.start !== applied.start || draft.end !== applied.end;
  return (
    <div class="visualize">
      <aside class="controls">
        <TimeRange start={draft.start} end={draft.end} onChange={(start, end) => setDraft({ ...draft, start, end })} onPreset={(start, end) => go({ start, end })} />
        <Dimensions config={props.config} value={applied.dimensions} onChange={(dimensions) => go({ dimensions })} />
        <Options config={props.config} state={applied} onChange={go} />
      </aside>
      <section class="result">
        <div class="filter-row">
          <FilterEditor columns={props.config.columns} value={applied.filter} resetKey={props.search} onChange={(filter) => setDraft((d) => ({ ...d, filter }))} onSubmit={apply} />
          <button type="button" class={`apply ${dirty ? 'primary' : ''}`} onClick={apply} title="Apply (Ctrl-Enter)">
            {dirty ? 'Apply' : 'Refresh'}
          </button>
        </div>
        {typeof req === 'string' && <div class="error" role="alert">{req}</div>}
        <Status loading={graph.loading} error={graph.error} />
        <div class={`graph ${graph.loading ? 'stale' : ''}`} data-graph-type={applied.graphType}>
          {option !== null && <Chart option={option} height={sankey ? 480 : 400} />}
        </div>
        {fits && !sankey && (data as LineData).table !== undefined && (
          <p class="muted meta">
            Table {(data as LineData).table}, one point every {(data as LineData).step} s
          </p>
        )}
        {fits && (sankey ? <SankeyTable data={data as SankeyData} dimensions={applied.dimensions} units={applied.units} /> : <LineTable data={data as LineData} dimensions={applied.dimensions} units={applied.units} />)}
      </section>
    </div>
  );
}
