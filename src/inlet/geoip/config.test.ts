// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { validateWith } from '../../common/config/schema.ts';
import { defaultConfiguration, schema } from './config.ts';

it('declares the geoip section', () => {
  assert.deepEqual(defaultConfiguration(), { asnDatabase: [], geoDatabase: [], optional: false });
  const ok = validateWith(schema, { 'asn-database': ['/a.mmdb'], 'geo-database': ['/b.mmdb', '/c.mmdb'], optional: true });
  assert.deepEqual(ok, { 'asn-database': ['/a.mmdb'], 'geo-database': ['/b.mmdb', '/c.mmdb'], optional: true });
  assert.throws(() => validateWith(schema, { 'geo-database': ['/b.mmdb', ''] }), /geo-database: .*1: expected a file path, got ""/);
  assert.throws(() => validateWith(schema, { 'geo-database': '/b.mmdb' }), /geo-database: .*expected a list of file paths/);
  assert.throws(() => validateWith(schema, { 'asn-databases': [] }), /asn-databases/);
});
