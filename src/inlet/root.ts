// SPDX-License-Identifier: AGPL-3.0-only
import { serve } from '../cmd/serve.ts';
import { Schema } from '../common/schema/root.ts';
import type { Configuration } from './config.ts';
import { flowRoutes } from './flow/http.ts';
import { FlowComponent } from './flow/root.ts';
import { rdkafkaProducer } from './kafka/producer.ts';
import { KafkaComponent } from './kafka/root.ts';

/**
 * run runs the inlet service: flow inputs and decoders feed the Kafka
 * producer, with the debug endpoint on the HTTP server. Kafka starts first
 * and stops last, so that the flows the inputs accepted until their stop
 * are flushed to the brokers.
 */
export function run(config: Configuration): Promise<number> {
  const schema = new Schema(config.schema);
  return serve('inlet', config, ({ r, daemon, http }) => {
    const kafka = new KafkaComponent(r, config.kafka, schema, rdkafkaProducer);
    const flow = new FlowComponent(r, config.flow, daemon);
    flow.subscribe((batch) => kafka.send(batch));
    http.app.register(flowRoutes(flow), { prefix: '/api/v0/inlet' });
    return [
      ['kafka', kafka],
      ['flow', flow],
    ];
  });
}
