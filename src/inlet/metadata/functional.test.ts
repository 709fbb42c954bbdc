// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStop } from '../../common/helpers/tests.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { defaultConfiguration, type Configuration, type ProviderSetting } from './config.ts';
import type { PollerOptions } from './poller.ts';
import { MetadataComponent } from './root.ts';
import { freeUdpPort, startSnmpd, type FakeInterface } from './snmpd.ts';

const EXPORTER = '127.0.0.1';
const P = 'akvorado_inlet_metadata_';

/** INTERFACES covers the naming rules: alias, ifDescr differing from ifName, equal, and no ifName. */
const INTERFACES: Record<number, FakeInterface> = {
  1001: { name: 'Gi0/0/1', descr: 'GigabitEthernet0/0/1', alias: 'Transit: Cogent', speed: 10000 },
  1002: { name: 'Gi0/0/2', descr: 'GigabitEthernet0/0/2', speed: 1000 },
  1003: { name: 'eth3', descr: 'eth3', speed: 100 },
  1004: { descr: 'Serial0', speed: 2 },
};

function snmpConfig(port: number, extra: ProviderSetting = {}, top: Partial<Configuration> = {}): Configuration {
  return { ...defaultConfiguration(), providers: [{ type: 'snmp', ports: port, 'poller-timeout': '300ms', 'poller-retries': 0, ...extra }], ...top };
}

async function started(t: TestContext, config: Configuration, options: Partial<PollerOptions> = {}) {
  const r = newMock();
  const c = await startStop(t, new MetadataComponent(r, config, options));
  return { r, c };
}

function iface(name: string, description: string, speed: number) {
  return { name, description, speed, provider: '', connectivity: '', boundary: 'undefined' };
}

function metric(m: Record<string, number>, name: string, labels = `exporter="${EXPORTER}"`): number | undefined {
  return m[`${P}${name}{${labels}}`];
}

