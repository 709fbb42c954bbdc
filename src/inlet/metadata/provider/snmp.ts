// SPDX-License-Identifier: AGPL-3.0-only
import snmp, { type Session, type SessionOptions, type User, type Varbind } from 'net-snmp';
import { AkvoradoError } from '../../../common/errors.ts';
import { formatIP, isIPv4Mapped, parseIP } from '../../../common/helpers/ip.ts';
import type { BurstSampler, Reporter } from '../../../common/reporter/root.ts';
import type { ExporterCounters, PollError } from '../metrics.ts';
import { emptyExporter, emptyInterface, type InterfaceInfo, type Provider, type ProviderAnswer } from './root.ts';
import type { SecurityParameters, SnmpConfiguration } from './snmp-config.ts';
import { privProtocolCode } from './snmp-privacy.ts';

// OIDs polled (RFC 3418 SNMPv2-MIB, RFC 2863 IF-MIB); the ifIndex is appended.
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const IF_NAME = '1.3.6.1.2.1.31.1.1.1.1.';
const IF_DESCR = '1.3.6.1.2.1.2.2.1.2.';
const IF_ALIAS = '1.3.6.1.2.1.31.1.1.1.18.';
const IF_HIGH_SPEED = '1.3.6.1.2.1.31.1.1.1.15.';

/**
 * MAX_IFINDEXES_PER_REQUEST bounds one GET: 4 varbinds per interface plus
 * sysName keep the answer well under the 1472 bytes of an unfragmented
 * datagram with names and descriptions of usual lengths.
 */
export const MAX_IFINDEXES_PER_REQUEST = 8;

/** Credentials say how to authenticate one request: a community (v2c) or a user (v3). */
type Credentials = { community: string } | { security: SecurityParameters };

/** SnmpPollError is an SNMP failure with its kind (the metric's `error` label). */
export class SnmpPollError extends AkvoradoError {
  readonly kind: PollError;

  constructor(kind: PollError, message: string, cause: unknown) {
    super('AKV_METADATA_SNMP', message, { cause });
    this.kind = kind;
  }
}

/** classify tells the kind of an error net-snmp reported. */
export function classify(err: unknown): PollError {
  const e = err as { name?: string; code?: number };
  if (e.name === 'RequestTimedOutError') return 'timeout';
  if (e.name === 'RequestFailedError') return 'agent';
  if (e.name === 'ResponseInvalidError') {
    const c = snmp.ResponseInvalidCode;
    return e.code === c.EAuthFailure || e.code === c.ECouldNotDecrypt || e.code === c.ENotInTimeWindow ? 'auth' : 'invalid';
  }
  return 'other';
}

/**
 * SnmpProvider polls exporters with SNMP GET: sysName.0 and, for each asked
 * ifIndex, ifName, ifDescr, ifAlias and ifHighSpeed, several interfaces per
 * request. SNMPv3 is used when security parameters match the exporter,
 * otherwise the communities are tried in order (starting with the one that
 * worked last for this exporter). It handles every exporter.
 */
export class SnmpProvider implements Provider {
  readonly type = 'snmp';
  private readonly config: SnmpConfiguration;
  private readonly r: Reporter;
  private readonly sampler: BurstSampler;
  private readonly counters: (exporter: string) => ExporterCounters;
  private readonly preferred = new Map<string, number>();
  private readonly sessions = new Set<Session>();
  private closed = false;

  constructor(r: Reporter, config: SnmpConfiguration, counters: (exporter: string) => ExporterCounters) {
    this.r = r;
    this.config = config;
    this.counters = counters;
    this.sampler = r.newSampler(3, 30_000);
  }

  async query(exporterIP: string, ifIndexes: readonly number[]): Promise<ProviderAnswer | null> {
    const addr = parseIP(exporterIP);
    if (addr === null) return null;
    const agent = this.config.agents.get(formatIP(addr)) ?? exporterIP;
    const agentAddr = parseIP(agent)!;
    const target = {
      exporterIP,
      agent,
      port: this.config.ports.lookup(addr) ?? 161,
      transport: isIPv4Mapped(agentAddr, 0) ? ('udp4' as const) : ('udp6' as const),
    };
    const security = this.config.securityParameters.lookup(addr);
    const chunks: number[][] = [];
    const wanted = ifIndexes.filter((i) => i > 0);
    for (let i = 0; i < wanted.length; i += MAX_IFINDEXES_PER_REQUEST) chunks.push(wanted.slice(i, i + MAX_IFINDEXES_PER_REQUEST));
    if (chunks.length === 0) chunks.push([]);
    const answers = await Promise.all(
      chunks.map((chunk) => {
        const oids = [SYS_NAME];
        for (const i of chunk) oids.push(IF_NAME + i, IF_DESCR + i, IF_ALIAS + i, IF_HIGH_SPEED + i);
        return security === undefined ? this.withCommunities(target, addr, oids) : this.get(target, { security }, oids);
      }),
    );
    const sysName = text(answers[0]![0]);
    const out: ProviderAnswer = { exporter: emptyExporter(sysName ?? exporterIP), interfaces: new Map() };
    chunks.forEach((chunk, c) => {
      const vbs = answers[c]!;
      chunk.forEach((ifIndex, k) => out.interfaces.set(ifIndex, toInterface(vbs, 1 + 4 * k)));
    });
    // ifIndex 0 (no interface) is never polled: it is known not to exist.
    for (const i of ifIndexes) if (i <= 0) out.interfaces.set(i, null);
    return out;
  }

