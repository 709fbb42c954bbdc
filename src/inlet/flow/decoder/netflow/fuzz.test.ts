// SPDX-License-Identifier: AGPL-3.0-only
//
// Mutation fuzzing of the NetFlow decoder: vendor payloads and built
// datagrams are cut, bit-flipped, overwritten, given huge or zero lengths,
// and repeated, then decoded by exporters that keep their templates between
// iterations. Nothing may throw, the batch must stay within its capacity,
// and rejections must be counted. NETFLOW_FUZZ_SEED replays a run,
// NETFLOW_FUZZ_ITERATIONS changes its length.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FlowBatch } from '../../batch.ts';
import { Exporter } from '../root.ts';
import { NetFlowDecoder } from './root.ts';
import { mulberry32, realisticIPFIX, realisticV5, realisticV9 } from './testdata/builder.ts';

const ITERATIONS = Number(process.env.NETFLOW_FUZZ_ITERATIONS ?? 1_000_000);
const SEED = Number(process.env.NETFLOW_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const EXPORTERS = 16;
const PAYLOADS = new URL('../../../../../../shared/testdata/netflow-vendors/payloads/', import.meta.url);

/** corpus returns the datagrams to mutate, templates first in each family. */
function corpus(): { templates: Uint8Array[]; all: Uint8Array[] } {
  const templates: Uint8Array[] = [];
  const all: Uint8Array[] = [];
  for (const file of readdirSync(PAYLOADS).sort()) {
    const buf = new Uint8Array(readFileSync(new URL(file, PAYLOADS)));
    const version = (buf[0]! << 8) | buf[1]!;
    let p = 0;
    while (p < buf.length) {
      let n = buf.length - p;
      if (version === 10) n = Math.max(16, Math.min(n, (buf[p + 2]! << 8) | buf[p + 3]!));
      else if (version === 5) n = Math.min(n, 24 + 48 * Math.min(30, (buf[p + 2]! << 8) | buf[p + 3]!));
      const d = buf.slice(p, p + n);
      all.push(d);
      if (file.includes('tpl') || file.includes('opt')) templates.push(d);
      p += n;
    }
  }
  for (const s of [realisticV5(4), realisticV9(4), realisticIPFIX(4)]) {
    if (s.templates !== null) {
      templates.push(s.templates);
      all.push(s.templates);
    }
    all.push(...s.datagrams);
  }
  return { templates, all };
}

const scratch = new Uint8Array(65536 + 8192);

/**
 * mutate copies `d` into the scratch buffer, damages it in one of several
 * ways, and returns the length to decode.
 */
function mutate(d: Uint8Array, other: Uint8Array, rand: () => number): number {
  const int = (n: number): number => Math.floor(rand() * n);
  scratch.set(d);
  let len = d.length;
  const kind = int(9);
  switch (kind) {
    case 0: // truncation
      len = int(len + 1);
      break;
    case 1: // bit flips
      for (let k = 1 + int(8); k > 0; k--) scratch[int(len)]! ^= 1 << int(8);
      break;
    case 2: // byte overwrites with 0x00 or 0xff, single or runs
      for (let k = 1 + int(4); k > 0; k--) {
        const at = int(len);
        const run = rand() < 0.5 ? 1 : 1 + int(16);
        scratch.fill(rand() < 0.5 ? 0 : 0xff, at, Math.min(len, at + run));
      }
      break;
    case 3: {
      // huge or odd 16-bit lengths at even offsets (set, field, message lengths)
      const values = [0xffff, 0xfffe, 0x8000, 0xff00, 0x00ff, len, len + 1, 3, 4, 5];
      for (let k = 1 + int(3); k > 0; k--) {
        const at = int(len >> 1) << 1;
        const v = values[int(values.length)]!;
        scratch[at] = v >>> 8;
        scratch[at + 1] = v;
      }
      break;
    }
    case 4: // zero lengths: 16-bit zeros at offsets ≡ 2 mod 4 (field and set lengths)
      for (let k = 1 + int(6); k > 0; k--) {
        const at = (int(len >> 2) << 2) + 2;
        scratch[at] = 0;
        scratch[at + 1] = 0;
      }
      break;
    case 5: {
      // template loops: the sets repeated until the datagram is large
      const header = ((d[0]! << 8) | d[1]!) === 10 ? 16 : 20;
      const body = d.subarray(header);
      while (body.length > 0 && len + body.length <= 65535) {
        scratch.set(body, len);
        len += body.length;
        if (rand() < 0.2) break;
      }
      if (header === 16) {
        scratch[2] = len >>> 8;
        scratch[3] = len;
      }
      break;
    }
    case 6: {
      // splice: the head of one datagram, the tail of another
      const cut = int(len);
      const from = int(other.length);
      const tail = other.subarray(from, Math.min(other.length, from + 65536 - cut));
      scratch.set(tail, cut);
      len = cut + tail.length;
      break;
    }
    case 7: // random bytes in a region
      for (let k = int(32); k >= 0; k--) scratch[int(len)] = int(256);
      break;
    default: // version changes
      scratch[0] = rand() < 0.8 ? 0 : int(256);
      scratch[1] = [5, 9, 10, int(256)][int(4)]!;
  }
  return len;
}

test('fuzz: mutated datagrams never throw and are counted', (t) => {
  const rand = mulberry32(SEED);
  const int = (n: number): number => Math.floor(rand() * n);
  const { templates, all } = corpus();
  const decoders = [
    new NetFlowDecoder({ timestampSource: 'input' }),
    new NetFlowDecoder({ timestampSource: 'netflow-packet' }),
    new NetFlowDecoder({ timestampSource: 'netflow-first-switched' }),
  ];
  const newExporter = (k: number): Exporter => {
    const a = new Uint8Array(16);
    a[10] = a[11] = 0xff;
    a[15] = k;
    return new Exporter(`10.0.0.${k}`, a);
  };
  const exporters = Array.from({ length: EXPORTERS }, (_, k) => newExporter(k));
  const batch = new FlowBatch(1024);
  batch.onFull = (b) => b.clear();
  const small = new FlowBatch(7); // without onFull: decoding must stop when full
  let errors = 0;
  let rows = 0;
  const started = performance.now();
  for (let it = 0; it < ITERATIONS; it++) {
    const e = int(EXPORTERS);
    if (rand() < 0.0005) {
      for (const x of exporters[e]!.stats.errors) errors += x;
      exporters[e] = newExporter(e);
    }
    const exporter = exporters[e]!;
    const decoder = decoders[it % decoders.length]!;
    const target = rand() < 0.02 ? small : batch;
    if (target === small && small.length === small.capacity) small.clear();
    let len = 0;
    try {
      if (rand() < 0.1) rows += decoder.decode(templates[int(templates.length)]!, exporter, 1_700_000_000, target);
      len = mutate(all[int(all.length)]!, all[int(all.length)]!, rand);
      rows += decoder.decode(scratch.subarray(0, len), exporter, 1_700_000_000, target);
    } catch (err) {
      const hex = Buffer.from(scratch.subarray(0, len)).toString('hex');
      assert.fail(`seed ${SEED}, iteration ${it}: ${String(err)}\n${(err as Error).stack}\ninput: ${hex}`);
    }
    if (target.length > target.capacity) assert.fail(`seed ${SEED}, iteration ${it}: batch length ${target.length}`);
  }
  for (const x of exporters) for (const y of x.stats.errors) errors += y;
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`seed ${SEED}: ${ITERATIONS} iterations in ${seconds.toFixed(1)} s, ${rows} rows, ${errors} errors counted`);
  assert.ok(errors > 0, `seed ${SEED}: no error counted`);
  assert.ok(rows > 0, `seed ${SEED}: no row decoded`);
});
