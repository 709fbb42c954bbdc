// SPDX-License-Identifier: AGPL-3.0-only
import { camelize, validateWith, type SchemaNode } from '../../../common/config/schema.ts';
import { formatIP, parseIP } from '../../../common/helpers/ip.ts';
import type { SubnetMap } from '../../../common/helpers/subnet.ts';
import { subnetMapFormat, toSubnetMap } from './subnetmap.ts';

/** AUTH_PROTOCOLS are the SNMPv3 authentication protocols ("none": no authentication). */
export const AUTH_PROTOCOLS = ['none', 'MD5', 'SHA', 'SHA224', 'SHA256', 'SHA384', 'SHA512'] as const;
/** AuthProtocol is one of AUTH_PROTOCOLS. */
export type AuthProtocol = (typeof AUTH_PROTOCOLS)[number];

/**
 * PRIV_PROTOCOLS are the SNMPv3 privacy protocols ("none": no privacy).
 * "AES192" and "AES256" extend the localized key as Net-SNMP agents do
 * under these names (Blumenthal), "AES192C" and "AES256C" as Cisco does
 * (Reeder); net-snmp lacks AES-192, snmp-privacy.ts adds it.
 */
export const PRIV_PROTOCOLS = ['none', 'DES', 'AES', 'AES192', 'AES192C', 'AES256', 'AES256C'] as const;
/** PrivProtocol is one of PRIV_PROTOCOLS. */
export type PrivProtocol = (typeof PRIV_PROTOCOLS)[number];

/** SecurityParameters are the SNMPv3 (USM) credentials for some exporters. */
export interface SecurityParameters {
  userName: string;
  authenticationProtocol: AuthProtocol;
  authenticationPassphrase: string;
  privacyProtocol: PrivProtocol;
  privacyPassphrase: string;
  contextName: string;
}

function oneOf(values: readonly string[]): (v: unknown) => void {
  return (v: unknown) => {
    if (typeof v !== 'string' || !values.includes(v.toUpperCase() === 'NONE' ? 'none' : v.toUpperCase())) {
      // The caller appends the value received.
      throw new TypeError(`expected one of ${values.join(', ')}`);
    }
  };
}

const securitySchema = {
  'user-name': { doc: 'SNMPv3 user name', format: String, default: '' },
  'authentication-protocol': { doc: 'Authentication protocol', format: oneOf(AUTH_PROTOCOLS), default: 'none' },
  'authentication-passphrase': { doc: 'Authentication passphrase', format: String, default: '', sensitive: true },
  'privacy-protocol': { doc: 'Privacy protocol: DES, AES, AES192, AES192C, AES256 or AES256C (the C forms extend keys as Cisco does)', format: oneOf(PRIV_PROTOCOLS), default: 'none' },
  'privacy-passphrase': { doc: 'Privacy passphrase', format: String, default: '', sensitive: true },
  'context-name': { doc: 'SNMPv3 context name', format: String, default: '' },
} satisfies SchemaNode;

// securityCheck validates one set of SNMPv3 parameters.
function securityCheck(v: unknown): void {
  const p = parseSecurity(v);
  if (p.userName === '') throw new TypeError('user-name: expected a non-empty user name');
  if (p.privacyProtocol !== 'none' && p.authenticationProtocol === 'none') {
    throw new TypeError('privacy-protocol: privacy needs an authentication-protocol');
  }
  if (p.authenticationProtocol !== 'none' && p.authenticationPassphrase.length < 8) {
    throw new TypeError('authentication-passphrase: expected at least 8 characters');
  }
  if (p.privacyProtocol !== 'none' && p.privacyPassphrase.length < 8) {
    throw new TypeError('privacy-passphrase: expected at least 8 characters');
  }
}

