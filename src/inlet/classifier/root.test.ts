// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateWith } from '../../common/config/schema.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { ClassifierParseError, ClassifierSet, rulesFormat } from './root.ts';

const exporter = { ip: '192.0.2.1', name: 'edge1.example.net' };
const iface = { index: 3, name: 'et-0/0/3', description: 'IX: France-IX', speed: 100_000, vlan: 0 };

describe('ClassifierSet', () => {
  it('classifies exporters and interfaces', () => {
    const r = newMock();
    const set = new ClassifierSet(r.child('inlet/classifier'), {
      exporterClassifiers: ['ClassifyRoleRegex(Exporter.Name, "^([a-z]+)[0-9]", "$1")'],
      interfaceClassifiers: [
        'ClassifyConnectivityRegex(Interface.Description, "^(?i)(ix|transit):", "$1") && ClassifyExternal()',
        'ClassifyProviderRegex(Interface.Description, ": (.+)$", "$1")',
      ],
    });
    assert.deepEqual(set.classifyExporter(exporter), { group: '', role: 'edge', site: '', region: '', tenant: '', reject: false });
    assert.deepEqual(set.classifyInterface(exporter, iface), {
      provider: 'france-ix',
      connectivity: 'ix',
      boundary: 'external',
      name: 'et-0/0/3',
      description: 'IX: France-IX',
      reject: false,
    });
  });

  it('throws a parse error naming the rule', () => {
    const r = newMock();
    assert.throws(
      () => new ClassifierSet(r, { exporterClassifiers: [], interfaceClassifiers: ['ClassifyInternal()', 'ClassifyInternal('] }),
      (err: unknown) => err instanceof ClassifierParseError && err.ruleIndex === 1 && err.code === 'AKV_CLASSIFIER_PARSE',
    );
  });

  it('counts every run-time error and logs a few', async () => {
    const r = newMock();
    const set = new ClassifierSet(r.child('inlet/classifier'), {
      exporterClassifiers: ['ClassifySite("x")', 'Exporter.Name matches Format("(%s", Exporter.Name)'],
      interfaceClassifiers: ['ClassifyProviderRegex(Interface.Name, Interface.Name + "[", "$1")'],
    });
    assert.deepEqual(await r.getMetrics('akvorado_inlet_classifier_'), {
      'akvorado_inlet_classifier_errors_total{type="exporter"}': 0,
      'akvorado_inlet_classifier_errors_total{type="interface"}': 0,
    });
    for (let i = 0; i < 10; i++) {
      assert.equal(set.classifyExporter(exporter).site, 'x'); // kept from the rule before the failing one
      assert.equal(set.classifyInterface(exporter, iface).provider, '');
    }
    assert.deepEqual(await r.getMetrics('akvorado_inlet_classifier_'), {
      'akvorado_inlet_classifier_errors_total{type="exporter"}': 10,
      'akvorado_inlet_classifier_errors_total{type="interface"}': 10,
    });
    const logs = r.logs().filter((l) => l.msg === 'error executing classifier');
    assert.equal(logs.length, 3);
    assert.deepEqual(
      logs.map((l) => [l.module, l.type, l.index, l.exporter, (l.err as { code: string }).code]),
      [
        ['inlet/classifier', 'exporter', 1, 'edge1.example.net', 'AKV_CLASSIFIER_RUNTIME'],
        ['inlet/classifier', 'interface', 0, 'edge1.example.net', 'AKV_CLASSIFIER_RUNTIME'],
        ['inlet/classifier', 'exporter', 1, 'edge1.example.net', 'AKV_CLASSIFIER_RUNTIME'],
      ],
    );
    assert.equal(logs[1]!.interface, 'et-0/0/3');
  });
});

describe('rulesFormat', () => {
  const schema = {
    metadata: {
      'exporter-classifiers': { doc: 'rules', format: rulesFormat('exporter'), default: [] as string[], sensitive: true },
      'interface-classifiers': { doc: 'rules', format: rulesFormat('interface'), default: [] as string[], sensitive: true },
    },
  };

  it('accepts good rules', () => {
    const got = validateWith(schema, {
      metadata: { 'exporter-classifiers': ['ClassifyGroup("a")'], 'interface-classifiers': ['ClassifyInternal()'] },
    });
    assert.deepEqual(got, { metadata: { 'exporter-classifiers': ['ClassifyGroup("a")'], 'interface-classifiers': ['ClassifyInternal()'] } });
  });

  it('names each bad rule by its index and position', () => {
    assert.throws(
      () =>
        validateWith(schema, {
          metadata: {
            'exporter-classifiers': ['ClassifyGroup("a")', 'ClassifyProvider("x")', 'Exporter.Name ==', 42],
          },
        }),
      (err: unknown) => {
        assert.ok(err instanceof TypeError);
        assert.equal(
          err.message,
          'metadata.exporter-classifiers: [1] line 1, column 1: ClassifyProvider() is only available in interface rules (near "ClassifyProvider(\\"x\\")"); ' +
            '[2] line 1, column 17: unexpected end of rule (near "Exporter.Name =="); [3] expected a rule (a string), got 42',
        );
        return true;
      },
    );
  });

  it('refuses a value that is not a list', () => {
    assert.throws(() => rulesFormat('interface')('ClassifyInternal()'), /expected a list of rules/);
  });
});
