// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startStop } from '../helpers/tests.ts';
import { newMock } from '../reporter/mock.ts';
import { HTTPServer } from './root.ts';

describe('http server', () => {
  it('serves metrics, healthcheck and version', async () => {
    const r = newMock();
    const h = new HTTPServer(r, { listen: '127.0.0.1:0' }, 'inlet');
    r.child('inlet/flow').metrics.counter({ name: 'flows_total', help: 'flows' }).inc(5);
    let healthy = true;
    r.child('inlet/kafka').registerHealthcheck(() =>
      healthy ? { status: 'ok' } : { status: 'error', reason: 'broker down' },
    );

    const metrics = await h.app.inject({ method: 'GET', url: '/api/v0/inlet/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.headers['content-type'] as string, /^text\/plain/);
    assert.match(metrics.body, /^akvorado_inlet_flow_flows_total 5$/m);
    assert.match(metrics.body, /^process_cpu_seconds_total /m);

    const ok = await h.app.inject({ method: 'GET', url: '/api/v0/inlet/healthcheck' });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { status: 'ok', checks: { 'inlet/kafka': { status: 'ok' } } });
    healthy = false;
    const bad = await h.app.inject({ method: 'GET', url: '/api/v0/inlet/healthcheck' });
    assert.equal(bad.statusCode, 503);
    assert.deepEqual(bad.json(), {
      status: 'error',
      checks: { 'inlet/kafka': { status: 'error', reason: 'broker down' } },
    });

    const version = await h.app.inject({ method: 'GET', url: '/api/v0/inlet/version' });
    assert.equal(version.statusCode, 200);
    assert.equal(version.json().node, process.version);

    // Requests are counted by route and status.
    const m = await r.getMetrics('akvorado_http_requests_total');
    assert.equal(m['akvorado_http_requests_total{route="/api/v0/inlet/healthcheck",method="GET",code="503"}'], 1);
  });

  it('listens on a real port and stops', async (t) => {
    const r = newMock();
    const h = new HTTPServer(r, { listen: '127.0.0.1:0' }, 'console');
    await startStop(t, h);
    assert.ok(h.address !== null && h.address.port > 0);
    const res = await fetch(`http://127.0.0.1:${h.address.port}/api/v0/console/healthcheck`);
    assert.equal(res.status, 200);
  });

  it('fails to start on a port in use, naming the address', async (t) => {
    const r = newMock();
    const first = new HTTPServer(r, { listen: '127.0.0.1:0' }, 'inlet');
    await startStop(t, first);
    const second = new HTTPServer(newMock(), { listen: `127.0.0.1:${first.address!.port}` }, 'inlet');
    await assert.rejects(second.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'AKV_COMPONENT_START');
      assert.match(err.message, /cannot listen on 127\.0\.0\.1:\d+/);
      return true;
    });
    await second.stop();
    await assert.rejects(second.start(), { code: 'AKV_COMPONENT_STOPPED' });
  });
});
