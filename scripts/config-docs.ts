// SPDX-License-Identifier: AGPL-3.0-only
// Writes config.example.yaml and the key tables of docs/configuration.md from
// the configuration schemas (`make config-docs`); a test fails when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { exampleYAML, markdownTable } from '../src/common/config/docs.ts';
import { SERVICE_DEFINITIONS } from '../src/cmd/services.ts';

const root = new URL('../', import.meta.url);
writeFileSync(new URL('config.example.yaml', root), exampleYAML(SERVICE_DEFINITIONS));

const docFile = new URL('docs/configuration.md', root);
const doc = readFileSync(docFile, 'utf8');
const begin = '<!-- BEGIN GENERATED KEYS -->';
const end = '<!-- END GENERATED KEYS -->';
const a = doc.indexOf(begin);
const b = doc.indexOf(end);
if (a < 0 || b < a) throw new Error(`docs/configuration.md lacks the ${begin} and ${end} markers`);
writeFileSync(docFile, `${doc.slice(0, a + begin.length)}\n${markdownTable(SERVICE_DEFINITIONS)}${doc.slice(b)}`);
console.log('config.example.yaml and docs/configuration.md updated');
