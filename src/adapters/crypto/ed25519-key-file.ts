import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Signer } from './signing-key.js';

/** Thrown when a key file cannot be read or written; the message names the file and the reason. */
export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
}

function signerOf(privateKey: KeyObject): Signer {
  const der = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return {
    publicKeyHex: der.subarray(der.length - 32).toString('hex'),
    sign: (message) => sign(null, Buffer.from(message, 'utf8'), privateKey).toString('hex'),
    signBytes: (message) => sign(null, message, privateKey).toString('hex'),
  };
}

/** Reads an Ed25519 private key from a PEM file (PKCS #8, `-----BEGIN PRIVATE KEY-----`). */
export function readEd25519KeyFile(file: string): Signer {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeyFileError(
      `cannot read the key ${file}: ${code === 'ENOENT' ? 'no such file' : (code ?? 'error')}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyFileError(`${file} is not a PEM private key (PKCS #8)`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KeyFileError(
      `${file} holds a ${key.asymmetricKeyType ?? 'non-asymmetric'} key, not an Ed25519 key`,
    );
  }
  return signerOf(key);
}

/** A fresh Ed25519 key, and its PEM (PKCS #8) to be saved. */
export function generateEd25519Key(): { signer: Signer; pem: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  return {
    signer: signerOf(privateKey),
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Saves a private key readable by its owner only; an existing file is never overwritten. */
export function writePrivateKeyFile(file: string, pem: string): void {
  try {
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new KeyFileError(`${file} exists already; a key is never overwritten`);
    throw new KeyFileError(`cannot write the key ${file}: ${code ?? 'error'}`);
  }
}
