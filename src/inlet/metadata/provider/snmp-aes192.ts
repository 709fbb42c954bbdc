// SPDX-License-Identifier: AGPL-3.0-only
import snmp, { type PrivAlgorithm } from 'net-snmp';

/**
 * AES192_PROTOCOLS name the two AES-192 privacy protocols (CFB128 mode, as
 * RFC 3826 defines for AES-128) net-snmp does not ship, by the key
 * extension that stretches the localized key (16 or 20 bytes with MD5 or
 * SHA) to 24 bytes: "aes192b" extends it by hashing what is built so far
 * (Blumenthal's draft, what Net-SNMP agents call AES192), "aes192r" by
 * localizing the localized key again (Reeder's draft, Cisco's AES192,
 * Net-SNMP's AES192C). With a key at least 24 bytes long (SHA-224 and up),
 * both take its first 24 bytes.
 */
export const AES192_PROTOCOLS = ['aes192b', 'aes192r'] as const;

/** Aes192Protocol is one of AES192_PROTOCOLS. */
export type Aes192Protocol = (typeof AES192_PROTOCOLS)[number];

let registered: Record<Aes192Protocol, number> | null = null;

/**
 * aes192Protocol returns net-snmp's privProtocol code for an AES-192
 * flavour. On the first call, both are added to the library's tables of
 * privacy protocols (which key its encryption, decryption and key
 * localization by that code), reusing its AES routines and its two key
 * extensions, those of AES-256 and AES-256C. A library version that has
 * them under these names is used as it is.
 */
export function aes192Protocol(p: Aes192Protocol): number {
  registered ??= register();
  return registered[p];
}

function register(): Record<Aes192Protocol, number> {
  const { Encryption: E, PrivProtocols: P } = snmp;
  const codes = {} as Record<Aes192Protocol, number>;
  for (const name of AES192_PROTOCOLS) {
    const known = P[name];
    if (typeof known === 'number' && E.algorithms[known] !== undefined) {
      codes[name] = known;
      continue;
    }
    // Codes are the library's own (never on the wire): take a free one.
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
