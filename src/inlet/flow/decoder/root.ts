// SPDX-License-Identifier: AGPL-3.0-only
import type { FlowBatch } from '../batch.ts';

/**
 * DECODE_ERRORS lists why a datagram or a record is rejected. Each kind is a
 * counter per exporter (akvorado_inlet_flow_decoder_errors_total{kind}).
 */
export const DECODE_ERRORS = [
  'short-packet', // shorter than its header or than a length it announces
  'bad-version', // version field not handled by this decoder
  'bad-length', // a length field overflows the datagram or a configured maximum
  'bad-template', // a template that cannot be used (zero fields, field too long, ...)
  'template-not-found', // data set before its template: counted, never misdecoded
  'bad-record', // a record or sample whose content is inconsistent
  'unsupported', // valid but not decoded (sFlow sample format, ...)
] as const;
export type DecodeErrorKind = (typeof DECODE_ERRORS)[number];

/** errorIndex maps an error kind to its slot in `ExporterStats.errors`. */
export const errorIndex: Readonly<Record<DecodeErrorKind, number>> = Object.fromEntries(
  DECODE_ERRORS.map((k, i) => [k, i]),
) as Record<DecodeErrorKind, number>;

/**
 * ExporterStats are plain counters kept by a decoder for one exporter; the
 * worker ships them to the main thread, which turns them into metrics. Plain
 * numbers, because a prom-client call per datagram costs more than decoding.
 */
export class ExporterStats {
  datagrams = 0;
  flows = 0;
  /** errors is indexed by `errorIndex`. */
  readonly errors = new Float64Array(DECODE_ERRORS.length);
  /** templates is the number of template records received (data and options). */
  templates = 0;
  optionsTemplates = 0;
  templateWithdrawals = 0;
  /** optionsRecords counts options data records (sampling rates, interface tables, ...). */
  optionsRecords = 0;
  /** counterSamples counts sFlow counter samples (received and skipped). */
  counterSamples = 0;
  /** bytes counts datagram bytes received from this exporter (set by the input). */
  bytes = 0;
  /** droppedNoSamplingRate counts flows dropped because no sampling rate is known. */
  droppedNoSamplingRate = 0;
  /** droppedRateLimit counts flows dropped by the per-exporter rate limit. */
  droppedRateLimit = 0;
  /** samplingRate is the last sampling rate applied to a flow of this exporter. */
  samplingRate = 0;
}

/** TimestampSource tells where TimeReceived comes from. */
export type TimestampSource = 'input' | 'netflow-packet' | 'netflow-first-switched';

/** DecoderOptions are the settings a decoder takes from its input's configuration. */
export interface DecoderOptions {
  timestampSource: TimestampSource;
}

/**
 * Exporter is one exporter as seen by a decoder: its address (text and 16
 * bytes, IPv4 mapped in IPv6), its counters, and room for the decoder's own
 * state (templates, sampling rates). Inputs keep one per source address.
 */
export class Exporter {
  readonly address: string;
  readonly address16: Uint8Array;
  readonly stats: ExporterStats;
  /** state is owned by the decoder (null until the decoder sets it). */
  state: unknown;

  constructor(address: string, address16: Uint8Array) {
    this.address = address;
    this.address16 = address16;
    this.stats = new ExporterStats();
    this.state = null;
  }
}

/**
 * Decoder turns one datagram into rows of a FlowBatch. It never throws on
 * bad input: problems are counted in `exporter.stats` and the datagram or
 * record is skipped. `timeReceived` is in unix seconds. It returns the number
 * of rows committed.
 */
export interface Decoder {
  decode(payload: Uint8Array, exporter: Exporter, timeReceived: number, batch: FlowBatch): number;
}
