// SPDX-License-Identifier: AGPL-3.0-only
import type { BurstSampler, Reporter } from '../../common/reporter/root.ts';
import type { Counter } from '../../common/reporter/metrics.ts';
import { compileRule, type RuleFn } from './compile.ts';
import { ClassifierParseError, ClassifierRuntimeError } from './errors.ts';
import { LANGUAGES, type RuleKind } from './functions.ts';
import {
  newExporterClassification,
  newInterfaceClassification,
  type Env,
  type ExporterClassification,
  type ExporterInfo,
  type InterfaceClassification,
  type InterfaceInfo,
} from './types.ts';

export { ClassifierParseError, ClassifierRuntimeError } from './errors.ts';
export type * from './types.ts';

/**
 * Classifier rules, as in Akvorado: rules run in order against one exporter
 * (or one interface). A `Classify*()` call sets its field only if no earlier
 * rule did, so the first rule to classify a field wins, and returns true so
 * that `cond && ClassifyX(...) && ClassifyY(...)` chains go on. The list stops:
 * - at `Reject()`: the flows of this exporter or interface are dropped;
 * - once every field is set (exporter: group, role, site, region, tenant;
 *   interface: provider, connectivity, boundary; as in Akvorado, SetName and
 *   SetDescription do not keep the list going);
 * - at a run-time error: what earlier rules classified is kept, the error is
 *   handed to `onError`.
 */

/** OnRuleError receives a run-time rule error; `err.ruleIndex` says which rule. */
export type OnRuleError = (err: ClassifierRuntimeError) => void;

// compileRules compiles a list of rules; a parse error names the rule's index.
function compileRules(rules: readonly string[], kind: RuleKind): RuleFn[] {
  return rules.map((rule, i) => {
    try {
      return compileRule(rule, LANGUAGES[kind]);
    } catch (err) {
      if (err instanceof ClassifierParseError) throw err.withIndex(rule, i);
      throw err;
    }
  });
}

// run runs rules in order until `done` says so or a rule fails.
function run(rules: readonly RuleFn[], env: Env, done: () => boolean, onError?: OnRuleError): void {
  for (let i = 0; i < rules.length; i++) {
    try {
      rules[i]!(env);
    } catch (err) {
      const e =
        err instanceof ClassifierRuntimeError
          ? err
          : new ClassifierRuntimeError(`unexpected error: ${(err as Error).message}`, { cause: err });
      e.ruleIndex = i;
      onError?.(e);
      return;
    }
    if (done()) return;
  }
}

const NO_INTERFACE: InterfaceInfo = { index: 0, name: '', description: '', speed: 0, vlan: 0 };

/** ExporterClassifier runs compiled exporter rules. */
export class ExporterClassifier {
  /** length is the number of rules. */
  readonly length: number;
  private readonly rules: RuleFn[];

  constructor(rules: RuleFn[]) {
    this.rules = rules;
    this.length = rules.length;
  }

  /** classify runs the rules for one exporter and returns its classification. */
  classify(exporter: ExporterInfo, onError?: OnRuleError): ExporterClassification {
    const result = newExporterClassification();
    const env: Env = { exporter, iface: NO_INTERFACE, exporterResult: result, interfaceResult: newInterfaceClassification() };
    const done = () =>
      result.reject || (result.group !== '' && result.role !== '' && result.site !== '' && result.region !== '' && result.tenant !== '');
    run(this.rules, env, done, onError);
    return result;
  }
}

/** InterfaceClassifier runs compiled interface rules. */
export class InterfaceClassifier {
  /** length is the number of rules. */
  readonly length: number;
  private readonly rules: RuleFn[];

  constructor(rules: RuleFn[]) {
    this.rules = rules;
    this.length = rules.length;
  }

  /** classify runs the rules for one interface of an exporter and returns its classification. */
  classify(exporter: ExporterInfo, iface: InterfaceInfo, onError?: OnRuleError): InterfaceClassification {
    const result = newInterfaceClassification();
    const env: Env = { exporter, iface, exporterResult: newExporterClassification(), interfaceResult: result };
    const done = () => result.reject || (result.provider !== '' && result.connectivity !== '' && result.boundary !== 'undefined');
    run(this.rules, env, done, onError);
    if (result.name === '') result.name = iface.name;
    if (result.description === '') result.description = iface.description;
    return result;
  }
}

