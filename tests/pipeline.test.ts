// SPDX-License-Identifier: AGPL-3.0-only
// The distributed path end to end, every part real: softflowd and pmacctd
// export a capture to `akvorado inlet` over UDP, the inlet produces to the
// Kafka broker, `akvorado configure` has prepared the topic and ClickHouse
// (the embedded engine behind the project's ClickHouse HTTP endpoint), and
// ClickHouse's Kafka engine fills flows and the rolled-up tables. Totals per
// (SrcAddr, DstAddr, Proto) must equal tshark's reading of the datagrams,
// times the sampling rate.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { testClickHouse } from '../src/common/clickhouse/tests.ts';
import { BROKERS, checkKafka } from '../src/common/kafka/tests.ts';
import { sendReferenceTraffic, sumBytes, totalsSQL, type FlowTotals } from './helpers/e2e.ts';
import { runAkvorado, startAkvorado } from './helpers/process.ts';

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
  const expected = await sendReferenceTraffic(ports[0]!, ports[1]!);
  const wantBytes = sumBytes(expected);

  // The Kafka engine consumes in the background: wait for every byte.
  const query = (table: string) => ch.http.select<{ k: string; b: string; p: string }>(totalsSQL(table));
  const deadline = Date.now() + 90_000;
  let got: FlowTotals = new Map();
  for (;;) {
    got = new Map((await query('flows')).map((r) => [r.k, { bytes: Number(r.b), packets: Number(r.p) }]));
    const have = sumBytes(got);
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
