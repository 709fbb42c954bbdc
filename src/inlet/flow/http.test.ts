// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { it } from 'node:test';
import { defaultsOf } from '../../common/config/schema.ts';
import { newMock as newDaemon } from '../../common/daemon/mock.ts';
import { startStop } from '../../common/helpers/tests.ts';
import { HTTPServer } from '../../common/httpserver/root.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { inputSchema, type InputConfiguration } from './config.ts';
import { v5Datagram } from './decoder/netflow/testdata/builder.ts';
import { flowRoutes } from './http.ts';
import { FlowComponent } from './root.ts';

it('streams the flows of its source as JSON lines, up to the limit', async (t) => {
  const r = newMock();
  const input: InputConfiguration = { ...defaultsOf<InputConfiguration>(inputSchema), listen: '127.0.0.1:0' };
  const flow = new FlowComponent(r, { inputs: [input], defaultSamplingRate: 1, overrideSamplingRate: 0, rateLimit: 0 }, newDaemon(r));
  const http = new HTTPServer(r, { listen: '127.0.0.1:0' }, 'inlet');
  http.app.register(flowRoutes(flow), { prefix: '/api/v0/inlet' });
  await startStop(t, flow);
  await startStop(t, http);

  const bad = await fetch(`http://127.0.0.1:${http.address!.port}/api/v0/inlet/flows?limit=0`);
  assert.equal(bad.status, 400);

  // The headers come once the request has subscribed: flows sent afterwards are streamed.
  const answer = await fetch(`http://127.0.0.1:${http.address!.port}/api/v0/inlet/flows?limit=3`);
  const s = createSocket('udp4');
  const records = Array.from({ length: 5 }, (_, k) => ({
    src: `192.0.2.${k + 1}`,
    dst: '198.51.100.1',
    packets: 1,
    bytes: 64,
    first: 0,
    last: 0,
    srcPort: 1000 + k,
    dstPort: 53,
    proto: 17,
  }));
  s.send(v5Datagram({ sysUptime: 1000, unixSecs: 1_700_000_000 }, records), flow.boundPorts[0]!, '127.0.0.1');
  assert.equal(answer.status, 200);
  assert.equal(answer.headers.get('content-type'), 'application/x-ndjson');
  const lines = (await answer.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  s.close();
  assert.deepEqual(
    lines.map((l) => [l.SrcAddr, l.SrcPort, l.DstPort, l.Proto]),
    [
      ['192.0.2.1', 1000, 53, 17],
      ['192.0.2.2', 1001, 53, 17],
      ['192.0.2.3', 1002, 53, 17],
    ],
  );
});
