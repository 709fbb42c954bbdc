// SPDX-License-Identifier: AGPL-3.0-only
// Cost of counting: a labelled child resolved once versus `.labels()` on
// each increment (why components keep metric handles, see STYLE.md).
import { newMock } from '../src/common/reporter/mock.ts';
import { measureRate, type Figure } from './measure.ts';

export async function run(): Promise<Figure[]> {
  const r = newMock().child('bench');
  const counter = r.metrics.counter({ name: 'packets_total', help: 'packets', labelNames: ['exporter'] });
  const handle = counter.labels('192.0.2.1');
  const loops = 10_000;
  return [
    measureRate('reporter.counter_handle_inc_per_s', 'ops/s', () => {
      for (let i = 0; i < loops; i++) handle.inc();
      return loops;
    }),
    measureRate('reporter.counter_labels_inc_per_s', 'ops/s', () => {
      for (let i = 0; i < loops; i++) counter.labels('192.0.2.1').inc();
      return loops;
    }),
  ];
}
