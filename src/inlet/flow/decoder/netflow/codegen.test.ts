// SPDX-License-Identifier: AGPL-3.0-only
//
// The generated functions of codegen.ts against the interpreter of
// records.ts: random templates (every known field, odd lengths, variable
// lengths, reverse elements, unknown ones) and random records, truncated or
// not, decoded both ways into batches that must be identical, column by column.
// NETFLOW_CODEGEN_SEED replays a run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlowBatch } from '../../batch.ts';
import { Exporter } from '../root.ts';
import { compileDataDecoder } from './codegen.ts';
import { DecodeContext } from './context.ts';
import { PEN_REVERSE } from './fields.ts';
import { COMPILE_AFTER, interpretDataRecords } from './records.ts';
import { NetFlowDecoder } from './root.ts';
import { Domain, NetFlowState, installTemplate } from './templates.ts';
import type { Template } from './templates.ts';
import {
  IPFIX_TEMPLATE_V4,
  IPFIX_TEMPLATE_V6,
  V9_TEMPLATE_V4,
  V9_TEMPLATE_V6,
  Writer,
  mulberry32,
  realisticIPFIX,
  realisticV9,
} from './testdata/builder.ts';
import type { FieldSpec } from './testdata/builder.ts';

const SEED = Number(process.env.NETFLOW_CODEGEN_SEED ?? Math.floor(Math.random() * 2 ** 32));
const ITERATIONS = 3000;

// Elements known to fields.ts (flow and options), and a few unknown ones.
const KNOWN = [
  1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 23, 24, 27, 28, 29, 30, 31, 32, 34, 48, 50, 54,
  56, 57, 58, 59, 60, 61, 62, 63, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 85, 86, 88, 89, 139, 150, 151, 152,
  153, 154, 155, 156, 157, 158, 159, 160, 176, 177, 178, 179, 192, 225, 226, 227, 228, 231, 243, 252, 253, 254, 256,
  281, 282, 298, 302, 305, 306, 309, 310, 3, 33, 99, 400,
];
const ADDR4 = new Set([8, 12, 15, 18, 225, 226]);
const ADDR6 = new Set([27, 28, 62, 63, 281, 282]);
const MAC = new Set([56, 57, 80, 81]);
const NTP = new Set([154, 155, 156, 157]);

// randomField picks a field, most often with the length its element expects.
function randomField(rand: () => number, ipfix: boolean): FieldSpec {
  const int = (n: number): number => Math.floor(rand() * n);
  const r = rand();
  if (r < 0.05) return { id: 100 + int(400), length: rand() < 0.5 ? 65535 : int(20) };
  if (ipfix && r < 0.15) return { id: [1, 2, 85, 86, 5, 6][int(6)]!, length: [1, 2, 4, 8][int(4)]!, pen: PEN_REVERSE };
  if (!ipfix && r < 0.1) return { id: 40001 + int(4), length: [2, 4][int(2)]! };
  const id = KNOWN[int(KNOWN.length)]!;
  let length: number;
  if (rand() < 0.1) length = rand() < 0.5 ? 65535 : int(20);
  else if (ADDR4.has(id)) length = 4;
  else if (ADDR6.has(id)) length = 16;
  else if (MAC.has(id)) length = 6;
  else if (NTP.has(id)) length = 8;
  else if (id >= 70 && id <= 79) length = 3 + int(6);
  else length = [1, 2, 4, 8, 3, 5, 6, 7][Math.min(7, int(10))]!;
  return { id, length };
}

// specifiers encodes template field specifiers.
function specifiers(fields: FieldSpec[], ipfix: boolean): Uint8Array {
  const w = new Writer();
  for (const s of fields) {
    if (ipfix && s.pen !== undefined) w.u16(s.id | 0x8000).u16(s.length).u32(s.pen);
    else w.u16(s.id).u16(s.length);
  }
  return w.finish();
}

// randomValue appends a value of `len` bytes: zero, small, or random.
function randomValue(w: Writer, rand: () => number, len: number): void {
  const r = rand();
  for (let k = 0; k < len; k++) {
    if (r < 0.2) w.u8(0);
    else if (r < 0.5) w.u8(k === len - 1 ? Math.floor(rand() * 8) : 0);
    else if (r < 0.6) w.u8(0xff);
    else w.u8(Math.floor(rand() * 256));
  }
}

// records encodes `n` random records of a template.
function records(rand: () => number, fields: FieldSpec[], n: number): Uint8Array {
  const w = new Writer();
  for (let r = 0; r < n; r++) {
    for (const s of fields) {
      if (s.length !== 65535) {
        randomValue(w, rand, s.length);
        continue;
      }
      const l = rand() < 0.1 ? 255 + Math.floor(rand() * 100) : Math.floor(rand() * 20);
      if (l < 255 && rand() < 0.9) w.u8(l);
      else w.u8(255).u16(l);
      randomValue(w, rand, l);
    }
  }
  return w.finish();
}

// Snapshot is the committed rows of a batch, for every typed array column.
type Snapshot = Record<string, number[]>;

function snapshot(batch: FlowBatch): Snapshot {
  const out: Snapshot = {};
  for (const [name, col] of Object.entries(batch)) {
    if (!ArrayBuffer.isView(col) || col instanceof DataView) continue;
    const arr = col as unknown as Float64Array;
    const perRow = arr.length / batch.capacity;
    out[name] = Array.from(arr.subarray(0, batch.length * perRow));
  }
  return out;
}

interface Run {
  flushed: Snapshot[];
  last: Snapshot;
  flows: number;
  errors: number[];
  full: boolean;
  samplerCacheId: number;
}

