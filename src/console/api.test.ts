// SPDX-License-Identifier: AGPL-3.0-only
// The console API besides graphs: configuration, user, filters, saved
// filters, widgets, errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { HTTP } from '../common/clickhouse/http.ts';
import { clickhouseConfig } from '../common/clickhouse/tests.ts';
import { newMock } from '../common/reporter/mock.ts';
import { newQueryMetrics } from './metrics.ts';
import type { QueryContext } from './query/input.ts';
import { consoleRoutes, newDependencies, PREFIX } from './root.ts';
import { SavedFilters } from './saved.ts';
import { consoleConfig, consoleSetup, H, testSchema } from './tests.ts';

test('console API', async (t) => {
  const { http, r } = await consoleSetup(t);
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, headers: Record<string, string> = {}) => {
    const res = await http.app.inject({ method, url: `/api/v0/console/${url}`, ...(payload === undefined ? {} : { payload }), headers });
    return { status: res.statusCode, body: res.body === '' ? null : res.json() };
  };

  await t.test('configuration', async () => {
    const { status, body } = await call('GET', 'configuration');
    assert.equal(status, 200);
    assert.deepEqual(body.defaultVisualizeOptions, {
      start: '6 hours ago', end: 'now', filter: 'InIfBoundary = external', dimensions: ['SrcAS'], limit: 10, units: 'l3bps', graphType: 'stacked',
    });
    assert.ok(body.dimensions.includes('SrcAS') && body.dimensions.includes('SrcAddr') && !body.dimensions.includes('Bytes'));
    assert.ok(!body.dimensions.includes('SrcMAC'), 'disabled columns are not dimensions');
    assert.ok(body.mainTableOnly.includes('SrcAddr') && body.mainTableOnly.includes('DstPort') && !body.mainTableOnly.includes('SrcAS'));
    assert.ok(body.columns.includes('TimeReceived'));
    assert.deepEqual(body.truncatable, ['SrcAddr', 'DstAddr']);
    assert.equal(body.homepageTopWidgets.length, 9);
  });

  await t.test('user/info from headers, or the default user', async () => {
    const alice = await call('GET', 'user/info', undefined, { 'Remote-User': 'alice', 'Remote-Name': 'Alice', 'Remote-Email': 'alice@example.com' });
    assert.deepEqual(alice, { status: 200, body: { login: 'alice', name: 'Alice', email: 'alice@example.com' } });
    assert.deepEqual(await call('GET', 'user/info'), { status: 200, body: { login: '__default', name: 'Default User' } });
  });

  await t.test('filter/validate', async () => {
    const ok = await call('POST', 'filter/validate', { filter: 'SrcAS = AS13335' });
    assert.deepEqual(ok, { status: 200, body: { message: 'ok', parsed: 'SrcAS = {p0:UInt32}', errors: [] } });
    const bad = await call('POST', 'filter/validate', { filter: 'SrcAS = 13335 AND\n  Nope = 1' });
    assert.equal(bad.status, 200);
    assert.equal(bad.body.errors[0].line, 2);
    assert.equal(bad.body.errors[0].column, 3);
    assert.match(bad.body.message, /line 2, column 3/);
    const missing = await call('POST', 'filter/validate', {});
    assert.equal(missing.status, 400);
    assert.equal(missing.body.code, 'AKV_CONSOLE_INPUT');
  });

  await t.test('filter/complete with values from ClickHouse', async () => {
    const complete = async (filter: string) => (await call('POST', 'filter/complete', { filter, cursor: filter.length })).body;
    const as = await complete('SrcAS = AS1333');
    assert.deepEqual(as.candidates.find((c: { label: string }) => c.label === 'AS13335'), { label: 'AS13335', detail: 'Cloudflare', quoted: false });
    const byName = await complete('DstAS = cloudf');
    assert.ok(byName.candidates.some((c: { label: string }) => c.label === 'AS13335'));
    const exporters = await complete('ExporterName = ed');
    assert.deepEqual(exporters.candidates.map((c: { label: string }) => c.label), ['"edge1"', '"edge2"', '"edge3"']);
    assert.equal(exporters.from, 15);
    const ifaces = await complete('OutIfName = "gi0/');
    assert.deepEqual(ifaces.candidates.map((c: { label: string }) => c.label), ['"Gi0/0"', '"Gi0/1"', '"Gi0/2"', '"Gi0/3"']);
    // Countries seen in the last day, by decreasing traffic (the flows of H are 1 hour old for the console's clock).
    const countries = await complete('SrcCountry = ');
    assert.deepEqual(countries.candidates.map((c: { label: string }) => c.label), ['"US"', '"FR"', '"DE"']);
    const columns = await complete('SrcA');
    assert.ok(columns.candidates.some((c: { label: string }) => c.label === 'SrcAS'));
  });

  await t.test('saved filters per user, private or shared', async () => {
    const alice = { 'Remote-User': 'alice' };
    const bob = { 'Remote-User': 'bob' };
    const a1 = await call('POST', 'filter/saved', { description: 'mine', content: 'SrcAS = 13335' }, alice);
    assert.equal(a1.status, 201);
    assert.deepEqual({ ...a1.body, id: 0 }, { id: 0, owner: 'alice', description: 'mine', content: 'SrcAS = 13335', shared: false });
    const a2 = await call('POST', 'filter/saved', { description: 'for all', content: 'Proto = tcp', shared: true }, alice);
    await call('POST', 'filter/saved', { description: 'bob only', content: 'Proto = udp' }, bob);
    const descriptions = async (h: Record<string, string>) => (await call('GET', 'filter/saved', undefined, h)).body.filters.map((f: { description: string }) => f.description);
    assert.deepEqual(await descriptions(alice), ['for all', 'mine']);
    assert.deepEqual(await descriptions(bob), ['bob only', 'for all']);
    assert.deepEqual(await descriptions({}), ['for all']);
    const stolen = await call('DELETE', `filter/saved/${a2.body.id}`, undefined, bob);
    assert.equal(stolen.status, 404);
    assert.equal(stolen.body.code, 'AKV_CONSOLE_NOT_FOUND');
    assert.equal((await call('DELETE', `filter/saved/${a2.body.id}`, undefined, alice)).status, 204);
    assert.deepEqual(await descriptions(bob), ['bob only']);
    const invalid = await call('POST', 'filter/saved', { description: 'bad', content: 'SrcAS = ' }, alice);
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.code, 'AKV_CONSOLE_FILTER');
    assert.equal((await call('DELETE', 'filter/saved/abc', undefined, alice)).status, 400);
  });

  await t.test('widgets', async () => {
    const last = await call('GET', 'widget/flow-last');
    assert.equal(last.status, 200);
    assert.equal(last.body.SrcAS, 32934);
    assert.equal(last.body.ExporterName, 'edge3');
    assert.deepEqual(await call('GET', 'widget/flow-rate'), { status: 200, body: { rate: 2 / 60, period: 'second' } });
    assert.deepEqual((await call('GET', 'widget/exporters')).body, { exporters: ['edge1', 'edge2', 'edge3'] });
    // Last 5 minutes: AS16509 sends 5 × 1000 bytes, AS32934 20000 bytes.
    assert.deepEqual((await call('GET', 'widget/top/src-as')).body, {
      top: [{ name: '32934: Facebook', percent: 80 }, { name: '16509: Amazon', percent: 20 }],
    });
    assert.deepEqual((await call('GET', 'widget/top/dst-port')).body, { top: [{ name: '80', percent: 80 }, { name: '443', percent: 20 }] });
    assert.deepEqual((await call('GET', 'widget/top/protocol')).body, { top: [{ name: 'TCP', percent: 100 }] });
    assert.deepEqual((await call('GET', 'widget/top/etype')).body, { top: [{ name: 'IPv6', percent: 80 }, { name: 'IPv4', percent: 20 }] });
    assert.deepEqual((await call('GET', 'widget/top/src-country')).body, { top: [{ name: 'DE', percent: 80 }, { name: 'FR', percent: 20 }] });
    const unknown = await call('GET', 'widget/top/nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'AKV_CONSOLE_NOT_FOUND');
    // 24 hours by hour: everything of the window in the last hour (1116e6 bits).
    const graph = await call('GET', 'widget/graph?points=24');
    assert.equal(graph.status, 200);
    assert.equal(graph.body.t.length, 24);
    assert.equal(graph.body.t[23], new Date(H * 1000).toISOString().replace('.000Z', 'Z'));
    assert.deepEqual(graph.body.data, [...new Array<number>(23).fill(0), 1_116e6 / 3600]);
  });

  await t.test('queries are counted', async () => {
    const metrics = await r.getMetrics('akvorado_console_clickhouse_');
    assert.ok(metrics['akvorado_console_clickhouse_queries_total{type="widget"}']! >= 8);
    assert.ok(metrics['akvorado_console_clickhouse_queries_total{type="complete"}']! >= 5);
    assert.equal(metrics['akvorado_console_clickhouse_errors_total{type="widget"}'], 0);
  });

  await t.test('unknown routes', async () => {
    const res = await call('GET', 'nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.code, 'AKV_CONSOLE_NOT_FOUND');
  });
});

