// SPDX-License-Identifier: AGPL-3.0-only
// A broker outage during a steady send: the producer stays up, says it is
// degraded, and every flow is either delivered (once) or counted as dropped.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { promisify } from 'node:util';
import protobuf from 'protobufjs';
import { defaultsOf } from '../src/common/config/schema.ts';
import { parseIP } from '../src/common/helpers/ip.ts';
import { consumeAll, createTestTopic } from '../src/common/kafka/tests.ts';
import { newMock } from '../src/common/reporter/mock.ts';
import { Schema } from '../src/common/schema/root.ts';
import { FlowBatch } from '../src/inlet/flow/batch.ts';
import { schema as kafkaSchema, type Configuration } from '../src/inlet/kafka/config.ts';
import { rdkafkaProducer } from '../src/inlet/kafka/producer.ts';
import { KafkaComponent } from '../src/inlet/kafka/root.ts';

const run = promisify(execFile);
const root = new URL('../', import.meta.url).pathname;
// A broker of its own, so that stopping it does not disturb other tests.
const PORT = Number(process.env.KAFKA_OUTAGE_PORT ?? 19192);
const OUTAGE_MS = Number(process.env.KAFKA_OUTAGE_MS ?? 30_000);
const kafka = (cmd: string) => run('bash', [`${root}scripts/kafka.sh`, cmd], { env: { ...process.env, KAFKA_PORT: String(PORT) } });

function batch(n: number, first: number): FlowBatch {
  const b = new FlowBatch(n);
  for (let k = 0; k < n; k++) {
    const i = b.begin();
    b.timeReceived[i] = 1_700_000_000;
    b.samplingRate[i] = 1;
    b.exporterAddress.set(parseIP('192.0.2.1')!, i * 16);
    b.bytes[i] = first + k + 1; // a unique id per flow
    b.packets[i] = 1;
    b.commit();
  }
  return b;
}

it(`survives a broker outage of ${OUTAGE_MS / 1000} s during a steady send`, { timeout: OUTAGE_MS + 180_000 }, async (t) => {
  await kafka('start');
  t.after(() => kafka('stop'));
  const brokers = [`127.0.0.1:${PORT}`];
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const base = `test-outage-${process.pid}`;
  await createTestTopic(schema.topicName(base), 1, brokers);
  const r = newMock();
  const config = { ...defaultsOf<Configuration>(kafkaSchema), brokers, topic: base, flushInterval: 100 };
  const k = new KafkaComponent(r, config, schema, rdkafkaProducer);
  await k.start();

  let sent = 0;
  let sending = true;
  const sender = (async () => {
    while (sending) {
      k.send(batch(100, sent));
      sent += 100;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await kafka('stop');
  const statuses: string[] = [];
  const outageEnd = Date.now() + OUTAGE_MS;
  while (Date.now() < outageEnd) {
    statuses.push((await r.runHealthchecks()).status);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  assert.ok(statuses.includes('degraded'), `healthcheck during the outage: ${statuses.join(',')}`);
  await kafka('resume');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  sending = false;
  await sender;
  await k.stop();

  const m = await r.getMetrics('akvorado_inlet_kafka_');
  const delivered = m.akvorado_inlet_kafka_delivered_flows_total ?? 0;
  const dropped = Object.entries(m)
    .filter(([name]) => name.startsWith('akvorado_inlet_kafka_dropped_flows_total'))
    .reduce((n, [, v]) => n + v, 0);
  assert.equal(m.akvorado_inlet_kafka_sent_flows_total, sent);
  assert.equal(delivered + dropped, sent, `sent ${sent} = delivered ${delivered} + dropped ${dropped}: ${JSON.stringify(m)}`);
  assert.ok(delivered > sent / 2, `delivered ${delivered} of ${sent}`);

  // What Kafka holds is exactly what was acknowledged, each flow once.
  const type = protobuf.parse(schema.protobufText()).root.lookupType('FlowMessage');
  const ids = (values: Buffer[]) => {
    const out: number[] = [];
    for (const v of values) {
      const reader = protobuf.Reader.create(v);
      while (reader.pos < reader.len) out.push(Number((type.decodeDelimited(reader) as unknown as { Bytes: number }).Bytes));
    }
    return out;
  };
  const messages = await consumeAll(schema.topicName(base), 1, (v) => ids(v).length >= delivered, 30_000, brokers);
  const got = ids(messages.map((x) => x.value));
  assert.equal(got.length, delivered);
  assert.equal(new Set(got).size, got.length, 'no flow stored twice');
});