  /** close closes the sessions waiting for an answer: their requests fail at once. */
  close(): void {
    this.closed = true;
    const open = [...this.sessions];
    this.sessions.clear();
    for (const s of open) s.close();
  }

  // withCommunities tries each community of the exporter until one is answered.
  private async withCommunities(target: Target, addr: Uint8Array, oids: string[]): Promise<Varbind[]> {
    const communities = this.config.communities.lookup(addr) ?? ['public'];
    const first = this.preferred.get(target.exporterIP) ?? 0;
    let last: unknown;
    for (let k = 0; k < communities.length; k++) {
      const idx = (first + k) % communities.length;
      try {
        const vbs = await this.get(target, { community: communities[idx]! }, oids);
        this.preferred.set(target.exporterIP, idx);
        return vbs;
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }

  // get sends one GET and counts it; failures are counted, logged (sampled) and thrown coded.
  private get(target: Target, creds: Credentials, oids: string[]): Promise<Varbind[]> {
    if (this.closed) return Promise.reject(new SnmpPollError('other', 'SNMP provider closed', null));
    const counters = this.counters(target.exporterIP);
    counters.requests.inc();
    const options: SessionOptions = {
      port: target.port,
      transport: target.transport,
      timeout: this.config.pollerTimeout,
      retries: this.config.pollerRetries,
    };
    let session: Session;
    if ('community' in creds) {
      session = snmp.createSession(target.agent, creds.community, { ...options, version: snmp.Version2c });
    } else {
      const s = creds.security;
      session = snmp.createV3Session(target.agent, v3User(s), { ...options, version: snmp.Version3, context: s.contextName });
    }
    // A socket error is also reported to the pending request; without a
    // listener, the session's "error" event would be thrown.
    session.on('error', () => {});
    this.sessions.add(session);
    return new Promise((resolve, reject) => {
      session.get(oids, (err, varbinds) => {
        if (this.sessions.delete(session)) {
          session.close();
        } else if (err !== null) {
          // close() cancelled it on stop: neither counted nor logged.
          reject(new SnmpPollError('other', `SNMP GET to ${target.agent}:${target.port} cancelled on stop`, err));
          return;
        }
        if (err === null) {
          counters.successes.inc();
          resolve(varbinds);
          return;
        }
        const kind = classify(err);
        counters.errors[kind].inc();
        const version = 'community' in creds ? 'v2c' : 'v3';
        const failure = new SnmpPollError(kind, `SNMP ${version} GET to ${target.agent}:${target.port} for ${target.exporterIP}: ${kind}`, err);
        if (this.sampler.allow()) {
          this.r.logger.warn({ exporter: target.exporterIP, agent: target.agent, port: target.port, version, error: kind, err: failure }, 'SNMP poll failed');
        }
        reject(failure);
      });
    });
  }
}

interface Target {
  exporterIP: string;
  agent: string;
  port: number;
  transport: 'udp4' | 'udp6';
}

function v3User(s: SecurityParameters): User {
  const auth = s.authenticationProtocol;
  const priv = s.privacyProtocol;
  const level = auth === 'none' ? snmp.SecurityLevel.noAuthNoPriv : priv === 'none' ? snmp.SecurityLevel.authNoPriv : snmp.SecurityLevel.authPriv;
  const user: User = { name: s.userName, level };
  if (auth !== 'none') {
    user.authProtocol = snmp.AuthProtocols[auth.toLowerCase() as 'md5'];
    user.authKey = s.authenticationPassphrase;
  }
  if (priv !== 'none') {
    user.privProtocol = privProtocolCode(priv);
    user.privKey = s.privacyPassphrase;
  }
  return user;
}

// text returns an OctetString's value, or undefined for an exception (noSuchInstance).
function text(vb: Varbind | undefined): string | undefined {
  if (vb === undefined || snmp.isVarbindError(vb)) return undefined;
  if (Buffer.isBuffer(vb.value)) return vb.value.toString('utf8');
  return typeof vb.value === 'string' ? vb.value : undefined;
}

// toInterface reads ifName, ifDescr, ifAlias and ifHighSpeed at vbs[at...].
function toInterface(vbs: Varbind[], at: number): InterfaceInfo | null {
  const ifName = text(vbs[at]);
  const ifDescr = text(vbs[at + 1]);
  const ifAlias = text(vbs[at + 2]);
  const speedVb = vbs[at + 3];
  const name = ifName ?? ifDescr;
  if (name === undefined) return null;
  let description = ifAlias ?? '';
  if (description === '' && ifDescr !== undefined && ifDescr !== name) description = ifDescr;
  const speed = speedVb !== undefined && !snmp.isVarbindError(speedVb) && typeof speedVb.value === 'number' ? speedVb.value : 0;
  return emptyInterface(name, description, speed);
}
