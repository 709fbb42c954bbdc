// SPDX-License-Identifier: AGPL-3.0-only
import { formatIP, parseIP } from '../../common/helpers/ip.ts';
import { SubnetMap } from '../../common/helpers/subnet.ts';
import { FlowBatch } from './batch.ts';
import { copyRow } from './batch-ops.ts';
import type { SamplingRateSetting } from './config.ts';
import { NetFlowDecoder } from './decoder/netflow/root.ts';
import { Exporter, type Decoder, type DecoderOptions } from './decoder/root.ts';
import { SFlowDecoder, SFlowExporterState } from './decoder/sflow/root.ts';
import { EXPORTER_STATS_LENGTH, packExporterStats, type InputStats } from './stats.ts';

// MAX_FREE_BATCHES bounds the recycled batch buffers a worker keeps.
const MAX_FREE_BATCHES = 4;

/** PipelineOptions configure the worker-side flow path. */
export interface PipelineOptions {
  decoder: 'netflow' | 'sflow';
  decoderOptions: DecoderOptions;
  defaultSamplingRate: SamplingRateSetting;
  overrideSamplingRate: SamplingRateSetting;
  rateLimit: number;
  /** useSrcAddrForExporterAddr keeps the datagram source as ExporterAddress for sFlow (else the agent address). */
  useSrcAddrForExporterAddr: boolean;
  /** batchSize is the number of flows per batch handed to `emit`. */
  batchSize: number;
  /** emit receives each full (or flushed) batch; it owns it afterwards. */
  emit: (batch: FlowBatch) => void;
  /**
   * maxOutstanding bounds the batches emitted and not handed back through
   * `recycle()` yet (0: no bound). Beyond it the consumer is not keeping
   * up: batches are dropped and counted (`input.busyDroppedFlows`) rather
   * than queued without end.
   */
  maxOutstanding?: number;
  /** random returns a number in [0, 1) (tests make it deterministic). */
  random?: () => number;
}

// rateLookup turns a sampling rate setting into a per-exporter lookup.
function rateLookup(setting: SamplingRateSetting): (addr: Uint8Array) => number {
  if (typeof setting === 'number') return () => setting;
  const map = SubnetMap.fromObject(setting);
  return (addr) => map.lookup(addr) ?? 0;
}

// sameAddress compares 16 address bytes with those at `off` in `b`.
function sameAddress(a: Uint8Array, b: Uint8Array, off: number): boolean {
  for (let i = 0; i < 16; i++) if (a[i] !== b[off + i]) return false;
  return true;
}

/**
 * ExporterEntry is the pipeline's view of one exporter: the decoder's
 * Exporter plus the sampling settings resolved once for its address and the
 * rate limiter's window.
 */
class ExporterEntry {
  readonly exporter: Exporter;
  readonly defaultRate: number;
  readonly overrideRate: number;
  windowStart: number;
  windowSeen: number;
  keepProbability: number;

  constructor(exporter: Exporter, defaultRate: number, overrideRate: number) {
    this.exporter = exporter;
    this.defaultRate = defaultRate;
    this.overrideRate = overrideRate;
    this.windowStart = 0;
    this.windowSeen = 0;
    this.keepProbability = 1;
  }
}

/**
 * Pipeline is the flow path inside one worker: it keeps the exporters,
 * decodes each datagram into the current batch, applies sampling rates and
 * the rate limit to the new rows, and emits batches as they fill. It never
 * throws on a datagram's content.
 */
export class Pipeline {
  private readonly options: PipelineOptions;
  private readonly decoder: Decoder;
  private readonly exporters = new Map<string, ExporterEntry>();
  // For handleFrom: exporters by a hash of their 16 address bytes, and the
  // exporter of the previous datagram.
  private readonly byAddress = new Map<number, ExporterEntry[]>();
  private last: ExporterEntry | null = null;
  private readonly defaultRate: (addr: Uint8Array) => number;
  private readonly overrideRate: (addr: Uint8Array) => number;
  private readonly random: () => number;
  private readonly free: ArrayBuffer[] = [];
  private batch: FlowBatch;
  // Rows below `finalized` had their sampling rate and rate limit applied.
  private finalized: number;
  private current: ExporterEntry | null;
  private nowMs: number;
  private readonly flushThreshold: number;
  // Batches emitted and not recycled yet, and their bound (0: none).
  private outstanding: number;
  private readonly maxOutstanding: number;
  /** input counts what the input saw, for the stats message. */
  readonly input: InputStats;
  /** emitted counts flows kept after sampling and rate limit. */
  emitted: number;

