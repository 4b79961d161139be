import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Envelope encryption with a key-encryption key (KEK) kept in a local key file (SPEC S6).
 *
 * Each secret gets its own random AES-256-GCM data key; the data key is wrapped by the KEK and
 * stored beside the ciphertext. The key file is a keyring: rotating adds a key and makes it
 * active, and older keys stay to unwrap what they wrapped, so rotation needs no downtime.
 * `aad` binds a ciphertext to its owner and purpose (e.g. `totp:<userId>`), so a ciphertext
 * copied to another row does not decrypt.
 */
export interface Kms {
  encrypt(plaintext: string, aad: string): string;
  decrypt(envelope: string, aad: string): string;
  /** A stable secret for keyed hashes (peppers), derived from the keyring's first key. */
  deriveSecret(label: string): Buffer;
}

interface Keyring {
  active: string;
  root: string;
  keys: Record<string, string>;
}

const VERSION = 'v1';

export function loadKeyring(file: string, options: { createIfMissing: boolean }): Keyring {
  if (!fs.existsSync(file)) {
    if (!options.createIfMissing) throw new Error(`KEK_FILE: ${file} does not exist`);
    const keyring: Keyring = { active: 'k1', root: 'k1', keys: { k1: randomBytes(32).toString('hex') } };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(keyring, null, 2), { mode: 0o600, flag: 'wx' });
    return keyring;
  }
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Keyring;
  for (const [kid, hex] of Object.entries(parsed.keys ?? {})) {
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`KEK_FILE: key ${kid} is not 32 bytes of hex`);
  }
  if (!parsed.keys?.[parsed.active] || !parsed.keys[parsed.root]) {
    throw new Error('KEK_FILE: the active or root key is missing from the keyring');
  }
  return parsed;
}

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const iv = sealed.subarray(0, 12);
  const tag = sealed.subarray(12, 28);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

export function createLocalKms(keyring: Keyring): Kms {
  const keys = new Map(Object.entries(keyring.keys).map(([kid, hex]) => [kid, Buffer.from(hex, 'hex')]));
  const kek = (kid: string) => {
    const key = keys.get(kid);
    if (!key) throw new Error(`unknown key-encryption key ${kid}`);
    return key;
  };
  return {
    encrypt(plaintext, aad) {
      const dek = randomBytes(32);
      const wrapped = seal(kek(keyring.active), dek, `dek:${aad}`);
      const body = seal(dek, Buffer.from(plaintext, 'utf8'), aad);
      return [VERSION, keyring.active, wrapped.toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(envelope, aad) {
      const [version, kid, wrapped, body] = envelope.split('.');
      if (version !== VERSION || !kid || !wrapped || !body) throw new Error('malformed envelope');
      const dek = open(kek(kid), Buffer.from(wrapped, 'base64url'), `dek:${aad}`);
      return open(dek, Buffer.from(body, 'base64url'), aad).toString('utf8');
    },
    deriveSecret(label) {
      return Buffer.from(hkdfSync('sha256', kek(keyring.root), Buffer.alloc(0), `custos:${label}`, 32));
    },
  };
}