function parseSecurity(v: unknown): SecurityParameters {
  const p = camelize<SecurityParameters>(validateWith(securitySchema, v), securitySchema);
  const norm = (x: string) => (x.toUpperCase() === 'NONE' ? 'none' : x.toUpperCase());
  return {
    ...p,
    authenticationProtocol: norm(p.authenticationProtocol) as AuthProtocol,
    privacyProtocol: norm(p.privacyProtocol) as PrivProtocol,
  };
}

function communitiesCheck(v: unknown): void {
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && c !== '')) {
    throw new TypeError(`expected a community or a non-empty list of communities, got ${JSON.stringify(v)}`);
  }
}

function portCheck(v: unknown): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) {
    throw new TypeError(`expected a UDP port, got ${JSON.stringify(v)}`);
  }
}

// agentsFormat accepts a mapping of exporter addresses to agent addresses.
function agentsFormat(v: unknown): void {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new TypeError('expected a mapping of exporter addresses to agent addresses');
  }
  for (const [k, a] of Object.entries(v)) {
    if (parseIP(k) === null) throw new TypeError(`expected an exporter IP address, got ${JSON.stringify(k)}`);
    if (typeof a !== 'string' || parseIP(a) === null) throw new TypeError(`${k}: expected an agent IP address, got ${JSON.stringify(a)}`);
  }
}

/** snmpSchema declares one SNMP provider (an element of metadata.providers with type "snmp"). */
export const snmpSchema = {
  type: { doc: 'Provider type', format: ['snmp'], default: 'snmp' },
  communities: {
    doc: 'SNMPv2c communities tried in order: a list, or a mapping of exporter subnets to lists',
    format: subnetMapFormat(communitiesCheck),
    freeform: true,
    default: ['public'] as unknown,
  },
  'security-parameters': {
    doc: 'SNMPv3 credentials by exporter subnet (user-name, authentication-protocol, authentication-passphrase, privacy-protocol, privacy-passphrase, context-name); SNMPv3 is used for exporters they match',
    format: subnetMapFormat(securityCheck),
    freeform: true,
    default: {} as unknown,
  },
  ports: { doc: 'Agent UDP port: a number, or a mapping of exporter subnets to ports', format: subnetMapFormat(portCheck), freeform: true, default: 161 as unknown },
  agents: { doc: 'Agent address to poll instead of the exporter address, by exporter address', format: agentsFormat, freeform: true, default: {} as unknown },
  'poller-timeout': { doc: 'How long to wait for an answer to one SNMP request', format: 'duration', default: '1s' },
  'poller-retries': { doc: 'How many times an unanswered SNMP request is sent again', format: 'nat', default: 1 },
} satisfies SchemaNode;

/** SnmpConfiguration is one SNMP provider's configuration, resolved. */
export interface SnmpConfiguration {
  communities: SubnetMap<string[]>;
  securityParameters: SubnetMap<SecurityParameters>;
  ports: SubnetMap<number>;
  /** agents maps exporter addresses (as formatIP writes them) to agent addresses. */
  agents: Map<string, string>;
  pollerTimeout: number;
  pollerRetries: number;
}

/** resolveSnmp validates one provider setting (kebab-case, as written) and resolves it; it throws a TypeError naming the key. */
export function resolveSnmp(raw: unknown): SnmpConfiguration {
  const v = validateWith(snmpSchema, raw);
  const c = camelize<{ communities: unknown; securityParameters: unknown; ports: unknown; agents: Record<string, string>; pollerTimeout: number; pollerRetries: number }>(v, snmpSchema);
  const canon = (ip: string) => formatIP(parseIP(ip)!);
  return {
    communities: toSubnetMap(c.communities, (x) => (typeof x === 'string' ? [x] : (x as string[]))),
    securityParameters: toSubnetMap(c.securityParameters, parseSecurity),
    ports: toSubnetMap(c.ports, (x) => x as number),
    agents: new Map(Object.entries(c.agents).map(([k, a]) => [canon(k), canon(a)])),
    pollerTimeout: c.pollerTimeout,
    pollerRetries: c.pollerRetries,
  };
}
