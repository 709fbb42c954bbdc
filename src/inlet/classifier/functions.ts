// SPDX-License-Identifier: AGPL-3.0-only
import { ClassifierRuntimeError } from './errors.ts';
import { formatValues } from './format.ts';
import { compileRegex, expandTemplate, type Regex } from './regex.ts';
import type { Env, ExporterClassification, InterfaceClassification, Type, Value } from './types.ts';

/** RuleKind tells exporter rules from interface rules: they see different variables and functions. */
export type RuleKind = 'exporter' | 'interface';

/** FunctionDef declares a function of the rule language: its signature and its body. */
export interface FunctionDef {
  params: readonly Type[];
  /** variadic accepts any number of extra arguments of any type. */
  variadic: boolean;
  returns: Type;
  /** regexParam is the index of a pattern parameter, checked at compile time when it is a literal. */
  regexParam: number;
  /** formatParam is the index of a Format() string parameter, checked at compile time when literal. */
  formatParam: number;
  call: (env: Env, args: readonly Value[]) => Value;
}

/** VariableDef declares a variable (`Exporter.Name`): its type and how to read it. */
export interface VariableDef {
  type: Type;
  get: (env: Env) => Value;
}

/**
 * normalize is applied to every classification (not to SetName and
 * SetDescription), as Akvorado does: lower case, and only letters, digits,
 * ".", "+" and "-" are kept.
 */
export function normalize(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.+-]+/g, '');
}

/** regexOrThrow compiles a pattern met at run time, or throws ClassifierRuntimeError. */
export function regexOrThrow(pattern: string): Regex {
  const re = compileRegex(pattern);
  if (typeof re === 'string') throw new ClassifierRuntimeError(re);
  return re;
}

function fn(params: readonly Type[], returns: Type, call: FunctionDef['call'], extra: Partial<FunctionDef> = {}): FunctionDef {
  return { params, variadic: false, returns, regexParam: -1, formatParam: -1, call, ...extra };
}

type Field<R> = { [K in keyof R]: R[K] extends string ? K : never }[keyof R];

// classifiers adds `Name(value)` and `NameRegex(input, regex, template)`
// setting one field of a classification. The first rule to set a field wins:
// later calls leave it and return true. The Regex form returns false when
// the input does not match (and the field is still unset).
function classifiers<R>(
  table: Map<string, FunctionDef>,
  name: string,
  result: (env: Env) => R,
  field: Field<R>,
): void {
  table.set(
    name,
    fn(['string'], 'bool', (env, [value]) => {
      const r = result(env) as Record<Field<R>, string>;
      if (r[field] === '') r[field] = normalize(value as string);
      return true;
    }),
  );
  table.set(
    `${name}Regex`,
    fn(
      ['string', 'string', 'string'],
      'bool',
      (env, [input, pattern, template]) => {
        const r = result(env) as Record<Field<R>, string>;
        if (r[field] !== '') return true;
        const m = regexOrThrow(pattern as string).exec(input as string);
        if (m === null) return false;
        r[field] = normalize(expandTemplate(template as string, m));
        return true;
      },
      { regexParam: 1 },
    ),
  );
}

function common(): Map<string, FunctionDef> {
  const table = new Map<string, FunctionDef>();
  table.set(
    'Format',
    fn(['string'], 'string', (_env, [fmt, ...args]) => formatValues(fmt as string, args), { variadic: true, formatParam: 0 }),
  );
  table.set('lower', fn(['string'], 'string', (_env, [s]) => (s as string).toLowerCase()));
  table.set('upper', fn(['string'], 'string', (_env, [s]) => (s as string).toUpperCase()));
  table.set('trim', fn(['string'], 'string', (_env, [s]) => (s as string).trim()));
  return table;
}

function exporterFunctions(): Map<string, FunctionDef> {
  const table = common();
  const result = (env: Env): ExporterClassification => env.exporterResult;
  classifiers(table, 'Classify', result, 'group'); // Akvorado's older name of ClassifyGroup
  classifiers(table, 'ClassifyGroup', result, 'group');
  classifiers(table, 'ClassifyRole', result, 'role');
  classifiers(table, 'ClassifySite', result, 'site');
  classifiers(table, 'ClassifyRegion', result, 'region');
  classifiers(table, 'ClassifyTenant', result, 'tenant');
  table.set(
    'Reject',
    fn([], 'bool', (env) => {
      env.exporterResult.reject = true;
      return false;
    }),
  );
  return table;
}

function interfaceFunctions(): Map<string, FunctionDef> {
  const table = common();
  const result = (env: Env): InterfaceClassification => env.interfaceResult;
  classifiers(table, 'ClassifyProvider', result, 'provider');
  classifiers(table, 'ClassifyConnectivity', result, 'connectivity');
  for (const [name, boundary] of [
    ['ClassifyExternal', 'external'],
    ['ClassifyInternal', 'internal'],
  ] as const) {
    table.set(
      name,
      fn([], 'bool', (env) => {
        if (env.interfaceResult.boundary === 'undefined') env.interfaceResult.boundary = boundary;
        return true;
      }),
    );
  }
  for (const [name, field] of [
    ['SetName', 'name'],
    ['SetDescription', 'description'],
  ] as const) {
    table.set(
      name,
      fn(['string'], 'bool', (env, [value]) => {
        if (env.interfaceResult[field] === '') env.interfaceResult[field] = value as string;
        return true;
      }),
    );
  }
  table.set(
    'Reject',
    fn([], 'bool', (env) => {
      env.interfaceResult.reject = true;
      return false;
    }),
  );
  return table;
}

function exporterVariables(): Map<string, VariableDef> {
  return new Map<string, VariableDef>([
    ['Exporter.IP', { type: 'string', get: (env) => env.exporter.ip }],
    ['Exporter.Name', { type: 'string', get: (env) => env.exporter.name }],
  ]);
}

function interfaceVariables(): Map<string, VariableDef> {
  const table = exporterVariables();
  table.set('Interface.Index', { type: 'int', get: (env) => env.iface.index });
  table.set('Interface.Name', { type: 'string', get: (env) => env.iface.name });
  table.set('Interface.Description', { type: 'string', get: (env) => env.iface.description });
  table.set('Interface.Speed', { type: 'int', get: (env) => env.iface.speed });
  table.set('Interface.VLAN', { type: 'int', get: (env) => env.iface.vlan });
  return table;
}

/** Language is what rules of one kind may use: variables by dotted path and functions by name. */
export interface Language {
  kind: RuleKind;
  variables: ReadonlyMap<string, VariableDef>;
  functions: ReadonlyMap<string, FunctionDef>;
}

/** LANGUAGES holds the variables and functions of exporter and of interface rules. */
export const LANGUAGES: Readonly<Record<RuleKind, Language>> = {
  exporter: { kind: 'exporter', variables: exporterVariables(), functions: exporterFunctions() },
  interface: { kind: 'interface', variables: interfaceVariables(), functions: interfaceFunctions() },
};
