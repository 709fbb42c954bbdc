// SPDX-License-Identifier: AGPL-3.0-only
import { serve } from '../cmd/serve.ts';
import { Schema } from '../common/schema/root.ts';
import type { Configuration } from './config.ts';
import { CoreComponent } from './core/root.ts';
import { flowRoutes } from './flow/http.ts';
import { FlowComponent } from './flow/root.ts';
import { GeoIPComponent } from './geoip/root.ts';
import { rdkafkaProducer } from './kafka/producer.ts';
import { KafkaComponent } from './kafka/root.ts';
import { MetadataComponent } from './metadata/root.ts';

/**
 * run runs the inlet service: flow inputs and decoders feed the enricher
 * (core), which feeds the Kafka producer, with the debug endpoint on the
 * HTTP server. Kafka starts first and stops last, so that the flows the
 * inputs accepted until their stop are flushed to the brokers; metadata and
 * GeoIP start before the flow inputs and stop after them and after the
 * enricher has sent its held batches.
 */
export function run(config: Configuration): Promise<number> {
  const schema = new Schema(config.schema);
  return serve('inlet', config, ({ r, daemon, http }) => {
    const kafka = new KafkaComponent(r, config.kafka, schema, rdkafkaProducer);
    const metadata = new MetadataComponent(r, config.metadata);
    const geoip = new GeoIPComponent(r, config.geoip);
    const core = new CoreComponent(r, config.core, { metadata, geoip });
    const flow = new FlowComponent(r, config.flow, daemon);
    flow.subscribe((batch) => core.handle(batch));
    core.subscribe((batch) => kafka.send(batch));
    http.app.register(flowRoutes(flow), { prefix: '/api/v0/inlet' });
    return [
      ['kafka', kafka],
      ['metadata', metadata],
      ['geoip', geoip],
      ['core', core],
      ['flow', flow],
    ];
  });
}
