// SPDX-License-Identifier: AGPL-3.0-only
import type { Counter, Gauge } from '../../common/reporter/metrics.ts';
import type { Reporter } from '../../common/reporter/root.ts';
import { DECODE_ERRORS } from './decoder/root.ts';
import { EXPORTER_FIELDS, EXPORTER_STATS_LENGTH, type InputStats } from './stats.ts';

const FIELD = Object.fromEntries(EXPORTER_FIELDS.map((f, i) => [f, i])) as Record<(typeof EXPORTER_FIELDS)[number], number>;

// ExporterHandles keeps the labelled children of one exporter (resolved once).
interface ExporterHandles {
  datagrams: Counter.Internal;
  bytes: Counter.Internal;
  flows: Counter.Internal;
  templates: Counter.Internal;
  optionsTemplates: Counter.Internal;
  withdrawals: Counter.Internal;
  optionsRecords: Counter.Internal;
  counterSamples: Counter.Internal;
  droppedNoRate: Counter.Internal;
  droppedRateLimit: Counter.Internal;
  samplingRate: Gauge.Internal<string>;
  errors: Counter.Internal[];
}

/**
 * FlowMetrics turns the counters workers send (totals per worker and
 * exporter) into Prometheus metrics: each report adds its difference with
 * the previous one.
 */
export class FlowMetrics {
  private readonly c;
  private readonly exporters = new Map<string, ExporterHandles>();
  // Last totals, by worker then exporter.
  private readonly last = new Map<number, Map<string, Float64Array>>();
  private readonly lastInput = new Map<number, InputStats>();

  constructor(r: Reporter) {
    const m = r.metrics;
    const exporter = ['exporter'] as const;
    this.c = {
      datagrams: m.counter({ name: 'datagrams_total', help: 'Datagrams received, by exporter', labelNames: exporter }),
      bytes: m.counter({ name: 'datagram_bytes_total', help: 'Datagram bytes received, by exporter', labelNames: exporter }),
      flows: m.counter({ name: 'flows_total', help: 'Flows decoded, by exporter', labelNames: exporter }),
      templates: m.counter({
        name: 'templates_total',
        help: 'NetFlow v9/IPFIX template records received, by exporter and kind (data, options, withdrawal)',
        labelNames: ['exporter', 'kind'] as const,
      }),
      optionsRecords: m.counter({
        name: 'options_records_total',
        help: 'NetFlow v9/IPFIX options data records received (sampling rates, tables), by exporter',
        labelNames: exporter,
      }),
      counterSamples: m.counter({
        name: 'sflow_counter_samples_total',
        help: 'sFlow counter samples received and skipped, by exporter',
        labelNames: exporter,
      }),
      dropped: m.counter({
        name: 'dropped_flows_total',
        help: 'Flows dropped after decoding, by exporter and reason (no-sampling-rate, rate-limit)',
        labelNames: ['exporter', 'reason'] as const,
      }),
      errors: m.counter({
        name: 'decoder_errors_total',
        help: 'Datagrams, sets or records rejected by the decoder, by exporter and kind',
        labelNames: ['exporter', 'kind'] as const,
      }),
      samplingRate: m.gauge({ name: 'sampling_rate', help: 'Last sampling rate applied, by exporter', labelNames: exporter }),
      inputDatagrams: m.counter({
        name: 'input_datagrams_total',
        help: 'Datagrams read by inputs, by input and worker',
        labelNames: ['input', 'worker'] as const,
      }),
      inputErrors: m.counter({
        name: 'input_receive_errors_total',
        help: 'Socket receive errors, by input and worker',
        labelNames: ['input', 'worker'] as const,
      }),
      inputUnparsable: m.counter({
        name: 'input_unparsable_datagrams_total',
        help: 'Datagrams dropped before decoding (unusable source address), by input and worker',
        labelNames: ['input', 'worker'] as const,
      }),
      batches: m.counter({
        name: 'batches_total',
        help: 'Flow batches handed from workers to the main thread, by input and worker',
        labelNames: ['input', 'worker'] as const,
      }),
      busyDropped: m.counter({
        name: 'input_busy_dropped_flows_total',
        help: 'Flows a worker dropped because the main thread did not keep up (too many batches not handed back), by input and worker',
        labelNames: ['input', 'worker'] as const,
      }),
    };
  }

