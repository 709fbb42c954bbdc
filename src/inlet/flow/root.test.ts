// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { defaultsOf } from '../../common/config/schema.ts';
import { newMock as newDaemon } from '../../common/daemon/mock.ts';
import { parseIP } from '../../common/helpers/ip.ts';
import { startStop } from '../../common/helpers/tests.ts';
import { newMock, type MockReporter } from '../../common/reporter/mock.ts';
import type { FlowBatch } from './batch.ts';
import { inputSchema, type Configuration, type InputConfiguration } from './config.ts';
import { realisticV9, v5Datagram, type V5Record } from './decoder/netflow/testdata/builder.ts';
import { writePcap } from './input/pcap.ts';
import { rowToJSON } from './json.ts';
import { FlowComponent } from './root.ts';

function input(o: Partial<InputConfiguration>): InputConfiguration {
  return { ...defaultsOf<InputConfiguration>(inputSchema), ...o };
}

function records(n: number, base: number): V5Record[] {
  return Array.from({ length: n }, (_, k) => ({
    src: `192.0.2.${base + k}`,
    dst: '198.51.100.1',
    packets: 10 + k,
    bytes: 1000 * (k + 1),
    first: 1000,
    last: 2000,
    srcPort: 40000 + k,
    dstPort: 443,
    proto: 6,
    input: 3,
    output: 7,
  }));
}

// collect subscribes to the component and resolves with `n` flows as JSON.
function collect(c: FlowComponent, n: number, timeoutMs = 10_000): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`got ${rows.length} flows out of ${n}`));
    }, timeoutMs);
    const stop = c.subscribe((b: FlowBatch) => {
      for (let i = 0; i < b.length; i++) rows.push(rowToJSON(b, i));
      if (rows.length >= n) {
        clearTimeout(timer);
        stop();
        resolve(rows);
      }
    });
  });
}

async function send(port: number, datagrams: Uint8Array[]): Promise<void> {
  const s = createSocket('udp4');
  for (const d of datagrams) {
    s.send(d, port, '127.0.0.1');
    await new Promise((resolve) => setImmediate(resolve));
  }
  s.close();
  await once(s, 'close');
}

async function newFlow(t: TestContext, r: MockReporter, config: Partial<Configuration>): Promise<FlowComponent> {
  const c = new FlowComponent(
    r,
    { inputs: [], defaultSamplingRate: 0, overrideSamplingRate: 0, rateLimit: 0, ...config },
    newDaemon(r),
  );
  return startStop(t, c);
}

