// SPDX-License-Identifier: AGPL-3.0-only
import type { Reporter } from '../../common/reporter/root.ts';

/** DROP_REASONS are why flows accepted by the producer may not reach Kafka. */
export const DROP_REASONS = ['queue-full', 'not-connected', 'delivery-failed', 'too-large', 'unflushed'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** newMetrics declares the producer's metrics, drop reasons at 0. */
export function newMetrics(r: Reporter) {
  const m = r.metrics;
  const dropped = m.counter({
    name: 'dropped_flows_total',
    help: 'Flows that will never reach Kafka, by reason',
    labelNames: ['reason'] as const,
  });
  const drops = Object.fromEntries(DROP_REASONS.map((k) => [k, dropped.labels(k)])) as Record<
    DropReason,
    ReturnType<typeof dropped.labels>
  >;
  for (const d of Object.values(drops)) d.inc(0);
  return {
    sentMessages: m.counter({ name: 'sent_messages_total', help: 'Kafka messages handed to the producer' }),
    sentBytes: m.counter({ name: 'sent_bytes_total', help: 'Bytes of Kafka messages handed to the producer' }),
    sentFlows: m.counter({ name: 'sent_flows_total', help: 'Flows handed to the producer' }),
    deliveredFlows: m.counter({ name: 'delivered_flows_total', help: 'Flows the brokers acknowledged' }),
    deliveredMessages: m.counter({ name: 'delivered_messages_total', help: 'Kafka messages the brokers acknowledged' }),
    errors: m.counter({ name: 'errors_total', help: 'Kafka client errors, by code', labelNames: ['error'] as const }),
    drops,
    inflight: m.gauge({ name: 'inflight_messages', help: 'Kafka messages waiting for an acknowledgement' }),
    connected: m.gauge({ name: 'connected', help: '1 when the producer is connected to the brokers' }),
  };
}
