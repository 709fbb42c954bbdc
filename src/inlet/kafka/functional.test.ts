// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { defaultsOf } from '../../common/config/schema.ts';
import { formatIP, parseIP } from '../../common/helpers/ip.ts';
import { BROKERS, checkKafka, consumeAll, createTestTopic } from '../../common/kafka/tests.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { Schema } from '../../common/schema/root.ts';
import { FlowBatch } from '../flow/batch.ts';
import { schema as kafkaSchema, type Configuration } from './config.ts';
import { rdkafkaProducer } from './producer.ts';
import { KafkaComponent } from './root.ts';

const flowSchema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });

function batchOf(n: number, exporters: string[]): FlowBatch {
  const b = new FlowBatch(n);
  for (let k = 0; k < n; k++) {
    const i = b.begin();
    b.timeReceived[i] = 1_700_000_000;
    b.samplingRate[i] = 100;
    b.exporterAddress.set(parseIP(exporters[k % exporters.length]!)!, i * 16);
    b.srcAddr.set(parseIP(`198.51.100.${k % 250}`)!, i * 16);
    b.dstAddr.set(parseIP('2001:db8::1')!, i * 16);
    b.srcPort[i] = k;
    b.bytes[i] = 1000 + k;
    b.packets[i] = 1 + (k % 7);
    b.commit();
  }
  return b;
}

async function newKafka(topicBase: string, o: Partial<Configuration> = {}): Promise<{ k: KafkaComponent; r: ReturnType<typeof newMock> }> {
  const r = newMock();
  const config = { ...defaultsOf<Configuration>(kafkaSchema), brokers: BROKERS, topic: topicBase, flushInterval: 100, ...o };
  return { k: new KafkaComponent(r, config, flowSchema, rdkafkaProducer), r };
}

function decodeAll(values: Buffer[]): Array<Record<string, unknown>> {
  const type = protobuf.parse(flowSchema.protobufText()).root.lookupType('FlowMessage');
  const out: Array<Record<string, unknown>> = [];
  for (const v of values) {
    const reader = protobuf.Reader.create(v);
    while (reader.pos < reader.len) out.push(type.toObject(type.decodeDelimited(reader), { longs: Number, bytes: Array }) as Record<string, unknown>);
  }
  return out;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail('condition not met in time');
}

describe('Kafka producer', () => {
  it('packs flows into messages that decode to the same flows', async (t) => {
    await checkKafka();
    const base = `test-flows-${process.pid}-${Date.now()}`;
    const { k, r } = await newKafka(base, { maxMessageBytes: 4096 });
    const drop = await createTestTopic(k.topic, 2);
    t.after(drop);
    await k.start();
    assert.equal((await r.getMetrics('akvorado_inlet_kafka_connected')).akvorado_inlet_kafka_connected, 1, 'start() waits for the connection');
    const n = 500;
    k.send(batchOf(n, ['192.0.2.1', '192.0.2.2']));
    await k.stop();
    const m = await r.getMetrics('akvorado_inlet_kafka_');
    assert.equal(m.akvorado_inlet_kafka_sent_flows_total, n);
    assert.equal(m.akvorado_inlet_kafka_delivered_flows_total, n);
    assert.ok(m.akvorado_inlet_kafka_sent_messages_total! > 1, 'flows are spread over several messages');
    const messages = await consumeAll(k.topic, 2, (v) => decodeAll(v).length >= n);
    const flows = decodeAll(messages.map((x) => x.value));
    assert.equal(flows.length, n);
    flows.sort((a, b) => (a.Bytes as number) - (b.Bytes as number));
    for (let i = 0; i < n; i++) {
      assert.equal(flows[i]!.Bytes, 1000 + i);
      assert.equal(formatIP(Uint8Array.from(flows[i]!.SrcAddr as number[])), `198.51.100.${i % 250}`);
      assert.equal(formatIP(Uint8Array.from(flows[i]!.ExporterAddress as number[])), i % 2 === 0 ? '192.0.2.1' : '192.0.2.2');
    }
  });

  it('keys messages by exporter when asked', async (t) => {
    await checkKafka();
    const { k } = await newKafka(`test-flows-${process.pid}-${Date.now()}`, { loadBalance: 'by-exporter' });
    const drop = await createTestTopic(k.topic, 4);
    t.after(drop);
    await k.start();
    k.send(batchOf(300, ['192.0.2.1', '192.0.2.2', '2001:db8::9']));
    await k.stop();
    const messages = await consumeAll(k.topic, 4, (v) => decodeAll(v).length >= 300);
    const byKey = new Map<string, Set<string>>();
    for (const msg of messages) {
      const key = formatIP(Uint8Array.from(msg.key!));
      for (const f of decodeAll([msg.value])) {
        const exporter = formatIP(Uint8Array.from(f.ExporterAddress as number[]));
        assert.equal(exporter, key, 'every flow of a message comes from the exporter of its key');
        (byKey.get(key) ?? byKey.set(key, new Set()).get(key)!).add(String(msg.partition));
      }
    }
    assert.deepEqual([...byKey.keys()].sort(), ['192.0.2.1', '192.0.2.2', '2001:db8::9']);
    for (const partitions of byKey.values()) assert.equal(partitions.size, 1, 'one exporter, one partition');
  });

  it('counts what the brokers never acknowledged at stop', async () => {
    await checkKafka();
    // No such topic: messages wait in librdkafka until stop gives up on them.
    const { k, r } = await newKafka(`test-missing-${process.pid}-${Date.now()}`);
    await k.start();
    k.send(batchOf(20, ['192.0.2.1']));
    await k.stop();
    const m = await r.getMetrics('akvorado_inlet_kafka_');
    assert.equal(m.akvorado_inlet_kafka_sent_flows_total, 20);
    assert.equal(m.akvorado_inlet_kafka_delivered_flows_total ?? 0, 0);
    const dropped = Object.entries(m)
      .filter(([name]) => name.startsWith('akvorado_inlet_kafka_dropped_flows_total'))
      .reduce((n, [, v]) => n + v, 0);
    assert.equal(dropped, 20, 'sent = delivered + dropped');
  });

  it('counts flows it cannot send while no broker answers, and stays up', async () => {
    const r = newMock();
    const config = { ...defaultsOf<Configuration>(kafkaSchema), brokers: ['127.0.0.1:1'], flushInterval: 100 };
    const k = new KafkaComponent(r, config, flowSchema, rdkafkaProducer);
    await k.start();
    k.send(batchOf(50, ['192.0.2.1']));
    await waitFor(async () => (await r.getMetrics('akvorado_inlet_kafka_dropped'))['akvorado_inlet_kafka_dropped_flows_total{reason="not-connected"}'] === 50);
    const health = await r.runHealthchecks();
    assert.equal(health.status, 'degraded');
    assert.match(health.checks['inlet/kafka']!.reason!, /not connected to 127\.0\.0\.1:1/);
    await k.stop();
  });
});
