// SPDX-License-Identifier: AGPL-3.0-only
// The distributed path end to end, every part real: softflowd and pmacctd
// export a capture to `akvorado inlet` over UDP, the inlet produces to the
// Kafka broker, `akvorado configure` has prepared the topic and ClickHouse
// (the embedded engine behind the project's ClickHouse HTTP endpoint), and
// ClickHouse's Kafka engine fills flows and the rolled-up tables. Totals per
// (SrcAddr, DstAddr, Proto) must equal tshark's reading of the datagrams,
// times the sampling rate.
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { testClickHouse } from '../src/common/clickhouse/tests.ts';
import { BROKERS, checkKafka } from '../src/common/kafka/tests.ts';
import { exportCapture, type ExporterMode, type ExportResult } from './helpers/exporters.ts';
import { runAkvorado, startAkvorado } from './helpers/process.ts';
import { craftTraffic } from './helpers/traffic.ts';
import { tsharkNetflow, tsharkSflow } from './helpers/tshark.ts';

type Totals = Map<string, { bytes: number; packets: number }>;

/**
 * exportAndSend runs an exporter over a capture, then sends what it
 * exported to the inlet. pmacctd now and then exits with an error at the
 * end of a file on a busy machine (its plugin pipe closes first): the
 * export is then run again, and only a complete one reaches the inlet.
 */
async function exportAndSend(pcap: Uint8Array, mode: ExporterMode, port: number): Promise<ExportResult> {
  let result: ExportResult | null = null;
  for (let attempt = 1; result === null; attempt++) {
    try {
      result = await exportCapture(pcap, mode);
    } catch (err) {
      if (attempt === 3) throw err;
    }
  }
  const s = createSocket('udp4');
  for (const d of result.datagrams) {
    s.send(d.payload, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise<void>((r) => s.close(() => r()));
  return result;
}

function add(m: Totals, key: string, bytes: number, packets: number): void {
  const t = m.get(key) ?? { bytes: 0, packets: 0 };
  t.bytes += bytes;
  t.packets += packets;
  m.set(key, t);
}

it('softflowd and pmacctd → inlet → Kafka → ClickHouse Kafka engine: totals match tshark', async (t) => {
  await checkKafka();
  const ch = await testClickHouse(t);
  const base = `test-e2e-${process.pid}-${Date.now()}`;
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-e2e-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'kafka:',
      `  brokers: [${BROKERS.join(', ')}]`,
      `  topic: ${base}`,
      '  flush-interval: 200ms',
      '  topic-configuration: {num-partitions: 2}',
      'clickhouse:',
      `  servers: [${ch.server.url}]`,
      `  database: ${ch.database}`,
      '  kafka: {poll-timeout: 500ms, max-block-size: 1000}',
      'inlet:',
      '  reporting: {format: json}',
      '  http: {listen: "127.0.0.1:0"}',
      '  flow:',
      '    inputs:',
      '      - {listen: "127.0.0.1:0", decoder: netflow}',
      '      - {listen: "127.0.0.1:0", decoder: sflow}',
      'configure:',
      '  reporting: {format: json}',
      '',
    ].join('\n'),
  );

  const first = await runAkvorado(t, ['configure', '-c', config]);
  assert.equal(first.code, 0, JSON.stringify(first.lines));
  const second = await runAkvorado(t, ['configure', '-c', config]);
  assert.equal(second.code, 0);
  assert.deepEqual(second.lines.find((l) => l.msg === 'configuration done')?.applied, [], 'a second run changes nothing');

  const inlet = startAkvorado(t, ['inlet', '-c', config]);
  await inlet.waitFor((l) => l.msg === 'started');
  const ports = inlet.lines.filter((l) => l.msg === 'flow input listening').map((l) => l.port as number);
  assert.equal(ports.length, 2);

  // Each exporter sends the same crafted capture; tshark reads what they sent.
  const expected: Totals = new Map();
  const softflowd = await exportAndSend(craftTraffic().pcap, { tool: 'softflowd', version: 9 }, ports[0]!);
  for (const f of tsharkNetflow(softflowd.datagrams.map((d) => d.payload))) add(expected, `${f.src} ${f.dst} ${f.proto}`, f.bytes, f.packets);
  const sflow = await exportAndSend(craftTraffic({ trailer: 24 }).pcap, { tool: 'pmacctd', plugin: 'sfprobe', agent: '192.0.2.254', samplingRate: 3 }, ports[1]!);
  const samples = tsharkSflow(sflow.datagrams.map((d) => d.payload));
  assert.ok(samples.length > 0 && samples.every((f) => f.samplingRate === 3), 'sFlow samples at 1 in 3');
  for (const f of samples) add(expected, `${f.src} ${f.dst} ${f.proto}`, f.bytes * f.samplingRate!, f.packets * f.samplingRate!);
  const wantBytes = [...expected.values()].reduce((s, x) => s + x.bytes, 0);
  assert.ok(expected.size >= 10 && wantBytes > 0, 'the exporters sent flows');

  // The Kafka engine consumes in the background: wait for every byte.
  const query = (table: string) =>
    ch.http.select<{ k: string; b: string; p: string }>(
      `SELECT concat(replaceRegexpOne(toString(SrcAddr), '^::ffff:', ''), ' ', replaceRegexpOne(toString(DstAddr), '^::ffff:', ''), ' ', toString(Proto)) AS k, ` +
        `sum(Bytes * SamplingRate) AS b, sum(Packets * SamplingRate) AS p FROM ${table} GROUP BY k`,
    );
  const deadline = Date.now() + 90_000;
  let got: Totals = new Map();
  for (;;) {
    got = new Map((await query('flows')).map((r) => [r.k, { bytes: Number(r.b), packets: Number(r.p) }]));
    const have = [...got.values()].reduce((s, x) => s + x.bytes, 0);
    if (have >= wantBytes || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(new Map([...got].sort()), new Map([...expected].sort()));
  // Rolled-up tables hold the same totals (they have no addresses: compare sums).
  // The views write after the main table: a query may see flows complete
  // before them, so wait for them too.
  for (const table of ['flows_1m0s', 'flows_5m0s', 'flows_1h0m0s']) {
    let b = 0;
    while (Date.now() < deadline + 10_000) {
      const [row] = await ch.http.select<{ b: string }>(`SELECT sum(Bytes * SamplingRate) AS b FROM ${table}`);
      b = Number(row!.b);
      if (b >= wantBytes) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(b, wantBytes, table);
  }
  const [errors] = await ch.http.select<{ n: string }>('SELECT count() AS n FROM flows_raw_errors');
  assert.equal(Number(errors!.n), 0, 'no Kafka message failed to decode');

  inlet.child.kill('SIGTERM');
  assert.equal(await inlet.exited, 0);
});

it('configure: exit code 1 naming ClickHouse when no server answers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-configure-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, ['clickhouse:', '  servers: [http://127.0.0.1:1]', 'configure:', '  reporting: {format: json}', ''].join('\n'));
  const r = await runAkvorado(t, ['configure', '-c', config, '--no-kafka', '--wait', '1s']);
  assert.equal(r.code, 1);
  const failed = r.lines.find((l) => l.msg === 'configuration failed');
  assert.equal(failed?.code, 'AKV_CONFIGURE_CLICKHOUSE');
  assert.match(String((failed?.err as { message?: string } | undefined)?.message), /no ClickHouse server answered \(http:\/\/127\.0\.0\.1:1\)/);
});
