// SPDX-License-Identifier: AGPL-3.0-only
// Encoding + producing to the local broker (scripts/kafka.sh start), on the
// main thread: flows/s handed to the producer and acknowledged by Kafka.
import { defaultsOf } from '../src/common/config/schema.ts';
import { parseIP } from '../src/common/helpers/ip.ts';
import { BROKERS, checkKafka, createTestTopic } from '../src/common/kafka/tests.ts';
import { newMock } from '../src/common/reporter/mock.ts';
import { Schema } from '../src/common/schema/root.ts';
import { FlowBatch } from '../src/inlet/flow/batch.ts';
import { NetFlowDecoder } from '../src/inlet/flow/decoder/netflow/root.ts';
import { realisticV9 } from '../src/inlet/flow/decoder/netflow/testdata/builder.ts';
import { Exporter } from '../src/inlet/flow/decoder/root.ts';
import { schema as kafkaSchema, type Configuration } from '../src/inlet/kafka/config.ts';
import { rdkafkaProducer } from '../src/inlet/kafka/producer.ts';
import { KafkaComponent } from '../src/inlet/kafka/root.ts';
import { figure, type Figure } from './measure.ts';

export async function run(): Promise<Figure[]> {
  await checkKafka();
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const base = `bench-${process.pid}`;
  const drop = await createTestTopic(schema.topicName(base), 8);
  // Realistic decoded flows, as the workers hand them over.
  const batch = new FlowBatch(2048);
  const decoder = new NetFlowDecoder({ timestampSource: 'input' });
  const exporter = new Exporter('192.0.2.1', parseIP('192.0.2.1')!);
  const v9 = realisticV9(90);
  decoder.decode(v9.templates!, exporter, 1_700_000_000, batch);
  batch.clear();
  for (const d of v9.datagrams) decoder.decode(d, exporter, 1_700_000_000, batch);
  const rates: number[] = [];
  const acked: number[] = [];
  try {
    for (let run = 0; run < 5; run++) {
      const r = newMock();
      const config = { ...defaultsOf<Configuration>(kafkaSchema), brokers: BROKERS, topic: base };
      const k = new KafkaComponent(r, config, schema, rdkafkaProducer);
      await k.start();
      const start = performance.now();
      let flows = 0;
      // About a second of sending, yielding now and then for delivery reports.
      while (performance.now() - start < 1000) {
        for (let i = 0; i < 20; i++) {
          k.send(batch);
          flows += batch.length;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      const sentIn = performance.now() - start;
      await k.stop();
      const total = performance.now() - start;
      const m = await r.getMetrics('akvorado_inlet_kafka_');
      if ((m.akvorado_inlet_kafka_delivered_flows_total ?? 0) !== flows) {
        throw new Error(`only ${m.akvorado_inlet_kafka_delivered_flows_total} of ${flows} flows acknowledged`);
      }
      rates.push(Math.round((flows * 1000) / sentIn));
      acked.push(Math.round((flows * 1000) / total));
    }
  } finally {
    await drop();
  }
  return [figure('kafka.produce.flows_per_s', 'flows/s', rates), figure('kafka.produce.acked_flows_per_s', 'flows/s', acked)];
}
