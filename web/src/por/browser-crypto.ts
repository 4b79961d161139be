import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { PorCrypto } from '../../../src/domain/reserves/verify';

// The base point's multiples are tabulated on first use. A page checks one manifest signature
// per click, so @noble's default window (6, ~1,400 points) mostly lengthens the first check; a
// window of 4 costs a third of that and ~1 ms more on each later check.
ed25519.Point.BASE.precompute(4);

/**
 * The proof-of-reserves primitives in a browser: SHA-256 and Ed25519 verification from the
 * bundled @noble libraries, synchronous as `PorCrypto` requires (Web Crypto is asynchronous).
 * Ed25519 follows RFC 8032 strictly (`zip215: false`; @noble's own default is ZIP-215):
 * non-canonical encodings of points and `S >= L` are refused, as node:crypto refuses them.
 */
export const browserPorCrypto: PorCrypto = {
  sha256: (data) => sha256(data),
  verifyEd25519(publicKey, message, signature) {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      // A key that is not a point on the curve: not a valid signature, never an exception.
      return false;
    }
  },
};
