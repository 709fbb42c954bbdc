// SPDX-License-Identifier: AGPL-3.0-only
// ECharts in a Preact component: one chart per element, resized with its
// box, drawn again when the option or the theme changes.
import { BarChart, LineChart, SankeyChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, TitleComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useDark } from './theme.ts';

echarts.use([LineChart, BarChart, SankeyChart, GridComponent, LegendComponent, TooltipComponent, TitleComponent, CanvasRenderer]);

/** EChartsOption is the option object given to ECharts. */
export type EChartsOption = Parameters<echarts.ECharts['setOption']>[0];

/** Chart draws an ECharts option; its height comes from the class or style. */
export function Chart(props: { option: EChartsOption; class?: string; height?: number }): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const dark = useDark();
  useEffect(() => {
    const c = echarts.init(box.current!, dark ? 'dark' : undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(box.current!);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [dark]);
  useEffect(() => {
    chart.current?.setOption({ backgroundColor: 'transparent', ...(props.option as object) }, true);
  }, [props.option, dark]);
  return <div ref={box} class={`chart ${props.class ?? ''}`} style={{ height: `${props.height ?? 360}px` }} />;
}
