// SPDX-License-Identifier: AGPL-3.0-only
// The console's web UI in headless Chromium, over the console API and a
// ClickHouse database holding flows of known totals (src/console/tests.ts).
// Screenshots go to test-artifacts/console-ui/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { uiRoutes } from '../src/console/routes/ui.ts';
import { consoleSetup, H, NOW } from '../src/console/tests.ts';

const ARTIFACTS = join(new URL('../', import.meta.url).pathname, 'test-artifacts', 'console-ui');
const iso = (s: number): string => new Date(s * 1000).toISOString().replace(/\.000Z$/, 'Z');

test('console web UI', async (t) => {
  const { http } = await consoleSetup(t);
  http.app.register(uiRoutes());
  await http.start();
  const base = `http://127.0.0.1:${http.address!.port}`;
  mkdirSync(ARTIFACTS, { recursive: true });

  await t.test('serves the page, its assets and JSON 404s under /api/', async () => {
    const index = await fetch(`${base}/visualize?filter=x`);
    assert.equal(index.status, 200);
    assert.equal(index.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    const js = /src="(\/assets\/app-[^"]+\.js)"/.exec(await index.text())![1]!;
    const asset = await fetch(base + js);
    assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(asset.headers.get('cache-control')!, /immutable/);
    assert.equal(asset.headers.get('content-encoding'), 'gzip');
    const api = await fetch(`${base}/api/v0/console/nope`);
    assert.equal(api.status, 404);
    assert.equal(((await api.json()) as { code: string }).code, 'AKV_CONSOLE_NOT_FOUND');
    assert.equal((await fetch(`${base}/assets/nope.js`)).status, 404);
    const doc = await fetch(`${base}/api/v0/console/docs/filter`);
    assert.match(await doc.text(), /^# Filter language/);
    assert.equal((await fetch(`${base}/api/v0/console/docs/..%2Fpackage`)).status, 404);
  });

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  t.after(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: 'light' });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const editorText = (p: Page): Promise<string> => p.locator('.filter-editor .cm-content').innerText();

  await t.test('home shows the widgets and the 24-hour graph', async () => {
    await page.goto(`${base}/`);
    await page.locator('[data-widget=flow-rate] .big').waitFor();
    assert.match(await page.locator('[data-widget=flow-rate] .big').innerText(), /flows\/second/);
    await page.locator('[data-widget=exporters] .big').waitFor();
    assert.equal(await page.locator('[data-widget=exporters] .big').innerText(), '3');
    const top = page.locator('[data-widget=top-src-as] li');
    await top.first().waitFor();
    assert.match(await top.first().innerText(), /16509|32934/);
    await page.locator('[data-widget=graph] canvas').first().waitFor();
    await shot('home');
  });

  await t.test('visualize: filter with completion, then graph types', async () => {
    await page.getByRole('link', { name: 'Visualize' }).click();
    await page.waitForURL(/\/visualize$/);
    await page.locator('.filter-editor .cm-content').waitFor();
    await page.locator('input[name=start]').fill(iso(H));
    await page.locator('input[name=end]').fill(iso(NOW));
    const editor = page.locator('.filter-editor .cm-content');
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('SrcAS = AS1333');
    const option = page.locator('.cm-tooltip-autocomplete li', { hasText: 'AS13335' });
    await option.waitFor();
    // Clicking the item accepts it even when a newer completion request is
    // still running (Enter then falls through to the editor as a newline).
    await option.click();
    // The editor applies the completion on its next update: wait for it (a busy machine is slow).
    let text = '';
    for (let i = 0; i < 100 && text !== 'SrcAS = AS13335'; i++) {
      text = await editorText(page);
      if (text !== 'SrcAS = AS13335') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(text, 'SrcAS = AS13335');
    await page.keyboard.press('ControlOrMeta+Enter');
    await page.waitForURL(/filter=SrcAS/);
    const rows = page.locator('table.data tbody tr');
    await rows.filter({ hasText: '13335' }).first().waitFor();
    await page.locator('.graph canvas').first().waitFor();
    await page.locator('.filter-editor[data-valid=true]').waitFor();
    await shot('visualize-stacked');

    // An invalid filter gets a lint mark from filter/validate.
    await editor.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' AND Nope = 1');
    await page.locator('.filter-editor[data-valid=false] .cm-lintRange-error').first().waitFor();
    await shot('visualize-invalid-filter');
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('InIfBoundary = external');
    await page.locator('.filter-editor[data-valid=true]').waitFor();
    await page.keyboard.press('ControlOrMeta+Enter');
    await page.waitForURL(/filter=InIfBoundary/);

    await page.locator('[data-graph=lines]').click();
    await page.waitForURL(/graph=lines/);
    await page.locator('.graph[data-graph-type=lines] canvas').first().waitFor();
    await rows.filter({ hasText: '16509' }).first().waitFor();
    await shot('visualize-lines');
    // The reverse direction and the previous period add their own rows.
    await page.locator('input[name=bidirectional]').check();
    await page.locator('input[name=previous]').check();
    await page.waitForURL(/previous=1/);
    await rows.filter({ hasText: '↺ 13335' }).first().waitFor();
    await rows.filter({ hasText: 'Previous: Total' }).first().waitFor();
    await shot('visualize-lines-bidirectional');
    await page.locator('input[name=bidirectional]').uncheck();
    await page.locator('input[name=previous]').uncheck();
    await page.waitForURL((u) => !u.search.includes('previous=1'));

    await page.locator('select[name=add-dimension]').selectOption('ExporterName');
    await page.locator('.chip[data-dimension=ExporterName]').waitFor();
    await page.locator('[data-graph=sankey]').click();
    await page.waitForURL(/graph=sankey/);
    await page.locator('.graph[data-graph-type=sankey] canvas').first().waitFor();
    await page.locator('table.data th', { hasText: 'ExporterName' }).waitFor();
    await rows.filter({ hasText: 'edge1' }).first().waitFor();
    await shot('visualize-sankey');
  });

  await t.test('a shared URL restores the view', async () => {
    const q = new URLSearchParams({
      start: iso(H), end: iso(NOW), dimensions: 'SrcCountry,ExporterName', filter: 'Proto = tcp', limit: '5', units: 'pps', graph: 'stacked100',
    });
    const other = await context.newPage();
    other.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    other.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    await other.goto(`${base}/visualize?${q.toString()}`);
    await other.locator('.chip[data-dimension=SrcCountry]').waitFor();
    await other.locator('.chip[data-dimension=ExporterName]').waitFor();
    assert.equal(await editorText(other), 'Proto = tcp');
    assert.equal(await other.locator('select[name=units]').inputValue(), 'pps');
    assert.equal(await other.locator('input[name=limit]').inputValue(), '5');
    assert.equal(await other.locator('[data-graph=stacked100]').getAttribute('class'), 'active');
    const row = other.locator('table.data tbody tr', { hasText: 'US' }).first();
    await row.waitFor();
    assert.match(await row.innerText(), /pps/);
    await other.locator('.graph canvas').first().waitFor();
    await other.screenshot({ path: join(ARTIFACTS, 'visualize-shared-url.png'), fullPage: true });
    await other.close();
  });

  await t.test('docs page renders the markdown', async () => {
    await page.getByRole('link', { name: 'Documentation' }).click();
    await page.locator('.toc a', { hasText: 'filter' }).click();
    await page.locator('.markdown h1', { hasText: 'Filter language' }).waitFor();
    assert.ok((await page.locator('.markdown table').count()) > 0);
    await shot('docs');
  });

  await t.test('dark mode toggle', async () => {
    const background = (): Promise<string> => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await background();
    await page.locator('.theme-toggle').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset['theme']), 'dark');
    assert.notEqual(await background(), light);
    await page.getByRole('link', { name: 'Home' }).click();
    await page.locator('[data-widget=graph] canvas').first().waitFor();
    await shot('home-dark');
    // The choice survives a reload.
    await page.reload();
    await page.locator('[data-widget=graph] canvas').first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset['theme']), 'dark');
  });

  // Closed before the server stops, so that its last requests do not fail.
  await browser.close();
  assert.deepEqual(errors, []);
});
