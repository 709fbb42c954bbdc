// SPDX-License-Identifier: AGPL-3.0-only
// The table under the graph: one line per series with its statistics.
import type { JSX } from 'preact';
import { formatUnit } from './format.ts';
import { colorOf, seriesName, type LineData, type SankeyData } from './options.ts';

/** LineTable lists the series of a graph/line answer with min, max, average, 95th and last. */
export function LineTable(props: { data: LineData; dimensions: string[]; units: string }): JSX.Element {
  const { data, units } = props;
  const f = (v: number | undefined): string => formatUnit(v ?? 0, units);
  const heads = props.dimensions.length === 0 ? ['Series'] : props.dimensions;
  return (
    <table class="data">
      <thead>
        <tr>
          <th />
          {heads.map((h) => (
            <th key={h}>{h}</th>
          ))}
          <th class="num">Min</th>
          <th class="num">Max</th>
          <th class="num">Average</th>
          <th class="num">95th</th>
          <th class="num">Last</th>
        </tr>
      </thead>
      <tbody>
        {data.rows.map((row, i) => (
          <tr key={i}>
            <td>
              <span class="swatch" style={{ background: colorOf(data, i) }} />
            </td>
            {row.length === 0 || data.axis[i]! >= 3 ? (
              <td colSpan={heads.length}>{seriesName(data.axis[i]! >= 3 ? ['Total'] : row, data.axis[i]!)}</td>
            ) : (
              row.map((v, k) => <td key={k}>{k === 0 && data.axis[i] === 2 ? `↺ ${v}` : v}</td>)
            )}
            <td class="num">{f(data.min[i])}</td>
            <td class="num">{f(data.max[i])}</td>
            <td class="num">{f(data.average[i])}</td>
            <td class="num">{f(data['95th'][i])}</td>
            <td class="num">{f(data.last[i])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** SankeyTable lists the combinations of a graph/sankey answer with their average rate. */
export function SankeyTable(props: { data: SankeyData; dimensions: string[]; units: string }): JSX.Element {
  return (
    <table class="data">
      <thead>
        <tr>
          {props.dimensions.map((h) => (
            <th key={h}>{h}</th>
          ))}
          <th class="num">Average</th>
        </tr>
      </thead>
      <tbody>
        {props.data.rows.map((row, i) => (
          <tr key={i}>
            {row.map((v, k) => (
              <td key={k}>{v}</td>
            ))}
            <td class="num">{formatUnit(props.data.xps[i] ?? 0, props.units)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
