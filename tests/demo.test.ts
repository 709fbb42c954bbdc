// SPDX-License-Identifier: AGPL-3.0-only
// `akvorado standalone --demo`, what `make demo` runs, seen in headless
// Chromium: once the demo exporter's flows are in, the home page widgets and
// a visualize view by InIfName, SrcAS and DstCountry show the interface names
// its SNMP agents give, the AS names of its configuration and countries.
// Screenshots go to test-artifacts/demo/.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { newMock } from '../src/common/reporter/mock.ts';
import { CUSTOMERS, REMOTE_ASES } from '../src/demoexporter/asns.ts';
import { defaultConfiguration } from '../src/demoexporter/config.ts';
import { DemoExporterComponent } from '../src/demoexporter/root.ts';
import { startAkvorado } from './helpers/process.ts';

const ARTIFACTS = join(new URL('../', import.meta.url).pathname, 'test-artifacts', 'demo');
const DIMENSIONS = ['InIfName', 'SrcAS', 'DstCountry'];
const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

// freeUDPPort asks the kernel for a UDP port free on 127.0.0.1.
async function freeUDPPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(resolve));
  return port;
}

// What the demo's configuration names: its exporters' interfaces (the
// constructor is inert and only resolves the topology), AS names, countries.
const exporters = new DemoExporterComponent(newMock(), defaultConfiguration()).exporters();
const IF_NAMES = new Set(exporters.flatMap((e) => e.interfaces.map((i) => i.name)));
const AS_NAMES = new Set([...REMOTE_ASES.map((a) => a.name), ...CUSTOMERS.map((c) => c.asName)]);
const COUNTRIES = new Set([...REMOTE_ASES.flatMap((a) => a.prefixes.map((p) => p[1])), ...CUSTOMERS.map((c) => c.country)]);

// named tells whether a row of dimension values carries a demo interface
// name, a demo AS name and a country.
function named(row: readonly string[]): boolean {
  const [ifName, as, country] = row;
  const asName = /^\d+: (.*)$/.exec(as ?? '')?.[1];
  return IF_NAMES.has(ifName ?? '') && asName !== undefined && AS_NAMES.has(asName) && COUNTRIES.has(country ?? '');
}

