// SPDX-License-Identifier: AGPL-3.0-only
// `akvorado standalone` end to end, as a child process (so that its memory
// is its own): NetFlow v9 over loopback from bench/sender (8 exporters,
// 128 source sockets, realistic datagrams of 24 records) → decoding workers
// → enrichment (a static metadata provider names every exporter and
// interface, DB-IP countries, configured networks) → the sink → the
// embedded ClickHouse. Offers FLOWS flows/s for SECONDS, waits for the sink
// to insert what it accepted, counts the rows of `flows` through the
// read-only ClickHouse endpoint, then stops the process.
//
// Figures: standalone.flows_per_s (rows stored / seconds of sending),
// standalone.drops (offered − stored; the log line breaks it down: kernel,
// decoder, inlet, sink), standalone.rss_mib (peak resident memory, VmHWM),
// standalone.rss_spool_mib (the peak of resident memory plus the inserts'
// data in the spool directory, /dev/shm being memory too; sampled).
//
// Environment: BENCH_STANDALONE_SECONDS (60), BENCH_STANDALONE_FLOWS (flows/s
// offered, 300000), BENCH_STANDALONE_RUNS (3), BENCH_STANDALONE_WORKERS
// (decoding workers, 2), BENCH_STANDALONE_BUFFER (receive buffer per
// socket, 32 MiB), BENCH_STANDALONE_SINK (`flows`, the default; `table`: a
// copy of `flows` without its views; `null`: a Null-engine table, to see
// the rest of the pipeline without the insert's cost),
// BENCH_STANDALONE_PENDING (standalone.sink.max-pending-flows, the default
// unless set), BENCH_STANDALONE_NODE_OPTIONS (NODE_OPTIONS of the standalone process).
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spoolFiles } from '../src/common/clickhouse/spool.ts';
import { realisticV9 } from '../src/inlet/flow/decoder/netflow/testdata/builder.ts';
import { udpDrops } from '../src/inlet/flow/kernel.ts';
import { figure, median, type Figure } from './measure.ts';
import { buildSender } from './sender/build.ts';
import { machineTimes, raiseRmemMax, restoreRmemMax, runSender, writeDatagrams } from './udp.ts';

const SECONDS = Number(process.env['BENCH_STANDALONE_SECONDS'] ?? 60);
const FLOWS = Number(process.env['BENCH_STANDALONE_FLOWS'] ?? 300_000);
const RUNS = Number(process.env['BENCH_STANDALONE_RUNS'] ?? 3);
const WORKERS = Number(process.env['BENCH_STANDALONE_WORKERS'] ?? 2);
const BUFFER = Number(process.env['BENCH_STANDALONE_BUFFER'] ?? 32 * 1024 * 1024);
const SINK = process.env['BENCH_STANDALONE_SINK'] ?? 'flows';
const PENDING = process.env['BENCH_STANDALONE_PENDING'];
const EXPORTERS = 8;
const SOURCE_SOCKETS = 128;
const RECORDS_PER_DATAGRAM = 24;
const ROOT = new URL('../', import.meta.url).pathname;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number) => `${Math.round(n * 100)}%`;
const log = (line: string) => console.log(`# standalone: ${line}`);

// config is the standalone configuration of the benchmark: every exporter
// and interface the sender uses is named by a static provider.
function config(): string {
  const exporters: Record<string, unknown> = {};
  for (let e = 1; e <= EXPORTERS; e++) {
    const interfaces: Record<string, unknown> = {};
    // realisticV9: ifIndexes 1-4 face the Internet, 10-47 the customers.
    for (let i = 1; i <= 4; i++) {
      interfaces[i] = { name: `et-0/0/${i}`, description: `transit: provider${i}`, speed: 100_000, provider: `provider${i}`, connectivity: 'transit', boundary: 'external' };
    }
    for (let i = 10; i <= 47; i++) {
      interfaces[i] = { name: `xe-1/0/${i}`, description: `customer: customer${i}`, speed: 10_000, connectivity: 'customer', boundary: 'internal' };
    }
    exporters[`127.0.0.${e}/32`] = { name: `edge${e}.par1`, group: 'edge', role: 'edge', site: 'par1', region: 'europe', 'if-indexes': interfaces };
  }
  return JSON.stringify({
    standalone: {
      reporting: { format: 'json' },
      http: { listen: '127.0.0.1:0' },
      'clickhouse-listen': '127.0.0.1:0',
      flow: { inputs: [{ type: 'udp', decoder: 'netflow', listen: '127.0.0.1:0', workers: WORKERS, 'receive-buffer': BUFFER }] },
      metadata: { providers: [{ type: 'static', exporters }] },
      ...(PENDING === undefined ? {} : { sink: { 'max-pending-flows': Number(PENDING) } }),
      core: {
        networks: {
          '192.0.0.0/22': { name: 'customers', role: 'customer', tenant: 'acme', asn: 64500, country: 'FR' },
          '2a00:1450:4007::/48': { name: 'customers-v6', role: 'customer', tenant: 'acme', asn: 64500, country: 'FR' },
        },
      },
    },
  });
}

