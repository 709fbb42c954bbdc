// SPDX-License-Identifier: AGPL-3.0-only
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AkvoradoError } from '../../common/errors.ts';
import type { Answer, Cache } from './cache.ts';
import { BOUNDARIES, type ExporterInfo, type InterfaceInfo } from './provider/root.ts';

/** FORMAT_VERSION identifies the layout of the cache file; another version is refused. */
const FORMAT_VERSION = 1;

/**
 * PersistedFile is the JSON layout of the cache file: per exporter, its
 * information and its interfaces by ifIndex, each with the time (ms since
 * the epoch) of its last update. Answers with the same exporter information
 * share it in memory but are written once per exporter.
 */
interface PersistedFile {
  version: number;
  exporters: Record<string, { exporter: ExporterInfo; interfaces: Record<string, { interface: InterfaceInfo | null; updated: number }> }>;
}

/** save writes the cache to `file` (through a temporary file renamed over it, so a crash leaves the old one). */
export async function save(file: string, cache: Cache): Promise<number> {
  const out: PersistedFile = { version: FORMAT_VERSION, exporters: {} };
  let n = 0;
  for (const [exporterIP, ifIndex, e] of cache.entries()) {
    const x = (out.exporters[exporterIP] ??= { exporter: e.answer.exporter, interfaces: {} });
    x.interfaces[String(ifIndex)] = { interface: e.answer.interface, updated: e.updated };
    n++;
  }
  try {
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, JSON.stringify(out));
    await rename(tmp, file);
  } catch (cause) {
    throw new AkvoradoError('AKV_METADATA_PERSIST', `metadata.cache-persist-file: cannot write ${file}: ${(cause as Error).message}`, { cause });
  }
  return n;
}

/**
 * load reads the cache file into `cache`: entries keep their update time
 * (so old ones get refreshed when used) and count as used at `now` (so that
 * a long stop does not expire them all at the first check). A missing file
 * loads nothing; an unreadable or invalid one throws AKV_METADATA_PERSIST
 * before anything is stored.
 */
export async function load(file: string, cache: Cache, now: number): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new AkvoradoError('AKV_METADATA_PERSIST', `metadata.cache-persist-file: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  const answers: Array<[string, number, Answer, number]> = [];
  try {
    const data = JSON.parse(text) as PersistedFile;
    if (!isObject(data) || data.version !== FORMAT_VERSION || !isObject(data.exporters)) {
      throw new TypeError(`expected a cache file of version ${FORMAT_VERSION}`);
    }
    for (const [exporterIP, x] of Object.entries(data.exporters)) {
      if (!isObject(x) || !isExporter(x.exporter) || !isObject(x.interfaces)) throw new TypeError(`${exporterIP}: invalid exporter`);
      const e = x.exporter;
      // Copied field by field: extra keys in the file must not change the shape of answers.
      const exporter: ExporterInfo = { name: e.name, group: e.group, role: e.role, site: e.site, region: e.region, tenant: e.tenant };
      for (const [k, i] of Object.entries(x.interfaces)) {
        const ifIndex = Number(k);
        if (!Number.isInteger(ifIndex) || ifIndex < 0 || !isObject(i) || typeof i.updated !== 'number') {
          throw new TypeError(`${exporterIP}.${k}: invalid interface`);
        }
        if (i.interface !== null && !isInterface(i.interface)) throw new TypeError(`${exporterIP}.${k}: invalid interface`);
        const f = i.interface as InterfaceInfo | null;
        const iface: InterfaceInfo | null =
          f === null ? null : { name: f.name, description: f.description, speed: f.speed, provider: f.provider, connectivity: f.connectivity, boundary: f.boundary };
        answers.push([exporterIP, ifIndex, { exporter, interface: iface }, i.updated]);
      }
    }
  } catch (cause) {
    throw new AkvoradoError('AKV_METADATA_PERSIST', `metadata.cache-persist-file: ${file} is not a valid cache file: ${(cause as Error).message}`, { cause });
  }
  for (const [exporterIP, ifIndex, answer, updated] of answers) cache.set(exporterIP, ifIndex, answer, updated, now);
  return answers.length;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- narrowing JSON of unknown shape
function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isExporter(v: unknown): v is ExporterInfo {
  return isObject(v) && ['name', 'group', 'role', 'site', 'region', 'tenant'].every((k) => typeof v[k] === 'string');
}

function isInterface(v: unknown): v is InterfaceInfo {
  return (
    isObject(v) &&
    ['name', 'description', 'provider', 'connectivity'].every((k) => typeof v[k] === 'string') &&
    typeof v.speed === 'number' &&
    (BOUNDARIES as readonly string[]).includes(v.boundary)
  );
}
