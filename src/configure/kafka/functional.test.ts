// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defaultsOf } from '../../common/config/schema.ts';
import { BROKERS, checkKafka } from '../../common/kafka/tests.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { Schema } from '../../common/schema/root.ts';
import { schema as kafkaSchema, type Configuration } from '../../inlet/kafka/config.ts';
import { TopicConfigurator } from './root.ts';

it('creates the flows topic, then only raises its partitions', async () => {
  await checkKafka();
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const base = { ...defaultsOf<Configuration>(kafkaSchema), brokers: BROKERS, topic: `test-configure-${process.pid}-${Date.now()}` };
  const config = (partitions: number): Configuration => ({
    ...base,
    topicConfiguration: { ...base.topicConfiguration, numPartitions: partitions },
  });
  const first = await new TopicConfigurator(newMock(), config(2), schema).run();
  assert.deepEqual(first, { topic: schema.topicName(base.topic), created: true, partitions: 2, partitionsAdded: 0 });
  const again = await new TopicConfigurator(newMock(), config(2), schema).run();
  assert.deepEqual(again, { topic: first.topic, created: false, partitions: 2, partitionsAdded: 0 });
  const more = await new TopicConfigurator(newMock(), config(4), schema).run();
  assert.deepEqual(more, { topic: first.topic, created: false, partitions: 4, partitionsAdded: 2 });
  // Fewer partitions than the topic has is not an error: Kafka never lowers them.
  const fewer = await new TopicConfigurator(newMock(), config(1), schema).run();
  assert.equal(fewer.partitions, 4);
});

it('names the brokers and the topic when it cannot reach them', async () => {
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const config = { ...defaultsOf<Configuration>(kafkaSchema), brokers: ['127.0.0.1:1'] };
  await assert.rejects(new TopicConfigurator(newMock(), config, schema, 2000).run(), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'AKV_CONFIGURE_KAFKA');
    assert.match(err.message, /cannot set up topic flows-\S+ on 127\.0\.0\.1:1/);
    return true;
  });
});
