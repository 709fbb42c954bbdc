// SPDX-License-Identifier: AGPL-3.0-only
import { DECODE_ERRORS, type ExporterStats } from './decoder/root.ts';

/**
 * Workers report counters as plain number arrays, one per exporter, in this
 * order (totals since the worker started; the main thread turns differences
 * into metric increments). Errors follow in DECODE_ERRORS order.
 */
export const EXPORTER_FIELDS = [
  'datagrams',
  'bytes',
  'flows',
  'templates',
  'optionsTemplates',
  'templateWithdrawals',
  'optionsRecords',
  'counterSamples',
  'droppedNoSamplingRate',
  'droppedRateLimit',
  'samplingRate',
] as const satisfies ReadonlyArray<keyof ExporterStats>;

/** EXPORTER_STATS_LENGTH is the length of one packed exporter record. */
export const EXPORTER_STATS_LENGTH = EXPORTER_FIELDS.length + DECODE_ERRORS.length;

/** packExporterStats writes an exporter's counters into `out` at `off`. */
export function packExporterStats(s: ExporterStats, out: Float64Array, off: number): void {
  for (let i = 0; i < EXPORTER_FIELDS.length; i++) out[off + i] = s[EXPORTER_FIELDS[i]!];
  out.set(s.errors, off + EXPORTER_FIELDS.length);
}

/** InputStats are the counters of one worker's input (socket or files). */
export interface InputStats {
  datagrams: number;
  bytes: number;
  receiveErrors: number;
  /** unparsable counts datagrams dropped before decoding (not UDP/IP in a capture, ...). */
  unparsable: number;
  batches: number;
  /** busyDroppedFlows counts flows dropped because the main thread held too many batches (it did not keep up). */
  busyDroppedFlows: number;
}

/** WorkerMessage is what a worker sends to the main thread. */
export type WorkerMessage =
  | {
      kind: 'ready';
      /** receiveBuffer is the buffer the kernel granted (udp), 0 for files. */
      receiveBuffer: number;
      /** port is the bound UDP port (udp), 0 for files. */
      port: number;
      /** receiver is how the udp input reads datagrams (absent for files). */
      receiver?: 'native' | 'dgram';
    }
  | { kind: 'batch'; buffer: ArrayBuffer; capacity: number; length: number }
  | { kind: 'stats'; exporters: string[]; packed: Float64Array; input: InputStats }
  | { kind: 'done'; reason: string };

/** MainMessage is what the main thread sends to a worker. */
export type MainMessage = { kind: 'stop' } | { kind: 'recycle'; buffer: ArrayBuffer };
