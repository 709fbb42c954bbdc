// SPDX-License-Identifier: AGPL-3.0-only
import { HTTP } from '../common/clickhouse/http.ts';
import { parseDuration } from '../common/config/duration.ts';
import { AkvoradoError, hasCode } from '../common/errors.ts';
import { newReporter, type Reporter } from '../common/reporter/root.ts';
import { Schema } from '../common/schema/root.ts';
import { Migrations } from './clickhouse/root.ts';
import type { Configuration } from './config.ts';
import { TopicConfigurator } from './kafka/root.ts';

// retry runs f until it succeeds or the deadline passes, with a doubling delay.
async function retry<T>(r: Reporter, what: string, deadline: number, f: () => Promise<T>): Promise<T> {
  let delay = 500;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() + delay > deadline) throw err;
      r.logger.warn({ err, retryIn: delay }, `${what} failed, retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

/**
 * run is `akvorado configure`: it creates or updates the flows topic, then
 * brings the ClickHouse database in line (migrations). Both are idempotent.
 * Returns 0 when everything is in place, 1 otherwise (the log names the
 * failing step).
 */
export async function run(config: Configuration, args: Record<string, unknown>): Promise<number> {
  const r = newReporter(config.reporting).child('configure');
  const withKafka = args.kafka !== false;
  const wait = parseDuration(typeof args.wait === 'string' ? args.wait : '60s');
  if (wait === null) {
    r.logger.error({ wait: args.wait }, 'configuration failed: --wait expects a duration like 60s');
    await r.flush();
    return 1;
  }
  const deadline = Date.now() + wait;
  const schema = new Schema(config.schema);
  const ch = new HTTP(config.clickhouse);
  try {
    if (withKafka) {
      const topics = new TopicConfigurator(r, config.kafka, schema);
      const state = await retry(r, 'Kafka topic configuration', deadline, () => topics.run());
      r.logger.info(state, 'Kafka topic in place');
    }
    await retry(r, 'ClickHouse connection', deadline, async () => {
      if (!(await ch.ping())) {
        throw new AkvoradoError('AKV_CONFIGURE_CLICKHOUSE', `no ClickHouse server answered (${config.clickhouse.servers.join(', ')})`);
      }
    });
    const kafka = withKafka ? { brokers: config.kafka.brokers, topic: schema.topicName(config.kafka.topic) } : null;
    const result = await new Migrations(r, config.clickhouse, ch, schema, kafka).run();
    r.logger.info({ applied: result.applied, skipped: result.skipped.length }, 'configuration done');
    return 0;
  } catch (err) {
    const code = hasCode(err, 'AKV_CONFIGURE_KAFKA') || hasCode(err, 'AKV_CONFIGURE_CLICKHOUSE') ? (err as AkvoradoError).code : 'AKV_CONFIGURE_CLICKHOUSE';
    r.logger.error({ err, code }, 'configuration failed');
    return 1;
  } finally {
    await ch.close();
    await r.flush();
  }
}
