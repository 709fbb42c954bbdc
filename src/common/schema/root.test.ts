// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import type { Configuration } from './config.ts';
import { COLUMNS } from './definition.ts';
import { Schema } from './root.ts';

const none: Configuration = { enabled: [], disabled: [], mainTableOnly: [], notMainTableOnly: [] };

describe('flow schema', () => {
  it('defines each column once, Dst and OutIf twins included', () => {
    const names = COLUMNS.map((c) => c.name);
    assert.equal(new Set(names).size, names.length);
    for (const n of names) {
      if (n.startsWith('Src')) assert.ok(names.includes(`Dst${n.slice(3)}`), n);
      if (n.startsWith('InIf')) assert.ok(names.includes(`OutIf${n.slice(4)}`), n);
    }
    for (const n of ['TimeReceived', 'SamplingRate', 'ExporterAddress', 'SrcAddr', 'DstAS', 'InIfName', 'OutIfSpeed', 'Proto', 'Bytes', 'Packets']) {
      assert.ok(names.includes(n), n);
    }
  });

  it('enables columns without renumbering the others', () => {
    const base = new Schema(none);
    const more = new Schema({ ...none, enabled: ['SrcMAC', 'DstMAC', 'MPLSLabels'] });
    assert.ok(!base.has('SrcMAC') && more.has('SrcMAC'));
    for (const c of base.protobufColumns) assert.deepEqual(more.column(c.name)!.protobuf, c.protobuf);
    assert.notEqual(base.topicName(), more.topicName());
    assert.match(base.topicName(), /^flows-[A-Za-z0-9_-]{10}$/);
    assert.equal(new Schema(none).topicName(), base.topicName(), 'the topic name is stable');
    assert.deepEqual(more.column('MPLSLabels')!.protobuf, { number: more.column('MPLSLabels')!.protobuf!.number, type: 'uint32', repeated: true });
  });

  it('rejects unknown, required and orphaned columns', () => {
    assert.throws(() => new Schema({ ...none, enabled: ['SrcMACC'] }), { code: 'AKV_SCHEMA_INVALID', message: /schema\.enabled: unknown column "SrcMACC"/ });
    assert.throws(() => new Schema({ ...none, disabled: ['Bytes'] }), /column "Bytes" cannot be disabled/);
    assert.throws(() => new Schema({ ...none, disabled: ['SrcAddr'] }), /column "SrcNetPrefix" needs column "SrcAddr"/);
    assert.throws(() => new Schema({ ...none, enabled: ['SrcVlan'], disabled: ['SrcVlan'] }), /both enabled and disabled/);
  });

  it('moves columns in and out of the rolled-up tables', () => {
    const s = new Schema({ ...none, mainTableOnly: ['InIfDescription'], notMainTableOnly: ['SrcPort'] });
    assert.equal(s.column('InIfDescription')!.mainOnly, true);
    assert.equal(s.column('SrcPort')!.mainOnly, false);
    assert.equal(s.column('DstPort')!.mainOnly, true);
  });

  it('describes its messages in protobuf that an independent library reads', () => {
    const s = new Schema({ ...none, enabled: ['MPLSLabels', 'SrcMAC'] });
    const root = protobuf.parse(s.protobufText()).root;
    const message = root.lookupType('FlowMessage');
    assert.equal(message.fieldsArray.length, s.protobufColumns.length);
    assert.equal(message.fields.Bytes!.type, 'uint64');
    assert.equal(message.fields.SrcAddr!.type, 'bytes');
    assert.equal(message.fields.ExporterName!.type, 'string');
    assert.equal(message.fields.MPLSLabels!.repeated, true);
    assert.equal(message.fields.SrcNetPrefix, undefined, 'aliases are computed by ClickHouse');
  });
});
