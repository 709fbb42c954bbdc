// SPDX-License-Identifier: AGPL-3.0-only
//
// NetFlow v9 export packets (RFC 3954):
//
//   header: version (9) | count (records) | sysUptime (ms) | unix secs |
//           sequence number (packets) | source ID
//   template FlowSet (ID 0): template ID | field count | (type, length)...
//   options template FlowSet (ID 1): template ID | scope length |
//           options length | scope (type, length)... | option (type, length)...
//   data FlowSet (ID = template ID): records, padded to 32 bits
import { type Encoder, type Field, TEMPLATE_INTERVAL_MS, V4_FIELDS, V6_FIELDS, writeRecords } from './fields.ts';
import { SetPacker } from './packer.ts';
import type { Flow } from './traffic.ts';

const TEMPLATE_V4 = 256;
const TEMPLATE_V6 = 257;
const TEMPLATE_OPTIONS = 258;

// Counters and switched times (ms since boot) complete the common fields.
const EXTRA: readonly Field[] = [
  [1, 4], // IN_BYTES
  [2, 4], // IN_PKTS
  [22, 4], // FIRST_SWITCHED
  [21, 4], // LAST_SWITCHED
];
const V4: readonly Field[] = [...V4_FIELDS, ...EXTRA];
const V6: readonly Field[] = [...V6_FIELDS, ...EXTRA];
// The options template: scope System (1), SAMPLING_INTERVAL (34) and SAMPLING_ALGORITHM (35, 2: random).
const OPTION_SCOPE: Field = [1, 4];
const OPTIONS: readonly Field[] = [
  [34, 4],
  [35, 1],
];

/** NetFlowV9Encoder packs flows into NetFlow v9 packets for one exporter (one source ID). */
export class NetFlowV9Encoder implements Encoder {
  readonly #sourceId: number;
  readonly #samplingRate: number;
  readonly #bootMs: number;
  readonly #templateIntervalMs: number;
  #sequence = 0;
  #lastTemplatesMs = -Infinity;
  #nowMs = 0;
  readonly #packer: SetPacker;

  /** constructor takes the source ID, the announced sampling rate and the exporter's boot time. */
  constructor(sourceId: number, samplingRate: number, bootMs: number, templateIntervalMs = TEMPLATE_INTERVAL_MS) {
    this.#sourceId = sourceId;
    this.#samplingRate = samplingRate;
    this.#bootMs = bootMs;
    this.#templateIntervalMs = templateIntervalMs;
    this.#packer = new SetPacker(20, (p, records) => {
      const v = p.view;
      v.setUint16(0, 9);
      v.setUint16(2, records);
      v.setUint32(4, (this.#nowMs - this.#bootMs) >>> 0);
      v.setUint32(8, Math.floor(this.#nowMs / 1000));
      v.setUint32(12, this.#sequence++ >>> 0);
      v.setUint32(16, this.#sourceId);
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
    ], this.#bootMs);
    return p.done();
  }

  #templates(p: SetPacker): void {
    for (const [id, fields] of [
      [TEMPLATE_V4, V4],
      [TEMPLATE_V6, V6],
    ] as const) {
      p.record(0, 4 + 4 * fields.length, false);
      p.view.setUint16(p.pos, id);
      p.view.setUint16(p.pos + 2, fields.length);
      p.pos += 4;
      for (const [t, l] of fields) {
        p.view.setUint16(p.pos, t);
        p.view.setUint16(p.pos + 2, l);
        p.pos += 4;
      }
    }
    p.record(1, 6 + 4 + 4 * OPTIONS.length, false);
    p.view.setUint16(p.pos, TEMPLATE_OPTIONS);
    p.view.setUint16(p.pos + 2, 4);
    p.view.setUint16(p.pos + 4, 4 * OPTIONS.length);
    p.pos += 6;
    for (const [t, l] of [OPTION_SCOPE, ...OPTIONS]) {
      p.view.setUint16(p.pos, t);
      p.view.setUint16(p.pos + 2, l);
      p.pos += 4;
    }
    p.record(TEMPLATE_OPTIONS, 9, false);
    p.view.setUint32(p.pos, 0);
    p.view.setUint32(p.pos + 4, this.#samplingRate);
    p.view.setUint8(p.pos + 8, 2);
    p.pos += 9;
  }
}
