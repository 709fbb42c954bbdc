// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalize } from './functions.ts';
import {
  ClassifierRuntimeError,
  compileExporterRules,
  compileInterfaceRules,
  type ExporterClassification,
  type InterfaceClassification,
  type InterfaceInfo,
} from './root.ts';

const exporter = { ip: '2001:db8::1', name: 'th2-edge1.example.fr' };
const iface: InterfaceInfo = { index: 10, name: 'Gi0/0/0', description: 'Transit: Cogent 1-3834938493', speed: 10_000, vlan: 100 };
const E = (o: Partial<ExporterClassification>): ExporterClassification => ({
  group: '',
  role: '',
  site: '',
  region: '',
  tenant: '',
  reject: false,
  ...o,
});
const I = (o: Partial<InterfaceClassification>): InterfaceClassification => ({
  provider: '',
  connectivity: '',
  boundary: 'undefined',
  name: iface.name,
  description: iface.description,
  reject: false,
  ...o,
});

describe('exporter rules', () => {
  const cases: Array<[string, string[], Partial<ExporterClassification>]> = [
    ['no rules', [], {}],
    ['ClassifyGroup', ['ClassifyGroup("Paris Edge")'], { group: 'parisedge' }],
    ['Classify is ClassifyGroup', ['Classify("g1")'], { group: 'g1' }],
    ['ClassifyRole', ['ClassifyRole("edge")'], { role: 'edge' }],
    ['ClassifySite', ['ClassifySite("th2")'], { site: 'th2' }],
    ['ClassifyRegion', ['ClassifyRegion("Île-de-France")'], { region: 'le-de-france' }],
    ['ClassifyTenant', ['ClassifyTenant("team_a")'], { tenant: 'teama' }],
    ['all fields', ['ClassifyGroup("g") && ClassifyRole("r") && ClassifySite("s") && ClassifyRegion("re") && ClassifyTenant("t")'], { group: 'g', role: 'r', site: 's', region: 're', tenant: 't' }],
    ['first rule wins', ['ClassifySite("a")', 'ClassifySite("b")'], { site: 'a' }],
    ['empty value leaves the field open', ['ClassifySite("!!")', 'ClassifySite("b")'], { site: 'b' }],
    ['condition false', ['Exporter.Name endsWith ".it" && ClassifyRegion("italy")', 'Exporter.Name endsWith ".fr" && ClassifyRegion("france")'], { region: 'france' }],
    ['chain continues after a set field', ['ClassifySite("x")', 'ClassifySite("y") && ClassifyRole("core")'], { site: 'x', role: 'core' }],
    ['ClassifySiteRegex $1', ['ClassifySiteRegex(Exporter.Name, "^([^-]+)-", "$1")'], { site: 'th2' }],
    ['Regex ${1} and text', ['ClassifySiteRegex(Exporter.Name, "^([a-z]+)(\\\\d)", "${1}-${2}x")'], { site: 'th-2x' }],
    ['Regex named group', ['ClassifySiteRegex(Exporter.Name, "^(?P<site>[a-z0-9]+)", "$site")'], { site: 'th2' }],
    ['Regex no match returns false', ['ClassifySiteRegex(Exporter.Name, "^nomatch", "$1") || ClassifyRole("fallback")'], { role: 'fallback' }],
    ['Regex no match keeps the chain short', ['ClassifyRegionRegex(Exporter.Name, "\\\\.it$", "italy") && ClassifyRole("x")'], {}],
    ['Regex already set returns true', ['ClassifySite("a")', 'ClassifySiteRegex(Exporter.Name, "^nomatch", "$1") && ClassifyRole("r")'], { site: 'a', role: 'r' }],
    ['Regex template normalized', ['ClassifyTenantRegex(Exporter.Name, "\\\\.([a-z]+)\\\\.fr$", "Team $1!")'], { tenant: 'teamexample' }],
    ['Regex $1x names group 1x (empty)', ['ClassifySiteRegex(Exporter.Name, "^(th)", "$1x")'], {}],
    ['Regex $$ is a dollar (removed by normalization)', ['ClassifySiteRegex(Exporter.Name, "^(th)", "a$$b")'], { site: 'ab' }],
    ['case-insensitive flag group', ['ClassifyRoleRegex(Exporter.Name, "(?i)(EDGE)", "$1")'], { role: 'edge' }],
    ['Reject', ['Exporter.IP startsWith "2001:db8:" && Reject()'], { reject: true }],
    ['Reject stops the list', ['Reject()', 'ClassifyGroup("x")'], { reject: true }],
    ['Reject returns false (as in Akvorado)', ['Reject() || ClassifyGroup("x")'], { reject: true, group: 'x' }],
    ['Format', ['ClassifyGroup(Format("%s-%d-%v-%%", Exporter.Name, 5, true))'], { group: 'th2-edge1.example.fr-5-true-' }],
    ['Format %q', ['ClassifyGroup(Format("%q", "a"))'], { group: 'a' }],
    ['lower upper trim', ['lower("AB") == "ab" && upper("ab") == "AB" && trim("  x ") == "x" && ClassifyGroup("ok")'], { group: 'ok' }],
    ['in', ['Exporter.IP in ["192.0.2.1", "2001:db8::1"] && ClassifyGroup("in")'], { group: 'in' }],
    ['not in', ['Exporter.IP not in ["192.0.2.1"] && ClassifyGroup("notin")'], { group: 'notin' }],
    ['matches', ['Exporter.Name matches "^th[0-9]-" && ClassifyGroup("m")'], { group: 'm' }],
    ['not matches', ['Exporter.Name not matches "^th[0-9]-" && ClassifyGroup("m")'], {}],
    ['contains', ['Exporter.Name contains "edge" && ClassifyRole("edge")'], { role: 'edge' }],
    ['string comparison', ['Exporter.Name > "a" && Exporter.Name <= "zz" && ClassifyGroup("cmp")'], { group: 'cmp' }],
    ['arithmetic', ['7 / 2 == 3 && 7 % 2 == 1 && -7 / 2 == -3 && 2 * 3 - 1 == 5 && ClassifyGroup("math")'], { group: 'math' }],
    ['string concatenation', ['ClassifyGroup("a" + "b")'], { group: 'ab' }],
    ['or short-circuits', ['true || ClassifyGroup("x")'], {}],
    ['and short-circuits', ['false && ClassifyGroup("x")'], {}],
  ];
  for (const [name, rules, want] of cases) {
    it(name, () => assert.deepEqual(compileExporterRules(rules).classify(exporter), E(want)));
  }

  it('stops once every field is set', () => {
    const rules = ['ClassifyGroup("g") && ClassifyRole("r") && ClassifySite("s") && ClassifyRegion("re") && ClassifyTenant("t")', '1 / 0 == 0'];
    const errors: ClassifierRuntimeError[] = [];
    compileExporterRules(rules).classify(exporter, (err) => errors.push(err));
    assert.deepEqual(errors, []);
  });
});

