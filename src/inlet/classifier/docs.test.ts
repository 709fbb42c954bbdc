// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as parseYAML } from 'yaml';
import { compileExporterRules, compileInterfaceRules, rulesFormat } from './root.ts';

// The examples of docs/classifiers.md compile and do what the text says.
const doc = readFileSync(new URL('../../../docs/classifiers.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map(
  (m) => parseYAML(m[1]!) as { 'exporter-classifiers'?: string[]; 'interface-classifiers'?: string[] },
);

describe('docs/classifiers.md', () => {
  it('has examples that compile', () => {
    assert.ok(blocks.length >= 3);
    for (const b of blocks) {
      compileExporterRules(b['exporter-classifiers'] ?? []);
      compileInterfaceRules(b['interface-classifiers'] ?? []);
    }
  });

  it('classifies interfaces as described', () => {
    const rules = compileInterfaceRules(blocks[1]!['interface-classifiers']!);
    const exporter = { ip: '192.0.2.1', name: 'par1-edge1.example.net' };
    const classify = (description: string, extra: { name?: string; vlan?: number; exporter?: string } = {}) => {
      const e = extra.exporter === undefined ? exporter : { ...exporter, name: extra.exporter };
      const i = { index: 1, name: extra.name ?? 'et-0/0/1', description, speed: 100_000, vlan: extra.vlan ?? 0 };
      const r = rules.classify(e, i);
      return [r.connectivity, r.provider, r.boundary, r.reject];
    };
    assert.deepEqual(classify('Transit: Cogent [1-3834938493]'), ['transit', 'cogent', 'external', false]);
    assert.deepEqual(classify('PNI: Netflix'), ['pni', 'netflix', 'external', false]);
    assert.deepEqual(classify('IX: France-IX (peering LAN)'), ['ix', 'france-ix', 'external', false]);
    assert.deepEqual(classify('Cust: AS64500 Example Corp'), ['customer', 'as64500', 'external', false]);
    assert.deepEqual(classify('LAN', { exporter: 'ix-par1', vlan: 200 }), ['ix', 'ix-vlan200', 'external', false]);
    assert.deepEqual(classify('', { name: 'fxp0' }), ['', '', 'undefined', true]);
    assert.deepEqual(classify('Core: par1-core2'), ['core', '', 'internal', false]);
  });

  it('classifies exporters as described', () => {
    const rules = compileExporterRules(blocks[2]!['exporter-classifiers']!);
    const r = rules.classify({ ip: '2001:db8:ff::1', name: 'par1-edge2.example.net' });
    assert.deepEqual(r, { group: '', role: 'edge', site: 'par1', region: 'france', tenant: 'lab', reject: false });
    assert.equal(rules.classify({ ip: '192.0.2.1', name: 'x1.lab.example.net' }).reject, true);
  });

  it('shows a real error message', () => {
    const rules = ['ClassifyInternal()', 'Interface.VLAN == 100\n  && ClassifyProvider(Interface.Speed)'];
    assert.throws(
      () => rulesFormat('interface')(rules),
      (err: Error) => {
        const line = doc.split('\n').find((l) => l.startsWith('inlet.metadata.interface-classifiers: '));
        assert.equal(`inlet.metadata.interface-classifiers: ${err.message}`, line);
        return true;
      },
    );
  });
});
