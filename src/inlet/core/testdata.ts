// SPDX-License-Identifier: AGPL-3.0-only
// Test helpers (not part of the build): batches of chosen flows, a GeoIP
// fixture, and a metadata provider answering from a table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { formatIP, parseIP } from '../../common/helpers/ip.ts';
import { MMDBWriter } from '../../common/helpers/mmdb-writer.ts';
import { FlowBatch, STRING_COLUMNS } from '../flow/batch.ts';
import type { StringTable } from '../flow/strings.ts';
import { emptyExporter, type InterfaceInfo, type Provider, type ProviderAnswer } from '../metadata/provider/root.ts';

/** TestFlow is one flow of a test batch. */
export interface TestFlow {
  exporter: string;
  src: string;
  dst: string;
  inIf: number;
  outIf: number;
  srcAS?: number;
  dstAS?: number;
  srcVlan?: number;
  dstVlan?: number;
}

/** batchOf builds a batch holding `flows`. */
export function batchOf(flows: readonly TestFlow[], capacity = Math.max(flows.length, 1)): FlowBatch {
  const b = new FlowBatch(capacity);
  for (const f of flows) {
    const i = b.begin();
    b.exporterAddress.set(parseIP(f.exporter)!, i * 16);
    b.srcAddr.set(parseIP(f.src)!, i * 16);
    b.dstAddr.set(parseIP(f.dst)!, i * 16);
    b.inIf[i] = f.inIf;
    b.outIf[i] = f.outIf;
    b.srcAS[i] = f.srcAS ?? 0;
    b.dstAS[i] = f.dstAS ?? 0;
    b.srcVlan[i] = f.srcVlan ?? 0;
    b.dstVlan[i] = f.dstVlan ?? 0;
    b.srcNetMask[i] = 24;
    b.bytes[i] = 1000;
    b.packets[i] = 1;
    b.commit();
  }
  return b;
}

/** rowsOf reads the enriched columns of a batch back, strings as text, countries as letters. */
export function rowsOf(b: FlowBatch, strings: StringTable): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  const country = (c: number) => (c === 0 ? '' : String.fromCharCode(c >>> 8, c & 0xff));
  for (let i = 0; i < b.length; i++) {
    const row: Record<string, string | number> = { exporter: formatIP(b.exporterAddress, i * 16), inIf: b.inIf[i]!, outIf: b.outIf[i]! };
    for (const c of STRING_COLUMNS) row[c] = strings.text(b.stringId(i, c));
    row.inIfSpeed = b.inIfSpeed[i]!;
    row.outIfSpeed = b.outIfSpeed[i]!;
    row.inIfBoundary = b.inIfBoundary[i]!;
    row.outIfBoundary = b.outIfBoundary[i]!;
    row.srcCountry = country(b.srcCountry[i]!);
    row.dstCountry = country(b.dstCountry[i]!);
    row.srcAS = b.srcAS[i]!;
    row.dstAS = b.dstAS[i]!;
    row.srcNetMask = b.srcNetMask[i]!;
    rows.push(row);
  }
  return rows;
}

/** geoDatabase writes an MMDB file (AS and geo data in each record) into a directory removed after the test. */
export async function geoDatabase(t: TestContext, entries: ReadonlyArray<[string, Record<string, string | number>]>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'akvorado-core-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const w = new MMDBWriter({ databaseType: 'ipinfo lite.mmdb', ipVersion: 6, recordSize: 32 });
  for (const [net, data] of entries) w.insert(net, data);
  const path = join(dir, 'geo.mmdb');
  await writeFile(path, w.write());
  return path;
}

/**
 * TableProvider answers from a table: exporter address → name and
 * interfaces. An exporter missing from the table is not handled (null), and
 * every answer comes after `delayMs`.
 */
export class TableProvider implements Provider {
  readonly type = 'table';
  readonly table: Map<string, { name: string; interfaces: Map<number, InterfaceInfo> }>;
  delayMs: number;
  queries = 0;

  constructor(table: Record<string, { name: string; interfaces: Record<number, Partial<InterfaceInfo>> }>, delayMs = 0) {
    this.table = new Map();
    for (const [ip, e] of Object.entries(table)) {
      const interfaces = new Map<number, InterfaceInfo>();
      for (const [k, v] of Object.entries(e.interfaces)) {
        interfaces.set(Number(k), { name: '', description: '', speed: 0, provider: '', connectivity: '', boundary: 'undefined', ...v });
      }
      this.table.set(ip, { name: e.name, interfaces });
    }
    this.delayMs = delayMs;
  }

  async query(exporterIP: string, ifIndexes: readonly number[]): Promise<ProviderAnswer | null> {
    this.queries++;
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    const e = this.table.get(exporterIP);
    if (e === undefined) return null;
    const interfaces = new Map<number, InterfaceInfo | null>();
    for (const i of ifIndexes) interfaces.set(i, e.interfaces.get(i) ?? null);
    return { exporter: emptyExporter(e.name), interfaces };
  }
}
