// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { hasCode } from '../../common/errors.ts';
import { parseIP } from '../../common/helpers/ip.ts';
import { MMDBWriter } from '../../common/helpers/mmdb-writer.ts';
import { startStop } from '../../common/helpers/tests.ts';
import { newMock } from '../../common/reporter/mock.ts';
import { defaultConfiguration, type Configuration } from './config.ts';
import { GeoIPComponent } from './root.ts';

async function tmp(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'akvorado-geoip-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// MaxMind GeoLite2 layouts.
function maxmindASN(asn = 15169): Buffer {
  return new MMDBWriter({ databaseType: 'GeoLite2-ASN', recordSize: 24 })
    .insert('8.8.8.0/24', { autonomous_system_number: asn, autonomous_system_organization: 'GOOGLE' })
    .insert('2001:4860::/32', { autonomous_system_number: asn, autonomous_system_organization: 'GOOGLE' })
    .write();
}

function maxmindCity(): Buffer {
  return new MMDBWriter({ databaseType: 'GeoLite2-City' })
    .insert('1.0.0.0/8', { country: { iso_code: 'AU', names: { en: 'Australia' } } })
    .insert('1.2.3.0/24', {
      city: { names: { en: 'Sydney', fr: 'Sydney' } },
      country: { iso_code: 'AU' },
      subdivisions: [{ iso_code: 'NSW', names: { en: 'New South Wales' } }],
    })
    .insert('2a01:e00::/26', { country: { iso_code: 'FR' }, subdivisions: [{ iso_code: 'IDF' }] })
    .write();
}

// DB-IP lite (via ip-location-db) and IPinfo lite layouts.
function dbipCountry(): Buffer {
  return new MMDBWriter({ databaseType: 'dbip-country-lite' }).insert('1.2.0.0/16', { country_code: 'NZ' }).write();
}

function ipinfoLite(): Buffer {
  return new MMDBWriter({ databaseType: 'ipinfo lite.mmdb', ipVersion: 6, recordSize: 32 })
    .insert('1.1.1.0/24', { asn: 'AS13335', as_name: 'Cloudflare, Inc.', country_code: 'US', country: 'United States' })
    .insert('2606:4700::/32', { asn: 'AS13335', as_name: 'Cloudflare, Inc.', country: 'US', city: 'San Francisco', region: 'California' })
    .write();
}

function config(extra: Partial<Configuration>): Configuration {
  return { ...defaultConfiguration(), ...extra };
}

const a = (s: string) => parseIP(s)!;

describe('GeoIP', () => {
  it('looks up MaxMind databases, IPv4 and IPv6', async (t) => {
    const dir = await tmp(t);
    await writeFile(join(dir, 'asn.mmdb'), maxmindASN());
    await writeFile(join(dir, 'city.mmdb'), maxmindCity());
    const r = newMock();
    const c = await startStop(t, new GeoIPComponent(r, config({ asnDatabase: [join(dir, 'asn.mmdb')], geoDatabase: [join(dir, 'city.mmdb')] })));
    assert.equal(c.lookupASN(a('8.8.8.8'), 0), 15169);
    assert.equal(c.asnRecords[c.lookupAS(a('8.8.8.8'), 0)]?.asName, 'GOOGLE');
    assert.equal(c.lookupASN(a('2001:4860::8888'), 0), 15169);
    assert.equal(c.lookupASN(a('9.9.9.9'), 0), 0);
    assert.equal(c.lookupGeo(a('9.9.9.9'), 0), -1);
    assert.deepEqual(c.geoRecords[c.lookupGeo(a('1.2.3.4'), 0)], { asn: 0, asName: '', country: 'AU', city: 'Sydney', state: 'New South Wales' });
    assert.deepEqual(c.geoRecords[c.lookupGeo(a('1.9.9.9'), 0)], { asn: 0, asName: '', country: 'AU', city: '', state: '' });
    assert.deepEqual(c.geoRecords[c.lookupGeo(a('2a01:e00::1'), 0)], { asn: 0, asName: '', country: 'FR', city: '', state: 'IDF' });
    const metrics = await r.getMetrics('akvorado_inlet_geoip_');
    assert.equal(metrics['akvorado_inlet_geoip_databases_loaded{type="asn"}'], 1);
    // The tree splits 1.0.0.0/8 around 1.2.3.0/24: 16 networks, plus 2.
    assert.equal(metrics['akvorado_inlet_geoip_networks{type="geo"}'], 18);
    assert.equal(metrics['akvorado_inlet_geoip_records{type="geo"}'], 3);
    assert.equal(metrics['akvorado_inlet_geoip_load_errors_total{type="geo"}'], 0);
    assert.equal((await r.runHealthchecks()).checks['inlet/geoip']?.status, 'ok');
  });

  it('reads DB-IP and IPinfo layouts; the last file wins', async (t) => {
    const dir = await tmp(t);
    await writeFile(join(dir, 'city.mmdb'), maxmindCity());
    await writeFile(join(dir, 'dbip.mmdb'), dbipCountry());
    await writeFile(join(dir, 'ipinfo.mmdb'), ipinfoLite());
    const paths = ['city.mmdb', 'dbip.mmdb', 'ipinfo.mmdb'].map((f) => join(dir, f));
    const c = await startStop(t, new GeoIPComponent(newMock(), config({ asnDatabase: [join(dir, 'ipinfo.mmdb')], geoDatabase: paths })));
    assert.equal(c.lookupASN(a('1.1.1.1'), 0), 13335);
    assert.equal(c.asnRecords[c.lookupAS(a('2606:4700::1111'), 0)]?.asName, 'Cloudflare, Inc.');
    assert.equal(c.geoRecords[c.lookupGeo(a('1.1.1.1'), 0)]?.country, 'US');
    assert.deepEqual(c.geoRecords[c.lookupGeo(a('2606:4700::1'), 0)], {
      asn: 13335,
      asName: 'Cloudflare, Inc.',
      country: 'US',
      city: 'San Francisco',
      state: 'California',
    });
    // dbip.mmdb comes after city.mmdb: it wins where it knows the address.
    assert.equal(c.geoRecords[c.lookupGeo(a('1.2.3.4'), 0)]?.country, 'NZ');
    assert.equal(c.geoRecords[c.lookupGeo(a('1.3.0.1'), 0)]?.country, 'AU');
    // Batches agree with single lookups, fallback to earlier files included.
    const rows = ['1.1.1.1', '1.2.3.4', '1.3.0.1', '2606:4700::1', '9.9.9.9'].map(a);
    const buf = new Uint8Array(rows.length * 16);
    rows.forEach((r, i) => buf.set(r, i * 16));
    const out = new Int32Array(rows.length);
    c.lookupBatch(buf, 0, 16, rows.length, out);
    assert.deepEqual([...out], rows.map((r) => c.lookup(r, 0)));
    assert.deepEqual([...out].map((e) => c.geoOf(e)), rows.map((r) => c.lookupGeo(r, 0)));
    assert.deepEqual([...out].map((e) => c.asOf(e)), rows.map((r) => c.lookupAS(r, 0)));
    assert.deepEqual([...out].map((e) => c.asnOf(e)), [13335, 0, 0, 13335, 0]);
    assert.equal(out[4], -1);
  });

  it('fails to start on a missing file unless optional', async (t) => {
    const dir = await tmp(t);
    const path = join(dir, 'missing.mmdb');
    const c = new GeoIPComponent(newMock(), config({ geoDatabase: [path] }));
    await assert.rejects(c.start(), (err: Error) => hasCode(err, 'AKV_GEOIP_DATABASE') && err.message.includes(path));
    await c.stop();
    await writeFile(path, 'garbage');
    const d = new GeoIPComponent(newMock(), config({ geoDatabase: [path] }));
    await assert.rejects(d.start(), (err: Error) => hasCode(err, 'AKV_GEOIP_DATABASE') && err.message.includes(path));
    await d.stop();
  });

  it('starts without an optional file and loads it when it appears', async (t) => {
    const dir = await tmp(t);
    const path = join(dir, 'asn.mmdb');
    const r = newMock();
    const c = await startStop(t, new GeoIPComponent(r, config({ asnDatabase: [path], optional: true }), { pollIntervalMs: 20 }));
    assert.equal(c.lookupASN(a('8.8.8.8'), 0), 0);
    assert.equal((await r.runHealthchecks()).checks['inlet/geoip']?.status, 'degraded');
    await writeFile(join(dir, 'new.tmp'), maxmindASN());
    await rename(join(dir, 'new.tmp'), path);
    await waitFor(() => c.lookupASN(a('8.8.8.8'), 0) === 15169);
    assert.equal((await r.runHealthchecks()).checks['inlet/geoip']?.status, 'ok');
  });

  it('reloads a replaced file and keeps the old data when the new one is corrupt', async (t) => {
    const dir = await tmp(t);
    const path = join(dir, 'asn.mmdb');
    await writeFile(path, maxmindASN(15169));
    const r = newMock();
    const c = await startStop(t, new GeoIPComponent(r, config({ asnDatabase: [path] }), { pollIntervalMs: 20 }));
    assert.equal(c.lookupASN(a('8.8.8.8'), 0), 15169);
    // Atomic replacement.
    await writeFile(join(dir, 'new.tmp'), maxmindASN(64500));
    await rename(join(dir, 'new.tmp'), path);
    await waitFor(() => c.lookupASN(a('8.8.8.8'), 0) === 64500);
    // A corrupt replacement: old data stays, the error is counted.
    await writeFile(join(dir, 'bad.tmp'), maxmindASN(64501).subarray(0, 40));
    await rename(join(dir, 'bad.tmp'), path);
    await waitFor(async () => (await r.getMetrics('akvorado_inlet_geoip_load_errors_total'))['akvorado_inlet_geoip_load_errors_total{type="asn"}'] === 1);
    assert.equal(c.lookupASN(a('8.8.8.8'), 0), 64500);
    assert.equal((await r.runHealthchecks()).checks['inlet/geoip']?.status, 'degraded');
    assert.ok(r.logs().some((l) => l.msg === 'cannot load GeoIP database' && l.path === path));
    // A deleted file keeps the old data too.
    await rm(path);
    await c.reload();
    assert.equal(c.lookupASN(a('8.8.8.8'), 0), 64500);
  });
});

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail('condition not met in time');
    await sleep(10);
  }
}
