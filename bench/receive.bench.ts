// SPDX-License-Identifier: AGPL-3.0-only
// Receive path, end to end: a FlowComponent with one NetFlow UDP input (2
// workers sharing the port) fed over loopback by bench/sender (sendmmsg from
// several source sockets), counting flows as they reach `subscribe`. Two
// scenarios: realistic v9 datagrams (24 records) offered at 800k records/s,
// and one-record v9 datagrams offered at 150k datagrams/s. When the goal
// rate gives kernel drops, the highest rate without drops is searched and
// confirmed. The sender shares the machine's cores with the receiver.
//
// Environment: BENCH_RECEIVE_SECONDS (run length, 30 by default),
// BENCH_RECEIVE_BUFFER (receive buffer asked per socket, 32 MiB by default),
// BENCH_RECEIVE_SCENARIOS (comma-separated: realistic, one-record; both by default).
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { defaultsOf } from '../src/common/config/schema.ts';
import { newMock as newDaemon } from '../src/common/daemon/mock.ts';
import { newMock } from '../src/common/reporter/mock.ts';
import { inputSchema, type InputConfiguration } from '../src/inlet/flow/config.ts';
import { realisticV9, V9_TEMPLATE_V4, V9_TEMPLATE_V6, type FieldSpec } from '../src/inlet/flow/decoder/netflow/testdata/builder.ts';
import { udpDrops } from '../src/inlet/flow/kernel.ts';
import { FlowComponent } from '../src/inlet/flow/root.ts';
import { figure, median, type Figure } from './measure.ts';
import { buildSender } from './sender/build.ts';
import { machineTimes, raiseRmemMax, restoreRmemMax, runSender, writeDatagrams, type SenderReport } from './udp.ts';

const SECONDS = Number(process.env['BENCH_RECEIVE_SECONDS'] ?? 30);
const BUFFER = Number(process.env['BENCH_RECEIVE_BUFFER'] ?? 32 * 1024 * 1024);
const SCENARIOS = (process.env['BENCH_RECEIVE_SCENARIOS'] ?? 'realistic,one-record').split(',');
const WORKERS = 2;
// Many source sockets so that the kernel's hash spreads them evenly across workers.
const SOURCE_SOCKETS = 128;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number) => `${Math.round(n * 100)}%`;
const log = (line: string) => console.log(`# receive: ${line}`);

interface Scenario {
  name: string;
  /** data and templates are files of u32-LE-length-prefixed datagrams. */
  data: string;
  templates: string;
  recordsPerDatagram: number;
  /** goal is the offered rate in datagrams per second. */
  goal: number;
}

interface RunResult {
  rate: number;
  /** records and datagrams are per-second received rates after warm-up. */
  records: number[];
  datagrams: number[];
  drops: number;
  decoderErrors: number;
  /** cpuNs is the receiver's CPU time (every thread) per record received, in nanoseconds. */
  cpuNs: number;
}

// oneRecordDatagrams splits realistic v9 datagrams into datagrams of one
// record each (same header, count 1, own sequence number).
function oneRecordDatagrams(datagrams: readonly Uint8Array[], recordLength: Map<number, number>): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const d of datagrams) {
    const view = new DataView(d.buffer, d.byteOffset, d.byteLength);
    for (let off = 20; off + 4 <= d.length; ) {
      const id = view.getUint16(off);
      const setLength = view.getUint16(off + 2);
      const len = recordLength.get(id)!;
      for (let r = off + 4; r + len <= off + setLength; r += len) {
        const padding = (4 - ((len + 4) % 4)) % 4;
        const one = new Uint8Array(20 + 4 + len + padding);
        const v = new DataView(one.buffer);
        one.set(d.subarray(0, 20));
        v.setUint16(2, 1);
        v.setUint32(12, out.length);
        v.setUint16(20, id);
        v.setUint16(22, 4 + len + padding);
        one.set(d.subarray(r, r + len), 24);
        out.push(one);
      }
      off += setLength;
    }
  }
  return out;
}

