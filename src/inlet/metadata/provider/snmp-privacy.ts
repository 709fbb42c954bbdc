// SPDX-License-Identifier: AGPL-3.0-only
// Privacy protocols net-snmp lacks or cannot run on Node.js 17+, added to
// the library's tables at run time: they are keyed by a privProtocol code,
// which is the library's own (never on the wire).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import snmp, { type Engine, type PrivAlgorithm } from 'net-snmp';
import type { PrivProtocol } from './snmp-config.ts';

/**
 * AES192_PROTOCOLS name the two AES-192 privacy protocols (CFB128 mode, as
 * RFC 3826 defines for AES-128) by the key extension that stretches the
 * localized key (16 or 20 bytes with MD5 or SHA) to 24 bytes: "aes192b"
 * extends it by hashing what is built so far (Blumenthal's draft, what
 * Net-SNMP agents call AES192), "aes192r" by localizing the localized key
 * again (Reeder's draft, Cisco's AES192, Net-SNMP's AES192C). With a key at
 * least 24 bytes long (SHA-224 and up), both take its first 24 bytes.
 */
export const AES192_PROTOCOLS = ['aes192b', 'aes192r'] as const;

/** Aes192Protocol is one of AES192_PROTOCOLS. */
export type Aes192Protocol = (typeof AES192_PROTOCOLS)[number];

let registered: Record<Aes192Protocol, number> | null = null;

/**
 * aes192Protocol returns net-snmp's privProtocol code for an AES-192
 * flavour. On the first call, both are added to the library's tables of
 * privacy protocols (which key encryption, decryption and key localization
 * by that code), reusing its AES routines and the key extensions of its
 * AES-256 and AES-256C. A library version that has them under these names
 * is used as it is.
 */
export function aes192Protocol(p: Aes192Protocol): number {
  registered ??= registerAes192();
  return registered[p];
}

function registerAes192(): Record<Aes192Protocol, number> {
  const { Encryption: E, PrivProtocols: P } = snmp;
  const codes = {} as Record<Aes192Protocol, number>;
  for (const name of AES192_PROTOCOLS) {
    const known = P[name];
    if (typeof known === 'number' && E.algorithms[known] !== undefined) {
      codes[name] = known;
      continue;
    }
    let code = 64;
    while (E.algorithms[code] !== undefined || P[code] !== undefined) code++;
    const algorithm: PrivAlgorithm = {
      CRYPTO_ALGORITHM: 'aes-192-cfb',
      KEY_LENGTH: 24,
      BLOCK_LENGTH: 16,
      encryptPdu: E.encryptPduAes,
      decryptPdu: E.decryptPduAes,
      localizationAlgorithm: name === 'aes192b' ? E.generateLocalizedKeyBlumenthal : E.generateLocalizedKeyReeder,
    };
    E.algorithms[code] = algorithm;
    P[code] = name;
    P[name] = code;
    codes[name] = code;
  }
  return codes;
}

/*
 * DES privacy (RFC 3414 section 8.1.1): the localized privacy key gives the
 * DES key (bytes 0-7) and a pre-IV (bytes 8-15); the 8-byte salt sent as
 * msgPrivacyParameters is XORed with the pre-IV to make the CBC IV; the
 * scoped PDU is padded to a multiple of 8 bytes. net-snmp asks OpenSSL for
 * "des-cbc", which OpenSSL 3 keeps in its legacy provider, not loaded by
 * Node.js: every request would fail. Triple DES (EDE) with the same key
 * three times is single DES, and it is in OpenSSL's default provider.
 */

const DES_BLOCK = 8;

// desKeyAndIv derives the 3DES key (the DES key three times) and the IV of a message.
function desKeyAndIv(authProtocol: number, privPassword: string, engineID: Buffer, salt: Buffer): [Buffer, Buffer] {
  const kul = snmp.Authentication.passwordToKey(authProtocol, privPassword, engineID);
  const key = kul.subarray(0, DES_BLOCK);
  const iv = Buffer.alloc(DES_BLOCK);
  for (let k = 0; k < DES_BLOCK; k++) iv[k] = kul[DES_BLOCK + k]! ^ salt[k]!;
  return [Buffer.concat([key, key, key]), iv];
}

function encryptPduDes(scopedPdu: Buffer, _privProtocol: number, privPassword: string, authProtocol: number, engine: Engine) {
  const salt = randomBytes(DES_BLOCK);
  const [key, iv] = desKeyAndIv(authProtocol, privPassword, engine.engineID, salt);
  const padded = Buffer.alloc(Math.ceil(scopedPdu.length / DES_BLOCK) * DES_BLOCK);
  scopedPdu.copy(padded);
  const cipher = createCipheriv('des-ede3-cbc', key, iv).setAutoPadding(false);
  return { encryptedPdu: Buffer.concat([cipher.update(padded), cipher.final()]), msgPrivacyParameters: salt };
}

function decryptPduDes(encryptedPdu: Buffer, _privProtocol: number, privParameters: Buffer, privPassword: string, authProtocol: number, engine: Engine): Buffer {
  if (privParameters.length !== DES_BLOCK || encryptedPdu.length % DES_BLOCK !== 0) {
    throw new TypeError(`DES: expected an 8-byte salt and whole blocks, got ${privParameters.length} and ${encryptedPdu.length} bytes`);
  }
  const [key, iv] = desKeyAndIv(authProtocol, privPassword, engine.engineID, privParameters);
  const decipher = createDecipheriv('des-ede3-cbc', key, iv).setAutoPadding(false);
  return Buffer.concat([decipher.update(encryptedPdu), decipher.final()]);
}

let desReplaced = false;

/** desProtocol returns net-snmp's code for DES, its DES routines replaced at the first call by ones running on Node.js. */
export function desProtocol(): number {
  const code = snmp.PrivProtocols.des;
  if (!desReplaced) {
    const des = snmp.Encryption.algorithms[code]!;
    des.encryptPdu = encryptPduDes;
    des.decryptPdu = decryptPduDes;
    desReplaced = true;
  }
  return code;
}

/** privProtocolCode gives net-snmp's code for a privacy protocol of the configuration. */
export function privProtocolCode(priv: Exclude<PrivProtocol, 'none'>): number {
  const p = snmp.PrivProtocols;
  switch (priv) {
    case 'DES':
      return desProtocol();
    case 'AES':
      return p.aes;
    case 'AES192':
      return aes192Protocol('aes192b');
    case 'AES192C':
      return aes192Protocol('aes192r');
    case 'AES256':
      return p.aes256b;
    case 'AES256C':
      return p.aes256r;
  }
}
