// SPDX-License-Identifier: AGPL-3.0-only
// The inlet as a process: UDP datagrams in, protobuf flows in Kafka out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import protobuf from 'protobufjs';
import { BROKERS, checkKafka, consumeAll, createTestTopic } from '../src/common/kafka/tests.ts';
import { Schema } from '../src/common/schema/root.ts';
import { realisticV9 } from '../src/inlet/flow/decoder/netflow/testdata/builder.ts';

const root = new URL('../', import.meta.url).pathname;

it('sends decoded flows to Kafka and flushes them all on SIGTERM', async (t) => {
  await checkKafka();
  const base = `test-inlet-${process.pid}-${Date.now()}`;
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const topic = schema.topicName(base);
  t.after(await createTestTopic(topic, 2));
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-inlet-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    [
      'kafka:',
      `  brokers: [${BROKERS.join(', ')}]`,
      `  topic: ${base}`,
      '  flush-interval: 10s', // longer than the test: only stop() may flush
      'inlet:',
      '  reporting: {format: json}',
      '  http: {listen: "127.0.0.1:0"}',
      '  flow:',
      '    inputs: [{listen: "127.0.0.1:0", workers: 2}]',
      '',
    ].join('\n'),
  );
  const child = spawn(join(root, 'bin', 'akvorado'), ['inlet', '-c', config], {
    env: { ...process.env, AKVORADO_FROM_SOURCES: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.after(() => child.kill('SIGKILL'));
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  const deadline = Date.now() + 30_000;
  while (!lines.some((l) => l.msg === 'started') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const listening = lines.find((l) => l.msg === 'flow input listening');
  assert.ok(listening !== undefined, 'the inlet did not start');
  assert.ok(lines.some((l) => l.msg === 'connected to Kafka' && l.topic === topic));

  const v9 = realisticV9(40);
  const s = createSocket('udp4');
  for (const d of [v9.templates!, ...v9.datagrams]) {
    s.send(d, listening.port as number, '127.0.0.1');
    await new Promise((r) => setImmediate(r));
  }
  s.close();
  // Give the workers time to decode (well under the flush interval), then stop.
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 0);

  const type = protobuf.parse(schema.protobufText()).root.lookupType('FlowMessage');
  const count = (values: Buffer[]) => {
    let n = 0;
    for (const v of values) {
      const reader = protobuf.Reader.create(v);
      while (reader.pos < reader.len) {
        type.decodeDelimited(reader);
        n++;
      }
    }
    return n;
  };
  const messages = await consumeAll(topic, 2, (v) => count(v) >= v9.records, 20_000);
  assert.equal(count(messages.map((m) => m.value)), v9.records);
  const first = type.toObject(type.decodeDelimited(protobuf.Reader.create(messages[0]!.value)), { longs: Number }) as Record<string, number>;
  assert.equal(first.SamplingRate, 1000, 'sampling rate from the options data');
  assert.ok(first.Bytes! > 0 && first.Packets! > 0);
});
