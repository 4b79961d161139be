import { describe, expect, it } from 'vitest';
import { ed25519FromSeed, fixedBytes } from '../../../scripts/por-vectors.js';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { assetShuffleSeed, buildSnapshot, proofAt, proofsOf, type SnapshotInput } from './build.js';
import { toHex, U128_MAX } from './encoding.js';
import { serializeManifest, signManifest } from './manifest.js';
import { serializeProof } from './proof.js';
import { shufflePermutation } from './shuffle.js';
import { verifyProof } from './verify.js';

const sha256 = nodePorCrypto.sha256;
const signer = ed25519FromSeed(fixedBytes('build.test signing key'));

function snapshot(overrides: Partial<SnapshotInput> = {}): SnapshotInput {
  const userIds = Array.from({ length: 12 }, (_, i) => `user-${i}`);
  return {
    snapshotId: '2026-11-21T00:00:00Z',
    takenAt: '2026-11-21T00:00:01Z',
    userIds,
    saltOf: (u) => fixedBytes(`build.test salt ${u}`),
    shuffleSeed: fixedBytes('build.test shuffle'),
    assets: [
      {
        asset: 'BTC',
        decimals: 8,
        reserves: 1_000_000n,
        users: Uint32Array.from({ length: 11 }, (_, i) => 11 - i),
        values: Array.from({ length: 11 }, (_, i) => BigInt(1000 * (i + 1))),
      },
      {
        asset: 'ETH',
        decimals: 18,
        reserves: 10n ** 20n,
        users: Uint32Array.of(0, 5),
        values: [1n << 70n, 3n],
        minHeight: 4,
      },
      { asset: 'LTC', decimals: 8, reserves: 5n, users: new Uint32Array(0), values: [] },
    ],
    ...overrides,
  };
}

describe('buildSnapshot', () => {
  const input = snapshot();
  const built = buildSnapshot(sha256, input);

  it('writes one manifest line per asset', () => {
    expect(built.unsigned).toMatchObject({
      version: 'custos-por/1',
      snapshot_id: '2026-11-21T00:00:00Z',
      taken_at: '2026-11-21T00:00:01Z',
    });
    const [btc, eth, ltc] = built.unsigned.assets;
    expect(btc).toMatchObject({
      asset: 'BTC',
      decimals: 8,
      height: 4,
      leaf_count: 11,
      total_liabilities: '66000',
      reserves: '1000000',
      reserve_ratio: '15.1515',
    });
    // A configured height above the needed one; the count is before padding.
    expect(eth).toMatchObject({ height: 4, leaf_count: 2, total_liabilities: ((1n << 70n) + 3n).toString() });
    expect(eth!.reserve_ratio).toBe('0.0847');
    // No liabilities: a tree of padding, a total of 0 and no ratio.
    expect(ltc).toMatchObject({ height: 1, leaf_count: 0, total_liabilities: '0', reserve_ratio: null });
  });

  it('places entry order[i] at position i, order being the asset’s seeded shuffle', () => {
    for (const a of built.assets) {
      const n = a.liabilities.values.length;
      const seed = assetShuffleSeed(sha256, input.shuffleSeed, a.liabilities.asset);
      expect([...a.order]).toEqual([...shufflePermutation(sha256, seed, n)]);
      for (let i = 0; i < n; i++) {
        const p = proofAt(input, a, i);
        const e = a.order[i]!;
        expect(p.index).toBe(i);
        expect(p.user_id).toBe(input.userIds[a.liabilities.users[e]!]);
        expect(p.value).toBe(a.liabilities.values[e]!.toString());
        expect(p.salt).toBe(toHex(input.saltOf(a.liabilities.users[e]!)));
      }
    }
  });

  it('gives one proof per leaf, and every one verifies against the signed manifest', () => {
    const manifest = signManifest(built.unsigned, signer.publicKeyHex, (m) => signer.sign(m));
    for (const a of built.assets) {
      const proofs = [...proofsOf(input, a)];
      expect(proofs.map((p) => p.index)).toEqual(Array.from({ length: a.tree.leafCount }, (_, i) => i));
      for (const p of proofs) {
        expect(verifyProof(nodePorCrypto, p, manifest, signer.publicKeyHex).valid).toBe(true);
        expect(p.path).toHaveLength(a.line.height);
      }
    }
  });

  it('is deterministic: the same input, seed and salts give the same bytes', () => {
    const again = buildSnapshot(sha256, snapshot());
    const sign = (b: typeof built) =>
      serializeManifest(signManifest(b.unsigned, signer.publicKeyHex, (m) => signer.sign(m)));
    expect(sign(again)).toBe(sign(built));
    const lines = (b: typeof built) => b.assets.flatMap((a) => [...proofsOf(input, a)].map(serializeProof));
    expect(lines(again)).toEqual(lines(built));
  });

  it('another shuffle seed moves the leaves but keeps the totals', () => {
    const other = buildSnapshot(sha256, snapshot({ shuffleSeed: fixedBytes('another seed') }));
    expect([...other.assets[0]!.order]).not.toEqual([...built.assets[0]!.order]);
    expect(other.unsigned.assets[0]!.root_hash).not.toBe(built.unsigned.assets[0]!.root_hash);
    expect(other.unsigned.assets.map((a) => a.total_liabilities)).toEqual(
      built.unsigned.assets.map((a) => a.total_liabilities),
    );
  });

  it('refuses a zero liability and a total of 2^128', () => {
    const zero = snapshot({
      assets: [{ asset: 'BTC', decimals: 8, reserves: 0n, users: Uint32Array.of(0, 1), values: [5n, 0n] }],
    });
    expect(() => buildSnapshot(sha256, zero)).toThrow(/a liability must be 1 to 2\^128-1/);
    const overflow = snapshot({
      assets: [
        { asset: 'BTC', decimals: 8, reserves: 0n, users: Uint32Array.of(0, 1), values: [U128_MAX, 1n] },
      ],
    });
    expect(() => buildSnapshot(sha256, overflow)).toThrow(/2\^128/);
  });
});
