// SPDX-License-Identifier: AGPL-3.0-only
import { createSocket, type Socket } from 'node:dgram';
import snmp from 'net-snmp';
import type { Agent } from 'net-snmp';
import type { Topology } from './interfaces.ts';

// OIDs answered (RFC 3418 SNMPv2-MIB, RFC 2863 IF-MIB): the objects the
// inlet's SNMP provider polls, and a few that snmpwalk users expect.
const SYS_DESCR = '1.3.6.1.2.1.1.1';
const SYS_NAME = '1.3.6.1.2.1.1.5';
const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
const IF_X_ENTRY = '1.3.6.1.2.1.31.1.1.1';

/**
 * SnmpAgent answers SNMP v1/v2c gets and walks for one demo exporter:
 * sysName, sysDescr, and ifDescr, ifSpeed, ifName, ifHighSpeed and ifAlias
 * of its interfaces. It listens on `address:port` from start() to stop().
 */
export class SnmpAgent {
  readonly address: string;
  readonly port: number;
  readonly #name: string;
  readonly #community: string;
  readonly #topology: Topology;
  readonly #onError: (err: Error) => void;
  #agent: Agent | null = null;
  #socket: Socket | null = null;

  /** constructor is inert; `onError` hears about requests the agent could not serve. */
  constructor(address: string, port: number, name: string, community: string, topology: Topology, onError: (err: Error) => void) {
    this.address = address;
    this.port = port;
    this.#name = name;
    this.#community = community;
    this.#topology = topology;
    this.#onError = onError;
  }

  /** start binds the agent's socket and fills its MIB; it rejects when the address cannot be bound. */
  async start(): Promise<void> {
    let socket: Socket | null = null;
    const agent = snmp.createAgent(
      {
        port: this.port,
        address: this.address,
        transport: 'udp4',
        // The agent makes its socket through this module: keeping it lets
        // start() wait for the bind and report its failure.
        dgramModule: {
          createSocket: (type) => (socket = createSocket(type)),
        },
      },
      (err) => {
        if (err !== null && this.#socket !== null) this.#onError(err);
      },
    );
    this.#agent = agent;
    const s = socket as Socket | null;
    if (s === null) throw new Error('net-snmp did not create a socket');
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        s.off('listening', onListening);
        reject(err);
      };
      const onListening = () => {
        s.off('error', onError);
        resolve();
      };
      s.once('error', onError);
      s.once('listening', onListening);
    }).catch((err: unknown) => {
      agent.close();
      this.#agent = null;
      throw err;
    });
    this.#socket = s;
    agent.getAuthorizer().addCommunity(this.#community);
    this.#fill(agent);
  }

  /** stop closes the agent's socket; it may be called more than once. */
  async stop(): Promise<void> {
    const agent = this.#agent;
    const socket = this.#socket;
    this.#agent = null;
    this.#socket = null;
    if (agent === null || socket === null) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      agent.close();
    });
  }

  #fill(agent: Agent): void {
    const mib = agent.getMib();
    const { OctetString, Integer, Gauge } = snmp.ObjectType;
    const ro = snmp.MaxAccess['read-only'];
    const na = snmp.MaxAccess['not-accessible'];
    const scalar = (name: string, oid: string) => mib.registerProvider({ name, type: snmp.MibProviderType.Scalar, oid, scalarType: OctetString, maxAccess: ro });
    scalar('sysDescr', SYS_DESCR);
    scalar('sysName', SYS_NAME);
    mib.setScalarValue('sysDescr', 'Akvorado demo exporter');
    mib.setScalarValue('sysName', this.#name);
    mib.registerProvider({
      name: 'ifTable',
      type: snmp.MibProviderType.Table,
      oid: IF_ENTRY,
      maxAccess: na,
      tableColumns: [
        { number: 1, name: 'ifIndex', type: Integer, maxAccess: ro },
        { number: 2, name: 'ifDescr', type: OctetString, maxAccess: ro },
        { number: 5, name: 'ifSpeed', type: Gauge, maxAccess: ro },
      ],
      tableIndex: [{ columnName: 'ifIndex' }],
    });
    mib.registerProvider({
      name: 'ifXTable',
      type: snmp.MibProviderType.Table,
      oid: IF_X_ENTRY,
      maxAccess: na,
      tableColumns: [
        { number: 1, name: 'ifName', type: OctetString, maxAccess: ro },
        { number: 15, name: 'ifHighSpeed', type: Gauge, maxAccess: ro },
        { number: 18, name: 'ifAlias', type: OctetString, maxAccess: ro },
      ],
      tableIndex: [{ columnName: 'ifIndex', foreign: 'ifTable' }],
    });
    for (const i of this.#topology.interfaces) {
      // ifSpeed is in bit/s and saturates at 2^32 - 1 (RFC 2863): ifHighSpeed tells the truth.
      mib.addTableRow('ifTable', [i.index, i.descr, Math.min(i.speed * 1e6, 0xffffffff)]);
      mib.addTableRow('ifXTable', [i.index, i.name, i.speed, i.alias]);
    }
  }
}
