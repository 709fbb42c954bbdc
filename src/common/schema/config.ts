// SPDX-License-Identifier: AGPL-3.0-only
import type { SchemaNode } from '../config/schema.ts';
import { COLUMNS } from './definition.ts';

const NAMES = new Set(COLUMNS.map((c) => c.name));

// columnList accepts a list of column names of the flow schema.
function columnList(value: unknown): void {
  if (!Array.isArray(value)) throw new TypeError('expected a list of column names');
  for (const v of value) {
    if (typeof v !== 'string' || !NAMES.has(v)) {
      throw new TypeError(`unknown column ${JSON.stringify(v)} (akvorado version -d lists them)`);
    }
  }
}

/** Configuration is the schema section: which optional columns are on. */
export interface Configuration {
  enabled: string[];
  disabled: string[];
  mainTableOnly: string[];
  notMainTableOnly: string[];
}

/** schema declares the schema section (shared by every service, see docs/configuration.md). */
export const schema = {
  enabled: { doc: 'Columns to enable (disabled by default ones, e.g. SrcMAC, TCPFlags, MPLSLabels)', format: columnList, default: [] as string[] },
  disabled: { doc: 'Columns to disable (those not required)', format: columnList, default: [] as string[] },
  'main-table-only': {
    doc: 'Columns to keep only in the main flows table, out of the rolled-up tables (saves space)',
    format: columnList,
    default: [] as string[],
  },
  'not-main-table-only': {
    doc: 'Columns to copy into the rolled-up tables although they are main-table-only by default',
    format: columnList,
    default: [] as string[],
  },
} satisfies SchemaNode;
