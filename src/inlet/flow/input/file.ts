// SPDX-License-Identifier: AGPL-3.0-only
import { readFile } from 'node:fs/promises';
import { setImmediate as yieldNow, setTimeout as sleep } from 'node:timers/promises';
import type { InputConfiguration } from '../config.ts';
import type { Pipeline } from '../pipeline.ts';
import { readCapture, type UDPDatagram } from './pcap.ts';
import type { ReadyInfo } from './udp.ts';

/** PASS_PAUSE_MS is the pause between two passes over the files in loop mode. */
export const PASS_PAUSE_MS = 1000;

/**
 * runFile replays the UDP datagrams of capture files through the pipeline,
 * as if received now from their original source addresses: once, or in a
 * loop with a pause between passes, until `max-flows` flows went through or
 * `stop` fires. For tests, demos and bug reports.
 */
export async function runFile(
  input: InputConfiguration,
  pipeline: Pipeline,
  stop: AbortSignal,
  ready: (info: ReadyInfo) => void,
): Promise<void> {
  const datagrams: UDPDatagram[] = [];
  for (const path of input.paths) {
    let data: Uint8Array;
    try {
      data = await readFile(path);
    } catch (err) {
      throw new Error(`cannot read capture file ${path}: ${(err as Error).message}`, { cause: err });
    }
    try {
      datagrams.push(...readCapture(data));
    } catch (err) {
      throw new Error(`${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  ready({ receiveBuffer: 0, port: 0 });
  if (datagrams.length === 0) return;
  const max = input.maxFlows;
  do {
    for (let i = 0; i < datagrams.length; i++) {
      const d = datagrams[i]!;
      pipeline.handle(d.payload, d.source, Date.now());
      if (max > 0 && pipeline.emitted >= max) return;
      // Let the stop message and timers in now and then.
      if ((i & 255) === 255) {
        await yieldNow();
        if (stop.aborted) return;
      }
    }
    if (!input.loop || stop.aborted) return;
    await sleep(PASS_PAUSE_MS, undefined, { signal: stop }).catch(() => undefined);
  } while (!stop.aborted);
}
