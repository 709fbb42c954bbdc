// SPDX-License-Identifier: AGPL-3.0-only
// Enriched flow batches for the benchmarks of what comes after enrichment
// (standalone's sink): realistic ones, repetitive as networks are, and a
// worst case whose columns are drawn independently.
import { mulberry32 } from '../src/common/helpers/random.ts';
import { FlowBatch, STRING_COLUMNS, STRING_COUNT } from '../src/inlet/flow/batch.ts';
import type { StringTable } from '../src/inlet/flow/strings.ts';

// Well-known ports the realistic flows' servers listen on.
const SERVICES = [443, 80, 53, 443, 443, 123, 22, 25, 993, 8080, 3389, 1194];
const SPEEDS = [1_000, 10_000, 100_000, 400_000];
const COUNTRIES = 'USFRDEGBNLJPCNBRINRUZAAUCAITESSECHPLKRSG';

// country is the code of country k (0 to 19), first letter in the high byte.
const country = (k: number) => (COUNTRIES.charCodeAt(2 * k) << 8) | COUNTRIES.charCodeAt(2 * k + 1);

// setIPv4 writes an IPv4-mapped IPv6 address.
function setIPv4(column: Uint8Array, row: number, address: number): void {
  column.fill(0, row * 16, row * 16 + 10);
  column[row * 16 + 10] = 0xff;
  column[row * 16 + 11] = 0xff;
  column[row * 16 + 12] = address >>> 24;
  column[row * 16 + 13] = (address >>> 16) & 0xff;
  column[row * 16 + 14] = (address >>> 8) & 0xff;
  column[row * 16 + 15] = address & 0xff;
}

// stringIds interns `cardinality` values per string column: ids[c][v].
function stringIds(strings: StringTable, cardinality: (column: string) => number): number[][] {
  return STRING_COLUMNS.map((c) => Array.from({ length: cardinality(c) }, (_, v) => strings.intern(`${c.toLowerCase()}-${v}`)));
}

/** Conversation is what a realistic flow shares with the others of its conversation. */
export interface Conversation {
  exporter: number;
  inIf: number;
  outIf: number;
  src: number;
  dst: number;
  eType: number;
  proto: number;
  service: number;
  serverIsSrc: boolean;
  forwarding: number;
  /** direction is 0 (ingress) or 1 (egress). */
  direction: number;
}

/**
 * conversations draws `n` conversations: the exporter (8), both interfaces
 * (48 per exporter), both networks (200, skewed to the first ones), EType
 * (90% IPv4), Proto (TCP 80%, UDP 18%, ICMP 2%), the server's port, which
 * side the server is, the forwarding status and the direction.
 */
export function conversations(rand: () => number, n: number): Conversation[] {
  return Array.from({ length: n }, () => {
    const r = rand();
    return {
      exporter: Math.floor(rand() * 8),
      inIf: Math.floor(rand() * 48),
      outIf: Math.floor(rand() * 48),
      src: Math.floor(rand() * rand() * 200),
      dst: Math.floor(rand() * rand() * 200),
      eType: rand() < 0.9 ? 0x0800 : 0x86dd,
      proto: r < 0.8 ? 6 : r < 0.98 ? 17 : 1,
      service: SERVICES[Math.floor(rand() * SERVICES.length)]!,
      serverIsSrc: rand() < 0.67,
      forwarding: rand() < 0.97 ? 64 : 128,
      direction: rand() < 0.5 ? 0 : 1,
    };
  });
}

/**
 * realisticBatches makes `rows` flows in batches of `size`, as
 * bench/clickhouse.bench.ts's realisticBlock does: each flow belongs to one
 * of 5,000 conversations, chosen with a skew; a conversation fixes all but
 * the hosts, the client port and the counters. Times spread over the
 * minute before `now`.
 */
