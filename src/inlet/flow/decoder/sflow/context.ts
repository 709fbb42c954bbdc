// SPDX-License-Identifier: AGPL-3.0-only
import type { FlowBatch } from '../../batch.ts';
import { ExporterStats, errorIndex } from '../root.ts';
import { writeIPv4Mapped } from '../../../../common/helpers/ip.ts';

/** OK is the return code of a parser that found nothing wrong. */
export const OK = -1;
/** BATCH_FULL is returned when the batch has no room and no `onFull` to empty it. */
export const BATCH_FULL = -2;
/** E_SHORT is the `stats.errors` slot for 'short-packet'. */
export const E_SHORT = errorIndex['short-packet'];
/** E_VERSION is the `stats.errors` slot for 'bad-version'. */
export const E_VERSION = errorIndex['bad-version'];
/** E_LENGTH is the `stats.errors` slot for 'bad-length'. */
export const E_LENGTH = errorIndex['bad-length'];
/** E_RECORD is the `stats.errors` slot for 'bad-record'. */
export const E_RECORD = errorIndex['bad-record'];
/** E_UNSUPPORTED is the `stats.errors` slot for 'unsupported'. */
export const E_UNSUPPORTED = errorIndex['unsupported'];

// Placeholders so that every field has its final type from the constructor
// on (monomorphic shape); they are replaced by `reset()` before any read.
const EMPTY_BYTES = new Uint8Array(0);
const EMPTY_STATS = new ExporterStats();

/**
 * Context is the reader and the per-datagram state shared by the parsers:
 * one DataView and one Uint8Array over the datagram (offsets are relative to
 * the payload; bounds are checked against `end`, never against the view,
 * which may extend past the payload), plus where rows go. One per decoder,
 * made with the first batch and reused for every datagram.
 */
export class Context {
  view: DataView;
  bytes: Uint8Array;
  /** end is the payload length: no read may reach it. */
  end: number;
  batch: FlowBatch;
  stats: ExporterStats;
  exporterAddress: Uint8Array;
  timeReceived: number;
  /** rows counts the rows committed for the current datagram. */
  rows: number;
  // The DataView is rebuilt only when the payload moves: an input reuses one
  // receive buffer, so this costs one allocation per worker, not per datagram.
  private viewBuffer: ArrayBufferLike | null;
  private viewOffset: number;

  constructor(batch: FlowBatch) {
    this.view = new DataView(new ArrayBuffer(0));
    this.bytes = EMPTY_BYTES;
    this.end = 0;
    this.batch = batch;
    this.stats = EMPTY_STATS;
    this.exporterAddress = EMPTY_BYTES;
    this.timeReceived = 0;
    this.rows = 0;
    this.viewBuffer = null;
    this.viewOffset = 0;
  }

  /** reset points the context at a new datagram and its destination. */
  reset(
    payload: Uint8Array,
    stats: ExporterStats,
    exporterAddress: Uint8Array,
    timeReceived: number,
    batch: FlowBatch,
  ): void {
    if (payload.buffer !== this.viewBuffer || payload.byteOffset !== this.viewOffset) {
      this.view = new DataView(payload.buffer, payload.byteOffset);
      this.viewBuffer = payload.buffer;
      this.viewOffset = payload.byteOffset;
    }
    this.bytes = payload;
    this.end = payload.length;
    this.stats = stats;
    this.exporterAddress = exporterAddress;
    this.timeReceived = timeReceived;
    this.batch = batch;
    this.rows = 0;
  }

  /** release drops the references to the last datagram and exporter (the batch outlives them). */
  release(): void {
    this.bytes = EMPTY_BYTES;
    this.stats = EMPTY_STATS;
    this.exporterAddress = EMPTY_BYTES;
  }
}

/** writeIPv4 stores the 4 bytes at `src[off]` as ::ffff:a.b.c.d over a slot still cleared by `FlowBatch.begin()` (see clearIPv4). */
export const writeIPv4 = writeIPv4Mapped;

/** clearIPv4 zeroes the 10 leading bytes of an address slot that may have held an IPv6 address. */
export function clearIPv4(dst: Uint8Array, at: number): void {
  for (let k = 0; k < 10; k++) dst[at + k] = 0;
}

/** writeIPv6 copies the 16 bytes at `src[off]` into `dst` at `at`. */
export function writeIPv6(dst: Uint8Array, at: number, src: Uint8Array, off: number): void {
  // A loop beats `set(subarray())`, which allocates a view per address.
  for (let k = 0; k < 16; k++) dst[at + k] = src[off + k]!;
}

/** readMAC returns the 6 bytes at `off` as a 48-bit number. */
export function readMAC(view: DataView, off: number): number {
  return view.getUint16(off) * 0x100000000 + view.getUint32(off + 2);
}
