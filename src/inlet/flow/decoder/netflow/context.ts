// SPDX-License-Identifier: AGPL-3.0-only
import { FlowBatch } from '../../batch.ts';
import { ExporterStats } from '../root.ts';
import { NetFlowState } from './templates.ts';
import type { Domain } from './templates.ts';

/** TS_INPUT and the other TS_* constants encode DecoderOptions.timestampSource. */
export const TS_INPUT = 0;
export const TS_PACKET = 1;
export const TS_FIRST_SWITCHED = 2;

/**
 * DecodeContext carries one datagram's header values and destinations
 * between the parsers; one instance per decoder, reset for each datagram,
 * so that nothing is allocated per packet or per record.
 */
export class DecodeContext {
  b: Uint8Array;
  batch: FlowBatch;
  stats: ExporterStats;
  exporterAddress: Uint8Array;
  state: NetFlowState;
  timeSource: number;
  version: number;
  domainId: number;
  domain: Domain | null;
  exportSecs: number;
  headerMs: number;
  /** uptime is the v9 header sysUptime in ms, or -1 for IPFIX. */
  uptime: number;
  timeReceived: number;
  samplerCacheId: number;
  samplerCacheRate: number;
  /** full is set when the batch is full and has no onFull to empty it. */
  full: boolean;

  constructor(timeSource: number) {
    this.b = new Uint8Array(0);
    this.batch = new FlowBatch(0);
    this.stats = new ExporterStats();
    this.exporterAddress = new Uint8Array(16);
    this.state = new NetFlowState();
    this.timeSource = timeSource;
    this.version = 0;
    this.domainId = 0;
    this.domain = null;
    this.exportSecs = 0;
    this.headerMs = 0;
    this.uptime = -1;
    this.timeReceived = 0;
    this.samplerCacheId = -1;
    this.samplerCacheRate = 0;
    this.full = false;
  }
}