describe('interface rules', () => {
  const doc = [
    `ClassifyConnectivityRegex(Interface.Description, "^(?i)(transit|pni|ppni|ix):? ", "$1") &&
     ClassifyProviderRegex(Interface.Description, "^[^ ]+? ([^ ]+)", "$1") &&
     ClassifyExternal()`,
    'ClassifyInternal()',
  ];
  const cases: Array<[string, string[], Partial<InterfaceInfo>, Partial<InterfaceClassification>]> = [
    ['no rules', [], {}, {}],
    ['documentation example, transit', doc, {}, { connectivity: 'transit', provider: 'cogent', boundary: 'external' }],
    ['documentation example, PNI', doc, { description: 'PNI: Netflix (WL6-1190)' }, { connectivity: 'pni', provider: 'netflix', boundary: 'external' }],
    ['documentation example, core', doc, { description: 'Core: to par2' }, { boundary: 'internal' }],
    ['ClassifyProvider', ['ClassifyProvider("Cogent Communications")'], {}, { provider: 'cogentcommunications' }],
    ['ClassifyConnectivity', ['ClassifyConnectivity("IX")'], {}, { connectivity: 'ix' }],
    ['ClassifyExternal', ['ClassifyExternal()'], {}, { boundary: 'external' }],
    ['ClassifyInternal', ['ClassifyInternal()'], {}, { boundary: 'internal' }],
    ['first boundary wins', ['ClassifyInternal()', 'ClassifyExternal()'], {}, { boundary: 'internal' }],
    ['SetName keeps case', ['SetName(Format("%s.%d", Interface.Name, Interface.VLAN))'], {}, { name: 'Gi0/0/0.100' }],
    ['SetName first wins', ['SetName("a")', 'SetName("b")'], {}, { name: 'a' }],
    ['SetDescription', ['SetDescription(upper(Interface.Description))'], {}, { description: 'TRANSIT: COGENT 1-3834938493' }],
    ['Reject', ['Interface.VLAN == 100 && Reject()'], {}, { reject: true }],
    ['Reject stops the list', ['Reject()', 'ClassifyExternal()'], {}, { reject: true }],
    ['speed and index', ['Interface.Speed >= 10000 && Interface.Index in [10, 11] && ClassifyConnectivity("ten")'], {}, { connectivity: 'ten' }],
    ['exporter variables', ['Exporter.Name startsWith "th2" && ClassifyProvider(Exporter.IP)'], {}, { provider: '2001db81' }],
    ['ProviderRegex no match', ['ClassifyProviderRegex(Interface.Name, "^xe-", "x") || ClassifyProvider("other")'], {}, { provider: 'other' }],
    [
      'stops when provider, connectivity and boundary are set',
      ['ClassifyProvider("p") && ClassifyConnectivity("c") && ClassifyExternal()', 'SetName("late")'],
      {},
      { provider: 'p', connectivity: 'c', boundary: 'external' },
    ],
    ['SetName does not keep the list going alone', ['SetName("n")', 'ClassifyInternal()'], {}, { name: 'n', boundary: 'internal' }],
    ['unicode class', ['Interface.Description matches "\\\\p{Lu}[[:lower:]]+:" && ClassifyConnectivity("u")'], {}, { connectivity: 'u' }],
  ];
  for (const [name, rules, info, want] of cases) {
    it(name, () => {
      const i = { ...iface, ...info };
      const expected = I({ description: i.description, ...want });
      assert.deepEqual(compileInterfaceRules(rules).classify(exporter, i), expected);
    });
  }
});

