// SPDX-License-Identifier: AGPL-3.0-only
// The home page: flow rate, exporters, top-N widgets over the last five
// minutes, and the traffic of the last 24 hours.
import type { JSX } from 'preact';
import { useRequest } from './api.ts';
import { Chart } from './chart.tsx';
import { formatSI } from './format.ts';
import { homeOption } from './options.ts';
import type { Configuration } from './state.ts';
import { Status } from './status.tsx';

// TITLES names the top widgets of the API.
const TITLES: Readonly<Record<string, string>> = {
  'src-as': 'Top source AS',
  'dst-as': 'Top destination AS',
  'src-country': 'Top source countries',
  'dst-country': 'Top destination countries',
  exporter: 'Top exporters',
  protocol: 'Top protocols',
  etype: 'IPv4/IPv6',
  'src-port': 'Top source ports',
  'dst-port': 'Top destination ports',
};

function FlowRate(): JSX.Element {
  const r = useRequest<{ rate: number; period: string }>('widget/flow-rate');
  return (
    <section class="widget" data-widget="flow-rate">
      <h2>Flow rate</h2>
      <Status loading={r.loading && r.data === null} error={r.error} />
      {r.data !== null && (
        <p class="big">
          {formatSI(r.data.rate)} <small>flows/{r.data.period}</small>
        </p>
      )}
    </section>
  );
}

function Exporters(): JSX.Element {
  const r = useRequest<{ exporters: string[] }>('widget/exporters');
  return (
    <section class="widget" data-widget="exporters">
      <h2>Exporters</h2>
      <Status loading={r.loading && r.data === null} error={r.error} />
      {r.data !== null && (
        <>
          <p class="big">{r.data.exporters.length}</p>
          <p class="muted">{r.data.exporters.slice(0, 8).join(', ')}</p>
        </>
      )}
    </section>
  );
}

function Top(props: { name: string }): JSX.Element {
  const r = useRequest<{ top: Array<{ name: string; percent: number }> }>(`widget/top/${props.name}`);
  return (
    <section class="widget" data-widget={`top-${props.name}`}>
      <h2>{TITLES[props.name] ?? props.name}</h2>
      <Status loading={r.loading && r.data === null} error={r.error} />
      {r.data !== null && r.data.top.length === 0 && <p class="muted">No traffic in the last 5 minutes</p>}
      {r.data !== null && (
        <ul class="top">
          {r.data.top.map((t) => (
            <li key={t.name}>
              <span class="bar" style={{ width: `${Math.min(100, t.percent)}%` }} />
              <span class="label">{t.name}</span>
              <span class="value">{t.percent.toFixed(1)}%</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Graph(): JSX.Element {
  const r = useRequest<{ t: string[]; data: number[] }>('widget/graph?points=200');
  return (
    <section class="widget wide" data-widget="graph">
      <h2>Traffic, last 24 hours</h2>
      <Status loading={r.loading && r.data === null} error={r.error} />
      {r.data !== null && <Chart option={homeOption(r.data)} height={260} />}
    </section>
  );
}

/** Home is the home page. */
export function Home(props: { config: Configuration }): JSX.Element {
  return (
    <div class="home">
      <FlowRate />
      <Exporters />
      {props.config.homepageTopWidgets.map((w) => (
        <Top key={w} name={w} />
      ))}
      <Graph />
    </div>
  );
}
