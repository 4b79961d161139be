import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalKms, loadKeyring } from './local-kms.js';

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'custos-kms-')), 'kek.json');

describe('local KMS (envelope encryption)', () => {
  it('round-trips, and a fresh data key makes every ciphertext different', () => {
    const kms = createLocalKms(loadKeyring(tmpFile(), { createIfMissing: true }));
    const a = kms.encrypt('JBSWY3DPEHPK3PXP', 'totp:u1');
    const b = kms.encrypt('JBSWY3DPEHPK3PXP', 'totp:u1');
    expect(a).not.toBe(b);
    expect(kms.decrypt(a, 'totp:u1')).toBe('JBSWY3DPEHPK3PXP');
    expect(a).not.toContain('JBSWY3DPEHPK3PXP');
  });

  it('a ciphertext moved to another owner does not decrypt (associated data)', () => {
    const kms = createLocalKms(loadKeyring(tmpFile(), { createIfMissing: true }));
    const env = kms.encrypt('secret', 'totp:alice');
    expect(() => kms.decrypt(env, 'totp:mallory')).toThrow();
  });

  it('a tampered ciphertext does not decrypt', () => {
    const kms = createLocalKms(loadKeyring(tmpFile(), { createIfMissing: true }));
    const env = kms.encrypt('secret', 'x');
    const parts = env.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[body.length - 1]! ^= 1;
    parts[3] = body.toString('base64url');
    expect(() => kms.decrypt(parts.join('.'), 'x')).toThrow();
  });

  it('after rotation, old ciphertexts still decrypt and new ones use the new key', () => {
    const file = tmpFile();
    const ring = loadKeyring(file, { createIfMissing: true });
    const old = createLocalKms(ring).encrypt('before rotation', 'a');
    const rotated = { ...ring, active: 'k2', keys: { ...ring.keys, k2: 'ab'.repeat(32) } };
    fs.writeFileSync(file, JSON.stringify(rotated));
    const kms = createLocalKms(loadKeyring(file, { createIfMissing: false }));
    expect(kms.decrypt(old, 'a')).toBe('before rotation');
    expect(kms.encrypt('after', 'a').split('.')[1]).toBe('k2');
    // Derived secrets come from the root key, so keyed hashes survive rotation.
    expect(kms.deriveSecret('backup-codes/v1')).toEqual(createLocalKms(ring).deriveSecret('backup-codes/v1'));
  });

  it('refuses a missing key file when it may not create one (production)', () => {
    expect(() => loadKeyring(tmpFile(), { createIfMissing: false })).toThrow(/KEK_FILE/);
  });

  it('creates the key file readable by its owner only', () => {
    const file = tmpFile();
    loadKeyring(file, { createIfMissing: true });
    expect(fs.statSync(file).mode & 0o077).toBe(0);
  });
});
