// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { hasCode } from '../errors.ts';
import { dumpConfiguration, loadConfiguration } from './root.ts';
import { defaultsOf, listOf, type SchemaNode } from './schema.ts';

const schema = {
  http: { listen: { doc: 'listen', format: 'listen', default: ':8080' } },
  timeout: { doc: 'timeout', format: 'duration', default: '5s' },
  'queue-size': { doc: 'queue', format: 'nat', default: 100 },
  workers: { doc: 'workers', format: 'positive', default: 2 },
  inputs: listOf('inputs', {
    type: { doc: 'type', format: ['udp', 'file'], default: 'udp' },
    listen: { doc: 'listen', format: 'listen', default: ':2055' },
    'receive-buffer': { doc: 'buffer', format: 'size', default: 0 },
  }),
} satisfies SchemaNode;

function writeYAML(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'akvorado-config-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, text);
  return file;
}

function loadError(text: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfiguration('inlet', schema, { file: writeYAML(text), env });
  } catch (err) {
    assert.ok(hasCode(err, 'AKV_CONFIG_INVALID') || hasCode(err, 'AKV_CONFIG_ENV') || hasCode(err, 'AKV_CONFIG_FILE'));
    return (err as Error).message;
  }
  assert.fail('configuration was accepted');
}

describe('configuration', () => {
  it('fills defaults and converts keys and durations', () => {
    const { config, effective } = loadConfiguration<Record<string, unknown>>('inlet', schema, { env: {} });
    assert.deepEqual(config, { http: { listen: ':8080' }, timeout: 5000, queueSize: 100, workers: 2, inputs: [] });
    assert.deepEqual(effective, { http: { listen: ':8080' }, timeout: '5s', 'queue-size': 100, workers: 2, inputs: [] });
    assert.deepEqual(defaultsOf(schema), config);
  });

  it('reads the service section and fills list item defaults', () => {
    const file = writeYAML('inlet:\n  timeout: 1m30s\n  inputs:\n    - listen: 127.0.0.1:6343\nconsole: {}\n');
    const { config } = loadConfiguration<Record<string, unknown>>('inlet', schema, { file, env: {} });
    assert.equal(config.timeout, 90_000);
    assert.deepEqual(config.inputs, [{ type: 'udp', listen: '127.0.0.1:6343', receiveBuffer: 0 }]);
  });

  it('accepts a positive integer where one is expected, and names the key of anything else', () => {
    const file = writeYAML('inlet:\n  workers: 3\n');
    assert.equal(loadConfiguration<Record<string, unknown>>('inlet', schema, { file, env: {} }).config.workers, 3);
    for (const bad of ['0', '-1', '1.5', 'two']) assert.match(loadError(`inlet:\n  workers: ${bad}\n`), /config\.yaml:2:\d+: inlet\.workers: .*positive integer/, bad);
  });

  it('names the full path of a misspelled key, with its line', () => {
    const msg = loadError('inlet:\n  http:\n    listn: 1.2.3.4:80\n');
    assert.match(msg, /config\.yaml:3:5: inlet\.http\.listn: unknown key/);
  });

  it('names the path of a bad value inside a list', () => {
    const msg = loadError('inlet:\n  inputs:\n    - listen: :2055\n    - listen: eth0\n      typo: 1\n');
    assert.match(msg, /inlet\.inputs\.1\.listen: expected host:port: value was "eth0"/);
    assert.match(msg, /inlet\.inputs\.1\.typo: unknown key/);
    assert.doesNotMatch(msg, /inputs\.0/);
  });

  it('rejects bad durations and unknown services', () => {
    assert.match(loadError('inlet:\n  timeout: 5 seconds\n'), /inlet\.timeout: expected a duration/);
    assert.match(loadError('inlett:\n  timeout: 5s\n'), /config\.yaml:1:1: inlett: unknown key/);
    assert.match(loadError('inlet:\n  timeout: [\n'), /invalid YAML/);
  });

  it('keeps free-form mappings whole, dotted keys included', () => {
    const freeform = {
      rates: {
        doc: 'rates',
        freeform: true,
        default: { 'retention.ms': 1 } as Record<string, number>,
        format(v: unknown) {
          if (typeof v !== 'object' || v === null) throw new TypeError('expected a mapping');
          for (const x of Object.values(v)) if (typeof x !== 'number') throw new TypeError(`expected numbers, got ${JSON.stringify(x)}`);
        },
      },
      nested: { more: { doc: 'more', freeform: true, default: 0, format: () => undefined } },
    } satisfies SchemaNode;
    assert.deepEqual(loadConfiguration<Record<string, unknown>>('inlet', freeform, { env: {} }).config, {
      rates: { 'retention.ms': 1 },
      nested: { more: 0 },
    });
    const file = writeYAML('inlet:\n  rates:\n    192.0.2.0/24: 100\n    2001:db8::/32: 10\n  nested:\n    more: {a.b: 1}\n');
    assert.deepEqual(loadConfiguration<Record<string, unknown>>('inlet', freeform, { file, env: {} }).config, {
      rates: { '192.0.2.0/24': 100, '2001:db8::/32': 10 },
      nested: { more: { 'a.b': 1 } },
    });
    const bad = writeYAML('inlet:\n  rates:\n    x.y: many\n');
    assert.throws(() => loadConfiguration('inlet', freeform, { file: bad, env: {} }), /inlet\.rates: expected numbers, got "many"/);
  });

  it('starts shared sections from the top level', () => {
    const shared = {
      ...schema,
      schema: { enabled: { doc: 'enabled', format: Array, default: [] }, disabled: { doc: 'disabled', format: Array, default: [] } },
    } satisfies SchemaNode;
    const file = writeYAML('schema:\n  enabled: [SrcMAC]\n  disabled: [SrcAS]\ninlet:\n  schema:\n    disabled: [DstAS]\nconsole: {}\n');
    const inlet = loadConfiguration<Record<string, unknown>>('inlet', shared, { file, env: {} });
    assert.deepEqual(inlet.config.schema, { enabled: ['SrcMAC'], disabled: ['DstAS'] });
    const console = loadConfiguration<Record<string, unknown>>('console', shared, { file, env: {} });
    assert.deepEqual(console.config.schema, { enabled: ['SrcMAC'], disabled: ['SrcAS'] });
    // A service without such a section ignores it.
    assert.equal(loadConfiguration<Record<string, unknown>>('configure', schema, { file, env: {} }).config.schema, undefined);
  });

  it('applies environment overrides, lists included', () => {
    const file = writeYAML('inlet:\n  inputs:\n    - listen: :2055\n');
    const env = {
      AKVORADO_CFG_INLET_QUEUESIZE: '42',
      AKVORADO_CFG_INLET_HTTP_LISTEN: '127.0.0.1:9999',
      AKVORADO_CFG_INLET_INPUTS_0_RECEIVEBUFFER: '1048576',
      AKVORADO_CFG_INLET_INPUTS_1_TYPE: 'file',
      AKVORADO_CFG_CONSOLE_QUEUESIZE: '7',
    };
    const { config, effective } = loadConfiguration<Record<string, unknown>>('inlet', schema, { file, env });
    assert.equal(config.queueSize, 42);
    assert.deepEqual(config.http, { listen: '127.0.0.1:9999' });
    assert.deepEqual(config.inputs, [
      { type: 'udp', listen: ':2055', receiveBuffer: 1048576 },
      { type: 'file', listen: ':2055', receiveBuffer: 0 },
    ]);
    assert.match(dumpConfiguration('inlet', effective), /queue-size: 42/);
  });

  it('rejects environment variables that name no key', () => {
    assert.match(loadError('{}', { AKVORADO_CFG_INLET_QUEUSIZE: '1' }), /AKVORADO_CFG_INLET_QUEUSIZE: no configuration key/);
    assert.match(loadError('{}', { AKVORADO_CFG_INLET_INPUTS_3_TYPE: 'udp' }), /index 3 skips elements/);
    assert.match(loadError('{}', { AKVORADO_CFG_INLET_HTTP: 'x' }), /is a section/);
  });
});