describe('SNMP provider against snmpd', () => {
  it('polls several interfaces of an exporter in one SNMPv2c request', async (t) => {
    const agent = await startSnmpd(t, { sysName: 'edge1.example', interfaces: INTERFACES });
    const { r, c } = await started(t, snmpConfig(agent.port));
    assert.equal(c.lookup(EXPORTER, 1001), null);
    await c.waitFor(EXPORTER, [1001, 1002, 1003, 1004, 1999]);
    assert.deepEqual(c.lookup(EXPORTER, 1001)?.interface, iface('Gi0/0/1', 'Transit: Cogent', 10000));
    assert.deepEqual(c.lookup(EXPORTER, 1002)?.interface, iface('Gi0/0/2', 'GigabitEthernet0/0/2', 1000));
    assert.deepEqual(c.lookup(EXPORTER, 1003)?.interface, iface('eth3', '', 100));
    assert.deepEqual(c.lookup(EXPORTER, 1004)?.interface, iface('Serial0', '', 2));
    // noSuchInstance for one ifIndex: that interface is unknown, the exporter is not.
    assert.deepEqual(c.lookup(EXPORTER, 1999), {
      exporter: { name: 'edge1.example', group: '', role: '', site: '', region: '', tenant: '' },
      interface: null,
    });
    const m = await r.getMetrics(P);
    assert.equal(metric(m, 'poller_requests_total'), 1);
    assert.equal(metric(m, 'poller_successes_total'), 1);
    assert.equal(m[`${P}cache_hits_total`], 5);
    assert.equal(m[`${P}cache_misses_total`], 1);
    assert.equal(m[`${P}cache_size_entries`], 5);
  });

  it('polls with SNMPv3 authPriv (SHA, AES)', async (t) => {
    const v3 = { user: 'akvorado', authPassphrase: 'authpass123', privPassphrase: 'privpass123' };
    const agent = await startSnmpd(t, { community: 'not-this-one', v3, sysName: 'v3.example', interfaces: INTERFACES });
    const security = (auth: string) => ({
      '::/0': {
        'user-name': 'akvorado',
        'authentication-protocol': 'SHA',
        'authentication-passphrase': auth,
        'privacy-protocol': 'AES',
        'privacy-passphrase': 'privpass123',
      },
    });
    const { c } = await started(t, snmpConfig(agent.port, { 'security-parameters': security('authpass123') }));
    assert.equal((await c.query(EXPORTER, 1001))?.exporter.name, 'v3.example');
    assert.equal(c.lookup(EXPORTER, 1001)?.interface?.name, 'Gi0/0/1');

    const bad = await started(t, snmpConfig(agent.port, { 'security-parameters': security('wrongpass123') }));
    assert.equal(await bad.c.query(EXPORTER, 1001), null);
    assert.equal(metric(await bad.r.getMetrics(P), 'poller_errors_total', `exporter="${EXPORTER}",error="auth"`), 1);

    // The context name reaches the agent, which serves none by that name
    // (and does not answer): the same user succeeds without it.
    const context = security('authpass123');
    const other = await started(t, snmpConfig(agent.port, { 'security-parameters': { '::/0': { ...context['::/0'], 'context-name': 'other' } } }));
    assert.equal(await other.c.query(EXPORTER, 1001), null);
    const om = await other.r.getMetrics(P);
    assert.equal(metric(om, 'poller_successes_total'), 0);
    assert.equal(metric(om, 'poller_errors_total', `exporter="${EXPORTER}",error="timeout"`), 1);
  });

  it('polls with every SNMPv3 privacy protocol (AES-192 and AES-256 with both key extensions) and SHA-2 authentication', async (t) => {
    const users = [
      { user: 'blumenthal', authProtocol: 'SHA', privProtocol: 'AES192' },
      { user: 'reeder', authProtocol: 'SHA', privProtocol: 'AES192C' },
      { user: 'md5', authProtocol: 'MD5', privProtocol: 'AES192' },
      { user: 'md5c', authProtocol: 'MD5', privProtocol: 'AES192C' },
      { user: 'aes256', authProtocol: 'SHA', privProtocol: 'AES256' },
      { user: 'aes256c', authProtocol: 'SHA', privProtocol: 'AES256C' },
      { user: 'des', authProtocol: 'SHA', privProtocol: 'DES' },
      // SHA-2 authentication (RFC 7860); keys long enough for AES-192.
      { user: 'sha224', authProtocol: 'SHA224', privProtocol: 'AES192' },
      { user: 'sha256', authProtocol: 'SHA256', privProtocol: 'AES256C' },
      { user: 'sha384', authProtocol: 'SHA384', privProtocol: 'AES' },
      { user: 'sha512', authProtocol: 'SHA512', privProtocol: 'AES256' },
    ];
    // snmpd.conf spells SHA-2 protocols with a dash (SHA-224).
    const v3 = users.map((u) => ({ ...u, authProtocol: u.authProtocol.replace(/^SHA(\d)/, 'SHA-$1'), authPassphrase: 'authpass123', privPassphrase: 'privpass123' }));
    const agent = await startSnmpd(t, { community: 'not-this-one', v3, sysName: 'priv.example', interfaces: INTERFACES });
    const security = (user: string, auth: string, priv: string) => ({
      '::/0': {
        'user-name': user,
        'authentication-protocol': auth,
        'authentication-passphrase': 'authpass123',
        'privacy-protocol': priv,
        'privacy-passphrase': 'privpass123',
      },
    });
    for (const u of users) {
      const { c } = await started(t, snmpConfig(agent.port, { 'security-parameters': security(u.user, u.authProtocol, u.privProtocol) }));
      assert.equal((await c.query(EXPORTER, 1001))?.exporter.name, 'priv.example', u.user);
      assert.equal(c.lookup(EXPORTER, 1001)?.interface?.name, 'Gi0/0/1', u.user);
    }
    // The other extension makes another key (with SHA): snmpd cannot
    // decrypt the request and drops it.
    const wrong = await started(t, snmpConfig(agent.port, { 'security-parameters': security('blumenthal', 'SHA', 'AES192C') }));
    assert.equal(await wrong.c.query(EXPORTER, 1001), null);
    assert.equal(metric(await wrong.r.getMetrics(P), 'poller_errors_total', `exporter="${EXPORTER}",error="timeout"`), 1);
  });

  it('answers from the persisted cache after a restart, the agent gone', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'akvorado-metadata-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'cache.json');
    const agent = await startSnmpd(t, { sysName: 'persisted.example', interfaces: INTERFACES });
    const first = new MetadataComponent(newMock(), snmpConfig(agent.port, {}, { cachePersistFile: file }));
    await first.start();
    await first.waitFor(EXPORTER, [1001, 1002]);
    await first.stop();
    await agent.stop();
    const { r, c } = await started(t, snmpConfig(agent.port, {}, { cachePersistFile: file }));
    assert.deepEqual(c.lookup(EXPORTER, 1001)?.interface, iface('Gi0/0/1', 'Transit: Cogent', 10000));
    assert.equal(c.lookup(EXPORTER, 1002)?.exporter.name, 'persisted.example');
    const m = await r.getMetrics(P);
    assert.equal(m[`${P}cache_loaded_entries_total`], 2);
    assert.equal(metric(m, 'poller_requests_total'), undefined, 'nothing polled');
  });

  it('tries the next community after a wrong one, and starts with the right one afterwards', async (t) => {
    const agent = await startSnmpd(t, { community: 'secret', interfaces: INTERFACES });
    const { r, c } = await started(t, snmpConfig(agent.port, { communities: { '::/0': ['public', 'secret'] } }));
    assert.equal((await c.query(EXPORTER, 1001))?.interface?.name, 'Gi0/0/1');
    let m = await r.getMetrics(P);
    // snmpd ignores a wrong community: the first attempt times out.
    assert.equal(metric(m, 'poller_errors_total', `exporter="${EXPORTER}",error="timeout"`), 1);
    assert.equal(metric(m, 'poller_requests_total'), 2);
    assert.equal((await c.query(EXPORTER, 1002))?.interface?.name, 'Gi0/0/2');
    m = await r.getMetrics(P);
    assert.equal(metric(m, 'poller_requests_total'), 3);
    assert.equal(metric(m, 'poller_errors_total', `exporter="${EXPORTER}",error="timeout"`), 1);
  });

  it('gives null at once to the flow path when the exporter does not answer', async (t) => {
    const port = await freeUdpPort();
    const { r, c } = await started(t, snmpConfig(port, { 'poller-timeout': '1s' }));
    // lookup answers at once (not a promise), null while the poll runs.
    assert.equal(c.lookup(EXPORTER, 1001), null);
    const t1 = performance.now();
    await c.waitFor(EXPORTER, [1001], 50);
    const waited = performance.now() - t1;
    // The poll takes 1 s to time out: returning well before shows waitFor keeps to its own limit.
    assert.ok(waited >= 45 && waited < 900, `waitFor is bounded by its timeout (${waited} ms)`);
    await c.waitFor(EXPORTER, [1001], 5000);
    assert.equal(c.lookup(EXPORTER, 1001), null);
    const m = await r.getMetrics(P);
    assert.equal(metric(m, 'poller_errors_total', `exporter="${EXPORTER}",error="timeout"`), 1);
    assert.equal(m[`${P}poller_failed_polls_total`], 1);
  });

  it('pauses a failing exporter, then polls it again once it answers', async (t) => {
    const port = await freeUdpPort();
    const { r, c } = await started(t, snmpConfig(port, { 'poller-timeout': '100ms' }), { breakerPause: 500 });
    for (let k = 0; k < 3; k++) await c.waitFor(EXPORTER, [1001], 2000);
    let m = await r.getMetrics(P);
    assert.equal(metric(m, 'poller_requests_total'), 3);
    assert.equal(metric(m, 'poller_breaker_open_total'), 1);
    assert.equal((await r.runHealthchecks()).checks['inlet/metadata']?.status, 'degraded');
    // Paused: no request is sent.
    await c.waitFor(EXPORTER, [1001], 2000);
    m = await r.getMetrics(P);
    assert.equal(metric(m, 'poller_requests_total'), 3);
    assert.equal(m[`${P}poller_breaker_skipped_total`], 1);
    await startSnmpd(t, { port, interfaces: INTERFACES });
    await sleep(500);
    assert.equal((await c.query(EXPORTER, 1001))?.interface?.name, 'Gi0/0/1');
    assert.equal((await r.runHealthchecks()).checks['inlet/metadata']?.status, 'ok');
  });

  it('coalesces 1,000 concurrent misses for one exporter into one request', async (t) => {
    const agent = await startSnmpd(t, { interfaces: INTERFACES });
    const { r, c } = await started(t, snmpConfig(agent.port));
    for (let k = 0; k < 1000; k++) assert.equal(c.lookup(EXPORTER, 1001 + (k % 4)), null);
    await c.waitFor(EXPORTER, [1001, 1002, 1003, 1004]);
    for (let i = 1001; i <= 1004; i++) assert.notEqual(c.lookup(EXPORTER, i), null);
    const m = await r.getMetrics(P);
    assert.equal(metric(m, 'poller_requests_total'), 1);
    assert.equal(m[`${P}poller_polls_total`], 1);
    assert.equal(m[`${P}poller_coalesced_requests_total`], 999 + 4);
  });

  it('splits a poll of many interfaces into requests of 8', async (t) => {
    const agent = await startSnmpd(t, { interfaces: INTERFACES });
    const { r, c } = await started(t, snmpConfig(agent.port));
    const ifIndexes = Array.from({ length: 20 }, (_, k) => 1001 + k);
    await c.waitFor(EXPORTER, ifIndexes);
    assert.equal(c.lookup(EXPORTER, 1004)?.interface?.name, 'Serial0');
    assert.equal(c.lookup(EXPORTER, 1020)?.interface, null);
    const m = await r.getMetrics(P);
    assert.equal(metric(m, 'poller_requests_total'), 3);
    assert.equal(m[`${P}poller_polls_total`], 1);
  });

  it('maps an exporter to another agent address', async (t) => {
    const agent = await startSnmpd(t, { sysName: 'behind-nat', interfaces: INTERFACES });
    const { c } = await started(t, snmpConfig(agent.port, { agents: { '192.0.2.1': '127.0.0.1' } }));
    assert.equal((await c.query('192.0.2.1', 1001))?.exporter.name, 'behind-nat');
  });

  it('refreshes used entries and expires unused ones', async (t) => {
    const agent = await startSnmpd(t, { interfaces: INTERFACES });
    const durations = { cacheCheckInterval: 50, cacheRefresh: 150, cacheDuration: 400 };
    const { r, c } = await started(t, snmpConfig(agent.port, {}, durations));
    await c.waitFor(EXPORTER, [1001, 1002]);
    const until = Date.now() + 600;
    while (Date.now() < until) {
      assert.notEqual(c.lookup(EXPORTER, 1001), null);
      await sleep(20);
    }
    let m = await r.getMetrics(P);
    assert.ok(m[`${P}cache_refreshes_total`]! >= 2, `refreshed: ${m[`${P}cache_refreshes_total`]}`);
    assert.equal(m[`${P}cache_expired_entries_total`], 1, '1002 was never used');
    await sleep(600);
    m = await r.getMetrics(P);
    assert.equal(m[`${P}cache_expired_entries_total`], 2);
    assert.equal(m[`${P}cache_size_entries`], 0);
  });

  it('leaves to SNMP what the static provider does not know', async (t) => {
    const agent = await startSnmpd(t, { sysName: 'from-snmp', interfaces: INTERFACES });
    const config = snmpConfig(agent.port);
    config.providers.unshift({
      type: 'static',
      exporters: { '127.0.0.1/32': { name: 'from-static', site: 'par1', 'interfaces-by-index': { 1001: { name: 'static1', speed: 400000, boundary: 'external' } } } },
    });
    const { c } = await started(t, config);
    await c.waitFor(EXPORTER, [1001, 1002]);
    assert.deepEqual(c.lookup(EXPORTER, 1001), {
      exporter: { name: 'from-static', group: '', role: '', site: 'par1', region: '', tenant: '' },
      interface: { ...iface('static1', '', 400000), boundary: 'external' },
    });
    // The exporter comes from the first provider that knows it, the interface from SNMP.
    assert.equal(c.lookup(EXPORTER, 1002)?.exporter.name, 'from-static');
    assert.equal(c.lookup(EXPORTER, 1002)?.interface?.name, 'Gi0/0/2');
    // Another exporter is not in the static provider at all.
    const other = await started(t, { ...config, providers: [config.providers[0]!, { ...config.providers[1]!, agents: { '192.0.2.1': '127.0.0.1' } }] });
    assert.equal((await other.c.query('192.0.2.1', 1001))?.exporter.name, 'from-snmp');
  });
});
