// SPDX-License-Identifier: AGPL-3.0-only
// The demo exporters against the inlet's own flow inputs and SNMP poller,
// configured as docs/demo.md says: every exporter is seen at its address
// with its sampling rate, and SNMP names its interfaces.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultsOf } from '../common/config/schema.ts';
import { newMock as newDaemon } from '../common/daemon/mock.ts';
import { startStop } from '../common/helpers/tests.ts';
import { formatIP } from '../common/helpers/ip.ts';
import { newMock } from '../common/reporter/mock.ts';
import { inputSchema, type InputConfiguration } from '../inlet/flow/config.ts';
import { FlowComponent } from '../inlet/flow/root.ts';
import { defaultConfiguration as metadataDefaults } from '../inlet/metadata/config.ts';
import { MetadataComponent } from '../inlet/metadata/root.ts';
import { defaultConfiguration } from './config.ts';
import { DemoExporterComponent } from './root.ts';

describe('demo exporter and inlet', () => {
  it('feeds the inlet flows from three exporters and answers its SNMP poller', async (t) => {
    const r = newMock();
    const input = (decoder: 'netflow' | 'sflow') => ({ ...defaultsOf<InputConfiguration>(inputSchema), decoder, listen: '127.0.0.1:0' });
    // No default sampling rate: flows whose rate the exporter did not announce are dropped.
    const flow = await startStop(t, new FlowComponent(r, { inputs: [input('netflow'), input('sflow')], defaultSamplingRate: 0, overrideSamplingRate: 0, rateLimit: 0 }, newDaemon(r)));
    const snmpPort = 20000 + Math.floor(Math.random() * 30000);
    const net = 20 + Math.floor(Math.random() * 200);
    const demo = new DemoExporterComponent(r, {
      ...defaultConfiguration(),
      target: `127.0.0.1:${flow.boundPorts[0]}`,
      sflowTarget: `127.0.0.1:${flow.boundPorts[1]}`,
      exporters: [1, 2, 3].map((i) => ({ address: `127.0.${net}.${i}`, protocol: ['netflow-v9', 'ipfix', 'sflow'][i - 1] })),
      snmpPort,
      flowsPerSecond: 3000,
      seed: 11,
    });
    const seen = new Map<string, Set<number>>();
    const rates = new Map<string, Set<number>>();
    flow.subscribe((b) => {
      for (let i = 0; i < b.length; i++) {
        const address = formatIP(b.exporterAddress, i * 16);
        (rates.get(address) ?? rates.set(address, new Set()).get(address)!).add(b.samplingRate[i]!);
        const ifs = seen.get(address) ?? seen.set(address, new Set()).get(address)!;
        ifs.add(b.inIf[i]!).add(b.outIf[i]!);
      }
    });
    await startStop(t, demo);
    const exporters = demo.exporters();
    const deadline = Date.now() + 10_000;
    while (!exporters.every((e) => (seen.get(e.address)?.size ?? 0) >= 4)) {
      if (Date.now() > deadline) assert.fail(`flows from ${[...seen.keys()].join(', ')}`);
      await sleep(50);
    }
    for (const e of exporters) assert.deepEqual([...rates.get(e.address)!], [e.samplingRate], e.address);

    const metadata = await startStop(
      t,
      new MetadataComponent(r, { ...metadataDefaults(), providers: [{ type: 'snmp', ports: { '127.0.0.0/8': snmpPort }, communities: ['public'], 'poller-timeout': '500ms' }] }),
    );
    for (const e of exporters) {
      for (const ifIndex of seen.get(e.address)!) {
        const want = e.interfaces.find((i) => i.index === ifIndex)!;
        const answer = await metadata.query(e.address, ifIndex);
        assert.equal(answer?.exporter.name, e.name);
        assert.deepEqual([answer.interface?.name, answer.interface?.description, answer.interface?.speed], [want.name, want.alias, want.speed]);
      }
    }
  });
});
