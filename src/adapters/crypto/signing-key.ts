import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** An Ed25519 key for signed audit checkpoints (and, later, proof-of-reserves manifests). */
export interface Signer {
  readonly publicKeyHex: string;
  sign(message: string): string;
  /** The signature over raw bytes, hex. */
  signBytes(message: Uint8Array): string;
}

export function loadOrCreateSigningKey(
  file: string,
  options: { createIfMissing: boolean; setting?: string },
): Signer {
  let privateKey: KeyObject;
  if (fs.existsSync(file)) {
    privateKey = createPrivateKey(fs.readFileSync(file, 'utf8'));
    if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file}: not an Ed25519 private key`);
  } else {
    if (!options.createIfMissing)
      throw new Error(`${options.setting ?? 'AUDIT_SIGNING_KEY_FILE'}: ${file} does not exist`);
    privateKey = generateKeyPairSync('ed25519').privateKey;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const publicKeyHex = rawPublicKeyHex(createPublicKey(privateKey));
  return {
    publicKeyHex,
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('hex'),
    signBytes: (message) => sign(null, message, privateKey).toString('hex'),
  };
}

function rawPublicKeyHex(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32).toString('hex');
}

/** Verifies against a raw 32-byte Ed25519 public key given as hex. */
export function verifyEd25519(publicKeyHex: string, message: string, signatureHex: string): boolean {
  const prefix = Buffer.from('302a300506032b6570032100', 'hex');
  const key = createPublicKey({
    key: Buffer.concat([prefix, Buffer.from(publicKeyHex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  return verify(null, Buffer.from(message, 'utf8'), key, Buffer.from(signatureHex, 'hex'));
}