// threadTimes returns the CPU seconds used by each thread of this process, by "tid name".
function threadTimes(): Map<string, number> {
  const times = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
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

// waitForQuiet waits (up to a minute) until other processes leave the cores
// alone: on a shared machine their load would show as receiver drops.
async function waitForQuiet(): Promise<void> {
  const deadline = performance.now() + 60_000;
  let logged = false;
  for (;;) {
    const a = machineTimes();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const b = machineTimes();
    const busy = (b.busy - a.busy) / ((b.total - a.total) / cpus().length);
    if (busy < 0.15) return;
    if (performance.now() > deadline) {
      log(`  the machine stays busy (${pct(busy)} of one core used by other processes): measuring anyway`);
      return;
    }
    if (!logged) log(`  waiting for other processes to leave the cores (${pct(busy)} of one core busy)`);
    logged = true;
  }
}

// describeThreads summarizes per-thread CPU use over a run, as a share of one core.
function describeThreads(before: Map<string, number>, after: Map<string, number>, seconds: number): { text: string; total: number } {
  const groups = new Map<string, number>();
  let total = 0;
  for (const [key, t] of after) {
    const used = (t - (before.get(key) ?? 0)) / seconds;
    total += used;
    if (used < 0.01) continue;
    const name = key.slice(key.indexOf(' ') + 1);
    // Keep workers apart (one entry each), group helpers (GC, libuv) by name.
    const group = /V8Worker|libuv|DelayedTask/.test(name) ? name : key;
    groups.set(group, (groups.get(group) ?? 0) + used);
  }
  return { text: [...groups].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${pct(v)}`).join(', '), total };
}

// sendFor runs the sender and resolves with its report.
function sendFor(sender: string, s: Scenario, port: number, rate: number, seconds: number): Promise<SenderReport> {
  return runSender(sender, ['-f', s.data, '-t', s.templates, '-p', String(port), '-s', String(SOURCE_SOCKETS),
    '-r', String(Math.round(rate)), '-d', String(seconds), '-b', '64', '-w', '300']);
}

// measure runs one receiver for `seconds` at `rate` datagrams/s offered.
async function measure(sender: string, s: Scenario, rate: number, seconds: number): Promise<RunResult> {
  await waitForQuiet();
  const r = newMock();
  const input: InputConfiguration = {
    ...defaultsOf<InputConfiguration>(inputSchema),
    listen: '127.0.0.1:0',
    workers: WORKERS,
    receiveBuffer: BUFFER,
  };
  // The templates carry a sampling rate; the default only guards against counting no-rate drops as lost.
  const c = new FlowComponent(r, { inputs: [input], defaultSamplingRate: 1000, overrideSamplingRate: 0, rateLimit: 0 }, newDaemon(r));
  await c.start();
  let flows = 0;
  c.subscribe((b) => (flows += b.length));
  const port = c.boundPorts[0]!;
  const drops0 = udpDrops(port) ?? 0;
  const threads0 = threadTimes();
  const machine0 = machineTimes();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const warmup = seconds >= 10 ? 3 : 1;
  const perSecond: number[] = [];
  let last = flows;
  let lastAt = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    perSecond.push(((flows - last) * 1000) / (now - lastAt));
    last = flows;
    lastAt = now;
  }, 1000);
  let report: SenderReport;
  try {
    report = await sendFor(sender, s, port, rate, seconds);
  } catch (err) {
    await c.stop();
    throw err;
  } finally {
    clearInterval(ticker);
  }
  // Let the workers empty their sockets and flush partial batches (every 100 ms).
  for (let seen = -1, quiet = 0; quiet < 3 && performance.now() - lastAt < 10_000; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    quiet = flows === seen ? quiet + 1 : 0;
    seen = flows;
  }
  const drops = (udpDrops(port) ?? 0) - drops0;
  const elapsed = (performance.now() - t0) / 1000;
  const threads = describeThreads(threads0, threadTimes(), elapsed);
  const machine1 = machineTimes();
  const elu = performance.eventLoopUtilization(elu0);
  await c.stop();
  // Twice: the buffer gauges are set by the drops gauge's collect, which runs after them.
  await r.getMetrics('akvorado_inlet_flow_input_udp');
  const m = await r.getMetrics('akvorado_inlet_flow_');
  const sum = (prefix: string) => Object.entries(m).filter(([k]) => k.startsWith(prefix)).reduce((a, [, v]) => a + v, 0);
  const decoderErrors = sum('akvorado_inlet_flow_decoder_errors_total');
  const perWorker = Object.entries(m).filter(([k]) => k.startsWith('akvorado_inlet_flow_input_datagrams_total')).map(([, v]) => v);
  const granted = Object.entries(m).filter(([k]) => k.startsWith('akvorado_inlet_flow_input_udp_receive_buffer_bytes')).map(([, v]) => v);
  const received = perWorker.reduce((a, b) => a + b, 0);
  // Drop the warm-up seconds and the last tick if it straddled the end of sending.
  const records = perSecond.slice(warmup, Math.max(warmup + 1, Math.floor(report.elapsed)));
  const expected = report.sent * s.recordsPerDatagram;
  const result: RunResult = {
    rate,
    records,
    datagrams: records.map((x) => x / s.recordsPerDatagram),
    drops,
    decoderErrors,
    cpuNs: (threads.total * elapsed * 1e9) / Math.max(1, flows),
  };
  // /proc/stat counts every core: busy over total is a share of the machine.
  const cores = (machine1.busy - machine0.busy) / ((machine1.total - machine0.total) / cpus().length);
  const others = cores - threads.total - report.cpu / elapsed;
  log(
    `${s.name} @ ${fmt(rate)} datagrams/s offered (${fmt(rate * s.recordsPerDatagram)} records/s) for ${seconds} s: ` +
      `received ${fmt(median(records))} records/s median (min ${fmt(Math.min(...records))}, max ${fmt(Math.max(...records))}), ` +
      `${fmt(median(result.datagrams))} datagrams/s; sent ${fmt(report.sent)} datagrams ` +
      `(${fmt(report.sent / report.elapsed)}/s, sender errors ${report.errors}); flows ${fmt(flows)} of ${fmt(expected)}; ` +
      `kernel drops ${fmt(drops)}; decoder errors ${decoderErrors}; ` +
      `flows dropped after decoding ${sum('akvorado_inlet_flow_dropped_flows_total')}; ` +
      `datagrams per worker ${perWorker.map((n) => pct(n / received)).join('/')}; granted buffers ${granted.map(fmt).join('/')} bytes`,
  );
  log(
    `  cpu (share of one core): sender ${pct(report.cpu / elapsed)}, receiver ${pct(threads.total)} (${threads.text}); ` +
      `${fmt(result.cpuNs)} ns of receiver CPU per record; main event loop utilization ${pct(elu.utilization)}; machine busy ${pct(cores)} of ${cpus().length} cores, ` +
      `of which other processes ${pct(Math.max(0, others))}`,
  );
  if (others > 0.2) log(`  WARNING: other processes competed for the cores (${pct(others)} of one): this run's figures are low`);
  if (report.sent < 0.97 * rate * report.elapsed) log(`  WARNING: the sender could not keep the offered rate (CPU-starved)`);
  return result;
}

// scenario measures at the goal rate, and when the kernel drops, searches
// the highest offered rate without drops and confirms it.
async function scenario(sender: string, s: Scenario, unit: 'records' | 'datagrams'): Promise<Figure[]> {
  const name = `receive.${unit}_per_s`;
  const prefix = unit === 'records' ? 'receive.' : 'receive.one_record.';
  const dropsName = `${prefix}kernel_drops`;
  const values = (x: RunResult) => (unit === 'records' ? x.records : x.datagrams);
  const goal = await measure(sender, s, s.goal, SECONDS);
  const figures = [
    figure(name, `${unit}/s`, values(goal)),
    figure(dropsName, 'datagrams', [goal.drops]),
    // CPU per record depends less on other load than rates do: compare it on a shared machine.
    figure(`${prefix}cpu_ns_per_record`, 'ns', [Math.round(goal.cpuNs)]),
  ];
  let errors = goal.decoderErrors;
  if (goal.drops > 0) {
    const probeSeconds = Math.max(5, Math.min(10, Math.round(SECONDS / 3)));
    let failed = s.goal;
    let rate = Math.min(s.goal, median(goal.datagrams)) * 0.95;
    let ok: RunResult | null = null;
    for (let k = 0; k < 5 && ok === null; k++) {
      const probe = await measure(sender, s, rate, probeSeconds);
      errors += probe.decoderErrors;
      if (probe.drops === 0) ok = probe;
      else [failed, rate] = [rate, rate * 0.85];
    }
    if (ok !== null) {
      // One refinement between the last rate with drops and the first without.
      const mid = await measure(sender, s, (ok.rate + failed) / 2, probeSeconds);
      errors += mid.decoderErrors;
      if (mid.drops === 0) ok = mid;
      const confirm = SECONDS > probeSeconds ? await measure(sender, s, ok.rate, SECONDS) : ok;
      errors += confirm.decoderErrors;
      figures.push(
        figure(`${name}.no_drops`, `${unit}/s`, values(confirm)),
        figure(`${dropsName}.no_drops`, 'datagrams', [confirm.drops]),
      );
      log(`${s.name}: highest offered rate without drops in probes ${fmt(ok.rate)} datagrams/s; confirmation run drops ${confirm.drops}`);
    } else {
      log(`${s.name}: kernel drops at every probed rate down to ${fmt(failed)} datagrams/s`);
    }
  }
  figures.push(figure(`${prefix}decoder_errors`, 'errors', [errors]));
  return figures;
}

/** run measures the receive path (see the header comment). */
export async function run(): Promise<Figure[]> {
  if (process.platform !== 'linux' || udpDrops(0) === null) throw new Error('needs Linux (/proc/net/udp for kernel drops)');
  if (!(SECONDS >= 3)) throw new Error(`BENCH_RECEIVE_SECONDS must be at least 3, got ${process.env['BENCH_RECEIVE_SECONDS']}`);
  const sender = await buildSender();
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-bench-receive-'));
  const restore = raiseRmemMax(BUFFER, log);
  try {
    const v9 = realisticV9(1000);
    writeDatagrams(join(dir, 'templates'), [v9.templates!]);
    writeDatagrams(join(dir, 'realistic'), v9.datagrams);
    const length = (fields: FieldSpec[]) => fields.reduce((n, f) => n + f.length, 0);
    const one = oneRecordDatagrams(v9.datagrams, new Map([[256, length(V9_TEMPLATE_V4)], [257, length(V9_TEMPLATE_V6)]]));
    writeDatagrams(join(dir, 'one-record'), one);
    const realistic: Scenario = {
      name: 'realistic v9',
      data: join(dir, 'realistic'),
      templates: join(dir, 'templates'),
      recordsPerDatagram: v9.records / v9.datagrams.length,
      goal: 800_000 / (v9.records / v9.datagrams.length),
    };
    const single: Scenario = { name: 'one-record v9', data: join(dir, 'one-record'), templates: join(dir, 'templates'), recordsPerDatagram: 1, goal: 150_000 };
    log(`${WORKERS} workers, ${SOURCE_SOCKETS} source sockets, ${SECONDS} s per run; ${v9.datagrams.length} realistic datagrams of ${realistic.recordsPerDatagram} records, ${one.length} one-record datagrams`);
    const figures: Figure[] = [];
    if (SCENARIOS.includes('realistic')) figures.push(...(await scenario(sender, realistic, 'records')));
    if (SCENARIOS.includes('one-record')) figures.push(...(await scenario(sender, single, 'datagrams')));
    return figures;
  } finally {
    restoreRmemMax(restore);
    rmSync(dir, { recursive: true, force: true });
  }
}