describe('run-time errors', () => {
  const cases: Array<[string, string]> = [
    ['dynamic regex', 'Exporter.Name matches Format("(%s", Exporter.Name)'],
    ['dynamic regex in ClassifyRegex', 'ClassifySiteRegex(Exporter.Name, Exporter.Name + "(", "$1")'],
    ['dynamic format', 'ClassifyGroup(Format(Exporter.Name + "%d", "x"))'],
    ['division by zero', 'Exporter.Name == "x" || 1 / (2 - 2) == 1'],
    ['modulo by zero', '5 % 0 == 1'],
  ];
  for (const [name, rule] of cases) {
    it(`stops the list and reports: ${name}`, () => {
      const errors: ClassifierRuntimeError[] = [];
      const rules = ['ClassifyRole("before")', rule, 'ClassifyGroup("after")'];
      const got = compileExporterRules(rules).classify(exporter, (err) => errors.push(err));
      assert.deepEqual(got, E({ role: 'before' }));
      assert.equal(errors.length, 1);
      assert.ok(errors[0] instanceof ClassifierRuntimeError);
      assert.equal(errors[0].code, 'AKV_CLASSIFIER_RUNTIME');
      assert.equal(errors[0].ruleIndex, 1);
    });
  }
});

describe('normalize', () => {
  const cases: Array<[string, string]> = [
    ['Cogent', 'cogent'],
    ['Level 3 / Lumen', 'level3lumen'],
    ['a.b+c-d_e', 'a.b+c-de'],
    ['ÉTÉ', 't'],
    ['', ''],
  ];
  for (const [input, want] of cases) it(JSON.stringify(input), () => assert.equal(normalize(input), want));
});
