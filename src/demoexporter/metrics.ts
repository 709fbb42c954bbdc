// SPDX-License-Identifier: AGPL-3.0-only
import type { Reporter } from '../common/reporter/root.ts';

/** ERROR_KINDS are the `error` label values of errors_total. */
export const ERROR_KINDS = ['send', 'snmp'] as const;
/** ErrorKind is one of ERROR_KINDS. */
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** newMetrics declares the demo exporter's metrics (akvorado_demoexporter_*). */
export function newMetrics(r: Reporter) {
  const m = r.metrics;
  return {
    flows: m.counter({ name: 'sent_flows_total', help: 'Flow records (sFlow: flow samples) sent', labelNames: ['exporter'] as const }),
    datagrams: m.counter({ name: 'sent_datagrams_total', help: 'Datagrams sent', labelNames: ['exporter'] as const }),
    bytes: m.counter({ name: 'sent_bytes_total', help: 'Datagram bytes sent (UDP payload)', labelNames: ['exporter'] as const }),
    errors: m.counter({ name: 'errors_total', help: 'Datagrams that could not be sent and SNMP requests that could not be answered', labelNames: ['exporter', 'error'] as const }),
  };
}

/** Metrics are the demo exporter's metrics. */
export type Metrics = ReturnType<typeof newMetrics>;