/** compileExporterRules compiles exporter rules; throws ClassifierParseError naming the bad rule. */
export function compileExporterRules(rules: readonly string[]): ExporterClassifier {
  return new ExporterClassifier(compileRules(rules, 'exporter'));
}

/** compileInterfaceRules compiles interface rules; throws ClassifierParseError naming the bad rule. */
export function compileInterfaceRules(rules: readonly string[]): InterfaceClassifier {
  return new InterfaceClassifier(compileRules(rules, 'interface'));
}

/**
 * rulesFormat returns a convict format validating a list of rules of one
 * kind at configuration load: each bad rule gives one line
 * `[index] line L, column C: reason (near "...")`. A schema entry would be:
 * `'exporter-classifiers': { doc, format: rulesFormat('exporter'), default: [], sensitive: true }`
 * (sensitive keeps convict from appending the whole list to the message).
 */
export function rulesFormat(kind: RuleKind): (value: unknown) => void {
  return (value: unknown) => {
    if (!Array.isArray(value)) throw new TypeError(`expected a list of rules, got ${JSON.stringify(value)}`);
    const lines: string[] = [];
    value.forEach((rule, i) => {
      if (typeof rule !== 'string') {
        lines.push(`[${i}] expected a rule (a string), got ${JSON.stringify(rule)}`);
        return;
      }
      try {
        compileRule(rule, LANGUAGES[kind]);
      } catch (err) {
        if (!(err instanceof ClassifierParseError)) throw err;
        const p = err.position;
        lines.push(`[${i}] line ${p.line}, column ${p.column}: ${err.reason} (near ${JSON.stringify(err.excerpt.split('\n')[0])})`);
      }
    });
    if (lines.length > 0) throw new TypeError(lines.join('; '));
  };
}

/** Configuration is the rules a ClassifierSet runs (fields of the inlet's metadata section). */
export interface Configuration {
  exporterClassifiers: readonly string[];
  interfaceClassifiers: readonly string[];
}

/**
 * ClassifierSet is the inlet's classifiers: the compiled rules of both kinds,
 * with run-time errors counted in `akvorado_<module>_errors_total{type}` and
 * logged through a burst sampler (3 per 10 s). Caching results per exporter
 * and interface is the caller's job.
 */
export class ClassifierSet {
  /** exporter runs the exporter rules. */
  readonly exporter: ExporterClassifier;
  /** iface runs the interface rules. */
  readonly iface: InterfaceClassifier;
  private readonly r: Reporter;
  private readonly sampler: BurstSampler;
  private readonly errors: { exporter: ReturnType<Counter<'type'>['labels']>; interface: ReturnType<Counter<'type'>['labels']> };

  /** The constructor compiles the rules (throws ClassifierParseError) and registers the metric. */
  constructor(r: Reporter, config: Configuration) {
    this.r = r;
    this.exporter = compileExporterRules(config.exporterClassifiers);
    this.iface = compileInterfaceRules(config.interfaceClassifiers);
    this.sampler = r.newSampler(3, 10_000);
    const counter = r.metrics.counter<'type'>({
      name: 'errors_total',
      help: 'Classifier rules that failed while running.',
      labelNames: ['type'],
    });
    this.errors = { exporter: counter.labels('exporter'), interface: counter.labels('interface') };
    this.errors.exporter.inc(0);
    this.errors.interface.inc(0);
  }

  /** classifyExporter classifies an exporter; a failing rule is counted and logged. */
  classifyExporter(exporter: ExporterInfo): ExporterClassification {
    return this.exporter.classify(exporter, (err) => this.failed('exporter', err, exporter));
  }

  /** classifyInterface classifies an interface of an exporter; a failing rule is counted and logged. */
  classifyInterface(exporter: ExporterInfo, iface: InterfaceInfo): InterfaceClassification {
    return this.iface.classify(exporter, iface, (err) => this.failed('interface', err, exporter, iface));
  }

  private failed(type: RuleKind, err: ClassifierRuntimeError, exporter: ExporterInfo, iface?: InterfaceInfo): void {
    this.errors[type].inc();
    if (!this.sampler.allow()) return;
    this.r.logger.warn(
      { err, type, index: err.ruleIndex, exporter: exporter.name || exporter.ip, ...(iface === undefined ? {} : { interface: iface.name }) },
      'error executing classifier',
    );
  }
}
