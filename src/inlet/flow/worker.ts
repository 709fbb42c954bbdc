// SPDX-License-Identifier: AGPL-3.0-only
// Entry point of the flow worker threads (a piscina task that runs until
// told to stop). Everything here runs off the main thread.
import type { MessagePort } from 'node:worker_threads';
import type { InputConfiguration, SamplingRateSetting } from './config.ts';
import { runFile } from './input/file.ts';
import { runUDP, type ReadyInfo } from './input/udp.ts';
import { Pipeline } from './pipeline.ts';
import type { MainMessage, WorkerMessage } from './stats.ts';

/** WorkerTask is what the main thread gives each worker. */
export interface WorkerTask {
  port: MessagePort;
  input: InputConfiguration;
  defaultSamplingRate: SamplingRateSetting;
  overrideSamplingRate: SamplingRateSetting;
  rateLimit: number;
  batchSize: number;
  /** flushIntervalMs bounds how long a flow waits in a partial batch. */
  flushIntervalMs: number;
  /** statsIntervalMs is how often counters are sent to the main thread. */
  statsIntervalMs: number;
  /** maxOutstandingBatches bounds the batches the main thread holds; beyond, flows are dropped and counted. */
  maxOutstandingBatches: number;
}

/** runWorker runs one input worker until the main thread says stop (or a file input ends). */
export default async function runWorker(task: WorkerTask): Promise<string> {
  const { port, input } = task;
  const send = (m: WorkerMessage, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const abort = new AbortController();
  port.on('message', (m: MainMessage) => {
    if (m.kind === 'stop') abort.abort();
    else if (m.kind === 'recycle') pipeline.recycle(m.buffer);
  });
  const pipeline = new Pipeline({
    decoder: input.decoder,
    decoderOptions: { timestampSource: input.timestampSource },
    defaultSamplingRate: task.defaultSamplingRate,
    overrideSamplingRate: task.overrideSamplingRate,
    rateLimit: task.rateLimit,
    useSrcAddrForExporterAddr: input.useSrcAddrForExporterAddr,
    batchSize: task.batchSize,
    maxOutstanding: task.maxOutstandingBatches,
    emit: (b) => send({ kind: 'batch', buffer: b.buffer, capacity: b.capacity, length: b.length }, [b.buffer]),
  });
  const sendStats = () => send({ kind: 'stats', ...pipeline.statsSnapshot(), input: { ...pipeline.input } });
  const statsTimer = setInterval(sendStats, task.statsIntervalMs);
  const flushTimer = setInterval(() => pipeline.flush(), task.flushIntervalMs);
  const ready = (info: ReadyInfo) => send({ kind: 'ready', ...info });
  let reason = 'stopped';
  try {
    if (input.type === 'udp') {
      await runUDP(input, pipeline, abort.signal, ready);
    } else {
      await runFile(input, pipeline, abort.signal, ready);
      if (!abort.signal.aborted) reason = 'end of files';
    }
  } finally {
    clearInterval(statsTimer);
    clearInterval(flushTimer);
    pipeline.flush();
    sendStats();
    send({ kind: 'done', reason });
  }
  return reason;
}
