import { describe, expect, it } from 'vitest';
import { ed25519FromSeed, fixedBytes } from '../../../scripts/por-vectors.js';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { buildSnapshot, proofsOf, type SnapshotInput } from './build.js';
import { reserveRatio, U128_MAX } from './encoding.js';
import { type Manifest, signManifest } from './manifest.js';
import {
  type PorCrypto,
  REJECTIONS,
  type RejectionCode,
  verifyManifest,
  verifyProof,
  verifyProofAgainst,
} from './verify.js';

const sha256 = nodePorCrypto.sha256;
const signer = ed25519FromSeed(fixedBytes('verify.test signing key'));
const other = ed25519FromSeed(fixedBytes('verify.test another key'));
const KEY = signer.publicKeyHex;

const input: SnapshotInput = {
  snapshotId: '2026-11-21T00:00:00Z',
  takenAt: '2026-11-21T00:00:02Z',
  userIds: ['u0', 'u1', 'u2', 'u3', 'u4'],
  saltOf: (u) => fixedBytes(`verify.test salt ${u}`),
  shuffleSeed: fixedBytes('verify.test shuffle'),
  assets: [
    {
      asset: 'BTC',
      decimals: 8,
      reserves: 200n,
      users: Uint32Array.of(0, 1, 2, 3, 4),
      values: [10n, 20n, 30n, 40n, 50n],
    },
    { asset: 'ETH', decimals: 18, reserves: 11n, users: Uint32Array.of(1, 3), values: [5n, 6n] },
  ],
};
const built = buildSnapshot(sha256, input);
const resign = (m: Omit<Manifest, 'signature' | 'public_key'>, by = signer) =>
  signManifest(m, by.publicKeyHex, (b) => by.sign(b));
const manifest = resign(built.unsigned);
const proofs = built.assets.flatMap((a) => [...proofsOf(input, a)]);
const btc = proofs.find((p) => p.asset === 'BTC' && p.index === 0)!;

type Loose = Record<string, unknown>;
const proofWith = (changes: Loose): Loose => ({ ...structuredClone(btc), ...changes });
const stepWith = (k: number, changes: Loose): Loose =>
  proofWith({ path: btc.path.map((s, i) => (i === k ? { ...s, ...changes } : s)) });
const btcLineWith = (changes: Loose) => ({
  ...built.unsigned,
  assets: built.unsigned.assets.map((a) => (a.asset === 'BTC' ? { ...a, ...changes } : a)),
});

describe('verifyProof accepts every proof of a snapshot', () => {
  it.each(proofs.map((p) => [p.asset, p.index, p] as const))('%s index %i', (_, __, proof) => {
    const r = verifyProof(nodePorCrypto, proof, manifest, KEY);
    const line = manifest.assets.find((a) => a.asset === proof.asset)!;
    expect(r).toEqual({
      valid: true,
      snapshotId: input.snapshotId,
      asset: proof.asset,
      userId: proof.user_id,
      value: BigInt(proof.value),
      rootHash: line.root_hash,
      totalLiabilities: BigInt(line.total_liabilities),
    });
  });

  it('also after a JSON round trip', () => {
    const again = JSON.parse(JSON.stringify(btc)) as unknown;
    expect(verifyProof(nodePorCrypto, again, JSON.parse(JSON.stringify(manifest)), KEY).valid).toBe(true);
  });

  it('takes the trusted key as a person may paste it: uppercase, with spaces around', () => {
    expect(verifyProof(nodePorCrypto, btc, manifest, `  ${KEY.toUpperCase()}\n`).valid).toBe(true);
  });

  it('verifyProofAgainst checks many proofs against one verified manifest', () => {
    const verified = verifyManifest(nodePorCrypto, manifest, KEY);
    if (!verified.valid) throw new Error(verified.reason);
    for (const p of proofs) expect(verifyProofAgainst(nodePorCrypto, p, verified).valid).toBe(true);
  });
});

