// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { BROKERS, checkKafka, createTestTopic } from '../src/common/kafka/tests.ts';
import { Schema } from '../src/common/schema/root.ts';
import { v5Datagram } from '../src/inlet/flow/decoder/netflow/testdata/builder.ts';

const root = new URL('../', import.meta.url).pathname;

it('bundles into one executable that runs the inlet and its workers', async (t) => {
  // Inside the checkout, so that external packages resolve from node_modules.
  const out = join(root, '.cache', `test-dist-${process.pid}`);
  mkdirSync(out, { recursive: true });
  t.after(() => rmSync(out, { recursive: true, force: true }));
  execFileSync(process.execPath, ['build.mjs', '--outdir', out], { cwd: root, stdio: 'pipe' });

  const version = execFileSync(process.execPath, [join(out, 'akvorado.mjs'), 'version'], { encoding: 'utf8' });
  assert.match(version, /^akvorado \d+\.\d+\.\d+/);
  assert.doesNotMatch(version, /built: source/);

  await checkKafka();
  const base = `test-bundle-${process.pid}-${Date.now()}`;
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  t.after(await createTestTopic(schema.topicName(base)));
  const config = join(out, 'config.yaml');
  writeFileSync(
    config,
    `kafka:\n  brokers: [${BROKERS.join(', ')}]\n  topic: ${base}\n` +
      'inlet:\n  reporting:\n    format: json\n  http:\n    listen: 127.0.0.1:0\n  flow:\n    inputs:\n      - listen: 127.0.0.1:0\n    default-sampling-rate: 1\n',
  );
  const child = spawn(process.execPath, [join(out, 'akvorado.mjs'), 'inlet', '-c', config], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let buffered = '';
  const waitLine = (pred: (l: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('line not seen')), 20_000);
      const check = () => {
        const l = lines.find(pred);
        if (l !== undefined) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve(l);
        }
      };
      child.stdout.on('data', check);
      check();
    });
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as Record<string, unknown>);
  });
  t.after(() => child.kill('SIGKILL'));
  const listening = await waitLine((l) => l.msg === 'flow input listening');
  const httpLine = await waitLine((l) => l.msg === 'HTTP server listening');
  const port = listening.port as number;
  const http = (httpLine.listen as { port: number }).port;

  const s = createSocket('udp4');
  const datagram = v5Datagram({ sysUptime: 1000, unixSecs: 1_700_000_000 }, [
    { src: '192.0.2.1', dst: '198.51.100.1', packets: 3, bytes: 300, first: 0, last: 10, srcPort: 1, dstPort: 2, proto: 17 },
  ]);
  let flows = 0;
  for (let i = 0; i < 50 && flows === 0; i++) {
    s.send(datagram, port, '127.0.0.1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const metrics = await (await fetch(`http://127.0.0.1:${http}/api/v0/inlet/metrics`)).text();
    flows = Number(/^akvorado_inlet_flow_flows_total\{exporter="127\.0\.0\.1"\} (\d+)$/m.exec(metrics)?.[1] ?? 0);
  }
  s.close();
  assert.ok(flows > 0, 'the bundled worker decoded no flow');
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 0);
});
