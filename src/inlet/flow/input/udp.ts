// SPDX-License-Identifier: AGPL-3.0-only
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { parseListen } from '../../../common/config/formats.ts';
import type { InputConfiguration } from '../config.ts';
import type { Pipeline } from '../pipeline.ts';

/** ReadyInfo is what an input reports once it receives. */
export interface ReadyInfo {
  receiveBuffer: number;
  port: number;
}

/**
 * runUDP receives datagrams on one socket bound with SO_REUSEPORT (so that
 * every worker of the input binds the same port and the kernel spreads
 * exporters across them) and feeds them to the pipeline until `stop` fires.
 * Receiving never waits on anything downstream: the pipeline decodes in
 * place and hands batches over without blocking.
 */
export async function runUDP(
  input: InputConfiguration,
  pipeline: Pipeline,
  stop: AbortSignal,
  ready: (info: ReadyInfo) => void,
): Promise<void> {
  const l = parseListen(input.listen)!;
  const v6 = l.host === '' || l.host.includes(':');
  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reusePort: true });
  socket.on('message', (msg, rinfo) => pipeline.handle(msg, rinfo.address, Date.now()));
  const bound = once(socket, 'listening');
  socket.bind({ address: l.host === '' ? '::' : l.host, port: l.port, exclusive: true });
  try {
    await bound;
  } catch (err) {
    socket.close();
    throw new Error(`cannot listen on ${input.listen}: ${(err as Error).message}`, { cause: err });
  }
  // After a successful bind, socket errors are counted and receiving goes on.
  socket.on('error', () => pipeline.input.receiveErrors++);
  if (input.receiveBuffer > 0) {
    try {
      socket.setRecvBufferSize(input.receiveBuffer);
    } catch {
      // Reported through the granted size below.
    }
  }
  ready({ receiveBuffer: socket.getRecvBufferSize(), port: socket.address().port });
  if (!stop.aborted) await once(stop, 'abort');
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}