  constructor(options: PipelineOptions) {
    this.options = options;
    this.decoder =
      options.decoder === 'netflow' ? new NetFlowDecoder(options.decoderOptions) : new SFlowDecoder(options.decoderOptions);
    this.defaultRate = rateLookup(options.defaultSamplingRate);
    this.overrideRate = rateLookup(options.overrideSamplingRate);
    this.random = options.random ?? Math.random;
    this.batch = this.newBatch();
    this.flushThreshold = options.batchSize - Math.min(256, options.batchSize >> 2);
    this.finalized = 0;
    this.current = null;
    this.nowMs = 0;
    this.input = { datagrams: 0, bytes: 0, receiveErrors: 0, unparsable: 0, batches: 0, busyDroppedFlows: 0 };
    this.outstanding = 0;
    this.maxOutstanding = options.maxOutstanding ?? 0;
    this.emitted = 0;
  }

  /** recycle takes back the buffer of a batch the main thread is done with. */
  recycle(buffer: ArrayBuffer): void {
    if (this.outstanding > 0) this.outstanding--;
    this.keep(buffer);
  }

  private keep(buffer: ArrayBuffer): void {
    if (this.free.length < MAX_FREE_BATCHES && buffer.byteLength === FlowBatch.byteLength(this.options.batchSize)) {
      this.free.push(buffer);
    }
  }

  private newBatch(): FlowBatch {
    // A recycled buffer holds old rows: begin() clears each row before use,
    // and the enriched columns, which begin() leaves alone, are cleared here.
    const recycled = this.free.pop();
    const b = new FlowBatch(this.options.batchSize, recycled);
    if (recycled !== undefined) b.clearEnriched();
    b.onFull = () => this.onFull();
    return b;
  }

  /** entry returns the exporter for a source address, creating it on first sight. */
  private entry(address: string): ExporterEntry | null {
    let e = this.exporters.get(address);
    if (e === undefined) {
      const addr16 = parseIP(address);
      if (addr16 === null) return null;
      // A dual-stack socket reports IPv4 senders as ::ffff:a.b.c.d.
      const name = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
      e = new ExporterEntry(new Exporter(name, addr16), this.defaultRate(addr16), this.overrideRate(addr16));
      this.exporters.set(address, e);
    }
    return e;
  }

  /** entryFrom is `entry` for an address as 16 bytes at `off`, allocating only for a new exporter. */
  private entryFrom(address: Uint8Array, off: number): ExporterEntry {
    const last = this.last;
    if (last !== null && sameAddress(last.exporter.address16, address, off)) return last;
    let h = 0;
    for (let i = off; i < off + 16; i += 4) {
      h = Math.imul(h ^ ((address[i]! << 24) | (address[i + 1]! << 16) | (address[i + 2]! << 8) | address[i + 3]!), 0x9e3779b1);
      h ^= h >>> 15;
    }
    let bucket = this.byAddress.get(h);
    if (bucket !== undefined) {
      for (const e of bucket) {
        if (sameAddress(e.exporter.address16, address, off)) {
          this.last = e;
          return e;
        }
      }
    } else {
      bucket = [];
      this.byAddress.set(h, bucket);
    }
    const addr16 = address.slice(off, off + 16);
    // IPv4 (mapped) exporters are named by their dotted quad, as with udp4 sockets.
    const name = formatIP(addr16);
    let e = this.exporters.get(name);
    if (e === undefined) {
      e = new ExporterEntry(new Exporter(name, addr16), this.defaultRate(addr16), this.overrideRate(addr16));
      this.exporters.set(name, e);
    }
    bucket.push(e);
    this.last = e;
    return e;
  }

  /**
   * handle decodes one datagram from `source` (an address as text) received
   * at `nowMs` (milliseconds since the epoch).
   */
  handle(payload: Uint8Array, source: string, nowMs: number): void {
    this.input.datagrams++;
    this.input.bytes += payload.length;
    const e = this.entry(source);
    if (e === null) {
      this.input.unparsable++;
      return;
    }
    this.decode(payload, e, nowMs);
  }

  /**
   * handleFrom is `handle` for a source given as 16 bytes (IPv4 as
   * IPv4-mapped IPv6) at `off` in `address`: no text per datagram.
   */
  handleFrom(payload: Uint8Array, address: Uint8Array, off: number, nowMs: number): void {
    this.input.datagrams++;
    this.input.bytes += payload.length;
    this.decode(payload, this.entryFrom(address, off), nowMs);
  }

