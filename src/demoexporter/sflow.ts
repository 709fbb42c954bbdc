// SPDX-License-Identifier: AGPL-3.0-only
//
// sFlow v5 datagrams (sFlow.org, "sFlow Version 5", 2004), XDR encoded:
//
//   datagram: version (5) | agent address (type 1 + IPv4) | sub-agent ID |
//             sequence number | uptime (ms) | samples<>
//   flow_sample (format 1): sequence number | source ID (type 0, ifIndex) |
//             sampling rate | sample pool | drops | input | output | records<>
//   sampled_header (1): protocol (1: Ethernet) | frame length | stripped |
//             header<> (Ethernet, IPv4 or IPv6, TCP, UDP or ICMP)
//   extended_router (1002): next hop | source mask | destination mask
//   extended_gateway (1003): next hop | AS | source AS | source peer AS |
//             destination AS path<> | communities<> | local preference
import type { Encoder } from './fields.ts';
import { MAX_DATAGRAM } from './packer.ts';
import { writePacketHeader } from './packet.ts';
import type { Flow } from './traffic.ts';

/** LOCAL_AS is the demo operator's AS number (RFC 5398 documentation range), which sFlow gateway records carry. */
export const LOCAL_AS = 64496;

// Largest sample: sample header and fields (40), sampled header record
// (8 + 16 + at most 76 bytes of headers), extended router (20), extended
// gateway with a one-AS path (48).
const MAX_SAMPLE = 40 + 100 + 20 + 48;
const HEADER = 28;

/** SFlowEncoder packs flows into sFlow v5 datagrams, one flow sample per flow, for one agent. */
export class SFlowEncoder implements Encoder {
  readonly #agent: Uint8Array;
  readonly #subAgent: number;
  readonly #samplingRate: number;
  readonly #bootMs: number;
  readonly #mac: number;
  #sequence = 0;
  #samples = 0;
  #pool = 0;

  /** constructor takes the agent's IPv4 address (4 bytes), its sub-agent ID, sampling rate and boot time. */
  constructor(agent: Uint8Array, subAgent: number, samplingRate: number, bootMs: number) {
    this.#agent = agent;
    this.#subAgent = subAgent;
    this.#samplingRate = samplingRate;
    this.#bootMs = bootMs;
    this.#mac = 0x020000000000 + subAgent * 0x100;
  }

  /** encode packs the first `count` flows as flow samples. */
  encode(flows: readonly Flow[], count: number, nowMs: number): Buffer[] {
    const out: Buffer[] = [];
    let i = 0;
    while (i < count) {
      const buf = Buffer.alloc(MAX_DATAGRAM);
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      let pos = HEADER;
      let n = 0;
      while (i < count && pos + MAX_SAMPLE <= MAX_DATAGRAM) {
        pos = this.#sample(buf, view, pos, flows[i++]!);
        n++;
      }
      view.setUint32(0, 5);
      view.setUint32(4, 1);
      buf.set(this.#agent, 8);
      view.setUint32(12, this.#subAgent);
      view.setUint32(16, ++this.#sequence >>> 0);
      view.setUint32(20, (nowMs - this.#bootMs) >>> 0);
      view.setUint32(24, n);
      out.push(buf.subarray(0, pos));
    }
    return out;
  }

  #sample(buf: Buffer, view: DataView, start: number, f: Flow): number {
    this.#pool = (this.#pool + this.#samplingRate) % 0x100000000;
    view.setUint32(start, 1); // enterprise 0, flow_sample
    let pos = start + 8;
    view.setUint32(pos, ++this.#samples >>> 0);
    view.setUint32(pos + 4, f.inIf); // source type 0: ifIndex
    view.setUint32(pos + 8, this.#samplingRate);
    view.setUint32(pos + 12, this.#pool);
    view.setUint32(pos + 16, 0);
    view.setUint32(pos + 20, f.inIf);
    view.setUint32(pos + 24, f.outIf);
    view.setUint32(pos + 28, 3);
    pos += 32;
    // sampled_header
    view.setUint32(pos, 1);
    const rec = pos + 8;
    view.setUint32(rec, 1); // Ethernet
    view.setUint32(rec + 4, 14 + f.packetSize + 4); // frame length, FCS included
    view.setUint32(rec + 8, 4); // FCS stripped
    const len = writePacketHeader(buf, view, rec + 16, f, this.#mac, this.#mac + 1, this.#samples);
    view.setUint32(rec + 12, len);
    pos = rec + 16 + ((len + 3) & ~3);
    view.setUint32(rec - 4, pos - rec);
    // extended_router: next hop unknown
    view.setUint32(pos, 1002);
    view.setUint32(pos + 4, 12);
    view.setUint32(pos + 8, 0);
    view.setUint32(pos + 12, f.srcMask);
    view.setUint32(pos + 16, f.dstMask);
    pos += 20;
    // extended_gateway: next hop unknown, one AS_SEQUENCE segment ending with the destination AS
    view.setUint32(pos, 1003);
    view.setUint32(pos + 4, 40);
    view.setUint32(pos + 8, 0);
    view.setUint32(pos + 12, LOCAL_AS);
    view.setUint32(pos + 16, f.srcAS);
    view.setUint32(pos + 20, f.srcAS);
    view.setUint32(pos + 24, 1);
    view.setUint32(pos + 28, 2);
    view.setUint32(pos + 32, 1);
    view.setUint32(pos + 36, f.dstAS);
    view.setUint32(pos + 40, 0);
    view.setUint32(pos + 44, 100);
    pos += 48;
    view.setUint32(start + 4, pos - start - 8);
    return pos;
  }
}
