// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { AkvoradoError, ERROR_CODES, hasCode } from './errors.ts';

it('documents every error code, and only existing ones', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(AKV_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]));
  for (const code of ERROR_CODES) assert.ok(documented.has(code), `${code} is not in docs/errors.md`);
  for (const code of documented) {
    assert.ok((ERROR_CODES as readonly string[]).includes(code!), `docs/errors.md lists ${code}, which no longer exists`);
  }
});

it('carries its code through JSON and cause', () => {
  const cause = new Error('ECONNREFUSED');
  const err = new AkvoradoError('AKV_COMPONENT_START', 'kafka: cannot connect', { cause });
  assert.deepEqual(JSON.parse(JSON.stringify(err)), { code: 'AKV_COMPONENT_START', message: 'kafka: cannot connect' });
  assert.equal(err.cause, cause);
  assert.ok(hasCode(err, 'AKV_COMPONENT_START'));
  assert.ok(!hasCode(cause, 'AKV_COMPONENT_START'));
});
