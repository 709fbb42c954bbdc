// SPDX-License-Identifier: AGPL-3.0-only
// Types for the part of net-snmp (which ships none) that the SNMP provider
// and its tests use. Constants are the library's numeric codes.
declare module 'net-snmp' {
  /** Varbind is one OID and its value in an answer. */
  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  /** SessionOptions are the options of createSession/createV3Session. */
  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    backoff?: number;
    transport?: 'udp4' | 'udp6';
    version?: number;
    context?: string;
  }

  /** User is an SNMPv3 user (USM). */
  export interface User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  /** Session is a client socket towards one agent. */
  export interface Session {
    get(oids: string[], cb: (error: (Error & { code?: number }) | null, varbinds: Varbind[]) => void): void;
    close(): void;
    on(event: 'error' | 'close', cb: (err?: Error) => void): void;
  }

  /** Engine is what key localization and AES need of an SNMP engine. */
  export interface Engine {
    engineID: Buffer;
    engineBoots: number;
    engineTime: number;
  }

  /** PrivAlgorithm is an entry of Encryption.algorithms, keyed by privProtocol code. */
  export interface PrivAlgorithm {
    CRYPTO_ALGORITHM: string;
    KEY_LENGTH: number;
    BLOCK_LENGTH: number;
    encryptPdu: unknown;
    decryptPdu: unknown;
    localizationAlgorithm: (algorithm: PrivAlgorithm, authProtocol: number, privPassword: string, engineID: Buffer) => Buffer;
  }

  /** Encryption is the library's USM privacy module (exported, undocumented). */
  export interface Encryption {
    algorithms: Record<number, PrivAlgorithm | undefined>;
    encryptPduAes: unknown;
    decryptPduAes: unknown;
    generateLocalizedKeyBlumenthal: PrivAlgorithm['localizationAlgorithm'];
    generateLocalizedKeyReeder: PrivAlgorithm['localizationAlgorithm'];
    encryptPdu(privProtocol: number, scopedPdu: Buffer, privPassword: string, authProtocol: number, engine: Engine): { encryptedPdu: Buffer; msgPrivacyParameters: Buffer };
    decryptPdu(privProtocol: number, encryptedPdu: Buffer, privParameters: Buffer, privPassword: string, authProtocol: number, engine: Engine): Buffer;
  }

  /** Authentication is the library's USM authentication module (exported, undocumented). */
  export interface Authentication {
    /** passwordToKey is RFC 3414's password to localized key (A.2), cached. */
    passwordToKey(authProtocol: number, password: string | Buffer, engineID: Buffer): Buffer;
  }

  export interface NetSnmp {
    Version1: number;
    Version2c: number;
    Version3: number;
    SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
    AuthProtocols: { none: number; md5: number; sha: number; sha224: number; sha256: number; sha384: number; sha512: number };
    /** PrivProtocols maps names to codes and codes to names (both ways, as the library builds it). */
    PrivProtocols: { none: number; des: number; aes: number; aes256b: number; aes256r: number } & Record<string, number | string | undefined>;
    Encryption: Encryption;
    Authentication: Authentication;
    ObjectType: { OctetString: number; Gauge: number; Integer: number; NoSuchObject: number; NoSuchInstance: number; EndOfMibView: number };
    ResponseInvalidCode: { EAuthFailure: number; ECouldNotDecrypt: number; ENotInTimeWindow: number };
    createSession(target: string, community: string, options?: SessionOptions): Session;
    createV3Session(target: string, user: User, options?: SessionOptions): Session;
    isVarbindError(vb: Varbind): boolean;
  }

  const snmp: NetSnmp;
  export default snmp;
}