  private handles(exporter: string): ExporterHandles {
    let h = this.exporters.get(exporter);
    if (h === undefined) {
      const c = this.c;
      // Every series of a new exporter starts at 0, errors included, so
      // that dashboards and alerts see them before the first failure.
      h = {
        datagrams: c.datagrams.labels(exporter),
        bytes: c.bytes.labels(exporter),
        flows: c.flows.labels(exporter),
        templates: c.templates.labels(exporter, 'data'),
        optionsTemplates: c.templates.labels(exporter, 'options'),
        withdrawals: c.templates.labels(exporter, 'withdrawal'),
        optionsRecords: c.optionsRecords.labels(exporter),
        counterSamples: c.counterSamples.labels(exporter),
        droppedNoRate: c.dropped.labels(exporter, 'no-sampling-rate'),
        droppedRateLimit: c.dropped.labels(exporter, 'rate-limit'),
        samplingRate: c.samplingRate.labels(exporter),
        errors: DECODE_ERRORS.map((k) => c.errors.labels(exporter, k)),
      };
      for (const x of [h.datagrams, h.bytes, h.flows, h.templates, h.optionsTemplates, h.withdrawals, h.optionsRecords, h.counterSamples, h.droppedNoRate, h.droppedRateLimit, ...h.errors]) {
        x.inc(0);
      }
      this.exporters.set(exporter, h);
    }
    return h;
  }

  /** report applies one stats message of a worker (`worker` is unique per input worker). */
  report(worker: number, inputName: string, workerName: string, exporters: string[], packed: Float64Array, input: InputStats): void {
    let last = this.last.get(worker);
    if (last === undefined) {
      last = new Map();
      this.last.set(worker, last);
    }
    exporters.forEach((exporter, i) => {
      const now = packed.subarray(i * EXPORTER_STATS_LENGTH, (i + 1) * EXPORTER_STATS_LENGTH);
      const before = last.get(exporter) ?? new Float64Array(EXPORTER_STATS_LENGTH);
      const d = (k: number) => Math.max(0, now[k]! - before[k]!);
      const h = this.handles(exporter);
      h.datagrams.inc(d(FIELD.datagrams));
      h.bytes.inc(d(FIELD.bytes));
      h.flows.inc(d(FIELD.flows));
      // `templates` counts data and options templates together.
      h.templates.inc(Math.max(0, d(FIELD.templates) - d(FIELD.optionsTemplates)));
      h.optionsTemplates.inc(d(FIELD.optionsTemplates));
      h.withdrawals.inc(d(FIELD.templateWithdrawals));
      h.optionsRecords.inc(d(FIELD.optionsRecords));
      h.counterSamples.inc(d(FIELD.counterSamples));
      h.droppedNoRate.inc(d(FIELD.droppedNoSamplingRate));
      h.droppedRateLimit.inc(d(FIELD.droppedRateLimit));
      if (now[FIELD.samplingRate]! > 0) h.samplingRate.set(now[FIELD.samplingRate]!);
      for (let k = 0; k < DECODE_ERRORS.length; k++) h.errors[k]!.inc(d(EXPORTER_FIELDS.length + k));
      last.set(exporter, Float64Array.from(now));
    });
    const prev = this.lastInput.get(worker) ?? { datagrams: 0, bytes: 0, receiveErrors: 0, unparsable: 0, batches: 0, busyDroppedFlows: 0 };
    this.c.inputDatagrams.labels(inputName, workerName).inc(Math.max(0, input.datagrams - prev.datagrams));
    this.c.inputErrors.labels(inputName, workerName).inc(Math.max(0, input.receiveErrors - prev.receiveErrors));
    this.c.inputUnparsable.labels(inputName, workerName).inc(Math.max(0, input.unparsable - prev.unparsable));
    this.c.batches.labels(inputName, workerName).inc(Math.max(0, input.batches - prev.batches));
    this.c.busyDropped.labels(inputName, workerName).inc(Math.max(0, input.busyDroppedFlows - prev.busyDroppedFlows));
    this.lastInput.set(worker, { ...input });
  }
}