describe('verifyProof rejects, with one code per cause', () => {
  const raised = BigInt(btc.value) + 1n;
  const cases: [name: string, code: RejectionCode, proof: unknown, manifest?: unknown, key?: string][] = [
    ['a manifest that is not an object', 'MALFORMED_MANIFEST', btc, 'manifest'],
    ['a manifest of another version', 'MALFORMED_MANIFEST', btc, { ...manifest, version: 'custos-por/2' }],
    [
      'a manifest with a wrong ratio',
      'MALFORMED_MANIFEST',
      btc,
      resign(btcLineWith({ reserve_ratio: '9.0000' })),
    ],
    ['another trusted key', 'PUBLIC_KEY_MISMATCH', btc, manifest, other.publicKeyHex],
    ['a trusted key that is not a key', 'PUBLIC_KEY_MISMATCH', btc, manifest, 'not a key'],
    ['a manifest signed by another key', 'PUBLIC_KEY_MISMATCH', btc, resign(built.unsigned, other)],
    [
      'a signature by another key',
      'BAD_SIGNATURE',
      btc,
      { ...resign(built.unsigned, other), public_key: KEY },
    ],
    [
      'a changed reserve, not re-signed',
      'BAD_SIGNATURE',
      btc,
      {
        ...manifest,
        assets: btcLineWith({ reserves: '150', reserve_ratio: reserveRatio(150n, 150n) }).assets,
      },
    ],
    ['a proof that is not an object', 'MALFORMED_PROOF', null],
    ['a proof that is a list', 'MALFORMED_PROOF', [btc]],
    ['a proof of another version', 'MALFORMED_PROOF', proofWith({ version: 'custos-por/2' })],
    ['an unknown proof field', 'MALFORMED_PROOF', proofWith({ extra: true })],
    ['no user id', 'MALFORMED_PROOF', (({ user_id: _u, ...rest }) => rest)(btc)],
    ['a 256-byte user id', 'MALFORMED_PROOF', proofWith({ user_id: 'u'.repeat(256) })],
    ['an empty asset', 'MALFORMED_PROOF', proofWith({ asset: '' })],
    ['a 63-character salt', 'MALFORMED_PROOF', proofWith({ salt: btc.salt.slice(1) })],
    ['an uppercase salt', 'MALFORMED_PROOF', proofWith({ salt: btc.salt.toUpperCase() })],
    ['a fractional index', 'MALFORMED_PROOF', proofWith({ index: 0.5 })],
    ['an index beyond 2^53', 'MALFORMED_PROOF', proofWith({ index: 2 ** 53 })],
    ['a numeric value', 'MALFORMED_PROOF', proofWith({ value: 10 })],
    ['a path that is not a list', 'MALFORMED_PROOF', proofWith({ path: {} })],
    [
      'a path step that is a string',
      'MALFORMED_PROOF',
      proofWith({ path: ['00'.repeat(32), ...btc.path.slice(1)] }),
    ],
    ['a path step with a third field', 'MALFORMED_PROOF', stepWith(0, { side: 'left' })],
    ['an uppercase sibling hash', 'MALFORMED_PROOF', stepWith(2, { hash: btc.path[2]!.hash.toUpperCase() })],
    ['a numeric sibling value', 'MALFORMED_PROOF', stepWith(1, { value: 1 })],
    ['another snapshot', 'SNAPSHOT_MISMATCH', proofWith({ snapshot_id: '2026-11-22T00:00:00Z' })],
    ['an asset not in the manifest', 'ASSET_NOT_IN_MANIFEST', proofWith({ asset: 'DOGE' })],
    ['a path one step short', 'PATH_LENGTH', proofWith({ path: btc.path.slice(1) })],
    ['a path one step long', 'PATH_LENGTH', proofWith({ path: [...btc.path, btc.path[0]] })],
    ['index 2^height', 'INDEX_OUT_OF_RANGE', proofWith({ index: 8 })],
    ['index 2^32', 'INDEX_OUT_OF_RANGE', proofWith({ index: 2 ** 32 })],
    ['value 0', 'INVALID_VALUE', proofWith({ value: '0' })],
    ['value "00"', 'INVALID_VALUE', proofWith({ value: '00' })],
    ['value "-10"', 'INVALID_VALUE', proofWith({ value: '-10' })],
    ['value 2^128', 'INVALID_VALUE', proofWith({ value: (1n << 128n).toString() })],
    ['a sibling value "0012"', 'INVALID_VALUE', stepWith(0, { value: '0012' })],
    ['a sibling value " 1"', 'INVALID_VALUE', stepWith(2, { value: ' 1' })],
    [
      'a sibling sum of 2^128',
      'SUM_OVERFLOW',
      stepWith(0, { value: (U128_MAX - BigInt(btc.value) + 1n).toString() }),
    ],
    ['a changed value', 'ROOT_MISMATCH', proofWith({ value: raised.toString() })],
    ['a changed user id', 'ROOT_MISMATCH', proofWith({ user_id: 'u9' })],
    [
      'a changed salt',
      'ROOT_MISMATCH',
      proofWith({ salt: btc.salt.replace(/.$/, (c) => (c === '0' ? '1' : '0')) }),
    ],
    ['another index', 'ROOT_MISMATCH', proofWith({ index: 1 })],
    [
      'a changed sibling value',
      'ROOT_MISMATCH',
      stepWith(1, { value: (BigInt(btc.path[1]!.value) + 1n).toString() }),
    ],
    ['a re-signed root hash', 'ROOT_MISMATCH', btc, resign(btcLineWith({ root_hash: '00'.repeat(32) }))],
    [
      'a re-signed total',
      'TOTAL_MISMATCH',
      btc,
      resign(btcLineWith({ total_liabilities: '151', reserve_ratio: reserveRatio(200n, 151n) })),
    ],
  ];

  it.each(cases)('%s: %s', (_, code, proof, m = manifest, key = KEY) => {
    const r = verifyProof(nodePorCrypto, proof, m, key);
    expect(r.valid).toBe(false);
    if (r.valid) return;
    expect(r.code).toBe(code);
    expect(r.reason.startsWith(REJECTIONS[code])).toBe(true);
  });

  it('has a case for every code of REJECTIONS', () => {
    expect(new Set(cases.map((c) => c[1]))).toEqual(new Set(Object.keys(REJECTIONS)));
  });

  it('names what it found in the reason', () => {
    const r = verifyProof(nodePorCrypto, proofWith({ path: btc.path.slice(1) }), manifest, KEY);
    expect(!r.valid && r.reason).toBe(`${REJECTIONS.PATH_LENGTH} (2 steps, the tree has height 3)`);
    const s = verifyProof(nodePorCrypto, stepWith(2, { value: U128_MAX.toString() }), manifest, KEY);
    expect(!s.valid && s.reason).toBe(`${REJECTIONS.SUM_OVERFLOW} (at level 3)`);
  });
});

