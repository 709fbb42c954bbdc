// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { defaultsOf } from '../../../common/config/schema.ts';
import { inputSchema, type InputConfiguration } from '../config.ts';
import { v5Datagram } from '../decoder/netflow/testdata/builder.ts';
import { Pipeline } from '../pipeline.ts';
import { loadNativeUDP, type NativeReceiver, type NativeUDP } from './native.ts';
import { runUDP, type ReadyInfo } from './udp.ts';

const native = loadNativeUDP();
// The addon is part of the build: a missing one fails here rather than
// skipping, unless the dgram fallback was asked for.
const skip = process.env.AKVORADO_NATIVE_UDP === '0' ? 'AKVORADO_NATIVE_UDP=0 asks for the dgram fallback' : false;

it('loads the native receiver', { skip }, () => {
  assert.ok(native !== null, 'native/udp is not built: run bash scripts/build-native.sh (make test does)');
});

interface Received {
  payload: Buffer;
  address: Buffer;
  port: number;
}

// receiver opens a native socket collecting datagrams until `want` arrived.
function receiver(
  n: NativeUDP,
  host: string,
  port: number,
  slots = 64,
  slotSize = 2048,
): { handle: NativeReceiver; got: Received[]; truncated: () => number; wait: (want: number) => Promise<void> } {
  const buffer = new ArrayBuffer(slots * slotSize);
  const lengths = new Int32Array(slots);
  const addresses = new Uint8Array(slots * n.ADDRESS_STRIDE);
  const got: Received[] = [];
  let truncated = 0;
  let waiter: (() => void) | null = null;
  let want = Infinity;
  const handle = n.open(host, port, 1 << 20, buffer, lengths, addresses, (count) => {
    assert.ok(count > 0 && count <= slots);
    for (let i = 0; i < count; i++) {
      const length = lengths[i]!;
      if (length < 0) {
        truncated++;
        continue;
      }
      const a = i * n.ADDRESS_STRIDE;
      got.push({
        payload: Buffer.from(new Uint8Array(buffer, i * slotSize, length)), // a copy: the slot is reused
        address: Buffer.from(addresses.subarray(a, a + 16)),
        port: (addresses[a + 16]! << 8) | addresses[a + 17]!,
      });
    }
    if (got.length + truncated >= want) waiter?.();
  });
  const wait = (w: number) =>
    new Promise<void>((resolve, reject) => {
      if (got.length + truncated >= w) return resolve();
      want = w;
      const timer = setTimeout(() => reject(new Error(`received ${got.length + truncated} of ${w}`)), 5000);
      waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  return { handle, got, truncated: () => truncated, wait };
}

async function sender(type: 'udp4' | 'udp6'): Promise<Socket> {
  const s = createSocket(type);
  s.bind(0, type === 'udp4' ? '127.0.0.1' : '::1');
  await once(s, 'listening');
  return s;
}

function send(s: Socket, payload: Uint8Array, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => s.send(payload, port, host, (err) => (err ? reject(err) : resolve())));
}

// pattern returns `length` bytes that tell datagrams apart.
function pattern(length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = (i * 7 + length) & 0xff;
  return b;
}

const MAPPED_LOOPBACK = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
const V6_LOOPBACK = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

describe('native UDP receiver', { skip }, () => {
  it('receives datagrams of every length from 0 to 600 over IPv4', async () => {
    const r = receiver(native!, '127.0.0.1', 0);
    const s = await sender('udp4');
    try {
      assert.ok(r.handle.port > 0);
      assert.ok(r.handle.receiveBuffer >= 1 << 20, `granted ${r.handle.receiveBuffer}`);
      const lengths = [...Array(601).keys(), 1500, 2048];
      for (const l of lengths) await send(s, pattern(l), r.handle.port, '127.0.0.1');
      await r.wait(lengths.length);
      assert.equal(r.truncated(), 0);
      assert.deepEqual(
        r.got.map((g) => g.payload.length),
        lengths,
      );
      for (const g of r.got) {
        assert.ok(g.payload.equals(pattern(g.payload.length)), `datagram of ${g.payload.length} bytes`);
        assert.ok(g.address.equals(MAPPED_LOOPBACK));
        assert.equal(g.port, s.address().port);
      }
    } finally {
      s.close();
      r.handle.close();
    }
  });

  it('receives over IPv6 and on a dual-stack socket', async () => {
    const r6 = receiver(native!, '::1', 0);
    const any = receiver(native!, '', 0);
    const s6 = await sender('udp6');
    const s4 = await sender('udp4');
    try {
      await send(s6, pattern(10), r6.handle.port, '::1');
      await r6.wait(1);
      assert.ok(r6.got[0]!.address.equals(V6_LOOPBACK));
      assert.equal(r6.got[0]!.port, s6.address().port);
      await send(s4, pattern(11), any.handle.port, '127.0.0.1');
      await send(s6, pattern(12), any.handle.port, '::1');
      await any.wait(2);
      const byLength = new Map(any.got.map((g) => [g.payload.length, g.address]));
      assert.ok(byLength.get(11)!.equals(MAPPED_LOOPBACK));
      assert.ok(byLength.get(12)!.equals(V6_LOOPBACK));
    } finally {
      s6.close();
      s4.close();
      r6.handle.close();
      any.handle.close();
    }
  });

  it('shares a port between two sockets (SO_REUSEPORT)', async () => {
    const a = receiver(native!, '127.0.0.1', 0);
    const b = receiver(native!, '127.0.0.1', a.handle.port);
    const senders = await Promise.all(Array.from({ length: 32 }, () => sender('udp4')));
    try {
      assert.equal(b.handle.port, a.handle.port);
      for (const s of senders) await send(s, pattern(20), a.handle.port, '127.0.0.1');
      const total = () => a.got.length + b.got.length;
      for (let i = 0; i < 100 && total() < senders.length; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(total(), senders.length);
      // 32 source ports hashed over two sockets: both get some (1 chance in 2^31 otherwise).
      assert.ok(a.got.length > 0 && b.got.length > 0, `${a.got.length}/${b.got.length}`);
    } finally {
      for (const s of senders) s.close();
      a.handle.close();
      b.handle.close();
    }
  });

  it('reports datagrams larger than a slot as truncated', async () => {
    const r = receiver(native!, '127.0.0.1', 0, 4, 100);
    const s = await sender('udp4');
    try {
      await send(s, pattern(100), r.handle.port, '127.0.0.1');
      await send(s, pattern(101), r.handle.port, '127.0.0.1');
      await send(s, pattern(5), r.handle.port, '127.0.0.1');
      await r.wait(3);
      assert.equal(r.truncated(), 1);
      assert.deepEqual(
        r.got.map((g) => g.payload.length),
        [100, 5],
      );
    } finally {
      s.close();
      r.handle.close();
    }
  });

  it('closes twice, from the callback, and keeps exceptions of the callback', async () => {
    const buffer = new ArrayBuffer(4 * 64);
    const lengths = new Int32Array(4);
    const addresses = new Uint8Array(4 * native!.ADDRESS_STRIDE);
    let calls = 0;
    const thrown = new Error('boom');
    let handle: NativeReceiver | null = null;
    const second = new Promise<void>((resolve) => {
      handle = native!.open('127.0.0.1', 0, 0, buffer, lengths, addresses, () => {
        calls++;
        if (calls === 1) throw thrown;
        handle!.close();
        handle!.close();
        resolve();
      });
    });
    const h = handle! as NativeReceiver;
    const s = await sender('udp4');
    try {
      await send(s, pattern(1), h.port, '127.0.0.1');
      for (let i = 0; i < 100 && calls === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(calls, 1);
      assert.equal(h.takeError(), thrown);
      assert.equal(h.takeError(), undefined);
      await send(s, pattern(1), h.port, '127.0.0.1');
      await second;
      await send(s, pattern(1), h.port, '127.0.0.1').catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(calls, 2);
      h.close();
      assert.throws(() => native!.open('127.0.0.1', 0, 0, buffer, new Int32Array(65), addresses, () => {}), RangeError);
    } finally {
      s.close();
    }
  });

  it('fails to bind a port in use without SO_REUSEPORT', async () => {
    const blocker = createSocket('udp4');
    blocker.bind(0, '127.0.0.1');
    await once(blocker, 'listening');
    try {
      assert.throws(
        () => receiver(native!, '127.0.0.1', blocker.address().port),
        (err: Error & { code?: string }) => err.code === 'EADDRINUSE',
      );
    } finally {
      blocker.close();
    }
  });

  it('feeds the pipeline through runUDP and counts truncated datagrams', async () => {
    const pipeline = new Pipeline({
      decoder: 'netflow',
      decoderOptions: { timestampSource: 'input' },
      defaultSamplingRate: 1,
      overrideSamplingRate: 0,
      rateLimit: 0,
      useSrcAddrForExporterAddr: false,
      batchSize: 64,
      emit: () => {},
    });
    const input: InputConfiguration = { ...defaultsOf<InputConfiguration>(inputSchema), listen: '127.0.0.1:0' };
    const stop = new AbortController();
    let info: ReadyInfo | null = null;
    let stopped: Promise<void> = Promise.resolve();
    const readyP = new Promise<void>((resolve) => {
      const done = runUDP(input, pipeline, stop.signal, (i) => {
        info = i;
        resolve();
      });
      stopped = done;
    });
    await readyP;
    const s = await sender('udp4');
    try {
      const r = info! as ReadyInfo;
      assert.equal(r.receiver, 'native');
      const datagram = v5Datagram({ sysUptime: 1000, unixSecs: 1_700_000_000 }, [
        { src: '192.0.2.1', dst: '198.51.100.1', packets: 3, bytes: 300, first: 0, last: 10, srcPort: 1, dstPort: 2, proto: 17 },
      ]);
      await send(s, datagram, r.port, '127.0.0.1');
      await send(s, Buffer.alloc(10_000), r.port, '127.0.0.1');
      await send(s, datagram, r.port, '127.0.0.1');
      for (let i = 0; i < 100 && pipeline.input.datagrams + pipeline.input.receiveErrors < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.equal(pipeline.input.datagrams, 2);
      assert.equal(pipeline.input.receiveErrors, 1);
      assert.equal(pipeline.emitted, 2);
      assert.deepEqual(pipeline.statsSnapshot().exporters, ['127.0.0.1']);
    } finally {
      s.close();
      stop.abort();
      await stopped;
    }
  });
});
