// SPDX-License-Identifier: AGPL-3.0-only
import type { FlowBatch } from '../../batch.ts';
import type { Decoder, DecoderOptions, Exporter } from '../root.ts';
import { Context } from './context.ts';
import { SFlowExporterState, decodeDatagram } from './datagram.ts';

// SFlowExporterState is what `exporter.state` holds once this decoder has seen the exporter.
export { SFlowExporterState } from './datagram.ts';

/**
 * SFlowDecoder decodes sFlow version 5 datagrams: one row per flow sample
 * (compact or expanded), counter samples counted and skipped. sFlow has no
 * packet clock, so TimeReceived is always the input's time whatever the
 * configured timestamp source; ExporterAddress is the datagram's source
 * address, and the agent address is kept in the exporter's state.
 */
export class SFlowDecoder implements Decoder {
  /** options are the input's decoder settings (none changes sFlow decoding). */
  readonly options: DecoderOptions;
  // Made on the first datagram: it keeps a batch, and none exists before.
  private context: Context | null;

  constructor(options: DecoderOptions) {
    this.options = options;
    this.context = null;
  }

  /** decode adds the flow samples of `payload` to `batch` and returns how many rows it committed. */
  decode(payload: Uint8Array, exporter: Exporter, timeReceived: number, batch: FlowBatch): number {
    let state = exporter.state;
    if (!(state instanceof SFlowExporterState)) {
      state = new SFlowExporterState();
      exporter.state = state;
    }
    let c = this.context;
    if (c === null) {
      c = new Context(batch);
      this.context = c;
    }
    c.reset(payload, exporter.stats, exporter.address16, timeReceived, batch);
    decodeDatagram(c, state as SFlowExporterState);
    const rows = c.rows;
    c.release();
    return rows;
  }
}
