// SPDX-License-Identifier: AGPL-3.0-only
import type { FlowBatch } from '../../batch.ts';
import { errorIndex } from '../root.ts';
import type { Decoder, DecoderOptions, Exporter } from '../root.ts';
import { decodeIPFIX } from './ipfix.ts';
import { DecodeContext, TS_FIRST_SWITCHED, TS_INPUT, TS_PACKET } from './context.ts';
import { stateOf } from './templates.ts';
import { decodeV5 } from './v5.ts';
import { decodeV9 } from './v9.ts';

const E_SHORT = errorIndex['short-packet'];
const E_BAD_VERSION = errorIndex['bad-version'];
const EMPTY = new Uint8Array(0);

/**
 * NetFlowDecoder decodes NetFlow v5, NetFlow v9 and IPFIX datagrams into a
 * FlowBatch. Templates and sampling rates live in each exporter's `state`;
 * the decoder itself only holds a reusable context, so one instance serves
 * every exporter of a worker. It never throws on bad input: rejections are
 * counted in the exporter's stats.
 */
export class NetFlowDecoder implements Decoder {
  readonly #ctx: DecodeContext;

  constructor(options: DecoderOptions) {
    const ts =
      options.timestampSource === 'netflow-packet'
        ? TS_PACKET
        : options.timestampSource === 'netflow-first-switched'
          ? TS_FIRST_SWITCHED
          : TS_INPUT;
    this.#ctx = new DecodeContext(ts);
  }

  /** decode decodes one datagram and returns the number of rows committed. */
  decode(payload: Uint8Array, exporter: Exporter, timeReceived: number, batch: FlowBatch): number {
    const stats = exporter.stats;
    stats.datagrams++;
    const flows = stats.flows;
    const len = payload.length;
    if (len < 2) {
      stats.errors[E_SHORT]!++;
      return 0;
    }
    const version = (payload[0]! << 8) | payload[1]!;
    if (version !== 5 && version !== 9 && version !== 10) {
      stats.errors[E_BAD_VERSION]!++;
      return 0;
    }
    const ctx = this.#ctx;
    ctx.batch = batch;
    ctx.stats = stats;
    ctx.exporterAddress = exporter.address16;
    ctx.state = stateOf(exporter);
    ctx.timeReceived = timeReceived;
    ctx.full = false;
    if (version === 5) decodeV5(ctx, payload, len);
    else if (version === 9) decodeV9(ctx, payload, len);
    else decodeIPFIX(ctx, payload, len);
    // Do not keep the datagram alive through the context.
    ctx.b = EMPTY;
    return stats.flows - flows;
  }
}