export function realisticBatches(strings: StringTable, rows: number, size: number, seed: number, now: number): FlowBatch[] {
  const rand = mulberry32(seed);
  const ids = stringIds(strings, (c) => (c.startsWith('exporter') ? 8 : c.includes('If') ? 384 : 60));
  const conv = conversations(rand, 5_000);
  const batches: FlowBatch[] = [];
  for (let done = 0; done < rows; ) {
    const b = new FlowBatch(Math.min(size, rows - done));
    for (let n = 0; n < b.capacity; n++, done++) {
      const f = conv[Math.floor(rand() * rand() * conv.length)]!;
      const i = b.begin();
      const inIf = f.exporter * 48 + f.inIf;
      const outIf = f.exporter * 48 + f.outIf;
      b.timeReceived[i] = now - Math.floor((done / rows) * 60);
      b.samplingRate[i] = 1000;
      setIPv4(b.exporterAddress, i, 0xc0000200 + f.exporter);
      setIPv4(b.srcAddr, i, 0x0a000000 + f.src * 1024 + Math.floor(rand() * 1024));
      setIPv4(b.dstAddr, i, 0x0a000000 + f.dst * 1024 + Math.floor(rand() * 1024));
      b.srcNetMask[i] = [24, 22, 20, 16][f.src % 4]!;
      b.dstNetMask[i] = [24, 22, 20, 16][f.dst % 4]!;
      b.srcAS[i] = 64_500 + (f.src % 60);
      b.dstAS[i] = 64_500 + (f.dst % 60);
      b.eType[i] = f.eType;
      b.proto[i] = f.proto;
      const client = 32768 + Math.floor(rand() * 28232);
      b.srcPort[i] = f.proto === 1 ? 0 : f.serverIsSrc ? f.service : client;
      b.dstPort[i] = f.proto === 1 ? 0 : f.serverIsSrc ? client : f.service;
      b.packets[i] = 1 + Math.floor(rand() * rand() * 20);
      b.bytes[i] = b.packets[i]! * (f.proto === 6 ? 1200 : 120);
      b.forwardingStatus[i] = f.forwarding;
      b.flowDirection[i] = f.direction;
      b.inIfSpeed[i] = SPEEDS[inIf % SPEEDS.length]!;
      b.outIfSpeed[i] = SPEEDS[outIf % SPEEDS.length]!;
      b.inIfBoundary[i] = inIf % 48 < 8 ? 1 : 2;
      b.outIfBoundary[i] = outIf % 48 < 8 ? 1 : 2;
      b.srcCountry[i] = country(f.src % 20);
      b.dstCountry[i] = country(f.dst % 20);
      for (let s = 0; s < STRING_COUNT; s++) {
        const c = STRING_COLUMNS[s]!;
        const entity = c.startsWith('exporter') ? f.exporter : c.startsWith('inIf') ? inIf : c.startsWith('outIf') ? outIf : c.startsWith('src') ? f.src : f.dst;
        const values = ids[s]!;
        b.stringIds[i * STRING_COUNT + s] = values[entity % values.length]!;
      }
      b.commit();
    }
    batches.push(b);
  }
  return batches;
}

/**
 * uniformBatches makes `rows` flows in batches of `size` whose columns are
 * drawn independently, many over their whole range: the worst case for
 * sorting, compression and the rolled-up tables.
 */
export function uniformBatches(strings: StringTable, rows: number, size: number, seed: number, now: number): FlowBatch[] {
  const rand = mulberry32(seed);
  const ids = stringIds(strings, (c) => (c.startsWith('exporter') ? 8 : 60));
  const below = (n: number) => Math.floor(rand() * rand() * n);
  const batches: FlowBatch[] = [];
  for (let done = 0; done < rows; ) {
    const b = new FlowBatch(Math.min(size, rows - done));
    for (let n = 0; n < b.capacity; n++, done++) {
      const i = b.begin();
      b.timeReceived[i] = now - Math.floor((done / rows) * 60);
      b.samplingRate[i] = 1000;
      setIPv4(b.exporterAddress, i, 0xc0000200 + Math.floor(rand() * 8));
      setIPv4(b.srcAddr, i, Math.floor(rand() * 2 ** 32));
      setIPv4(b.dstAddr, i, Math.floor(rand() * 2 ** 32));
      b.srcNetMask[i] = below(33);
      b.dstNetMask[i] = below(33);
      b.srcAS[i] = below(60);
      b.dstAS[i] = below(60);
      b.eType[i] = below(65536);
      b.proto[i] = below(256);
      b.srcPort[i] = below(1024);
      b.dstPort[i] = below(1024);
      b.packets[i] = 1 + below(20);
      b.bytes[i] = 64 + Math.floor(rand() * 1500);
      b.forwardingStatus[i] = below(256);
      b.flowDirection[i] = Math.floor(rand() * 2);
      b.inIfSpeed[i] = Math.floor(rand() * 2 ** 32);
      b.outIfSpeed[i] = Math.floor(rand() * 2 ** 32);
      b.inIfBoundary[i] = Math.floor(rand() * 3);
      b.outIfBoundary[i] = Math.floor(rand() * 3);
      b.srcCountry[i] = country(Math.floor(rand() * 20));
      b.dstCountry[i] = country(Math.floor(rand() * 20));
      for (let s = 0; s < STRING_COUNT; s++) {
        const values = ids[s]!;
        b.stringIds[i * STRING_COUNT + s] = values[below(values.length)]!;
      }
      b.commit();
    }
    batches.push(b);
  }
  return batches;
}
