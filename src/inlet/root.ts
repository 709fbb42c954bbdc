// SPDX-License-Identifier: AGPL-3.0-only
import type { NamedComponent } from '../cmd/components.ts';
import { serve, type ServiceContext } from '../cmd/serve.ts';
import { Schema } from '../common/schema/root.ts';
import type { Configuration } from './config.ts';
import type { FlowBatch } from './flow/batch.ts';
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
    const components = inletComponents({ r, daemon, http }, config, (batch) => kafka.send(batch));
    return [['kafka', kafka], ...components];
  });
}

/** InletParts are the sections of the inlet's configuration that `inletComponents` uses. */
export type InletParts = Pick<Configuration, 'flow' | 'metadata' | 'geoip' | 'core'>;

/**
 * inletComponents builds the inlet minus its output: flow inputs and
 * decoders feed the enricher, which hands each enriched batch to `send`
 * (the batch is reused afterwards: `send` copies what it keeps). The flow
 * debug endpoint, fed by the enricher, goes on the HTTP server. The components come in start
 * order: metadata and GeoIP before the enricher, the flow inputs last.
 */
export function inletComponents(ctx: ServiceContext, config: InletParts, send: (batch: FlowBatch) => void): NamedComponent[] {
  const { r, daemon, http } = ctx;
  const metadata = new MetadataComponent(r, config.metadata);
  const geoip = new GeoIPComponent(r, config.geoip);
  const core = new CoreComponent(r, config.core, { metadata, geoip });
  const flow = new FlowComponent(r, config.flow, daemon);
  flow.subscribe((batch) => core.handle(batch));
  core.subscribe(send);
  // The debug stream shows flows as they leave enrichment (what Kafka gets).
  http.app.register(flowRoutes(core), { prefix: '/api/v0/inlet' });
  return [
    ['metadata', metadata],
    ['geoip', geoip],
    ['core', core],
    ['flow', flow],
  ];
}
