// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { hasCode } from '../../common/errors.ts';
import { startStop } from '../../common/helpers/tests.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { defaultConfiguration, type Configuration } from './config.ts';
import { MockProvider, newMock as newMetadataMock } from './mock.ts';
import { MetadataComponent } from './root.ts';

const P = 'akvorado_inlet_metadata_';

const STATIC = {
  type: 'static',
  exporters: {
    '192.0.2.0/24': {
      name: 'edge',
      role: 'peering',
      default: { name: 'unknown', description: 'not listed' },
      'interfaces-by-index': { 10: { name: 'xe-0/0/0', description: 'IX', speed: 100000, provider: 'franceix', connectivity: 'ix', boundary: 'external' } },
    },
    '2001:db8::/32': { name: 'v6', 'if-indexes': { 5: { name: 'et5' } } },
  },
};

function config(extra: Partial<Configuration> = {}): Configuration {
  return { ...defaultConfiguration(), providers: [STATIC], ...extra };
}

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'akvorado-metadata-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('MetadataComponent with a static provider', () => {
  it('answers from the configuration, with the default interface for unlisted ifIndexes', async (t) => {
    const r = newMock();
    const c = await startStop(t, new MetadataComponent(r, config()));
    // Known at once, without a poll: the first lookup answers.
    assert.deepEqual(c.lookup('192.0.2.1', 10), {
      exporter: { name: 'edge', group: '', role: 'peering', site: '', region: '', tenant: '' },
      interface: { name: 'xe-0/0/0', description: 'IX', speed: 100000, provider: 'franceix', connectivity: 'ix', boundary: 'external' },
    });
    assert.equal(c.lookup('192.0.2.1', 11)?.interface?.description, 'not listed');
    // Without a default, an unlisted ifIndex is unknown (no provider after this one).
    assert.equal((await c.query('2001:db8::1', 5))?.interface?.name, 'et5');
    assert.deepEqual((await c.query('2001:db8::1', 6))?.interface, null);
    // An exporter no provider knows gets no answer.
    assert.equal(await c.query('198.51.100.1', 10), null);
    const m = await r.getMetrics(P);
    assert.equal(m[`${P}cache_size_entries`], 4);
    // Polled: 2001:db8::1 ifIndex 6 (no default) and 198.51.100.1 (no subnet); the others were answered at once.
    assert.equal(m[`${P}poller_polls_total`], 2);
  });

  it('answers at once only when the static provider comes first', async (t) => {
    const late = { ...defaultConfiguration(), providers: [{ type: 'snmp', communities: { '::/0': ['none'] }, 'poller-timeout': '50ms', 'poller-retries': 0 }, STATIC] };
    const c = await startStop(t, new MetadataComponent(newMock(), late));
    assert.equal(c.lookup('192.0.2.1', 10), null, 'SNMP first: its answer wins, which takes a poll');
  });

  it('saves the cache on stop and loads it on start', async (t) => {
    const file = join(await tempDir(t), 'sub', 'cache.json');
    const first = new MetadataComponent(newMock(), config({ cachePersistFile: file }));
    await first.start();
    await first.waitFor('192.0.2.1', [10, 11]);
    await first.stop();
    assert.equal(JSON.parse(await readFile(file, 'utf8')).version, 1);
    // No provider knows anything now: answers come from the file.
    const r = newMock();
    const second = await startStop(t, new MetadataComponent(r, config({ cachePersistFile: file, providers: [] })));
    assert.equal(second.lookup('192.0.2.1', 10)?.interface?.name, 'xe-0/0/0');
    assert.equal(second.lookup('192.0.2.1', 11)?.interface?.name, 'unknown');
    assert.equal((await r.getMetrics(P))[`${P}cache_loaded_entries_total`], 2);
  });

  it('starts empty when the cache file is corrupt or missing', async (t) => {
    const dir = await tempDir(t);
    const corrupt = join(dir, 'corrupt.json');
    for (const content of ['{"version": 1, "exporters": {"192.0.2.1": {"exporter": 3}}}', 'not json', '{"version": 99}']) {
      await writeFile(corrupt, content);
      const r = newMock();
      // No provider: a lookup answers from what was loaded only.
      const c = await startStop(t, new MetadataComponent(r, config({ cachePersistFile: corrupt, providers: [] })));
      assert.equal(c.lookup('192.0.2.1', 10), null);
      const warning = r.logs().find((l) => l.msg === 'cannot load metadata cache, starting empty');
      assert.equal((warning?.err as { code?: string } | undefined)?.code, 'AKV_METADATA_PERSIST');
    }
    const r = newMock();
    await startStop(t, new MetadataComponent(r, config({ cachePersistFile: join(dir, 'missing.json') })));
    assert.ok(!r.logs().some((l) => l.level === 40), 'a missing file is not a warning');
  });

  it('refuses an invalid provider configuration with the key path', () => {
    const bad = { ...defaultConfiguration(), providers: [{ type: 'snmp', communities: { '192.0.2.0/33': ['x'] } }] };
    assert.throws(
      () => new MetadataComponent(newMock(), bad),
      (err) => hasCode(err, 'AKV_CONFIG_INVALID') && /metadata\.providers\.0\.communities/.test((err as Error).message),
    );
  });

  it('never restarts, and refuses to wait once stopped', async () => {
    const c = new MetadataComponent(newMock(), config());
    await c.start();
    await c.stop();
    await c.stop();
    assert.equal(c.lookup('192.0.2.1', 10), null);
    await assert.rejects(c.waitFor('192.0.2.1', [10]), (err) => hasCode(err, 'AKV_COMPONENT_STOPPED'));
    await assert.rejects(c.start(), (err) => hasCode(err, 'AKV_COMPONENT_STOPPED'));
  });
});

describe('MetadataComponent mock', () => {
  it('makes names up for any exporter', async (t) => {
    const c = await newMetadataMock(t, newMock(), {}, new MockProvider([7]));
    assert.equal(c.lookup('192.0.2.1', 3), null);
    assert.deepEqual(await c.query('192.0.2.1', 3), {
      exporter: { name: 'mock-192.0.2.1', group: '', role: '', site: '', region: '', tenant: '' },
      interface: { name: 'Gi0/0/3', description: 'Interface 3', speed: 1000, provider: '', connectivity: '', boundary: 'undefined' },
    });
    assert.equal((await c.query('192.0.2.1', 7))?.interface, null);
    assert.equal((await c.query('192.0.2.1', 0))?.interface, null);
  });
});