  private decode(payload: Uint8Array, e: ExporterEntry, nowMs: number): void {
    this.current = e;
    this.nowMs = nowMs;
    e.exporter.stats.bytes += payload.length;
    this.decoder.decode(payload, e.exporter, Math.floor(nowMs / 1000), this.batch);
    this.finalize();
    // Hand the batch over between datagrams while a typical datagram still
    // fits: filling up in the middle of one costs a copy (see onFull).
    if (this.batch.length >= this.flushThreshold) this.flush();
  }

  // onFull runs when the batch filled up in the middle of a datagram: the
  // new rows are finalized first (dropping some may make room); if it is
  // still full, a copy goes out and the batch is reused, because the decoder
  // keeps writing into this very batch until the end of the datagram.
  private onFull(): void {
    this.finalize();
    if (this.batch.length < this.batch.capacity) return;
    const copy = new FlowBatch(this.batch.capacity, this.batch.buffer.slice(0));
    copy.length = this.batch.length;
    this.batch.clear();
    this.finalized = 0;
    this.hand(copy);
  }

  /** flush emits the current batch if it holds flows and starts a new one (between datagrams only). */
  flush(): void {
    this.finalize();
    if (this.batch.length === 0) return;
    const full = this.batch;
    full.onFull = null;
    this.batch = this.newBatch();
    this.finalized = 0;
    this.hand(full);
  }

  // hand emits a batch, or drops it (and reuses its memory) when the
  // consumer holds maxOutstanding batches already.
  private hand(b: FlowBatch): void {
    if (this.maxOutstanding > 0 && this.outstanding >= this.maxOutstanding) {
      this.input.busyDroppedFlows += b.length;
      this.keep(b.buffer);
      return;
    }
    this.outstanding++;
    this.input.batches++;
    this.options.emit(b);
  }

  // finalize applies sampling rates and the rate limit to rows not yet
  // finalized (all from the current exporter) and compacts dropped ones.
  private finalize(): void {
    const b = this.batch;
    const e = this.current;
    if (e === null || this.finalized === b.length) return;
    const stats = e.exporter.stats;
    const limit = this.options.rateLimit;
    if (limit > 0 && this.nowMs - e.windowStart >= 1000) {
      e.keepProbability = e.windowSeen > limit ? limit / e.windowSeen : 1;
      e.windowStart = this.nowMs;
      e.windowSeen = 0;
    }
    // sFlow: the agent address names the exporter unless told otherwise.
    let agent: Uint8Array | null = null;
    if (!this.options.useSrcAddrForExporterAddr && e.exporter.state instanceof SFlowExporterState) {
      const a = e.exporter.state.agentAddress;
      for (let k = 0; k < 16; k++) {
        if (a[k] !== 0) {
          agent = a;
          break;
        }
      }
    }
    let w = this.finalized;
    for (let i = this.finalized; i < b.length; i++) {
      let rate = e.overrideRate;
      if (rate === 0) rate = b.samplingRate[i]!;
      if (rate === 0) rate = e.defaultRate;
      if (rate === 0) {
        stats.droppedNoSamplingRate++;
        continue;
      }
      if (limit > 0) {
        e.windowSeen++;
        if (e.keepProbability < 1) {
          if (this.random() >= e.keepProbability) {
            stats.droppedRateLimit++;
            continue;
          }
          rate = Math.round(rate / e.keepProbability);
        }
      }
      b.samplingRate[i] = rate;
      stats.samplingRate = rate;
      if (agent !== null) b.exporterAddress.set(agent, i * 16);
      if (w !== i) copyRow(b, i, w);
      w++;
    }
    this.emitted += w - this.finalized;
    b.length = w;
    this.finalized = w;
  }

  /** exporterCount is the number of exporters seen. */
  get exporterCount(): number {
    return this.exporters.size;
  }

  /** statsSnapshot packs every exporter's counters for the main thread. */
  statsSnapshot(): { exporters: string[]; packed: Float64Array } {
    const exporters = [...this.exporters.keys()];
    const packed = new Float64Array(exporters.length * EXPORTER_STATS_LENGTH);
    exporters.forEach((a, i) => packExporterStats(this.exporters.get(a)!.exporter.stats, packed, i * EXPORTER_STATS_LENGTH));
    return { exporters, packed };
  }
}