test('standalone --demo in a browser: named interfaces, AS names and countries', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-demo-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // Free ports rather than the demo's 2055, 6343 and 1161, which a running `make demo` may hold.
  const [netflow, sflow, snmp] = [await freeUDPPort(), await freeUDPPort(), await freeUDPPort()];
  const p = startAkvorado(t, ['standalone', '--demo', '--data-dir', join(dir, 'data')], {
    AKVORADO_CFG_STANDALONE_REPORTING_FORMAT: 'json',
    AKVORADO_CFG_STANDALONE_HTTP_LISTEN: '127.0.0.1:0',
    AKVORADO_CFG_STANDALONE_DEMOEXPORTER_TARGET: `127.0.0.1:${netflow}`,
    AKVORADO_CFG_STANDALONE_DEMOEXPORTER_SFLOWTARGET: `127.0.0.1:${sflow}`,
    AKVORADO_CFG_STANDALONE_DEMOEXPORTER_SNMPPORT: String(snmp),
  });
  const ready = await p.waitFor((l) => l.msg === 'console ready', 120_000);
  const base = String(ready.url);
  const since = Date.now();
  // The inputs listen where the demo sends.
  await p.waitFor((l) => l.msg === 'started', 60_000);
  const listening = p.lines.filter((l) => l.msg === 'flow input listening').map((l) => l.port);
  assert.deepEqual(listening.sort(), [netflow, sflow].sort());

  // Wait through the API for flows enriched with SNMP names from every exporter.
  const graph = async (): Promise<{ rows: string[][]; average: number[] }> => {
    const res = await fetch(`${base}api/v0/console/graph/line`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ start: iso(since), end: iso(Date.now() + 1000), points: 100, dimensions: DIMENSIONS, limit: 10, filter: '', units: 'l3bps' }),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as { rows: string[][]; average: number[] };
  };
  const exportersSeen = async (): Promise<number> => {
    const res = await fetch(`${base}api/v0/console/widget/exporters`);
    return ((await res.json()) as { exporters: string[] }).exporters.length;
  };
  const deadline = Date.now() + 120_000;
  let answer = await graph();
  while (!(answer.rows.some(named) && (await exportersSeen()) === exporters.length)) {
    if (Date.now() > deadline) assert.fail(`no named rows from ${exporters.length} exporters: ${JSON.stringify(answer.rows)}`);
    await sleep(1000);
    answer = await graph();
  }
  assert.ok(answer.rows.every((r, i) => r[0] === 'Other' || answer.average[i]! > 0), 'every top series carries traffic');

  mkdirSync(ARTIFACTS, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));

  await t.test('home: every widget has data', async () => {
    await page.goto(base);
    const big = (w: string) => page.locator(`[data-widget=${w}] .big`);
    await big('flow-rate').waitFor();
    const rate = await big('flow-rate').innerText();
    assert.match(rate, /flows\/second$/);
    assert.ok(Number.parseFloat(rate) > 0, rate);
    await big('exporters').waitFor();
    assert.equal(await big('exporters').innerText(), String(exporters.length));
    // Every top-N widget the console configures lists something.
    const tops = page.locator('[data-widget^=top-]');
    await tops.first().waitFor();
    for (const w of await tops.evaluateAll((ss) => ss.map((s) => (s as HTMLElement).dataset['widget']!))) {
      await page.locator(`[data-widget=${w}] li`).first().waitFor();
    }
    const topAS = await page.locator('[data-widget=top-src-as] li').allInnerTexts();
    assert.ok(topAS.some((text) => [...AS_NAMES].some((n) => text.includes(n))), `AS names in ${JSON.stringify(topAS)}`);
    await page.locator('[data-widget=graph] canvas').first().waitFor();
    // The countries come from DB-IP's database, whose licence asks for attribution.
    assert.equal(await page.locator('footer a[href="https://db-ip.com"]').innerText(), 'DB-IP');
    await page.screenshot({ path: join(ARTIFACTS, 'home.png') });
  });

  await t.test('visualize by InIfName, SrcAS and DstCountry', async () => {
    const q = new URLSearchParams({ start: iso(since), end: iso(Date.now()), dimensions: DIMENSIONS.join(','), filter: '', limit: '10', units: 'l3bps', graph: 'stacked' });
    await page.goto(`${base}visualize?${q.toString()}`);
    await page.locator('.graph canvas').first().waitFor();
    const rows = page.locator('table.data tbody tr');
    await rows.first().waitFor();
    // Each line: swatch, the three dimensions, min, max, average, 95th, last.
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => Array.from((tr as HTMLTableRowElement).cells, (c) => c.textContent ?? '')));
    const series = cells.filter((c) => c.length === 9);
    assert.ok(series.length > 0, JSON.stringify(cells));
    const good = series.filter((c) => named(c.slice(1, 4)) && Number.parseFloat(c[6]!) > 0);
    assert.ok(good.length > 0, `a row with a demo interface, AS name and country, and traffic: ${JSON.stringify(series)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'visualize.png') });

    // By SrcAS alone: the top ten source networks by name.
    q.set('dimensions', 'SrcAS');
    await page.goto(`${base}visualize?${q.toString()}`);
    await page.locator('.graph canvas').first().waitFor();
    await rows.first().waitFor();
    const names = await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLTableRowElement).cells[1]?.textContent ?? ''));
    assert.ok(names.filter((n) => AS_NAMES.has(/^\d+: (.*)$/.exec(n)?.[1] ?? '')).length >= 5, JSON.stringify(names));
    await page.screenshot({ path: join(ARTIFACTS, 'visualize-src-as.png') });
  });

  await t.test('documentation: installation served', async () => {
    await page.goto(`${base}docs/installation`);
    await page.locator('.markdown h1', { hasText: 'Installation' }).waitFor();
    assert.match(await page.locator('.markdown').innerText(), /DB-IP/);
  });

  await browser.close();
  assert.deepEqual(errors, []);
  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
});
