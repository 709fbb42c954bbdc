// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { camelize, validateWith } from '../../common/config/schema.ts';
import { parseIP } from '../../common/helpers/ip.ts';
import { defaultConfiguration, resolveProviders, schema, type Configuration } from './config.ts';

function errorsOf(value: unknown): string[] {
  try {
    validateWith(schema, value);
  } catch (err) {
    return (err as Error).message.split('\n');
  }
  return [];
}

describe('metadata configuration', () => {
  it('has Akvorado\'s defaults', () => {
    assert.deepEqual(defaultConfiguration(), {
      providers: [{ type: 'snmp' }],
      cacheDuration: 30 * 60_000,
      cacheRefresh: 60 * 60_000,
      cacheCheckInterval: 2 * 60_000,
      cachePersistFile: '',
      maxWait: 1000,
    });
    const [snmp] = resolveProviders(defaultConfiguration().providers);
    assert.equal(snmp?.type, 'snmp');
    if (snmp?.type !== 'snmp') return;
    assert.deepEqual(snmp.config.communities.lookup(parseIP('192.0.2.1')!), ['public']);
    assert.equal(snmp.config.ports.lookup(parseIP('2001:db8::1')!), 161);
    assert.equal(snmp.config.securityParameters.size, 0);
    assert.equal(snmp.config.pollerTimeout, 1000);
    assert.equal(snmp.config.pollerRetries, 1);
  });

  it('reads per-subnet settings, the most specific subnet first', () => {
    const c = camelize<Configuration>(
      validateWith(schema, {
        'cache-duration': '10m',
        providers: [
          {
            type: 'snmp',
            communities: { '::/0': ['public'], '192.0.2.0/24': ['private', 'public'] },
            ports: { '::/0': 161, '192.0.2.128/25': 1161 },
            'security-parameters': {
              '2001:db8::/32': {
                'user-name': 'alice',
                'authentication-protocol': 'sha256',
                'authentication-passphrase': 'secret-auth',
                'privacy-protocol': 'AES256',
                'privacy-passphrase': 'secret-priv',
              },
            },
            agents: { '192.0.2.10': '2001:db8::10' },
            'poller-timeout': '500ms',
          },
        ],
      }),
      schema,
    );
    assert.equal(c.cacheDuration, 600_000);
    const [p] = resolveProviders(c.providers);
    if (p?.type !== 'snmp') throw new Error('expected an SNMP provider');
    assert.deepEqual(p.config.communities.lookup(parseIP('192.0.2.1')!), ['private', 'public']);
    assert.deepEqual(p.config.communities.lookup(parseIP('198.51.100.1')!), ['public']);
    assert.equal(p.config.ports.lookup(parseIP('192.0.2.200')!), 1161);
    assert.equal(p.config.securityParameters.lookup(parseIP('2001:db8::1')!)?.authenticationProtocol, 'SHA256');
    assert.equal(p.config.securityParameters.lookup(parseIP('192.0.2.1')!), undefined);
    assert.equal(p.config.agents.get('192.0.2.10'), '2001:db8::10');
    assert.equal(p.config.pollerTimeout, 500);
  });

  it('names the key of each error', () => {
    assert.deepEqual(errorsOf({ providers: [{ type: 'bgp' }] }), ['providers: 0.type: expected "snmp" or "static", got "bgp"']);
    assert.deepEqual(errorsOf({ providers: [{ type: 'snmp', comunities: ['x'] }] }), ['providers: 0.comunities: unknown key']);
    assert.deepEqual(errorsOf({ providers: [{ type: 'snmp', ports: { '::/0': 70000 } }] }), ['providers: 0.ports: ::/0: expected a UDP port, got 70000']);
    const priv = (protocol: string) =>
      errorsOf({
        providers: [
          {
            type: 'snmp',
            'security-parameters': {
              'user-name': 'bob',
              'authentication-protocol': 'SHA',
              'authentication-passphrase': 'authpass123',
              'privacy-protocol': protocol,
              'privacy-passphrase': 'privpass123',
            },
          },
        ],
      });
    for (const ok of ['DES', 'aes', 'AES192', 'aes192c', 'AES256', 'AES256C']) assert.deepEqual(priv(ok), [], ok);
    assert.deepEqual(priv('AES128C'), [
      'providers: 0.security-parameters: privacy-protocol: expected one of none, DES, AES, AES192, AES192C, AES256, AES256C: value was "AES128C"',
    ]);
    assert.deepEqual(errorsOf({ providers: [{ type: 'static', exporters: { '192.0.2.0/24': { name: 'x', 'interfaces-by-index': { 10: { boundary: 'outside' } } } } }] }).length, 1);
    assert.deepEqual(errorsOf({ 'cache-refresh': 'soon' }), ['cache-refresh: expected a duration like "5s", "1m30s" or "250ms": value was "soon"']);
  });
});