describe('verifyProof checks in a fixed order: the first problem met is the one reported', () => {
  const code = (proof: unknown, m: unknown = manifest) => {
    const r = verifyProof(nodePorCrypto, proof, m, KEY);
    return r.valid ? 'valid' : r.code;
  };

  it('the manifest before the key, the key before the signature, all before the proof', () => {
    expect(code(null, { ...manifest, version: 'x', public_key: other.publicKeyHex })).toBe(
      'MALFORMED_MANIFEST',
    );
    expect(code(null, { ...manifest, public_key: other.publicKeyHex })).toBe('PUBLIC_KEY_MISMATCH');
    expect(code(null, { ...manifest, signature: '0'.repeat(128) })).toBe('BAD_SIGNATURE');
  });

  it('snapshot, asset, path length, index, value, then the climb', () => {
    expect(code(proofWith({ snapshot_id: 'x', asset: 'DOGE' }))).toBe('SNAPSHOT_MISMATCH');
    expect(code(proofWith({ asset: 'DOGE', path: [] }))).toBe('ASSET_NOT_IN_MANIFEST');
    expect(code(proofWith({ path: [], index: 99 }))).toBe('PATH_LENGTH');
    expect(code(proofWith({ index: 99, value: '-1' }))).toBe('INDEX_OUT_OF_RANGE');
    expect(code(proofWith({ value: '-1', salt: '0'.repeat(64) }))).toBe('INVALID_VALUE');
  });

  it('steps are taken from the leaf up: an earlier overflow wins over a later bad value, and back', () => {
    const overflowThenBad = btc.path.map((s, i) => ({
      ...s,
      value: i === 0 ? U128_MAX.toString() : i === 1 ? '-1' : s.value,
    }));
    expect(code(proofWith({ path: overflowThenBad }))).toBe('SUM_OVERFLOW');
    const badThenOverflow = btc.path.map((s, i) => ({
      ...s,
      value: i === 0 ? '-1' : i === 1 ? U128_MAX.toString() : s.value,
    }));
    expect(code(proofWith({ path: badThenOverflow }))).toBe('INVALID_VALUE');
  });
});

describe('verifyManifest', () => {
  it('is BAD_SIGNATURE when the platform crypto throws', () => {
    const throwing: PorCrypto = {
      sha256,
      verifyEd25519: () => {
        throw new Error('no such curve point');
      },
    };
    const r = verifyManifest(throwing, manifest, KEY);
    expect(!r.valid && r.code).toBe('BAD_SIGNATURE');
  });

  it('never trusts the key a manifest carries: it compares it with the trusted one', () => {
    const forged = resign(btcLineWith({ total_liabilities: '1', reserve_ratio: '200.0000' }), other);
    expect(verifyManifest(nodePorCrypto, forged, forged.public_key).valid).toBe(true);
    const r = verifyManifest(nodePorCrypto, forged, KEY);
    expect(!r.valid && r.code).toBe('PUBLIC_KEY_MISMATCH');
  });

  it('names the first problem of a malformed manifest', () => {
    const r = verifyManifest(nodePorCrypto, { ...manifest, taken_at: 'yesterday' }, KEY);
    expect(!r.valid && r.reason).toBe(
      `${REJECTIONS.MALFORMED_MANIFEST} (taken_at: must be a UTC time to the second)`,
    );
  });
});
