// SPDX-License-Identifier: AGPL-3.0-only
// The controls of the visualize page: time range, dimensions and options.
import type { JSX } from 'preact';
import { UNIT_LABELS } from './format.ts';
import { GRAPH_TYPES, type Configuration, type VisualizeState } from './state.ts';
import { PRESETS, parseTime } from './time.ts';

/** TimeRange edits start and end: presets apply in one click, free text ("2 days ago", a date) on Apply. */
export function TimeRange(props: {
  start: string;
  end: string;
  onChange: (start: string, end: string) => void;
  onPreset: (start: string, end: string) => void;
}): JSX.Element {
  const bad = (t: string): boolean => parseTime(t) === null;
  return (
    <fieldset class="timerange">
      <legend>Time range</legend>
      <div class="presets">
        {PRESETS.map(([label, start, end]) => (
          <button type="button" key={label} class={props.start === start && props.end === end ? 'active' : ''} onClick={() => props.onPreset(start, end)}>
            {label}
          </button>
        ))}
      </div>
      <label>
        Start
        <input name="start" class={bad(props.start) ? 'invalid' : ''} value={props.start} onInput={(e) => props.onChange(e.currentTarget.value, props.end)} />
      </label>
      <label>
        End
        <input name="end" class={bad(props.end) ? 'invalid' : ''} value={props.end} onInput={(e) => props.onChange(props.start, e.currentTarget.value)} />
      </label>
    </fieldset>
  );
}

/** Dimensions picks an ordered list of dimensions among those of the configuration. */
export function Dimensions(props: { config: Configuration; value: string[]; onChange: (v: string[]) => void }): JSX.Element {
  const left = props.config.dimensions.filter((d) => !props.value.includes(d));
  const move = (i: number, by: number): void => {
    const v = [...props.value];
    const [d] = v.splice(i, 1);
    v.splice(Math.max(0, Math.min(v.length, i + by)), 0, d!);
    props.onChange(v);
  };
  return (
    <fieldset class="dimensions">
      <legend>Dimensions</legend>
      <ul class="chips">
        {props.value.map((d, i) => (
          <li key={d} class="chip" data-dimension={d}>
            {i > 0 && (
              <button type="button" title="Move left" onClick={() => move(i, -1)}>
                ‹
              </button>
            )}
            {d}
            <button type="button" title={`Remove ${d}`} onClick={() => props.onChange(props.value.filter((x) => x !== d))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <select
        name="add-dimension"
        value=""
        disabled={props.value.length >= 10}
        onChange={(e) => {
          const d = e.currentTarget.value;
          if (d !== '') props.onChange([...props.value, d]);
        }}
      >
        <option value="">Add a dimension…</option>
        {left.map((d) => (
          <option key={d} value={d}>
            {d}
          </option>
        ))}
      </select>
    </fieldset>
  );
}

/** Options edits the graph type, units, limit, bidirectional and previous period. */
export function Options(props: { config: Configuration; state: VisualizeState; onChange: (s: Partial<VisualizeState>) => void }): JSX.Element {
  const s = props.state;
  const sankey = s.graphType === 'sankey';
  return (
    <fieldset class="options">
      <legend>Graph</legend>
      <div class="segmented" role="group" aria-label="Graph type">
        {GRAPH_TYPES.map((g) => (
          <button type="button" key={g} data-graph={g} class={s.graphType === g ? 'active' : ''} onClick={() => props.onChange({ graphType: g })}>
            {g}
          </button>
        ))}
      </div>
      <label>
        Units
        <select name="units" value={s.units} onChange={(e) => props.onChange({ units: e.currentTarget.value })}>
          {props.config.units.map((u) => (
            <option key={u} value={u}>
              {UNIT_LABELS[u] ?? u}
            </option>
          ))}
        </select>
      </label>
      <label>
        Limit
        <input
          name="limit"
          type="number"
          min={1}
          max={props.config.dimensionsLimit}
          value={s.limit}
          onChange={(e) => {
            const n = Number(e.currentTarget.value);
            if (Number.isInteger(n) && n >= 1 && n <= props.config.dimensionsLimit) props.onChange({ limit: n });
          }}
        />
      </label>
      <label class={sankey ? 'disabled' : ''}>
        <input type="checkbox" name="bidirectional" disabled={sankey} checked={s.bidirectional} onChange={(e) => props.onChange({ bidirectional: e.currentTarget.checked })} />
        Bidirectional
      </label>
      <label class={sankey ? 'disabled' : ''}>
        <input type="checkbox" name="previous" disabled={sankey} checked={s.previousPeriod} onChange={(e) => props.onChange({ previousPeriod: e.currentTarget.checked })} />
        Previous period
      </label>
    </fieldset>
  );
}
