// SPDX-License-Identifier: AGPL-3.0-only
// Real exporters into `akvorado standalone`: softflowd (NetFlow v9) and
// pmacctd (sFlow, 1 in 3) export the crafted capture over UDP; the totals
// per (SrcAddr, DstAddr, Proto) read through the read-only ClickHouse
// endpoint, and the totals the console API gives, must equal tshark's
// reading of the datagrams times the sampling rate.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sendReferenceTraffic, sumBytes, totalsSQL, type FlowTotals } from './helpers/e2e.ts';
import { startAkvorado } from './helpers/process.ts';

test('softflowd and pmacctd → standalone: totals match tshark in ClickHouse and in the console', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-standalone-exporters-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'akvorado.yaml');
  writeFileSync(
    config,
    [
      'standalone:',
      '  reporting: {format: json}',
      '  http: {listen: "127.0.0.1:0"}',
      '  clickhouse-listen: "127.0.0.1:0"',
      '  flow:',
      '    inputs:',
      '      - {listen: "127.0.0.1:0", decoder: netflow}',
      '      - {listen: "127.0.0.1:0", decoder: sflow}',
      '',
    ].join('\n'),
  );
  const p = startAkvorado(t, ['standalone', '-c', config, '--data-dir', join(dir, 'data')]);
  await p.waitFor((l) => l.msg === 'started', 60_000);
  const ports = p.lines.filter((l) => l.msg === 'flow input listening').map((l) => l.port as number);
  assert.equal(ports.length, 2);
  const console = String(p.lines.find((l) => l.msg === 'console ready')!.url);
  const clickhouse = `http://${String(p.lines.find((l) => l.msg === 'ClickHouse HTTP endpoint listening')!.listen)}/`;

  const expected = await sendReferenceTraffic(ports[0]!, ports[1]!);
  const wantBytes = sumBytes(expected);
  const wantPackets = [...expected.values()].reduce((s, x) => s + x.packets, 0);

  // Batches are inserted every second: wait for every byte.
  const stored = async (): Promise<FlowTotals> => {
    const res = await fetch(`${clickhouse}?query=${encodeURIComponent(`${totalsSQL('flows')} FORMAT JSONEachRow`)}`, { method: 'POST' });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const rows = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { k: string; b: string | number; p: string | number });
    return new Map(rows.map((r) => [r.k, { bytes: Number(r.b), packets: Number(r.p) }]));
  };
  const deadline = Date.now() + 60_000;
  let got = await stored();
  while (sumBytes(got) < wantBytes && Date.now() < deadline) {
    await sleep(250);
    got = await stored();
  }
  assert.deepEqual(new Map([...got].sort()), new Map([...expected].sort()));

  // The console's total over the last hour: bits for l3bps, packets for pps.
  const total = async (units: string): Promise<number> => {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const res = await fetch(`${console}api/v0/console/graph/table-interval`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ start: iso(now - 3_600_000), end: iso(now + 60_000), points: 61, dimensions: [], filter: '', units }),
    });
    const body = (await res.json()) as { total?: number[] };
    assert.equal(res.status, 200, JSON.stringify(body));
    return body.total?.[0] ?? 0;
  };
  // The console computes the totals in floating point.
  assert.equal(Math.round((await total('l3bps')) / 8), wantBytes);
  assert.equal(Math.round(await total('pps')), wantPackets);

  p.child.kill('SIGTERM');
  assert.equal(await p.exited, 0);
});