interface Setup {
  ipfix: boolean;
  timeSource: number;
  capacity: number;
  withOnFull: boolean;
  uptime: number;
  domain: Domain;
  exporter: Uint8Array;
}

// run decodes a set with `decode` into a fresh batch and context.
function run(
  s: Setup,
  t: Template,
  data: Uint8Array,
  decode: (ctx: DecodeContext, t: Template, start: number, end: number) => void,
): Run {
  const ctx = new DecodeContext(s.timeSource);
  const batch = new FlowBatch(s.capacity);
  const flushed: Snapshot[] = [];
  if (s.withOnFull) {
    batch.onFull = (b) => {
      flushed.push(snapshot(b));
      b.clear();
    };
  }
  // Garbage around the set: records must stop at `end`.
  const b = new Uint8Array(data.length + 40).fill(0xa5);
  b.set(data, 20);
  ctx.b = b;
  ctx.batch = batch;
  ctx.exporterAddress = s.exporter;
  ctx.state = new NetFlowState();
  ctx.version = s.ipfix ? 10 : 9;
  ctx.domain = s.domain;
  ctx.exportSecs = 1_700_000_000;
  ctx.headerMs = 1_700_000_000_123;
  ctx.uptime = s.uptime;
  ctx.timeReceived = 1_700_000_005;
  decode(ctx, t, 20, 20 + data.length);
  return {
    flushed,
    last: snapshot(batch),
    flows: ctx.stats.flows,
    errors: Array.from(ctx.stats.errors),
    full: ctx.full,
    samplerCacheId: ctx.samplerCacheId,
  };
}

// install compiles a data template from field specs.
function install(fields: FieldSpec[], ipfix: boolean): Template | null {
  const state = new NetFlowState();
  const spec = specifiers(fields, ipfix);
  const version = ipfix ? 10 : 9;
  installTemplate(state, version, 0, 256, spec, 0, spec.length, fields.length, 0, false);
  return state[ipfix ? 'ipfix' : 'v9'].get(0)?.templates.get(256) ?? null;
}

test(`generated decoders match the interpreter on random templates (seed ${SEED})`, () => {
  const rand = mulberry32(SEED);
  const int = (n: number): number => Math.floor(rand() * n);
  let compiled = 0;
  let rows = 0;
  for (let it = 0; it < ITERATIONS; it++) {
    const ipfix = rand() < 0.5;
    const fields: FieldSpec[] = [];
    for (let n = 1 + int(rand() < 0.2 ? 60 : 20); n > 0; n--) fields.push(randomField(rand, ipfix));
    // Biflows with forward counters, often zero.
    if (ipfix && rand() < 0.3) fields.push({ id: 2, length: 4, pen: PEN_REVERSE }, { id: 1, length: 4 });
    const t = install(fields, ipfix);
    if (t === null) continue;
    const decoder = compileDataDecoder(t);
    assert.ok(decoder !== null, `seed ${SEED}, iteration ${it}: not compiled`);
    compiled++;
    const domain = new Domain();
    domain.rate = int(3) * 500;
    domain.sysInitMs = rand() < 0.5 ? 0 : 1_699_990_000_000;
    for (let k = 0; k < 3; k++) domain.samplers.set(k, 10 * (k + 1));
    const exporter = new Uint8Array(16);
    for (let k = 0; k < 16; k++) exporter[k] = int(256);
    const setup: Setup = {
      ipfix,
      timeSource: int(3),
      capacity: 1 + int(rand() < 0.5 ? 4 : 64),
      withOnFull: rand() < 0.7,
      uptime: ipfix ? -1 : int(2 ** 32),
      domain,
      exporter,
    };
    let data = records(rand, fields, 1 + int(12));
    // Truncated sets: cut anywhere, including inside a variable-length field.
    if (rand() < 0.3) data = data.subarray(0, int(data.length + 1));
    const want = run(setup, t, data, interpretDataRecords);
    const got = run(setup, t, data, decoder);
    assert.deepStrictEqual(got, want, `seed ${SEED}, iteration ${it}: ${JSON.stringify(fields)}`);
    rows += want.flows;
  }
  assert.ok(compiled > ITERATIONS / 2, `only ${compiled} templates compiled`);
  assert.ok(rows > ITERATIONS, `only ${rows} rows decoded`);
});

test('the realistic templates take the generated path', () => {
  for (const [fields, ipfix] of [
    [V9_TEMPLATE_V4, false],
    [V9_TEMPLATE_V6, false],
    [IPFIX_TEMPLATE_V4, true],
    [IPFIX_TEMPLATE_V6, true],
  ] as const) {
    const t = install(fields, ipfix);
    assert.ok(t !== null && compileDataDecoder(t) !== null);
  }
  for (const set of [realisticV9(COMPILE_AFTER + 2), realisticIPFIX(COMPILE_AFTER + 2)]) {
    const decoder = new NetFlowDecoder({ timestampSource: 'input' });
    const exporter = new Exporter('192.0.2.1', new Uint8Array(16));
    const batch = new FlowBatch(4096);
    batch.onFull = (b) => b.clear();
    decoder.decode(set.templates!, exporter, 1_700_000_000, batch);
    for (const d of set.datagrams) decoder.decode(d, exporter, 1_700_000_000, batch);
    assert.equal(exporter.stats.flows, set.records);
    const state = exporter.state as NetFlowState;
    for (const domain of [...state.v9.values(), ...state.ipfix.values()]) {
      for (const t of domain.templates.values()) {
        if (!t.isOptions) assert.ok(t.decoder !== null, `template ${t.id} not compiled`);
      }
    }
  }
});