/** Child is a running `akvorado standalone` and its JSON log lines. */
interface Child {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  stderr: () => string;
}

function startChild(configFile: string, dataDir: string): Child {
  const env: Record<string, string | undefined> = { ...process.env, AKVORADO_FROM_SOURCES: '1' };
  if (SINK !== 'flows') env['AKVORADO_BENCH_SINK'] = SINK;
  // E.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the standalone process alone.
  const nodeOptions = process.env['BENCH_STANDALONE_NODE_OPTIONS'];
  if (nodeOptions !== undefined) env['NODE_OPTIONS'] = nodeOptions;
  const child = spawn(join(ROOT, 'bin', 'akvorado'), ['standalone', '-c', configFile, '--data-dir', dataDir], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let pending = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const p of parts) {
      if (!p.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        // A line cut by the process' end.
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return { child, lines, stderr: () => stderr };
}

async function waitForLine(c: Child, msg: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const found = c.lines.find((l) => l.msg === msg);
    if (found !== undefined) return found;
    if (c.child.exitCode !== null || performance.now() > deadline) {
      throw new Error(`akvorado standalone: no "${msg}" log line (exit ${c.child.exitCode}): ${c.stderr().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// memory reads the resident size and its peak (KiB) of a process.
// spooled is the size in KiB of the inserts' data `pid` has in the spool
// directory (memory, when /dev/shm: not in its RSS, but the machine's).
function spooled(pid: number): number {
  let bytes = 0;
  for (const f of spoolFiles()) if (f.pid === pid) bytes += f.bytes;
  return bytes / 1024;
}

function memory(pid: number): { rss: number; hwm: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { rss: Number(/VmRSS:\s+(\d+)/.exec(s)![1]), hwm: Number(/VmHWM:\s+(\d+)/.exec(s)![1]) };
  } catch {
    return null;
  }
}

// threadTimes returns the CPU seconds used by each thread of a process, by "tid name".
function threadTimes(pid: number): Map<string, number> {
  const times = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return times;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime (fields 14 and 15) in clock ticks, 100 per second on Linux.
      times.set(`${tid} ${name}`, (Number(f[11]) + Number(f[12])) / 100);
    } catch {
      // The thread ended.
    }
  }
  return times;
}

// describeThreads sums per-thread CPU over `seconds` by thread name, as shares of one core.
function describeThreads(before: Map<string, number>, after: Map<string, number>, seconds: number): { text: string; total: number; groups: Array<[string, number]> } {
  const groups = new Map<string, number>();
  let total = 0;
  for (const [key, t] of after) {
    const used = (t - (before.get(key) ?? 0)) / seconds;
    total += used;
    // Node's main thread is named after the process; workers and pools by their role.
    const name = key.slice(key.indexOf(' ') + 1);
    groups.set(name, (groups.get(name) ?? 0) + used);
  }
  const sorted = [...groups].sort((a, b) => b[1] - a[1]);
  const text = sorted.filter(([, v]) => v >= 0.01).map(([k, v]) => `${k} ${pct(v)}`).join(', ');
  return { text, total, groups: sorted };
}

// metrics reads the child's Prometheus metrics and sums the series of each name.
async function metrics(http: string): Promise<Map<string, number>> {
  const res = await fetch(`${http}api/v0/standalone/metrics`);
  const text = await res.text();
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const brace = line.indexOf('{');
    const name = brace >= 0 && brace < space ? line.slice(0, brace) : line.slice(0, space);
    m.set(name, (m.get(name) ?? 0) + Number(line.slice(space + 1)));
  }
  return m;
}

// query runs one statement on the child's read-only ClickHouse endpoint.
async function query(clickhouse: string, sql: string): Promise<Record<string, number>> {
  const res = await fetch(`${clickhouse}?query=${encodeURIComponent(`${sql} FORMAT JSONEachRow`)}`, { method: 'POST' });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`ClickHouse endpoint: ${res.status} ${text}`);
  const row = JSON.parse(text) as Record<string, string | number>;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
}

interface RunResult {
  offered: number;
  stored: number;
  seconds: number;
  rssMiB: number;
  withSpoolMiB: number;
}

async function measure(sender: string, dir: string, run: number): Promise<RunResult> {
  const configFile = join(dir, 'akvorado.json');
  writeFileSync(configFile, config());
  const dataDir = join(dir, `data-${run}`);
  const c = startChild(configFile, dataDir);
  try {
    await waitForLine(c, 'started', 120_000);
    const listening = await waitForLine(c, 'flow input listening', 1000);
    const port = listening.port as number;
    const http = (await waitForLine(c, 'console ready', 1000)).url as string;
    const clickhouse = `http://${(await waitForLine(c, 'ClickHouse HTTP endpoint listening', 1000)).listen as string}/`;
    const pid = c.child.pid!;
    const kernel0 = udpDrops(port) ?? 0;
    let peak = memory(pid)?.hwm ?? 0;
    const rssSamples: number[] = [];
    // Memory with the spool, sampled more often: spool files live a second or two.
    let spoolPeak = 0;
    let withSpoolPeak = 0;
    const sampler = setInterval(() => {
      const mem = memory(pid);
      const spool = spooled(pid);
      spoolPeak = Math.max(spoolPeak, spool);
      if (mem !== null) withSpoolPeak = Math.max(withSpoolPeak, mem.rss + spool);
    }, 200);
    sampler.unref();
    const perSecond: number[] = [];
    // Flows lost per second of the run (the sink's and the busy workers'), to tell start-up drops from others.
    const lostPerSecond: number[] = [];
    let lastLost = 0;
    let maxPending = 0;
    let lastInserted = 0;
    let polling = false;
    const ticker = setInterval(() => {
      const mem = memory(pid);
      if (mem !== null) {
        peak = Math.max(peak, mem.hwm);
        rssSamples.push(mem.rss);
      }
      if (polling) return;
      polling = true;
      metrics(http)
        .then((m) => {
          const inserted = m.get('akvorado_standalone_sink_inserted_rows_total') ?? 0;
          perSecond.push(inserted - lastInserted);
          lastInserted = inserted;
          const lost = (m.get('akvorado_standalone_sink_dropped_rows_total') ?? 0) + (m.get('akvorado_inlet_flow_input_busy_dropped_flows_total') ?? 0);
          lostPerSecond.push(lost - lastLost);
          lastLost = lost;
          maxPending = Math.max(maxPending, m.get('akvorado_standalone_sink_pending_rows') ?? 0);
        })
        .catch(() => undefined)
        .finally(() => (polling = false));
    }, 1000);
    const threads0 = threadTimes(pid);
    const machine0 = machineTimes();
    const t0 = performance.now();
    const rate = FLOWS / RECORDS_PER_DATAGRAM;
    const report = await runSender(sender, [
      '-f', join(dir, 'data'), '-t', join(dir, 'templates'), '-p', String(port), '-s', String(SOURCE_SOCKETS),
      '-x', String(EXPORTERS), '-r', String(Math.round(rate)), '-d', String(SECONDS), '-b', '64', '-w', '300',
    ]);
    const sendSeconds = (performance.now() - t0) / 1000;
    const threads = describeThreads(threads0, threadTimes(pid), sendSeconds);
    const machine1 = machineTimes();
    // Wait for the sink to insert what it accepted: pending back to zero and the counters still.
    let m = await metrics(http);
    const drainStart = performance.now();
    for (let quiet = 0, seen = -1; quiet < 3 && performance.now() - drainStart < 180_000; ) {
      await new Promise((r) => setTimeout(r, 500));
      m = await metrics(http);
      const done = (m.get('akvorado_standalone_sink_inserted_rows_total') ?? 0) + (m.get('akvorado_standalone_sink_dropped_rows_total') ?? 0);
      quiet = done === seen && (m.get('akvorado_standalone_sink_pending_rows') ?? 0) === 0 ? quiet + 1 : 0;
      seen = done;
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    clearInterval(ticker);
    clearInterval(sampler);
    // CPU per stored flow counts the inserts that ran after sending too.
    const whole = describeThreads(threads0, threadTimes(pid), 1);
    const kernelDatagrams = (udpDrops(port) ?? 0) - kernel0;
    const offered = report.sent * RECORDS_PER_DATAGRAM;
    const inserted = m.get('akvorado_standalone_sink_inserted_rows_total') ?? 0;
    let stored = inserted;
    let enriched = '';
    let backlog = '';
    if (SINK !== 'null') {
      const table = SINK === 'table' ? 'flows_bench' : 'flows';
      const q = await query(
        clickhouse,
        `SELECT count() AS n, countIf(ExporterName != '') AS exporter, countIf(InIfName != '' AND OutIfName != '') AS interfaces, ` +
          `countIf(SrcCountry != '' OR DstCountry != '') AS country, countIf(SrcNetName != '' OR DstNetName != '') AS network FROM ${table}`,
      );
      stored = q.n!;
      // The merges' backlog: parts of flows waiting to be merged (each insert writes one).
      const parts = await query(clickhouse, `SELECT count() AS n, max(level) AS level FROM system.parts WHERE database = currentDatabase() AND table = '${table}' AND active`);
      backlog = `; flows in ${fmt(parts.n!)} parts at the end (highest merge level ${fmt(parts.level!)})`;
      if (SINK === 'flows') {
        const rolled = await query(
          clickhouse,
          "SELECT countIf(table = 'flows_1m0s') AS m1, countIf(table = 'flows_5m0s') AS m5, countIf(table = 'flows_1h0m0s') AS h1 FROM system.parts WHERE database = currentDatabase() AND active",
        );
        backlog += `, the rolled-up tables in ${fmt(rolled.m1!)}, ${fmt(rolled.m5!)} and ${fmt(rolled.h1!)}`;
      }
      enriched = `; rows with exporter name ${pct(q.exporter! / Math.max(1, stored))}, interface names ${pct(q.interfaces! / Math.max(1, stored))}, ` +
        `a country ${pct(q.country! / Math.max(1, stored))}, a network name ${pct(q.network! / Math.max(1, stored))}`;
    }
    const kernel = kernelDatagrams * RECORDS_PER_DATAGRAM;
    const decoder = m.get('akvorado_inlet_flow_decoder_errors_total') ?? 0;
    const inlet = (m.get('akvorado_inlet_flow_dropped_flows_total') ?? 0) + (m.get('akvorado_inlet_core_flows_rejected_total') ?? 0);
    const busy = m.get('akvorado_inlet_flow_input_busy_dropped_flows_total') ?? 0;
    const sinkDrops = m.get('akvorado_standalone_sink_dropped_rows_total') ?? 0;
    const cores = (machine1.busy - machine0.busy) / ((machine1.total - machine0.total) / cpus().length);
    const mib = (kib: number) => kib / 1024;
    log(
      `run ${run + 1}/${RUNS}, sink ${SINK}, ${WORKERS} workers (${String(listening.receiver)} receiver): offered ${fmt(offered)} flows in ${report.elapsed.toFixed(1)} s ` +
        `(${fmt(offered / report.elapsed)}/s, sender errors ${report.errors}); stored ${fmt(stored)} = ${fmt(stored / report.elapsed)} flows/s; ` +
        `lost ${fmt(offered - stored)}: kernel ${fmt(kernel)} (${fmt(kernelDatagrams)} datagrams), decoder errors ${fmt(decoder)} datagrams, ` +
        `inlet ${fmt(inlet)}, workers (main thread busy) ${fmt(busy)}, sink ${fmt(sinkDrops)}, ` +
        `not accounted ${fmt(offered - stored - kernel - inlet - busy - sinkDrops)}${enriched}`,
    );
    const lostSeconds = lostPerSecond.flatMap((n, i) => (n > 0 && i < SECONDS ? [`${i + 1} s: ${fmt(n)}`] : []));
    if (lostSeconds.length > 0) log(`  sink and busy drops by second of sending: ${lostSeconds.join(', ')}`);
    log(
      `  inserted ${fmt(inserted / (sendSeconds + drainSeconds))} rows/s over sending and draining, most in one second ${fmt(Math.max(0, ...perSecond))}, ` +
        `max pending ${fmt(maxPending)} rows, ` +
        `drained ${drainSeconds.toFixed(1)} s after sending${backlog}; RSS peak ${fmt(mib(peak))} MiB, median ${fmt(mib(median(rssSamples.length > 0 ? rssSamples : [0])))} MiB, ` +
        `spool peak ${fmt(mib(spoolPeak))} MiB, RSS + spool peak ${fmt(mib(withSpoolPeak))} MiB (sampled every 0.2 s); ` +
        `${fmt(m.get('akvorado_standalone_sink_insert_duration_seconds_count') ?? 0)} inserts of ` +
        `${((m.get('akvorado_standalone_sink_insert_duration_seconds_sum') ?? 0) / Math.max(1, m.get('akvorado_standalone_sink_insert_duration_seconds_count') ?? 0)).toFixed(2)} s on average ` +
        `(${fmt(m.get('akvorado_standalone_sink_insert_rows_count') ?? 0)} into flows, of ${fmt(inserted / Math.max(1, m.get('akvorado_standalone_sink_insert_rows_count') ?? 0))} rows on average)`,
    );
    log(
      `  cpu while sending (share of one core): sender ${pct(report.cpu / sendSeconds)}, standalone ${pct(threads.total)} (${threads.text}); ` +
        `machine busy ${pct(cores)} of ${cpus().length} cores`,
    );
    const perFlow = (cpu: number) => `${fmt((cpu * 1e9) / Math.max(1, stored))} ns`;
    log(
      `  standalone CPU per stored flow, sending and draining: ${perFlow(whole.total)} ` +
        `(${[...whole.groups].filter(([, v]) => v >= 0.05).map(([k, v]) => `${k} ${perFlow(v)}`).join(', ')})`,
    );
    return { offered, stored, seconds: report.elapsed, rssMiB: mib(peak), withSpoolMiB: mib(Math.max(withSpoolPeak, peak)) };
  } finally {
    if (c.child.exitCode === null) {
      c.child.kill('SIGTERM');
      const timer = setTimeout(() => c.child.kill('SIGKILL'), 60_000);
      await once(c.child, 'exit');
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** run measures standalone end to end (see the header comment). */
export async function run(): Promise<Figure[]> {
  if (process.platform !== 'linux' || udpDrops(0) === null) throw new Error('needs Linux (/proc/net/udp for kernel drops)');
  if (!(SECONDS >= 3)) throw new Error(`BENCH_STANDALONE_SECONDS must be at least 3, got ${process.env['BENCH_STANDALONE_SECONDS']}`);
  if (!['flows', 'table', 'null'].includes(SINK)) throw new Error(`BENCH_STANDALONE_SINK: expected flows, table or null, got ${SINK}`);
  const sender = await buildSender();
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-bench-standalone-'));
  const restore = raiseRmemMax(BUFFER, log);
  try {
    const v9 = realisticV9(1000);
    writeDatagrams(join(dir, 'templates'), [v9.templates!]);
    writeDatagrams(join(dir, 'data'), v9.datagrams);
    log(`offering ${fmt(FLOWS)} flows/s for ${SECONDS} s from ${EXPORTERS} exporters, ${RUNS} run(s); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    const results: RunResult[] = [];
    for (let r = 0; r < RUNS; r++) results.push(await measure(sender, dir, r));
    const suffix = SINK === 'flows' ? '' : `.sink_${SINK}`;
    return [
      figure(`standalone.flows_per_s${suffix}`, 'flows/s', results.map((x) => Math.round(x.stored / x.seconds))),
      figure(`standalone.drops${suffix}`, 'flows', results.map((x) => x.offered - x.stored)),
      figure(`standalone.rss_mib${suffix}`, 'MiB', results.map((x) => Math.round(x.rssMiB))),
      figure(`standalone.rss_spool_mib${suffix}`, 'MiB', results.map((x) => Math.round(x.withSpoolMiB))),
    ];
  } finally {
    restoreRmemMax(restore);
    rmSync(dir, { recursive: true, force: true });
  }
}
