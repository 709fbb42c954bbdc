// SPDX-License-Identifier: AGPL-3.0-only
// graph/line, graph/table-interval and graph/sankey over flows of known
// totals (src/console/tests.ts): 1 byte per minute is 80 bps at sampling rate 600.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rfc3339 } from './query/input.ts';
import { lineQuery } from './query/line.ts';
import { consoleSetup, H, NOW } from './tests.ts';

const zeros = (n: number) => new Array<number>(n).fill(0);
const window = { start: rfc3339(H), end: rfc3339(H + 3600), points: 60 };
// series builds 60 points from a default and {minute: value}.
function series(fill: number, at: Record<number, number> = {}): number[] {
  const out = new Array<number>(60).fill(fill);
  for (const [m, v] of Object.entries(at)) out[Number(m)] = v;
  return out;
}
const A = series(0, Object.fromEntries(Array.from({ length: 10 }, (_, m) => [m, 800_000])));
const C = series(80_000);
const near = (got: number, want: number, what: string) => assert.ok(Math.abs(got - want) < 1e-9 * Math.max(1, Math.abs(want)), `${what}: ${got} != ${want}`);

test('console graphs', async (t) => {
  const { http, ctx, ch } = await consoleSetup(t);
  const post = async (url: string, payload: object) => {
    const res = await http.app.inject({ method: 'POST', url: `/api/v0/console/${url}`, payload });
    return { status: res.statusCode, body: res.json() };
  };
  const line = (more: object) => post('graph/line', { ...window, dimensions: ['SrcAS'], limit: 2, filter: 'DstAS = 64500', ...more });

  await t.test('line: top 2 by average, Other, statistics', async () => {
    const { status, body } = await line({});
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.table, 'flows_1m0s');
    assert.equal(body.step, 60);
    assert.equal(body.t.length, 60);
    assert.equal(body.t[0], rfc3339(H));
    assert.equal(body.t[59], rfc3339(H + 59 * 60));
    assert.deepEqual(body.rows, [['13335: Cloudflare'], ['16509: Amazon'], ['Other']]);
    assert.deepEqual(body.axis, [1, 1, 1]);
    const other = series(0, { 5: 4_000_000, 30: 40_000, 59: 1_600_000 });
    assert.deepEqual(body.points, [A, C, other]);
    assert.deepEqual(body.min, [0, 80_000, 0]);
    assert.deepEqual(body.max, [800_000, 80_000, 4_000_000]);
    assert.deepEqual(body.average, [8_000_000 / 60, 80_000, 94_000]);
    // Nearest rank: the 57th of 60 sorted values.
    assert.deepEqual(body['95th'], [800_000, 80_000, 0]);
    assert.deepEqual(body.last, [0, 80_000, 1_600_000]);
  });

  await t.test('line: top 2 by max and by last value', async () => {
    const max = await line({ limitType: 'max' });
    assert.deepEqual(max.body.rows, [['15169: Google'], ['32934: Facebook'], ['Other']]);
    assert.deepEqual(max.body.points[0], series(0, { 5: 4_000_000 }));
    assert.deepEqual(max.body.points[2], series(80_000, { ...Object.fromEntries(Array.from({ length: 10 }, (_, m) => [m, 880_000])), 30: 120_000 }));
    const last = await line({ limitType: 'last' });
    assert.deepEqual(last.body.rows, [['32934: Facebook'], ['16509: Amazon'], ['Other']]);
  });

  await t.test('line: every unit, without dimensions', async () => {
    const first = async (units: string) => {
      const { status, body } = await line({ units, dimensions: [] });
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(body.rows, [[]]);
      return body.points[0] as number[];
    };
    // Minute 0: AS13335 (10000 bytes, 10 packets) and AS16509 (1000 bytes, 1 packet).
    const l3 = await first('l3bps');
    assert.equal(l3[0], 880_000);
    assert.equal(l3.reduce((a, b) => a + b, 0), 18_440_000);
    assert.equal((await first('l2bps'))[0], 80 * (11_000 + 18 * 11));
    assert.equal((await first('pps'))[0], 110);
    near((await first('inl2%'))[0]!, (80 * 11_198 * 100) / 1e9, 'inl2%');
    near((await first('outl2%'))[0]!, (80 * 11_198 * 100) / 1e10, 'outl2%');
  });

  await t.test('line: bidirectional and previous period', async () => {
    const { status, body } = await line({ bidirectional: true, previousPeriod: true });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.rows, [['13335: Cloudflare'], ['16509: Amazon'], ['Other'], ['13335: Cloudflare'], ['16509: Amazon'], ['Other'], ['Total'], ['Total']]);
    assert.deepEqual(body.axis, [1, 1, 1, 2, 2, 2, 3, 4]);
    assert.deepEqual(body.points[0], A);
    // Reverse: DstAS with the filter SrcAS = 64500, the flow of 2000 bytes at minute 0.
    assert.deepEqual(body.points[3], series(0, { 0: 160_000 }));
    assert.deepEqual(body.points[4], zeros(60));
    assert.deepEqual(body.points[5], zeros(60));
    // Previous period: a day earlier, 3000 bytes at minute 10.
    assert.deepEqual(body.points[6], series(0, { 10: 240_000 }));
    assert.deepEqual(body.points[7], zeros(60));
  });

  await t.test('line: addresses truncated, from the main table', async () => {
    const { status, body } = await line({ dimensions: ['SrcAddr'], limit: 10, truncatev4: 24, truncatev6: 32 });
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body.table, 'flows');
    assert.deepEqual(body.rows, [['192.0.2.0'], ['198.51.100.0'], ['2001:db8::']]);
    assert.deepEqual(body.average, [12_000_000 / 60, 80_000, 1_640_000 / 60]);
  });

  await t.test('line: string dimensions found in the top N', async () => {
    const one = await line({ dimensions: ['ExporterName'], limit: 1 });
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.deepEqual(one.body.rows, [['edge1'], ['Other']]);
    // edge1: 160,000 bytes over the hour; edge2 and edge3: 70,500.
    near(one.body.average[0], (160_000 * 80) / 60, 'edge1');
    near(one.body.average[1], (70_500 * 80) / 60, 'Other');
    const two = await line({ dimensions: ['SrcAS', 'ExporterName'] });
    assert.equal(two.status, 200, JSON.stringify(two.body));
    assert.deepEqual(two.body.rows, [['13335: Cloudflare', 'edge1'], ['16509: Amazon', 'edge1'], ['Other', 'Other']]);
    assert.deepEqual(two.body.points, [A, C, series(0, { 5: 4_000_000, 30: 40_000, 59: 1_600_000 })]);
  });

  await t.test('line: the embedded driver gives the same answer', async () => {
    const input = { ...window, dimensions: ['SrcAS'], limit: 2, limitType: 'avg', filter: 'DstAS = 64500', units: 'l3bps', bidirectional: false, previousPeriod: false, truncatev4: 32, truncatev6: 128 } as const;
    const viaHTTP = await lineQuery(ctx, { ...input, dimensions: [...input.dimensions] });
    const viaEmbedded = await lineQuery({ ...ctx, ch: ch.embedded }, { ...input, dimensions: [...input.dimensions] });
    assert.deepEqual(viaEmbedded, viaHTTP);
  });

  await t.test('table-interval: statistics and totals', async () => {
    const { status, body } = await post('graph/table-interval', { ...window, dimensions: ['SrcAS'], limit: 2, filter: 'DstAS = 64500' });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.rows, [['13335: Cloudflare'], ['16509: Amazon'], ['Other']]);
    assert.equal(body.t, undefined);
    assert.deepEqual(body.average, [8_000_000 / 60, 80_000, 94_000]);
    // Bits: 10 flows of 10000 bytes at 600, 60 of 1000, 50000 + 500 + 20000.
    assert.deepEqual(body.total, [10 * 10_000 * 4800, 60 * 1000 * 4800, 70_500 * 4800]);
    const pct = await post('graph/table-interval', { ...window, units: 'inl2%' });
    assert.deepEqual(pct.body.total, [null]);
  });

  await t.test('sankey: top 2 of each dimension', async () => {
    const { status, body } = await post('graph/sankey', { ...window, dimensions: ['SrcAS', 'ExporterName'], limit: 2, filter: 'DstAS = 64500' });
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(body.rows, [['13335: Cloudflare', 'edge1'], ['16509: Amazon', 'edge1'], ['Other', 'edge2'], ['Other', 'Other']]);
    assert.deepEqual(body.xps, [480e6 / 3600, 288e6 / 3600, 242.4e6 / 3600, 96e6 / 3600]);
    assert.deepEqual(body.nodes, ['13335: Cloudflare', 'edge1', '16509: Amazon', 'Other SrcAS', 'edge2', 'Other ExporterName']);
    assert.deepEqual(body.links, [
      { source: '13335: Cloudflare', target: 'edge1', xps: 480e6 / 3600 },
      { source: '16509: Amazon', target: 'edge1', xps: 288e6 / 3600 },
      { source: 'Other SrcAS', target: 'edge2', xps: 242.4e6 / 3600 },
      { source: 'Other SrcAS', target: 'Other ExporterName', xps: 96e6 / 3600 },
    ]);
  });

  await t.test('errors are 400 with a code and the fields', async () => {
    const cases: Array<[string, object, string, string?]> = [
      ['graph/line', { end: window.end }, 'AKV_CONSOLE_INPUT', '/start'],
      ['graph/line', { ...window, units: 'bps' }, 'AKV_CONSOLE_INPUT', '/units'],
      ['graph/line', { ...window, start: 'yesterday' }, 'AKV_CONSOLE_INPUT', '/start'],
      ['graph/line', { ...window, start: window.end }, 'AKV_CONSOLE_INPUT', '/end'],
      ['graph/line', { ...window, dimensions: ['Bytes'] }, 'AKV_CONSOLE_INPUT', '/dimensions/0'],
      ['graph/line', { ...window, dimensions: ['SrcMAC'] }, 'AKV_CONSOLE_INPUT', '/dimensions/0'],
      ['graph/line', { ...window, limit: 51 }, 'AKV_CONSOLE_INPUT', '/limit'],
      ['graph/line', { ...window, filter: 'SrcAS = ' }, 'AKV_CONSOLE_FILTER'],
      ['graph/sankey', { ...window, dimensions: ['SrcAS'] }, 'AKV_CONSOLE_INPUT', '/dimensions'],
    ];
    for (const [url, payload, code, path] of cases) {
      const { status, body } = await post(url, payload);
      assert.equal(status, 400, JSON.stringify(payload));
      assert.equal(body.code, code, JSON.stringify(body));
      assert.equal(typeof body.message, 'string');
      assert.ok(Array.isArray(body.errors) && body.errors.length > 0, JSON.stringify(body));
      if (path !== undefined) assert.equal(body.errors[0].path, path, JSON.stringify(body));
    }
  });
  assert.equal(NOW, H + 3600);
});
