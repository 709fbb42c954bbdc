// SPDX-License-Identifier: AGPL-3.0-only
// The demo SNMP agents, asked by Net-SNMP's snmpget (an independent client)
// and by the inlet's own SNMP provider configured as docs/demo.md says.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { newMock } from '../common/reporter/mock.ts';
import { resolveSnmp } from '../inlet/metadata/provider/snmp-config.ts';
import { SnmpProvider } from '../inlet/metadata/provider/snmp.ts';
import { requireTool } from '../../tests/helpers/exporters.ts';
import { resolveExporters } from './exporters.ts';
import { Topology } from './interfaces.ts';
import { SnmpAgent } from './snmp.ts';

const SNMPGET = '/usr/bin/snmpget';

// A random address of 127.0.0.0/8 and a random high port: tests running at
// the same time do not collide.
function randomEndpoint(): { address: string; port: number } {
  return { address: `127.0.${100 + Math.floor(Math.random() * 100)}.${1 + Math.floor(Math.random() * 250)}`, port: 20000 + Math.floor(Math.random() * 30000) };
}

async function startAgent(t: TestContext, community = 'public') {
  const spec = resolveExporters([{ name: 'edge1.test', protocol: 'ipfix' }])[0]!;
  const topology = new Topology(spec);
  const { address, port } = randomEndpoint();
  const errors: Error[] = [];
  const agent = new SnmpAgent(address, port, spec.name, community, topology, (err) => errors.push(err));
  await agent.start();
  t.after(() => agent.stop());
  return { agent, topology, address, port, errors };
}

// snmpget runs snmpget without blocking the event loop: the agent answers from this process.
function snmpget(address: string, port: number, community: string, oids: string[]): Promise<{ status: number; lines: string[] }> {
  requireTool('snmpget', SNMPGET);
  const args = ['-v2c', '-c', community, '-t', '0.5', '-r', '0', '-Oq', '-Ov', `${address}:${port}`, ...oids];
  return new Promise((resolve) => {
    execFile(SNMPGET, args, { encoding: 'utf8' }, (err, stdout) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ status, lines: stdout.split('\n').filter((l) => l !== '') });
    });
  });
}

describe('demo SNMP agent', () => {
  it('answers sysName and the interfaces to snmpget', async (t) => {
    const { topology, address, port } = await startAgent(t);
    const oids = ['1.3.6.1.2.1.1.5.0'];
    for (const i of topology.interfaces) {
      oids.push(`1.3.6.1.2.1.31.1.1.1.1.${i.index}`, `1.3.6.1.2.1.2.2.1.2.${i.index}`, `1.3.6.1.2.1.31.1.1.1.18.${i.index}`, `1.3.6.1.2.1.31.1.1.1.15.${i.index}`);
    }
    const want = ['"edge1.test"'];
    for (const i of topology.interfaces) want.push(`"${i.name}"`, `"${i.descr}"`, `"${i.alias}"`, String(i.speed));
    const got = await snmpget(address, port, 'public', oids);
    assert.equal(got.status, 0);
    assert.deepEqual(got.lines, want);
    assert.ok(topology.interfaces.some((i) => i.alias === 'transit: Cogent [10G]'));
  });

  it('does not answer another community, and reports it', async (t) => {
    const { address, port, errors } = await startAgent(t);
    const got = await snmpget(address, port, 'private', ['1.3.6.1.2.1.1.5.0']);
    assert.notEqual(got.status, 0);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /community/);
  });

  it('answers the inlet SNMP provider', async (t) => {
    const { topology, address, port } = await startAgent(t);
    const config = resolveSnmp({ type: 'snmp', ports: { '127.0.0.0/8': port }, communities: ['public'], 'poller-timeout': '500ms' });
    const noop = { inc() {} };
    const provider = new SnmpProvider(newMock(), config, () => ({
      requests: noop,
      successes: noop,
      errors: { timeout: noop, auth: noop, agent: noop, invalid: noop, other: noop } as never,
    }));
    t.after(() => provider.close());
    const answer = await provider.query(address, topology.interfaces.map((i) => i.index));
    assert.equal(answer?.exporter.name, 'edge1.test');
    for (const i of topology.interfaces) {
      const got = answer.interfaces.get(i.index);
      assert.deepEqual([got?.name, got?.description, got?.speed], [i.name, i.alias, i.speed]);
    }
  });

  it('fails to start on an address in use, and stops twice', async (t) => {
    const { agent } = await startAgent(t);
    const spec = resolveExporters(1)[0]!;
    const other = new SnmpAgent(agent.address, agent.port, 'x', 'public', new Topology(spec), () => {});
    await assert.rejects(other.start(), { code: 'EADDRINUSE' });
    await other.stop();
    await agent.stop();
    await agent.stop();
  });
});
