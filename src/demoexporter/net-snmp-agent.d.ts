// SPDX-License-Identifier: AGPL-3.0-only
// Types for the agent side of net-snmp that the demo exporter uses. They
// add to the declarations of src/inlet/metadata/provider/net-snmp.d.ts
// (declaration merging) without changing them.
declare module 'net-snmp' {
  /** AgentOptions are the options of createAgent; `dgramModule` lets the caller see the agent's socket. */
  export interface AgentOptions {
    port?: number;
    address?: string | null;
    transport?: 'udp4' | 'udp6';
    disableAuthorization?: boolean;
    dgramModule?: { createSocket(type: 'udp4' | 'udp6'): import('node:dgram').Socket };
  }

  /** MibColumn is one column of a table provider. */
  export interface MibColumn {
    number: number;
    name: string;
    type: number;
    maxAccess: number;
  }

  /** MibProvider defines a scalar or a table of the agent's MIB. */
  export interface MibProvider {
    name: string;
    type: number;
    oid: string;
    maxAccess: number;
    scalarType?: number;
    tableColumns?: MibColumn[];
    tableIndex?: Array<{ columnName: string; foreign?: string }>;
  }

  /** Mib holds the values an agent answers with. */
  export interface Mib {
    registerProvider(provider: MibProvider): void;
    setScalarValue(name: string, value: unknown): void;
    addTableRow(name: string, row: unknown[]): void;
  }

  /** Authorizer holds the communities an agent answers to. */
  export interface Authorizer {
    addCommunity(community: string): void;
  }

  /** Agent is an SNMP agent listening on one UDP socket. */
  export interface Agent {
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    close(callback?: (socket: unknown) => void): void;
  }

  export interface NetSnmp {
    createAgent(options: AgentOptions, callback: (error: Error | null, data: unknown) => void): Agent;
    MibProviderType: { Scalar: number; Table: number };
    MaxAccess: { 'not-accessible': number; 'read-only': number };
  }
}
