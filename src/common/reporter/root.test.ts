// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BurstSampler } from './logger.ts';
import { modulePrefix } from './metrics.ts';
import { newMock } from './mock.ts';

describe('reporter', () => {
  it('prefixes metric names with the module', async () => {
    const r = newMock();
    const flow = r.child('inlet/flow');
    const c = flow.metrics.counter({ name: 'packets_total', help: 'packets', labelNames: ['exporter'] });
    c.labels('192.0.2.1').inc(3);
    r.child('inlet/kafka').metrics.gauge({ name: 'queue_size', help: 'queue' }).set(7);
    assert.deepEqual(await r.getMetrics('akvorado_inlet_'), {
      'akvorado_inlet_flow_packets_total{exporter="192.0.2.1"}': 3,
      akvorado_inlet_kafka_queue_size: 0 + 7,
    });
    // Asking again returns the same metric rather than failing.
    assert.equal(flow.metrics.counter({ name: 'packets_total', help: 'packets', labelNames: ['exporter'] }), c);
    assert.match(await r.metricsText(), /^# HELP akvorado_inlet_flow_packets_total packets$/m);
    assert.equal(modulePrefix('demo-exporter/snmp'), 'akvorado_demo_exporter_snmp_');
  });

  it('tags log lines with the module', () => {
    const r = newMock();
    r.child('inlet/flow').logger.info({ exporter: '192.0.2.1' }, 'template received');
    const line = r.logs().at(-1)!;
    assert.equal(line.module, 'inlet/flow');
    assert.equal(line.msg, 'template received');
    assert.equal(line.exporter, '192.0.2.1');
  });

  it('reports the worst healthcheck status', async () => {
    const r = newMock();
    assert.deepEqual(await r.runHealthchecks(), { status: 'ok', checks: {} });
    r.child('inlet/kafka').registerHealthcheck(() => ({ status: 'ok' }));
    r.child('inlet/snmp').registerHealthcheck(() => ({ status: 'degraded', reason: 'slow agent' }), 'poller');
    assert.equal((await r.runHealthchecks()).status, 'degraded');
    r.child('console').registerHealthcheck(async () => {
      throw new Error('database unreachable');
    });
    const report = await r.runHealthchecks();
    assert.equal(report.status, 'error');
    assert.deepEqual(report.checks.console, { status: 'error', reason: 'database unreachable' });
    assert.deepEqual(report.checks['inlet/snmp/poller'], { status: 'degraded', reason: 'slow agent' });
    assert.throws(() => r.child('console').registerHealthcheck(() => ({ status: 'ok' })), /registered twice/);
  });

  it('samples bursts of events', () => {
    const s = new BurstSampler(3, 10_000);
    const allowed = [0, 1, 2, 3, 4].map((i) => s.allow(1000 + i));
    assert.deepEqual(allowed, [true, true, true, false, false]);
    assert.equal(s.dropped, 2);
    assert.equal(s.allow(11_000), true);
  });
});
