// SPDX-License-Identifier: AGPL-3.0-only
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import snmp from 'net-snmp';
import { aes192Protocol, desProtocol, privProtocolCode } from './snmp-privacy.ts';

// localize is the password-to-key algorithm of RFC 3414 (A.2) written out
// again: hash 1 MiB of the repeated password, then Ku | engineID | Ku.
function localize(hash: string, password: Buffer, engineID: Buffer): Buffer {
  const block = Buffer.alloc(1 << 20);
  for (let k = 0; k < block.length; k++) block[k] = password[k % password.length]!;
  const ku = createHash(hash).update(block).digest();
  return createHash(hash).update(ku).update(engineID).update(ku).digest();
}

// blumenthal and reeder stretch a localized key to 24 bytes as their drafts say.
function blumenthal(hash: string, kul: Buffer): Buffer {
  return Buffer.concat([kul, createHash(hash).update(kul).digest()]).subarray(0, 24);
}
function reeder(hash: string, kul: Buffer, engineID: Buffer): Buffer {
  return Buffer.concat([kul, localize(hash, kul, engineID)]).subarray(0, 24);
}

const ENGINE_ID = Buffer.from('80001f8880e9bd0c1d12667a5100000000', 'hex');
const PASSWORD = 'privpass123';

function libraryKey(code: number, auth: number, password = PASSWORD): Buffer {
  const algorithm = snmp.Encryption.algorithms[code]!;
  return algorithm.localizationAlgorithm(algorithm, auth, password, ENGINE_ID);
}

describe('privacy protocols for net-snmp', () => {
  it('localizes passwords as RFC 3414 says (its A.3 vectors)', () => {
    const rfcEngine = Buffer.from('000000000000000000000002', 'hex');
    assert.equal(localize('md5', Buffer.from('maplesyrup'), rfcEngine).toString('hex'), '526f5eed9fcce26f8964c2930787d82b');
    assert.equal(localize('sha1', Buffer.from('maplesyrup'), rfcEngine).toString('hex'), '6695febc9288e36282235fc7151f128497b38f3f');
  });

  it('registers both flavours once, under codes of their own', () => {
    const b = aes192Protocol('aes192b');
    const r = aes192Protocol('aes192r');
    assert.equal(aes192Protocol('aes192b'), b);
    assert.notEqual(b, r);
    const p = snmp.PrivProtocols;
    for (const existing of [p.none, p.des, p.aes, p.aes256b, p.aes256r]) {
      assert.notEqual(b, existing);
      assert.notEqual(r, existing);
    }
    assert.equal(p[b], 'aes192b');
    assert.equal(p[r], 'aes192r');
    assert.equal(snmp.Encryption.algorithms[b]?.CRYPTO_ALGORITHM, 'aes-192-cfb');
    assert.equal(snmp.Encryption.algorithms[r]?.KEY_LENGTH, 24);
  });

  for (const [auth, hash] of [
    ['md5', 'md5'],
    ['sha', 'sha1'],
    ['sha256', 'sha256'],
  ] as const) {
    it(`extends ${auth} keys to 24 bytes (Blumenthal and Reeder)`, () => {
      const code = snmp.AuthProtocols[auth];
      const kul = localize(hash, Buffer.from(PASSWORD), ENGINE_ID);
      const b = libraryKey(aes192Protocol('aes192b'), code);
      const r = libraryKey(aes192Protocol('aes192r'), code);
      assert.equal(b.toString('hex'), blumenthal(hash, kul).toString('hex'));
      assert.equal(r.toString('hex'), reeder(hash, kul, ENGINE_ID).toString('hex'));
      // A key long enough is only cut: both flavours agree, otherwise they differ.
      if (kul.length >= 24) assert.deepEqual(b, r);
      else assert.notDeepEqual(b, r);
    });
  }

  it('encrypts with AES-192 in CFB mode, IV from engine boots, time and salt', () => {
    const code = aes192Protocol('aes192b');
    const engine = { engineID: ENGINE_ID, engineBoots: 7, engineTime: 123_456 };
    const pdu = Buffer.from('a scoped PDU, not whole blocks', 'utf8');
    const sha = snmp.AuthProtocols.sha;
    const { encryptedPdu, msgPrivacyParameters: salt } = snmp.Encryption.encryptPdu(code, pdu, PASSWORD, sha, engine);
    assert.equal(salt.length, 8);
    assert.notDeepEqual(encryptedPdu, pdu);
    const iv = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from([0, 1, 0xe2, 0x40]), salt]);
    const key = blumenthal('sha1', localize('sha1', Buffer.from(PASSWORD), ENGINE_ID));
    const decipher = createDecipheriv('aes-192-cfb', key, iv);
    assert.deepEqual(Buffer.concat([decipher.update(encryptedPdu), decipher.final()]), pdu);
    assert.deepEqual(snmp.Encryption.decryptPdu(code, encryptedPdu, salt, PASSWORD, sha, engine), pdu);
  });

  it('runs single DES as triple DES with one key (the ECB example of FIPS 81)', () => {
    const key = Buffer.from('0123456789abcdef', 'hex');
    const cipher = createCipheriv('des-ede3', Buffer.concat([key, key, key]), null).setAutoPadding(false);
    const out = Buffer.concat([cipher.update('Now is the time for all ', 'latin1'), cipher.final()]);
    assert.equal(out.toString('hex'), '3fa40e8a984d48156a271787ab8883f9893d51ec4b563b53');
  });

  it('encrypts DES as RFC 3414 says: key and pre-IV from the localized key, IV = pre-IV xor salt, zero padding', () => {
    const code = desProtocol();
    assert.equal(code, snmp.PrivProtocols.des);
    const engine = { engineID: ENGINE_ID, engineBoots: 3, engineTime: 99 };
    const pdu = Buffer.from('a scoped PDU, not whole blocks', 'utf8');
    const md5 = snmp.AuthProtocols.md5;
    const { encryptedPdu, msgPrivacyParameters: salt } = snmp.Encryption.encryptPdu(code, pdu, PASSWORD, md5, engine);
    assert.equal(salt.length, 8);
    assert.equal(pdu.length, 30);
    assert.equal(encryptedPdu.length, 32);
    const kul = localize('md5', Buffer.from(PASSWORD), ENGINE_ID);
    const iv = Buffer.from(kul.subarray(8, 16).map((x, k) => x ^ salt[k]!));
    const k = kul.subarray(0, 8);
    const decipher = createDecipheriv('des-ede3-cbc', Buffer.concat([k, k, k]), iv).setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(encryptedPdu), decipher.final()]);
    assert.deepEqual(plain, Buffer.concat([pdu, Buffer.alloc(2)]));
    assert.deepEqual(snmp.Encryption.decryptPdu(code, encryptedPdu, salt, PASSWORD, md5, engine), plain);
    assert.throws(() => snmp.Encryption.decryptPdu(code, encryptedPdu.subarray(1), salt, PASSWORD, md5, engine), /whole blocks/);
  });

  it('maps every privacy protocol of the configuration to a code', () => {
    const p = snmp.PrivProtocols;
    assert.deepEqual(
      (['DES', 'AES', 'AES192', 'AES192C', 'AES256', 'AES256C'] as const).map(privProtocolCode),
      [p.des, p.aes, aes192Protocol('aes192b'), aes192Protocol('aes192r'), p.aes256b, p.aes256r],
    );
  });
});
