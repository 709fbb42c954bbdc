// SPDX-License-Identifier: AGPL-3.0-only
import { createRequire } from 'node:module';
import { AkvoradoError } from '../../common/errors.ts';
import type { Reporter } from '../../common/reporter/root.ts';
import type { Schema } from '../../common/schema/root.ts';
import { clientSettings, type Configuration } from '../../inlet/kafka/config.ts';

/** TopicState says what configure found and did. */
export interface TopicState {
  topic: string;
  created: boolean;
  partitions: number;
  partitionsAdded: number;
}

// librdkafka error codes (rdkafka.h).
const ERR_TOPIC_ALREADY_EXISTS = 36;

interface Admin {
  createTopic(t: object, timeout: number, cb: (err: (Error & { code?: number }) | null) => void): void;
  createPartitions(topic: string, total: number, timeout: number, cb: (err: Error | null) => void): void;
  disconnect(): void;
}

interface MetadataClient {
  connect(o: object, cb: (err: Error | null) => void): void;
  getMetadata(o: object, cb: (err: Error | null, m: { topics: Array<{ name: string; partitions: unknown[] }> }) => void): void;
  disconnect(cb: () => void): void;
}

/**
 * TopicConfigurator creates the flows topic (<kafka.topic>-<schema hash>)
 * with the configured partitions, replication factor and settings, or, when
 * it exists, raises its partitions to the configured number (Kafka cannot
 * lower them). Running it twice changes nothing.
 */
export class TopicConfigurator {
  private readonly r: Reporter;
  private readonly config: Configuration;
  /** topic is the name of the flows topic. */
  readonly topic: string;
  private readonly timeoutMs: number;

  constructor(r: Reporter, config: Configuration, schema: Schema, timeoutMs = 30_000) {
    this.r = r.child('configure/kafka');
    this.config = config;
    this.topic = schema.topicName(config.topic);
    this.timeoutMs = timeoutMs;
  }

  /** run brings the topic in line with the configuration. */
  async run(): Promise<TopicState> {
    const require = createRequire(import.meta.url);
    const Kafka = require('node-rdkafka') as {
      AdminClient: { create(o: object): Admin };
      Producer: new (o: object) => MetadataClient;
    };
    const settings = clientSettings(this.config);
    const tc = this.config.topicConfiguration;
    const admin = Kafka.AdminClient.create(settings);
    try {
      const created = await new Promise<boolean>((resolve, reject) =>
        admin.createTopic(
          {
            topic: this.topic,
            num_partitions: tc.numPartitions,
            replication_factor: tc.replicationFactor,
            config: Object.fromEntries(Object.entries(tc.configEntries).map(([k, v]) => [k, String(v)])),
          },
          this.timeoutMs,
          (err) => {
            if (err === null || err === undefined) resolve(true);
            else if (err.code === ERR_TOPIC_ALREADY_EXISTS) resolve(false);
            else reject(err);
          },
        ),
      );
      const partitions = await this.partitions(Kafka.Producer, settings);
      let added = 0;
      if (partitions < tc.numPartitions) {
        await new Promise<void>((resolve, reject) =>
          admin.createPartitions(this.topic, tc.numPartitions, this.timeoutMs, (err) => (err ? reject(err) : resolve())),
        );
        added = tc.numPartitions - partitions;
      }
      const state = { topic: this.topic, created, partitions: partitions + added, partitionsAdded: added };
      this.r.logger.info(state, created ? 'Kafka topic created' : 'Kafka topic present');
      if (!created && Object.keys(tc.configEntries).length > 0) {
        // The client library has no way to read or change the settings of an
        // existing topic: say so rather than claim they are in place.
        this.r.logger.warn(
          { topic: this.topic, configEntries: tc.configEntries },
          'settings of an existing topic are not checked: change them with kafka-configs.sh if needed',
        );
      }
      return state;
    } catch (cause) {
      throw new AkvoradoError(
        'AKV_CONFIGURE_KAFKA',
        `kafka: cannot set up topic ${this.topic} on ${this.config.brokers.join(',')}: ${(cause as Error).message}`,
        { cause },
      );
    } finally {
      admin.disconnect();
    }
  }

  private async partitions(Producer: new (o: object) => MetadataClient, settings: object): Promise<number> {
    const client = new Producer(settings);
    await new Promise<void>((resolve, reject) => client.connect({ timeout: this.timeoutMs }, (err) => (err ? reject(err) : resolve())));
    try {
      const m = await new Promise<{ topics: Array<{ name: string; partitions: unknown[] }> }>((resolve, reject) =>
        client.getMetadata({ topic: this.topic, timeout: this.timeoutMs }, (err, data) => (err ? reject(err) : resolve(data))),
      );
      return m.topics.find((t) => t.name === this.topic)?.partitions.length ?? 0;
    } finally {
      await new Promise<void>((resolve) => client.disconnect(() => resolve()));
    }
  }
}
