// SPDX-License-Identifier: AGPL-3.0-only
// Protobuf encoding of decoded flows (the inlet's step before Kafka), on
// one core, over batches decoded from realistic NetFlow v9 datagrams.
import { MAX_MESSAGE_SIZE, ProtobufEncoder } from '../src/common/schema/protobuf.ts';
import { Schema } from '../src/common/schema/root.ts';
import { FlowBatch } from '../src/inlet/flow/batch.ts';
import { NetFlowDecoder } from '../src/inlet/flow/decoder/netflow/root.ts';
import { Exporter } from '../src/inlet/flow/decoder/root.ts';
import { realisticV9 } from '../src/inlet/flow/decoder/netflow/testdata/builder.ts';
import { parseIP } from '../src/common/helpers/ip.ts';
import { measureRate, type Figure } from './measure.ts';

export async function run(): Promise<Figure[]> {
  const batch = new FlowBatch(4096);
  const decoder = new NetFlowDecoder({ timestampSource: 'input' });
  const exporter = new Exporter('192.0.2.1', parseIP('192.0.2.1')!);
  const v9 = realisticV9(100);
  decoder.decode(v9.templates!, exporter, 1_700_000_000, batch);
  batch.clear();
  for (const d of v9.datagrams) decoder.decode(d, exporter, 1_700_000_000, batch);
  const schema = new Schema({ enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] });
  const encoder = new ProtobufEncoder(schema);
  const out = new Uint8Array(batch.length * MAX_MESSAGE_SIZE);
  let size = 0;
  const figure = measureRate('encode.protobuf.flows_per_s', 'flows/s', () => {
    // As the Kafka component does: one scan of the batch, then its rows.
    encoder.prepare(batch);
    size = encoder.encode(batch, 0, batch.length, out, 0);
    return batch.length;
  });
  console.log(`# encode: ${batch.length} flows, ${(size / batch.length).toFixed(1)} bytes per flow`);
  return [figure];
}
