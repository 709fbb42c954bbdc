// SPDX-License-Identifier: AGPL-3.0-only
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { isIP } from 'node:net';
import { parseListen } from '../../../common/config/formats.ts';
import type { InputConfiguration } from '../config.ts';
import type { Pipeline } from '../pipeline.ts';
import { loadNativeUDP, type NativeUDP } from './native.ts';

// The native receiver reads up to SLOTS datagrams per recvmmsg call into
// slots of SLOT_SIZE bytes: jumbo frames (9000 bytes of MTU) fit, like the
// 9000-byte read buffer of Akvorado in Go; larger datagrams are counted as
// receive errors. 64 × 9216 bytes is 576 KiB per worker, of which only the
// bytes received are touched.
const SLOTS = 64;
const SLOT_SIZE = 9216;

/** ReadyInfo is what an input reports once it receives. */
export interface ReadyInfo {
  receiveBuffer: number;
  port: number;
  /** receiver tells how datagrams are read: the recvmmsg addon, or node:dgram. */
  receiver?: 'native' | 'dgram';
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
  // The addon binds IP addresses only (names and zones go through dgram).
  const native = l.host === '' || isIP(l.host) !== 0 ? loadNativeUDP() : null;
  if (native !== null) return runNative(native, l, input, pipeline, stop, ready);
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
  ready({ receiveBuffer: socket.getRecvBufferSize(), port: socket.address().port, receiver: 'dgram' });
  if (!stop.aborted) await once(stop, 'abort');
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

// runNative is runUDP with the recvmmsg addon: one call per batch of up to
// SLOTS datagrams, sources as 16 bytes (no Buffer, object or text per datagram).
async function runNative(
  native: NativeUDP,
  l: { host: string; port: number },
  input: InputConfiguration,
  pipeline: Pipeline,
  stop: AbortSignal,
  ready: (info: ReadyInfo) => void,
): Promise<void> {
  const buffer = new ArrayBuffer(SLOTS * SLOT_SIZE);
  const bytes = new Uint8Array(buffer);
  const lengths = new Int32Array(SLOTS);
  const stride = native.ADDRESS_STRIDE;
  const addresses = new Uint8Array(SLOTS * stride);
  // A throwing pipeline is a bug: like an exception in a dgram 'message'
  // listener, it ends the worker's task (the remaining datagrams of the batch are lost).
  let fail: (err: unknown) => void = () => {};
  const failed = new Promise<never>((_, reject) => (fail = reject));
  const onBatch = (count: number): void => {
    if (count < 0) {
      pipeline.input.receiveErrors++;
      return;
    }
    const now = Date.now();
    try {
      for (let i = 0; i < count; i++) {
        const length = lengths[i]!;
        if (length < 0) {
          pipeline.input.receiveErrors++;
          continue;
        }
        const start = i * SLOT_SIZE;
        pipeline.handleFrom(bytes.subarray(start, start + length), addresses, i * stride, now);
      }
    } catch (err) {
      fail(err);
    }
  };
  let handle;
  try {
    handle = native.open(l.host, l.port, Math.min(Math.max(0, input.receiveBuffer), 0x7fffffff), buffer, lengths, addresses, onBatch);
  } catch (err) {
    throw new Error(`cannot listen on ${input.listen}: ${(err as Error).message}`, { cause: err });
  }
  try {
    ready({ receiveBuffer: handle.receiveBuffer, port: handle.port, receiver: 'native' });
    if (!stop.aborted) await Promise.race([once(stop, 'abort'), failed]);
  } finally {
    handle.close();
  }
}