test('console API: ClickHouse unreachable is a 502, counted', async (t) => {
  const config = consoleConfig();
  const r = newMock();
  const chConfig = { ...clickhouseConfig('http://127.0.0.1:1', 'default'), requestTimeout: 2000 };
  const ch = new HTTP(chConfig);
  const ctx: QueryContext = { ch, schema: testSchema(), clickhouse: chConfig, console: config, now: () => 0, metrics: newQueryMetrics(r) };
  const app = Fastify();
  await app.register(consoleRoutes(newDependencies(ctx, new SavedFilters(r, ':memory:'), config)), { prefix: PREFIX });
  t.after(async () => {
    await app.close();
    await ch.close();
  });
  const res = await app.inject({ method: 'GET', url: `${PREFIX}/widget/flow-rate` });
  assert.equal(res.statusCode, 502);
  assert.equal(res.json().code, 'AKV_CONSOLE_QUERY');
  assert.match(res.json().message, /ECONNREFUSED/);
  assert.equal((await r.getMetrics('akvorado_console_clickhouse_errors_total'))['akvorado_console_clickhouse_errors_total{type="widget"}'], 1);
});

test('console API: no user and no default user is a 401', async (t) => {
  const config = consoleConfig();
  config.auth.defaultUser.login = '';
  const r = newMock();
  const saved = new SavedFilters(r, ':memory:');
  await saved.start();
  const app = Fastify();
  // Neither route touches ClickHouse.
  const ctx = { ch: null, schema: testSchema(), clickhouse: { resolutions: [] }, console: config, now: () => 0, metrics: null } as unknown as QueryContext;
  await app.register(consoleRoutes(newDependencies(ctx, saved, config)), { prefix: PREFIX });
  t.after(async () => {
    await app.close();
    await saved.stop();
  });
  for (const url of ['user/info', 'filter/saved']) {
    const res = await app.inject({ method: 'GET', url: `${PREFIX}/${url}` });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().code, 'AKV_CONSOLE_AUTH');
  }
  const ok = await app.inject({ method: 'GET', url: `${PREFIX}/user/info`, headers: { 'remote-user': 'carol', 'x-logout-url': '/logout' } });
  assert.deepEqual(ok.json(), { login: 'carol', logoutUrl: '/logout' });
});
