// SPDX-License-Identifier: AGPL-3.0-only
// Mutation fuzzing: realistic datagrams, truncated, bit-flipped, overwritten
// and given huge lengths, must never make the decoder throw. Set
// SFLOW_FUZZ_SEED to replay a failure and SFLOW_FUZZ_ITERATIONS to change
// the effort.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlowBatch, MAX_MPLS_LABELS } from '../../batch.ts';
import { parseIP } from '../../../../common/helpers/ip.ts';
import { DECODE_ERRORS, Exporter, errorIndex } from '../root.ts';
import { SFlowDecoder } from './root.ts';
import { buildDatagram, realisticSFlow } from './testdata/builder.ts';
import { mulberry32 } from '../../../../common/helpers/random.ts';

const ITERATIONS = Number(process.env['SFLOW_FUZZ_ITERATIONS'] ?? 1_000_000);
const SEED = Number(process.env['SFLOW_FUZZ_SEED'] ?? Math.floor(Math.random() * 0x100000000));

// A seeded PRNG picks the mutations, so that a seed replays a run.
const prng = mulberry32;

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffc, 0x10000, 0x3fffffff, 0x40000000];

function corpus(): Uint8Array[] {
  return [
    ...realisticSFlow(),
    buildDatagram({
      agent: '2001:db8::1',
      samples: [
        {
          kind: 'flow',
          expanded: true,
          samplingRate: 10,
          input: 1,
          output: 2,
          records: [
            { type: 'header', packet: { ipVersion: 6, srcAddr: '2001:db8::1', dstAddr: '2001:db8::2', proto: 6, srcPort: 1, dstPort: 2, mpls: [1, 2, 3], vlans: [4, 5], ipv6HopByHop: true, ipv6Fragment: true } },
            { type: 'ethernet', length: 1518, srcMAC: 1, dstMAC: 2, etherType: 0x86dd },
            { type: 'ipv6', length: 1500, proto: 17, srcAddr: '2001:db8::3', dstAddr: '2001:db8::4', srcPort: 5, dstPort: 6, tcpFlags: 0, tos: 0 },
            { type: 'gateway', nextHop: '2001:db8::fe', as: 1, srcAS: 2, srcPeerAS: 3, path: [{ type: 2, asns: [4, 5, 6] }, { type: 1, asns: [7] }], communities: [8, 9] },
          ],
        },
        {
          kind: 'flow',
          samplingRate: 10,
          input: 1,
          output: 2,
          records: [
            { type: 'ipv4', length: 1500, proto: 17, srcAddr: '192.0.2.3', dstAddr: '192.0.2.4', srcPort: 5, dstPort: 6, tcpFlags: 0, tos: 0 },
            { type: 'router', nextHop: '192.0.2.254', srcMask: 24, dstMask: 25 },
          ],
        },
        { kind: 'counters', ifIndex: 3, expanded: true },
      ],
    }),
  ];
}

describe('SFlowDecoder fuzzing', () => {
  it(`survives ${ITERATIONS} mutated datagrams (seed ${SEED})`, () => {
    const seeds = corpus();
    const random = prng(SEED);
    const int = (n: number): number => Math.floor(random() * n);
    const size = Math.max(...seeds.map((s) => s.length));
    const work = new Uint8Array(size);
    const view = new DataView(work.buffer);
    const decoder = new SFlowDecoder({ timestampSource: 'input' });
    const exporter = new Exporter('192.0.2.1', parseIP('192.0.2.1')!);
    const batch = new FlowBatch(1024);
    batch.onFull = (b) => b.clear();
    const errorsTotal = (): number => exporter.stats.errors.reduce((a, b) => a + b, 0);
    let rows = 0;

    for (let i = 0; i < ITERATIONS; i++) {
      const source = seeds[int(seeds.length)]!;
      work.set(source);
      let length = source.length;
      const mutation = int(6);
      const rounds = 1 + int(3);
      for (let r = 0; r < rounds; r++) {
        switch (mutation) {
          case 0: // truncation
            length = int(length);
            break;
          case 1: // bit flips
            work[int(length)]! ^= 1 << int(8);
            break;
          case 2: // 0x00 or 0xff runs
            work.fill(random() < 0.5 ? 0 : 0xff, int(length), int(length) + 1 + int(8));
            break;
          case 3: // huge lengths and counts at an aligned word
            if (length >= 4) view.setUint32(int(length >>> 2) * 4, HUGE[int(HUGE.length)]!);
            break;
          case 4: // small lengths and counts at an aligned word
            if (length >= 4) view.setUint32(int(length >>> 2) * 4, int(64));
            break;
          default: // random bytes
            work[int(length)] = int(256);
        }
      }
      const before = errorsTotal();
      let committed: number;
      try {
        committed = decoder.decode(work.subarray(0, length), exporter, 1_700_000_000, batch);
      } catch (err) {
        assert.fail(`seed ${SEED}, iteration ${i}, mutation ${mutation}: decode threw ${(err as Error).stack}`);
      }
      rows += committed;
      if (batch.length > batch.capacity || committed < 0) {
        assert.fail(`seed ${SEED}, iteration ${i}: batch length ${batch.length}, committed ${committed}`);
      }
      if (mutation === 0 && errorsTotal() === before) {
        assert.fail(`seed ${SEED}, iteration ${i}: truncation to ${length} bytes was not counted`);
      }
    }

    const stats = exporter.stats;
    assert.equal(stats.datagrams, ITERATIONS, `seed ${SEED}`);
    assert.equal(stats.flows, rows, `seed ${SEED}`);
    for (const kind of DECODE_ERRORS) {
      if (kind === 'bad-template' || kind === 'template-not-found') continue;
      assert.ok(stats.errors[errorIndex[kind]]! > 0, `seed ${SEED}: no ${kind} error counted`);
    }
    for (let i = 0; i < batch.length; i++) assert.ok(batch.mplsCount[i]! <= MAX_MPLS_LABELS, `seed ${SEED}`);
  });
});
