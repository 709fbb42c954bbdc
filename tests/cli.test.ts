// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exampleYAML, markdownTable } from '../src/common/config/docs.ts';
import { SERVICE_DEFINITIONS } from '../src/cmd/services.ts';

const root = new URL('../', import.meta.url).pathname;
const bin = join(root, 'bin', 'akvorado');

// akvorado runs bin/akvorado from the sources (a build may or may not exist).
function akvorado(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(bin, args, {
    cwd: root,
    env: { ...process.env, AKVORADO_FROM_SOURCES: '1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('command line', () => {
  it('prints the version, commit and Node.js version', () => {
    const r = akvorado(['version']);
    assert.equal(r.code, 0);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    assert.match(r.stdout, new RegExp(`^akvorado ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(r.stdout, /^ {2}commit: \S+$/m);
    assert.match(r.stdout, new RegExp(`^ {2}node: ${process.version.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('checks config.example.yaml for every service', () => {
    for (const s of SERVICE_DEFINITIONS) {
      const r = akvorado([s.name, '--check', '-c', 'config.example.yaml']);
      assert.equal(r.code, 0, `${s.name}: ${r.stderr}`);
    }
  });

  it('rejects a misspelled key, naming its full path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'akvorado-cli-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'inlet:\n  daemon:\n    stop-timout: 5s\n');
    const r = akvorado(['inlet', '--check', '-c', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bad\.yaml:3:5: inlet\.daemon\.stop-timout: unknown key/);
  });

  it('dumps the effective configuration with defaults and environment overrides', () => {
    const r = akvorado(['inlet', '--dump', '-c', 'config.example.yaml'], {
      AKVORADO_CFG_INLET_HTTP_LISTEN: '127.0.0.1:9999',
      AKVORADO_CFG_INLET_DAEMON_STOPTIMEOUT: '1m',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^inlet:\n/);
    assert.match(r.stdout, /^ {4}listen: 127\.0\.0\.1:9999$/m);
    assert.match(r.stdout, /^ {4}stop-timeout: 1m$/m);
    assert.match(r.stdout, /^ {4}level: info$/m);
  });

  it('says plainly when a service is not available yet', () => {
    for (const s of SERVICE_DEFINITIONS.filter((d) => d.run === undefined)) {
      const r = akvorado([s.name, '-c', 'config.example.yaml']);
      assert.equal(r.code, 2, s.name);
      assert.match(r.stderr, new RegExp(`^akvorado: ${s.name}: this service is not available yet`));
    }
  });

  it('rejects unknown commands and options', () => {
    assert.equal(akvorado(['frobnicate']).code, 64);
    const r = akvorado(['inlet', '--chek']);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /Unknown argument: chek/);
  });

  it('keeps config.example.yaml and docs/configuration.md in sync with the schemas', () => {
    const example = readFileSync(join(root, 'config.example.yaml'), 'utf8');
    assert.equal(example, exampleYAML(SERVICE_DEFINITIONS), 'config.example.yaml is stale: run make config-docs');
    const doc = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
    assert.ok(doc.includes(markdownTable(SERVICE_DEFINITIONS)), 'docs/configuration.md is stale: run make config-docs');
  });
});
