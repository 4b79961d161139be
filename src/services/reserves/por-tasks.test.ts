import { describe, expect, it } from 'vitest';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { lp, toHex } from '../../domain/reserves/encoding.js';
import { deriveSalt, hmacSha256, userCommitment } from '../../domain/reserves/hashing.js';
import { UserKeyDeriver } from './por-tasks.js';

const sha256 = nodePorCrypto.sha256;

describe('UserKeyDeriver', () => {
  const ids = ['alice', 'a', 'x'.repeat(255), 'zoë', '日本語', '🙂'.repeat(63), 'quote"d', 'new\nline'];
  const secrets = [32, 33, 64, 65, 200].map((n) =>
    Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255),
  );

  it('gives the salt deriveSalt(hmacSha256(build_secret, lp(user_id))) and the commitment userCommitment', () => {
    for (const secret of secrets) {
      for (const snapshotId of ['2026-11-21T00:00:00Z', 's', 'é'.repeat(127)]) {
        const deriver = new UserKeyDeriver(sha256, secret, snapshotId);
        for (const id of ids) {
          const salt = new Uint8Array(40);
          const uid = new Uint8Array(40);
          deriver.derive(lp(id), salt, 3, uid, 5);
          const expectedSalt = deriveSalt(sha256, hmacSha256(sha256, secret, lp(id)), snapshotId);
          expect(toHex(salt.subarray(3, 35))).toBe(toHex(expectedSalt));
          expect(toHex(uid.subarray(5, 37))).toBe(
            toHex(userCommitment(sha256, snapshotId, id, expectedSalt)),
          );
        }
      }
    }
  });
});
