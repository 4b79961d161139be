import { createPublicKey, hash, type KeyObject, verify } from 'node:crypto';
import type { PorCrypto } from '../../domain/reserves/verify.js';

const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The proof-of-reserves primitives on Node: one-shot SHA-256 and Ed25519 from node:crypto. */
export const nodePorCrypto: PorCrypto = {
  sha256: (data) => hash('sha256', data, 'buffer'),
  verifyEd25519(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    return verify(null, message, publicKeyObject(publicKey), signature);
  },
};

// Importing a key costs more than a verification: `custos por verify --all` checks one manifest
// per proof file, so the last key is kept.
let lastKey: { hex: string; key: KeyObject } | undefined;

function publicKeyObject(raw: Uint8Array): KeyObject {
  const hex = Buffer.from(raw).toString('hex');
  if (lastKey?.hex !== hex) {
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
      format: 'der',
      type: 'spki',
    });
    lastKey = { hex, key };
  }
  return lastKey.key;
}
