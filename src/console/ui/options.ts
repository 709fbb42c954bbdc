// SPDX-License-Identifier: AGPL-3.0-only
// ECharts options for the graphs of the console: time series (stacked,
// stacked100, lines, grid) and sankey diagrams.
import type { EChartsOption } from './chart.tsx';
import { formatUnit } from './format.ts';

/** LineData is the answer of POST graph/line. */
export interface LineData {
  t: string[];
  rows: string[][];
  points: number[][];
  axis: number[];
  min: number[];
  max: number[];
  average: number[];
  '95th': number[];
  last: number[];
  table: string;
  step: number;
}

/** SankeyData is the answer of POST graph/sankey. */
export interface SankeyData {
  rows: string[][];
  xps: number[];
  nodes: string[];
  links: Array<{ source: string; target: string; xps: number }>;
}

/** PALETTE colors the series; the table under the graph uses the same colors. */
export const PALETTE = ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de', '#3ba272', '#fc8452', '#9a60b4', '#ea7ccc', '#8d98b3'];

/** seriesName labels a row of a graph, as the legend and the table show it. */
export function seriesName(row: string[], axis: number): string {
  const base = row.length === 0 ? 'Total' : row.join(' — ');
  return axis === 2 ? `↺ ${base}` : axis === 3 ? `Previous: ${base}` : axis === 4 ? `↺ Previous: ${base}` : base;
}

/** colorOf gives the color of the series i of a graph: the reverse direction reuses the direct one. */
export function colorOf(data: { rows: string[][]; axis: number[] }, i: number): string {
  const direct = data.rows.map((r, j) => [r.join('\0'), j] as const).filter(([, j]) => data.axis[j] === 1);
  const idx = direct.findIndex(([k]) => k === data.rows[i]!.join('\0'));
  if (data.axis[i] === 3 || data.axis[i] === 4) return '#888888';
  return PALETTE[(idx < 0 ? i : idx) % PALETTE.length]!;
}

// percentOfTotal turns the points of one axis into shares of its total per time.
function percentOfTotal(data: LineData): number[][] {
  const totals = new Map<number, number[]>();
  data.points.forEach((p, i) => {
    const t = totals.get(data.axis[i]!) ?? new Array<number>(p.length).fill(0);
    p.forEach((v, k) => (t[k]! += v));
    totals.set(data.axis[i]!, t);
  });
  return data.points.map((p, i) => p.map((v, k) => (totals.get(data.axis[i]!)![k]! === 0 ? 0 : (v * 100) / totals.get(data.axis[i]!)![k]!)));
}

/** lineOption draws a graph/line answer as stacked areas, 100% stacks, lines or a grid of small graphs. */
export function lineOption(data: LineData, graphType: string, units: string): EChartsOption {
  const times = data.t.map((t) => new Date(t).getTime());
  const unit = graphType === 'stacked100' ? '%' : units;
  const fmt = (v: number): string => formatUnit(Math.abs(v), unit);
  const values = graphType === 'stacked100' ? percentOfTotal(data) : data.points;
  if (graphType === 'grid') return gridOption(data, times, fmt);
  const series = data.rows.map((row, i) => {
    const axis = data.axis[i]!;
    const sign = axis === 2 || axis === 4 ? -1 : 1;
    const previous = axis >= 3;
    const stacked = graphType !== 'lines' && !previous;
    return {
      type: 'line',
      name: seriesName(row, axis),
      color: colorOf(data, i),
      data: values[i]!.map((v, k) => [times[k], sign * v]),
      showSymbol: false,
      step: 'start',
      ...(stacked ? { stack: `axis${axis}`, areaStyle: { opacity: 0.85 }, lineStyle: { width: 0 } } : { lineStyle: { width: 1.5, type: previous ? 'dashed' : 'solid' } }),
      emphasis: { focus: 'series' },
    };
  });
  return {
    animation: false,
    grid: { left: 70, right: 20, top: 20, bottom: 30 },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => fmt(Number(v)) },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', axisLabel: { formatter: fmt }, ...(graphType === 'stacked100' ? { max: 100 } : {}) },
    series,
  } as EChartsOption;
}

// gridOption draws each series of the direct direction in its own small graph.
function gridOption(data: LineData, times: number[], fmt: (v: number) => string): EChartsOption {
  const idx = data.axis.map((a, i) => [a, i] as const).filter(([a]) => a === 1).map(([, i]) => i);
  const cols = Math.ceil(Math.sqrt(idx.length));
  const rows = Math.ceil(idx.length / cols);
  const max = Math.max(0, ...idx.map((i) => data.max[i]!));
  const w = 100 / cols;
  const h = 100 / rows;
  const grid = idx.map((_, n) => ({ left: `${(n % cols) * w + 4}%`, top: `${Math.floor(n / cols) * h + 6}%`, width: `${w - 6}%`, height: `${h - 12}%` }));
  return {
    animation: false,
    title: idx.map((i, n) => ({ text: seriesName(data.rows[i]!, 1), textStyle: { fontSize: 11 }, left: grid[n]!.left, top: `${Math.floor(n / cols) * h}%` })),
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => fmt(Number(v)) },
    grid,
    xAxis: idx.map((_, n) => ({ type: 'time', gridIndex: n, axisLabel: { show: false } })),
    yAxis: idx.map((_, n) => ({ type: 'value', gridIndex: n, max, axisLabel: { formatter: fmt, fontSize: 9 } })),
    series: idx.map((i, n) => ({
      type: 'line',
      name: seriesName(data.rows[i]!, 1),
      xAxisIndex: n,
      yAxisIndex: n,
      color: colorOf(data, i),
      showSymbol: false,
      areaStyle: { opacity: 0.6 },
      data: data.points[i]!.map((v, k) => [times[k], v]),
    })),
  } as EChartsOption;
}

/** sankeyOption draws a graph/sankey answer. */
export function sankeyOption(data: SankeyData, units: string): EChartsOption {
  return {
    animation: false,
    tooltip: { trigger: 'item', valueFormatter: (v: unknown) => formatUnit(Number(v), units) },
    series: [
      {
        type: 'sankey',
        left: 10,
        right: 150,
        emphasis: { focus: 'adjacency' },
        lineStyle: { color: 'gradient', curveness: 0.5 },
        data: data.nodes.map((name) => ({ name })),
        links: data.links.map((l) => ({ source: l.source, target: l.target, value: l.xps })),
      },
    ],
  } as EChartsOption;
}

/** homeOption draws the 24-hour graph of the home page. */
export function homeOption(data: { t: string[]; data: number[] }): EChartsOption {
  const fmt = (v: number): string => formatUnit(v, 'l3bps');
  return {
    animation: false,
    grid: { left: 70, right: 20, top: 20, bottom: 30 },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => fmt(Number(v)) },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', axisLabel: { formatter: fmt } },
    series: [{ type: 'line', name: 'Traffic', color: PALETTE[0], showSymbol: false, areaStyle: { opacity: 0.6 }, data: data.data.map((v, i) => [new Date(data.t[i]!).getTime(), v]) }],
  } as EChartsOption;
}
