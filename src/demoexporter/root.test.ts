// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseIP } from '../common/helpers/ip.ts';
import { newMock } from '../common/reporter/mock.ts';
import { FlowBatch } from '../inlet/flow/batch.ts';
import { NetFlowDecoder } from '../inlet/flow/decoder/netflow/root.ts';
import { Exporter } from '../inlet/flow/decoder/root.ts';
import { SFlowDecoder } from '../inlet/flow/decoder/sflow/root.ts';
import { defaultConfiguration, type ExporterConfiguration } from './config.ts';
import { diurnalFactor } from './diurnal.ts';
import { DemoExporterComponent } from './root.ts';

// Collector is a UDP socket keeping what it receives, by source address.
async function collector(t: TestContext): Promise<{ socket: Socket; port: number; received: Map<string, Buffer[]> }> {
  const socket = createSocket('udp4');
  const received = new Map<string, Buffer[]>();
  socket.on('message', (msg, rinfo) => {
    const list = received.get(rinfo.address) ?? [];
    list.push(msg);
    received.set(rinfo.address, list);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  t.after(() => socket.close());
  return { socket, port: socket.address().port, received };
}

function config(flowPort: number, sflowPort: number): ExporterConfiguration {
  const base = 20 + Math.floor(Math.random() * 200);
  return {
    ...defaultConfiguration(),
    target: `127.0.0.1:${flowPort}`,
    sflowTarget: `127.0.0.1:${sflowPort}`,
    // Addresses and an SNMP port of their own, so that a demo running on this machine does not collide.
    exporters: [
      { address: `127.0.${base}.1`, protocol: 'netflow-v9' },
      { address: `127.0.${base}.2`, protocol: 'ipfix' },
      { address: `127.0.${base}.3`, protocol: 'sflow' },
    ],
    snmpPort: 20000 + Math.floor(Math.random() * 30000),
    flowsPerSecond: 30000,
    seed: 5,
  };
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await sleep(20);
  }
}

// Handles of the kinds the component opens.
// They are counted once the sockets closed before are released (two turns of the event loop).
async function handles(): Promise<number> {
  await new Promise(setImmediate);
  await new Promise(setImmediate);
  return process.getActiveResourcesInfo().filter((h) => h === 'UDPWrap' || h === 'Timeout').length;
}

describe('DemoExporterComponent', () => {
  it('is inert until started, sends from each exporter address, and closes everything on stop', async (t) => {
    const flows = await collector(t);
    const sflow = await collector(t);
    const r = newMock();
    const before = await handles();
    const c = new DemoExporterComponent(r, config(flows.port, sflow.port), { tickMs: 20 });
    assert.equal(await handles(), before);
    const [v9, ipfix, sf] = c.exporters();
    await c.start();
    try {
      assert.equal(await handles(), before + 7); // three flow sockets, three agents, one timer
      await waitFor(() => (flows.received.get(v9!.address)?.length ?? 0) > 3 && (flows.received.get(ipfix!.address)?.length ?? 0) > 3 && (sflow.received.get(sf!.address)?.length ?? 0) > 3);
    } finally {
      await c.stop();
    }
    await c.stop();
    assert.equal(await handles(), before);
    await assert.rejects(c.start(), { code: 'AKV_COMPONENT_STOPPED' });

    // What arrived decodes without error, with the announced sampling rates.
    for (const [info, datagrams, decoder] of [
      [v9!, flows.received.get(v9!.address)!, new NetFlowDecoder({ timestampSource: 'input' })],
      [ipfix!, flows.received.get(ipfix!.address)!, new NetFlowDecoder({ timestampSource: 'input' })],
      [sf!, sflow.received.get(sf!.address)!, new SFlowDecoder({ timestampSource: 'input' })],
    ] as const) {
      const exporter = new Exporter(info.address, parseIP(info.address)!);
      const batch = new FlowBatch(100_000);
      for (const d of datagrams) decoder.decode(d, exporter, 0, batch);
      assert.ok(batch.length > 0);
      assert.deepEqual(Array.from(exporter.stats.errors), new Array(exporter.stats.errors.length).fill(0), info.protocol);
      assert.equal(exporter.stats.droppedNoSamplingRate, 0);
      for (let i = 0; i < batch.length; i++) assert.equal(batch.samplingRate[i], info.samplingRate);
    }

    const m = await r.getMetrics('akvorado_demoexporter_');
    for (const e of [v9!, ipfix!, sf!]) {
      assert.ok(m[`akvorado_demoexporter_sent_flows_total{exporter="${e.address}"}`]! > 0);
      assert.ok(m[`akvorado_demoexporter_sent_datagrams_total{exporter="${e.address}"}`]! > 3);
      assert.equal(m[`akvorado_demoexporter_errors_total{exporter="${e.address}",error="send"}`], 0);
      assert.equal(m[`akvorado_demoexporter_errors_total{exporter="${e.address}",error="snmp"}`], 0);
    }
  });

  it('follows the configured rate along the day', async (t) => {
    const sink = await collector(t);
    const sent = async (r: ReturnType<typeof newMock>) => Object.values(await r.getMetrics('akvorado_demoexporter_sent_flows_total')).reduce((a, b) => a + b, 0);
    for (const [hour, factor] of [
      [21, 1],
      [5, diurnalFactor(5)],
    ] as const) {
      const r = newMock();
      let now = new Date(2024, 5, 1, hour, 0, 0).getTime();
      // The clock stands still but for the ticks below: the component's own timer sends nothing.
      const c = new DemoExporterComponent(r, { ...config(sink.port, sink.port), flowsPerSecond: 3000 }, { now: () => now });
      await c.start();
      t.after(() => c.stop());
      for (let i = 0; i < 50; i++) c.tick((now += 100));
      // Three exporters, 1000 flows/s each at the peak, for 5 s (the curve moves a little meanwhile).
      const got = await sent(r);
      assert.ok(Math.abs(got - factor * 15000) <= 10, `${got} flows at ${hour}h`);
      await c.stop();
    }
  });

  it('fails to start on an address it cannot bind, and closes what it opened', async () => {
    const r = newMock();
    const before = await handles();
    const c = new DemoExporterComponent(r, { ...config(9, 9), exporters: [{ address: '127.0.0.201' }, { address: '192.0.2.1' }] });
    await assert.rejects(c.start(), (err: Error & { code?: string }) => err.code === 'AKV_COMPONENT_START' && /192\.0\.2\.1/.test(err.message));
    assert.equal(await handles(), before);
    await c.stop();
  });
});
