// SPDX-License-Identifier: AGPL-3.0-only
// Test helper (not part of the build): runs Debian's snmpd (net-snmp) on a
// loopback port with chosen system and interface values.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import snmp from 'net-snmp';

/** SNMPD is the agent binary (Debian package snmpd). */
const SNMPD = '/usr/sbin/snmpd';

/** FakeInterface is what the agent answers for one ifIndex; a missing field is noSuchInstance. */
export interface FakeInterface {
  name?: string;
  descr?: string;
  alias?: string;
  speed?: number;
}

/** SnmpdOptions say what the agent answers and to whom. */
export interface SnmpdOptions {
  /** port to listen on (default: a free one). */
  port?: number;
  /** community is the SNMPv2c read-only community (default "public"). */
  community?: string;
  /** v3 adds authPriv users (SHA authentication and AES privacy unless said). */
  v3?: V3User | V3User[];
  sysName?: string;
  interfaces?: Record<number, FakeInterface>;
}

/**
 * V3User is an SNMPv3 user of the agent; protocols are written as
 * snmpd.conf's createUser takes them (auth MD5, SHA, SHA-256...; privacy
 * DES, AES, AES192, AES192C, AES256, AES256C).
 */
export interface V3User {
  user: string;
  authPassphrase: string;
  privPassphrase: string;
  authProtocol?: string;
  privProtocol?: string;
}

/** Snmpd is a running agent. */
export interface Snmpd {
  port: number;
  stop(): Promise<void>;
}

/** freeUdpPort returns a loopback UDP port nobody listens on (at the time of the call). */
export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

// snmpd.conf directives, one per line (snmpd.conf(5)). `override` answers a
// fixed value for one OID, which replaces or adds rows of IF-MIB: ifIndex
// values above 1000 are used so that the host's own interfaces never mix in.
function config(o: SnmpdOptions): string {
  const lines = [
    // No AgentX master socket: -C already skips the system configuration
    // that may enable it, this makes it explicit.
    'master no',
    `rocommunity ${o.community ?? 'public'} 127.0.0.1`,
    `sysName ${o.sysName ?? 'exporter'}`,
  ];
  for (const u of o.v3 === undefined ? [] : [o.v3].flat()) {
    lines.push(`createUser ${u.user} ${u.authProtocol ?? 'SHA'} "${u.authPassphrase}" ${u.privProtocol ?? 'AES'} "${u.privPassphrase}"`, `rouser ${u.user} priv`);
  }
  for (const [i, f] of Object.entries(o.interfaces ?? {})) {
    if (f.name !== undefined) lines.push(`override .1.3.6.1.2.1.31.1.1.1.1.${i} octet_str "${f.name}"`);
    if (f.descr !== undefined) lines.push(`override .1.3.6.1.2.1.2.2.1.2.${i} octet_str "${f.descr}"`);
    if (f.alias !== undefined) lines.push(`override .1.3.6.1.2.1.31.1.1.1.18.${i} octet_str "${f.alias}"`);
    // "unsigned" is a Gauge32 on the wire, the type of ifHighSpeed.
    if (f.speed !== undefined) lines.push(`override .1.3.6.1.2.1.31.1.1.1.15.${i} unsigned ${f.speed}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * startSnmpd starts an agent and waits until it answers; it is stopped when
 * the test ends (or by stop()). A missing snmpd is a failure that says which
 * package to install, never a skip.
 */
export async function startSnmpd(t: TestContext, o: SnmpdOptions = {}): Promise<Snmpd> {
  const dir = await mkdtemp(join(tmpdir(), 'akvorado-snmpd-'));
  const conf = join(dir, 'snmpd.conf');
  await writeFile(conf, config(o));
  const port = o.port ?? (await freeUdpPort());
  const env = {
    ...process.env,
    // We run as root: snmpd would otherwise keep its persistent state (v3
    // users with their keys, engine boots) in /var/lib/snmp, shared by all
    // instances and kept between runs. Each agent gets its own.
    SNMP_PERSISTENT_DIR: join(dir, 'persist'),
    // No MIB files: loading Debian's partial set prints hundreds of warnings,
    // and OIDs are numeric anyway.
    MIBS: '',
    MIBDIRS: join(dir, 'mibs'),
  };
  // -f foreground, -Lo log to stdout, -C only our configuration file, -r do
  // not stop on files only root may open (the same helper works as non-root).
  const args = ['-f', '-Lo', '-C', '-r', '-c', conf, '-p', join(dir, 'snmpd.pid'), `udp:127.0.0.1:${port}`];
  let child: ChildProcess;
  try {
    child = spawn(SNMPD, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`cannot run ${SNMPD} (apt-get install snmpd): ${(err as Error).message}`, { cause: err });
  }
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (err) => {
      output += `\n${err.message} (apt-get install snmpd)`;
      exited = true;
      resolve();
    });
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await exit;
    }
    await rm(dir, { recursive: true, force: true });
  };
  t.after(stop);
  const deadline = Date.now() + 10_000;
  while (!(await answers(port, o.community ?? 'public'))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`snmpd did not answer on 127.0.0.1:${port}: ${output.trim()}`);
    }
    await sleep(50);
  }
  return { port, stop };
}

// answers tells whether an agent answers a v2c GET of sysName.0.
function answers(port: number, community: string): Promise<boolean> {
  const session = snmp.createSession('127.0.0.1', community, { port, version: snmp.Version2c, timeout: 200, retries: 0 });
  session.on('error', () => {});
  return new Promise((resolve) => {
    session.get(['1.3.6.1.2.1.1.5.0'], (err) => {
      session.close();
      resolve(err === null);
    });
  });
}
