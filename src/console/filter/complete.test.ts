// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Schema } from '../../common/schema/root.ts';
import { completeFilter, quoteValue } from './complete.ts';
import { parseFilter } from './root.ts';

const schema = new Schema({ enabled: ['SrcMAC', 'MPLSLabels'], disabled: [], mainTableOnly: [], notMainTableOnly: [] });

// labels completes `text` at the `|` mark and returns from, to, labels and needsValues.
function labels(marked: string) {
  const cursor = marked.indexOf('|');
  const text = marked.replace('|', '');
  const c = completeFilter(text, cursor, schema);
  return { from: c.from, to: c.to, labels: c.candidates.map((x) => x.label), needsValues: c.needsValues };
}

describe('filter completion', () => {
  it('proposes column names, in any case, at the start and after connectives', () => {
    const all = labels('|');
    assert.ok(all.labels.includes('SrcAS') && all.labels.includes('NOT') && all.labels.includes('SrcMAC'));
    assert.ok(!all.labels.includes('TimeReceived'), 'not filterable');
    assert.ok(!all.labels.includes('TCPFlags'), 'not enabled');
    assert.deepEqual(labels('srcport|'), { from: 0, to: 7, labels: ['SrcPort'], needsValues: undefined });
    assert.deepEqual(labels('SrcPort = 1 AND dstp|'), { from: 16, to: 20, labels: ['DstPort'], needsValues: undefined });
    assert.deepEqual(labels('SrcPort = 1 OR (NOT dstp|').labels, ['DstPort']);
    assert.deepEqual(labels('Exp|orterName = x').from, 0);
    assert.deepEqual(labels('Exp|orterName = x').to, 12);
    const c = completeFilter('ExporterN', 9, schema).candidates[0]!;
    assert.deepEqual(c, { label: 'ExporterName', detail: 'string', quoted: false });
  });

  it('proposes the operators of the column', () => {
    assert.deepEqual(labels('SrcPort |').labels, ['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOTIN']);
    assert.deepEqual(labels('SrcAddr |').labels, ['=', '!=', '<<', '!<<', 'IN', 'NOTIN']);
    assert.deepEqual(labels('ExporterName i|').labels, ['ILIKE', 'IUNLIKE', 'IN']);
    assert.deepEqual(labels('SrcAddr !|'), { from: 8, to: 9, labels: ['!=', '!<<'], needsValues: undefined });
    assert.deepEqual(labels('Nope |').labels, []);
  });

  it('proposes values it knows, and asks for those ClickHouse knows', () => {
    assert.deepEqual(labels('InIfBoundary = |').labels, ['external', 'internal', 'undefined']);
    assert.deepEqual(labels('InIfBoundary = e|').labels, ['external']);
    assert.deepEqual(labels('FlowDirection != |').labels, ['ingress', 'egress', 'undefined']);
    assert.deepEqual(labels('EType = |').labels, ['IPv4', 'IPv6']);
    assert.deepEqual(labels('Proto = ic|').labels, ['icmp', 'icmpv6']);
    assert.deepEqual(labels('Proto IN (tcp, u|').labels, ['udp', 'udplite']);
    assert.deepEqual(labels('Proto IN |').labels, ['(']);
    assert.deepEqual(labels('ExporterName = |'), { from: 15, to: 15, labels: [], needsValues: { column: 'ExporterName', prefix: '' } });
    assert.deepEqual(labels('exportername = "th2|'), { from: 15, to: 19, labels: [], needsValues: { column: 'ExporterName', prefix: 'th2' } });
    assert.deepEqual(labels('ExporterName = "a\\"b|"').needsValues, { column: 'ExporterName', prefix: 'a"b' });
    assert.deepEqual(labels('SrcAS IN (AS1, |').needsValues, { column: 'SrcAS', prefix: '' });
    assert.deepEqual(labels('SrcPort = |').labels, []);
  });

  it('proposes what ends a condition or a list', () => {
    assert.deepEqual(labels('SrcPort = 80 |').labels, ['AND', 'OR']);
    assert.deepEqual(labels('SrcPort = 80 o|').labels, ['OR']);
    assert.deepEqual(labels('(SrcPort = 80 |').labels, ['AND', 'OR', ')']);
    assert.deepEqual(labels('SrcPort IN (80 |').labels, [',', ')']);
    assert.deepEqual(labels('SrcPort = 80 -- comment |').labels, []);
    assert.deepEqual(labels('SrcPort = 80 /* comment |').labels, []);
    assert.deepEqual(labels('SrcPort = 80 /* comment */ |').labels, ['AND', 'OR']);
    assert.deepEqual(labels('SrcPort SrcPort |').labels, []);
  });

  it('quotes values so that they parse back to themselves', () => {
    for (const v of ['plain', 'with "quotes"', 'back\\slash', "it's", '--', '/* x */', '']) {
      assert.deepEqual(parseFilter(`ExporterName = ${quoteValue(v)}`, schema).params, { p0: v });
    }
  });
});
