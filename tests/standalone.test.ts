// SPDX-License-Identifier: AGPL-3.0-only
// `akvorado standalone` end to end: NetFlow datagrams to its flow input,
// traffic read back through its console API, and the flows still there
// after a SIGTERM and a restart on the same data directory.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { realisticV9 } from '../src/inlet/flow/decoder/netflow/testdata/builder.ts';
import { startAkvorado, type Running } from './helpers/process.ts';

const SAMPLING_RATE = 1000; // from the options data of realisticV9

// sentBytes adds up IN_BYTES of the data sets of NetFlow v9 datagrams made
// by realisticV9: template 256 (IPv4) records are 55 bytes with IN_BYTES at
// offset 14, template 257 (IPv6) records 91 bytes with IN_BYTES at 50.
function sentBytes(datagrams: Uint8Array[]): number {
  const layout: Record<number, [number, number]> = { 256: [55, 14], 257: [91, 50] };
  let total = 0;
  for (const d of datagrams) {
    const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
    for (let o = 20; o + 4 <= d.length; ) {
      const id = v.getUint16(o);
      const length = v.getUint16(o + 2);
      const l = layout[id];
      if (l !== undefined) for (let r = o + 4; r + l[0] <= o + length; r += l[0]) total += v.getUint32(r + l[1]);
      o += length;
    }
  }
  return total;
}

async function start(t: TestContext, config: string, dataDir: string): Promise<{ p: Running; flowPort: number; http: string; clickhouse: string }> {
  const p = startAkvorado(t, ['standalone', '-c', config, '--data-dir', dataDir]);
  await p.waitFor((l) => l.msg === 'started', 60_000);
  // bin/akvorado gives standalone smaller young generations (less memory).
  assert.deepEqual(p.lines.find((l) => l.msg === 'akvorado starting')!.nodeFlags, ['--max-semi-space-size=4']);
  const flowPort = p.lines.find((l) => l.msg === 'flow input listening')!.port as number;
  const url = p.lines.find((l) => l.msg === 'console ready')!.url as string;
  const clickhouse = `http://${p.lines.find((l) => l.msg === 'ClickHouse HTTP endpoint listening')!.listen as string}/`;
  return { p, flowPort, http: url, clickhouse };
}

// totalBytes asks the console for the traffic of the last hour, in bytes.
async function totalBytes(http: string): Promise<number> {
  const now = Math.floor(Date.now() / 1000);
  const iso = (s: number) => new Date(s * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const res = await fetch(`${http}api/v0/console/graph/table-interval`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ start: iso(now - 3600), end: iso(now + 60), points: 61, dimensions: [], filter: '', units: 'l3bps' }),
  });
  const body = (await res.json()) as { total?: number[] };
  assert.equal(res.status, 200, JSON.stringify(body));
  // total is in bits, computed in floating point by the console.
  return Math.round((body.total?.[0] ?? 0) / 8);
}

async function eventually(f: () => Promise<number>, want: number, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let got = await f();
  while (got !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    got = await f();
  }
  return got;
}

async function send(port: number, datagrams: Uint8Array[]): Promise<void> {
  const s = createSocket('udp4');
  for (const d of datagrams) {
    s.send(d, port, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 50));
  s.close();
}

test('standalone: flows in, traffic out through the console, kept across a restart', { timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-standalone-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'akvorado.yaml');
  writeFileSync(
    config,
    [
      'standalone:',
      '  reporting: {format: json}',
      '  http: {listen: "127.0.0.1:0"}',
      '  flow:',
      '    inputs: [{listen: "127.0.0.1:0"}]',
      '  clickhouse-listen: "127.0.0.1:0"',
      '',
    ].join('\n'),
  );
  const dataDir = join(dir, 'data');
  const v9 = realisticV9(60);
  const first = v9.datagrams.slice(0, 30);
  const second = v9.datagrams.slice(30);

  let run = await start(t, config, dataDir);
  await send(run.flowPort, [v9.templates!, ...first]);
  const want1 = sentBytes(first) * SAMPLING_RATE;
  assert.ok(want1 > 0);
  assert.equal(await eventually(() => totalBytes(run.http), want1), want1);

  // The same flows through the read-only ClickHouse endpoint, which refuses writes.
  const query = async (sql: string) => fetch(`${run.clickhouse}?query=${encodeURIComponent(sql)}`, { method: 'POST' });
  const res = await query('SELECT count() AS n, sum(Bytes * SamplingRate) AS b FROM flows FORMAT JSONEachRow');
  assert.equal(res.status, 200);
  assert.deepEqual(JSON.parse(await res.text()), { n: first.length * 24, b: want1 });
  assert.equal((await query('TRUNCATE TABLE flows')).status, 403);

  // Free C heap memory goes back to the system every 250 ms by default (native/memory).
  const metrics = await (await fetch(`${run.http}api/v0/standalone/metrics`)).text();
  const trims = [...metrics.matchAll(/^akvorado_memory_trims_total\{released="(?:yes|no)"\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
  assert.ok(trims > 0, `no trim counted in ${metrics.split('\n').filter((l) => l.includes('memory_trim')).join('; ')}`);

  // The sink and the engine report their health.
  const health = (await (await fetch(`${run.http}api/v0/standalone/healthcheck`)).json()) as { status: string; checks: Record<string, { status: string; details?: Record<string, unknown> }> };
  assert.equal(health.status, 'ok', JSON.stringify(health));
  assert.equal(health.checks['standalone/sink']?.status, 'ok');
  assert.equal(health.checks['standalone/clickhouse']?.details?.threshold, 500, 'half of the engine\'s parts_to_delay_insert');

  // Flows accepted just before SIGTERM are inserted at stop, not lost.
  await send(run.flowPort, second);
  await new Promise((r) => setTimeout(r, 300));
  run.p.child.kill('SIGTERM');
  assert.equal(await run.p.exited, 0);
  const want = want1 + sentBytes(second) * SAMPLING_RATE;

  run = await start(t, config, dataDir);
  assert.equal(await totalBytes(run.http), want);
  // The migrations found everything in place.
  assert.ok(run.p.lines.some((l) => l.msg === 'ClickHouse database in place' && l.applied === 0));
  run.p.child.kill('SIGTERM');
  assert.equal(await run.p.exited, 0);
});
