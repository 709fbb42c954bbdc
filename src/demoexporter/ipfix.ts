// SPDX-License-Identifier: AGPL-3.0-only
//
// IPFIX messages (RFC 7011):
//
//   header: version (10) | length | export time (s) | sequence number
//           (data records sent before this message) | observation domain ID
//   template set (ID 2): template ID | field count | (element ID, length)...
//   options template set (ID 3): template ID | field count | scope field
//           count | (element ID, length)..., scope fields first
//   data set (ID = template ID): records, padded to 32 bits
//
// Sampling is announced as RFC 5477 samplingPacketInterval (1 packet
// selected) and samplingPacketSpace (rate - 1 packets skipped).
import { type Encoder, type Field, TEMPLATE_INTERVAL_MS, V4_FIELDS, V6_FIELDS, writeRecords } from './fields.ts';
import { SetPacker } from './packer.ts';
import type { Flow } from './traffic.ts';

const TEMPLATE_V4 = 256;
const TEMPLATE_V6 = 257;
const TEMPLATE_OPTIONS = 258;

// 64-bit counters and absolute times complete the common fields.
const EXTRA: readonly Field[] = [
  [1, 8], // octetDeltaCount
  [2, 8], // packetDeltaCount
  [152, 8], // flowStartMilliseconds
  [153, 8], // flowEndMilliseconds
];
const V4: readonly Field[] = [...V4_FIELDS, ...EXTRA];
const V6: readonly Field[] = [...V6_FIELDS, ...EXTRA];
// observationDomainId (scope), samplingPacketInterval, samplingPacketSpace.
const OPTIONS: readonly Field[] = [
  [149, 4],
  [305, 4],
  [306, 4],
];

/** IPFIXEncoder packs flows into IPFIX messages for one exporter (one observation domain). */
export class IPFIXEncoder implements Encoder {
  readonly #domain: number;
  readonly #samplingRate: number;
  readonly #templateIntervalMs: number;
  #sequence = 0;
  #lastTemplatesMs = -Infinity;
  #nowMs = 0;
  readonly #packer: SetPacker;

  /** constructor takes the observation domain ID and the announced sampling rate. */
  constructor(domain: number, samplingRate: number, templateIntervalMs = TEMPLATE_INTERVAL_MS) {
    this.#domain = domain;
    this.#samplingRate = samplingRate;
    this.#templateIntervalMs = templateIntervalMs;
    this.#packer = new SetPacker(16, (p, _records, dataRecords) => {
      const v = p.view;
      v.setUint16(0, 10);
      v.setUint16(2, p.pos);
      v.setUint32(4, Math.floor(this.#nowMs / 1000));
      v.setUint32(8, this.#sequence >>> 0);
      v.setUint32(12, this.#domain);
      this.#sequence = (this.#sequence + dataRecords) % 0x100000000;
    });
  }

  /** encode packs the first `count` flows, after the templates when they are due. */
  encode(flows: readonly Flow[], count: number, nowMs: number): Buffer[] {
    this.#nowMs = nowMs;
    const p = this.#packer;
    if (nowMs - this.#lastTemplatesMs >= this.#templateIntervalMs) {
      this.#lastTemplatesMs = nowMs;
      this.#templates(p);
    }
    writeRecords(p, flows, count, [
      [TEMPLATE_V4, V4],
      [TEMPLATE_V6, V6],
    ], 0);
    return p.done();
  }

  #templates(p: SetPacker): void {
    const fieldList = (fields: readonly Field[]) => {
      for (const [id, len] of fields) {
        p.view.setUint16(p.pos, id);
        p.view.setUint16(p.pos + 2, len);
        p.pos += 4;
      }
    };
    for (const [id, fields] of [
      [TEMPLATE_V4, V4],
      [TEMPLATE_V6, V6],
    ] as const) {
      p.record(2, 4 + 4 * fields.length, false);
      p.view.setUint16(p.pos, id);
      p.view.setUint16(p.pos + 2, fields.length);
      p.pos += 4;
      fieldList(fields);
    }
    p.record(3, 6 + 4 * OPTIONS.length, false);
    p.view.setUint16(p.pos, TEMPLATE_OPTIONS);
    p.view.setUint16(p.pos + 2, OPTIONS.length);
    p.view.setUint16(p.pos + 4, 1);
    p.pos += 6;
    fieldList(OPTIONS);
    p.record(TEMPLATE_OPTIONS, 12, true);
    p.view.setUint32(p.pos, this.#domain);
    p.view.setUint32(p.pos + 4, 1);
    p.view.setUint32(p.pos + 8, this.#samplingRate - 1);
    p.pos += 12;
  }
}