describe('flow component', () => {
  it('receives NetFlow over UDP on two workers sharing a port', async (t) => {
    const r = newMock();
    const c = await newFlow(t, r, {
      inputs: [input({ listen: '127.0.0.1:0', workers: 2 })],
      defaultSamplingRate: { '127.0.0.0/8': 1000 },
    });
    const port = c.boundPorts[0]!;
    assert.ok(port > 0);
    const v9 = realisticV9(4);
    const want = 8 + v9.records;
    const got = collect(c, want);
    await send(port, [
      v5Datagram({ sysUptime: 5000, unixSecs: 1_700_000_000, samplingInterval: 0x4000 | 100 }, records(4, 10)),
      v5Datagram({ sysUptime: 5000, unixSecs: 1_700_000_000 }, records(4, 20)),
      v9.templates!,
      ...v9.datagrams,
    ]);
    const rows = await got;
    assert.equal(rows.length, want);
    const v5 = rows.filter((x) => x.DstAddr === '198.51.100.1');
    assert.deepEqual(
      v5.map((x) => [x.SrcAddr, x.SrcPort, x.Bytes, x.Packets, x.InIf, x.OutIf, x.SamplingRate, x.ExporterAddress]).sort(),
      [
        ...records(4, 10).map((x) => [x.src, x.srcPort, x.bytes, x.packets, 3, 7, 100, '127.0.0.1']),
        ...records(4, 20).map((x) => [x.src, x.srcPort, x.bytes, x.packets, 3, 7, 1000, '127.0.0.1']),
      ].sort(),
    );
    // Metrics follow once the workers report (every second).
    await waitFor(async () => (await r.getMetrics('akvorado_inlet_flow_flows_total'))['akvorado_inlet_flow_flows_total{exporter="127.0.0.1"}'] === want);
    const m = await r.getMetrics('akvorado_inlet_flow_');
    assert.equal(m['akvorado_inlet_flow_datagrams_total{exporter="127.0.0.1"}'], 3 + v9.datagrams.length);
    assert.equal(m['akvorado_inlet_flow_decoder_errors_total{exporter="127.0.0.1",kind="template-not-found"}'], 0);
    assert.equal(m['akvorado_inlet_flow_templates_total{exporter="127.0.0.1",kind="data"}'], 2);
    assert.equal(m['akvorado_inlet_flow_templates_total{exporter="127.0.0.1",kind="options"}'], 1);
    assert.equal(m['akvorado_inlet_flow_options_records_total{exporter="127.0.0.1"}'], 1);
    assert.equal(m['akvorado_inlet_flow_dropped_flows_total{exporter="127.0.0.1",reason="no-sampling-rate"}'], 0);
    assert.ok(m['akvorado_inlet_flow_input_udp_receive_buffer_bytes{input="netflow/127.0.0.1:0",worker="1"}']! > 0);
    assert.equal(m['akvorado_inlet_flow_input_udp_kernel_drops{input="netflow/127.0.0.1:0"}'], 0);
  });

  it('drops and counts flows without a sampling rate, applies overrides', async (t) => {
    const r = newMock();
    const c = await newFlow(t, r, {
      inputs: [input({ listen: '127.0.0.1:0' })],
      overrideSamplingRate: { '10.0.0.0/8': 5 },
    });
    const got = collect(c, 2);
    await send(c.boundPorts[0]!, [
      v5Datagram({ sysUptime: 5000, unixSecs: 1_700_000_000 }, records(3, 10)),
      v5Datagram({ sysUptime: 5000, unixSecs: 1_700_000_000, samplingInterval: 0x4000 | 64 }, records(2, 30)),
    ]);
    const rows = await got;
    assert.deepEqual(rows.map((x) => [x.SrcAddr, x.SamplingRate]).sort(), [['192.0.2.30', 64], ['192.0.2.31', 64]]);
    await waitFor(async () => {
      const m = await r.getMetrics('akvorado_inlet_flow_dropped_flows_total');
      return m['akvorado_inlet_flow_dropped_flows_total{exporter="127.0.0.1",reason="no-sampling-rate"}'] === 3;
    });
  });

  it('replays capture files once', async (t) => {
    const r = newMock();
    const dir = mkdtempSync(join(tmpdir(), 'akvorado-flow-'));
    const file = join(dir, 'flows.pcap');
    const datagram = (base: number) => ({
      source: parseIP('203.0.113.9')!.subarray(12),
      destination: parseIP('203.0.113.1')!.subarray(12),
      sourcePort: 9999,
      destinationPort: 2055,
      timestamp: 1_700_000_000_000,
      payload: v5Datagram({ sysUptime: 5000, unixSecs: 1_700_000_000, samplingInterval: 0x4000 | 10 }, records(5, base)),
    });
    writeFileSync(file, writePcap([datagram(1), datagram(100)]));
    const daemon = newDaemon(r);
    const c = new FlowComponent(
      r,
      { inputs: [input({ type: 'file', paths: [file], loop: false })], defaultSamplingRate: 0, overrideSamplingRate: 0, rateLimit: 0 },
      daemon,
    );
    const got = collect(c, 10);
    await startStop(t, c);
    const rows = await got;
    assert.equal(rows.length, 10);
    assert.ok(rows.every((x) => x.ExporterAddress === '203.0.113.9' && x.SamplingRate === 10));
    // The end of a one-shot replay is not a failure of the service.
    assert.equal(daemon.stopping, false);
  });

  it('fails to start when the port is taken, naming the address', async (t) => {
    const blocker = createSocket('udp4');
    blocker.bind(0, '127.0.0.1');
    await once(blocker, 'listening');
    t.after(() => blocker.close());
    const listen = `127.0.0.1:${blocker.address().port}`;
    const r = newMock();
    const c = new FlowComponent(
      r,
      { inputs: [input({ listen })], defaultSamplingRate: 0, overrideSamplingRate: 0, rateLimit: 0 },
      newDaemon(r),
    );
    await assert.rejects(c.start(), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'AKV_COMPONENT_START');
      assert.match(err.message, new RegExp(`cannot listen on ${listen.replace(/\./g, '\\.')}`));
      return true;
    });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('condition not met in time');
}
