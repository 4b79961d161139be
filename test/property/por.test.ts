import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ed25519FromSeed, fixedBytes } from '../../scripts/por-vectors.js';
import { nodePorCrypto } from '../../src/adapters/crypto/por-crypto.js';
import {
  type AssetLiabilities,
  buildSnapshot,
  proofsOf,
  type SnapshotInput,
} from '../../src/domain/reserves/build.js';
import { fitsLp, parseAmount, reserveRatio, toHex, U128_MAX } from '../../src/domain/reserves/encoding.js';
import { type Manifest, serializeManifest, signManifest } from '../../src/domain/reserves/manifest.js';
import { type InclusionProof, serializeProof } from '../../src/domain/reserves/proof.js';
import { verifyProof } from '../../src/domain/reserves/verify.js';

/**
 * custos-por/1 as properties: whatever the liabilities, every proof verifies; whatever single thing
 * an attacker changes in a proof, a manifest or its signature, verification fails.
 */
const sha256 = nodePorCrypto.sha256;
const signer = ed25519FromSeed(fixedBytes('por.property signing key'));
const other = ed25519FromSeed(fixedBytes('por.property another key'));
const KEY = signer.publicKeyHex;
const TWO_128 = 1n << 128n;

// ---- Arbitraries --------------------------------------------------------------------------------

/** Small, 64-bit and beyond-64-bit liabilities; 24 of the largest still sum below 2^128. */
const amount = fc.oneof(
  fc.bigInt({ min: 1n, max: 1000n }),
  fc.bigInt({ min: 1n, max: 1n << 64n }),
  fc.bigInt({ min: 1n << 64n, max: 1n << 120n }),
);

const userId = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter(fitsLp);
const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });

interface AssetPlan {
  readonly asset: string;
  readonly decimals: number;
  readonly reserves: bigint;
  readonly holders: readonly (readonly [pick: number, value: bigint])[];
  readonly minHeight: number | undefined;
}

const assetPlan: fc.Arbitrary<AssetPlan> = fc.record({
  asset: fc.constantFrom('BTC', 'ETH', 'USDC', 'ÉTH-ü', '代币'),
  decimals: fc.integer({ min: 0, max: 30 }),
  reserves: fc.oneof(fc.constant(0n), amount),
  holders: fc.array(fc.tuple(fc.nat(), amount), { minLength: 1, maxLength: 24 }),
  minHeight: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
});

interface Plan {
  readonly users: readonly string[];
  readonly saltSeed: Uint8Array;
  readonly shuffleSeed: Uint8Array;
  readonly assets: readonly AssetPlan[];
}

const plan: fc.Arbitrary<Plan> = fc.record({
  users: fc.uniqueArray(userId, { minLength: 1, maxLength: 24 }),
  saltSeed: seed,
  shuffleSeed: seed,
  assets: fc.uniqueArray(assetPlan, { minLength: 1, maxLength: 3, selector: (a) => a.asset }),
});

function inputOf(p: Plan): SnapshotInput {
  const salts = p.users.map((_, u) => sha256(Uint8Array.from([...p.saltSeed, u])));
  return {
    snapshotId: '2026-11-21T00:00:00Z',
    takenAt: '2026-11-21T00:00:05Z',
    userIds: p.users,
    saltOf: (u) => salts[u]!,
    shuffleSeed: p.shuffleSeed,
    assets: p.assets.map((a): AssetLiabilities => {
      // A user holds an asset at most once: the first pick of a user wins.
      const byUser = new Map<number, bigint>();
      for (const [pick, value] of a.holders) {
        const u = pick % p.users.length;
        if (!byUser.has(u)) byUser.set(u, value);
      }
      return {
        asset: a.asset,
        decimals: a.decimals,
        reserves: a.reserves,
        users: Uint32Array.from(byUser.keys()),
        values: [...byUser.values()],
        ...(a.minHeight === undefined ? {} : { minHeight: a.minHeight }),
      };
    }),
  };
}

interface Built {
  readonly manifest: Manifest;
  readonly manifestText: string;
  readonly proofs: readonly InclusionProof[];
  readonly proofLines: readonly string[];
  readonly levels: readonly string[];
  readonly orders: readonly (readonly number[])[];
}

/** Builds, signs and publishes a snapshot the way the platform does, as JSON text. */
function publish(p: Plan): Built {
  const input = inputOf(p);
  const built = buildSnapshot(sha256, input);
  const manifestText = serializeManifest(signManifest(built.unsigned, KEY, (m) => signer.sign(m)));
  const proofLines = built.assets.flatMap((a) => [...proofsOf(input, a)].map(serializeProof));
  return {
    manifest: JSON.parse(manifestText) as Manifest,
    manifestText,
    proofs: proofLines.map((l) => JSON.parse(l) as InclusionProof),
    proofLines,
    levels: built.assets.flatMap((a) => a.tree.levels.map((l) => toHex(l.hashes) + l.values.join(','))),
    orders: built.assets.map((a) => [...a.order]),
  };
}

const check = (proof: unknown, manifest: unknown, key = KEY) => {
  const r = verifyProof(nodePorCrypto, proof, manifest, key);
  return r.valid ? 'valid' : r.code;
};

/** A snapshot, one of its proofs (by a pick), and a source of further random choices. */
const withProof = fc.tuple(plan, fc.nat(), fc.infiniteStream(fc.nat({ max: 2 ** 30 })));

function pickProof(b: Built, pick: number): InclusionProof {
  return b.proofs[pick % b.proofs.length]!;
}

const flipBit = (hex: string, bit: number) => {
  const bytes = Buffer.from(hex, 'hex');
  bytes[(bit >> 3) % bytes.length]! ^= 1 << (bit & 7);
  return bytes.toString('hex');
};

/** Another amount than `s`, still a canonical spelling: plus or minus a non-zero delta. */
const otherAmount = (s: string, r: number) => {
  const v = BigInt(s);
  const delta = BigInt(r % 1000) + 1n + (r % 3 === 0 ? 1n << 64n : 0n);
  return (v >= delta && r % 2 === 0 ? v - delta : v + delta).toString();
};

const RUNS = { numRuns: 60 };

// ---- Properties ---------------------------------------------------------------------------------

describe('property: every proof of every snapshot verifies', () => {
  it('for random users, 1 to 3 assets, values up to 2^120 and random minimum heights', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const b = publish(p);
        for (const proof of b.proofs) expect(check(proof, b.manifest)).toBe('valid');
        for (const a of b.manifest.assets) {
          expect(BigInt(a.total_liabilities)).toBe(
            b.proofs.filter((q) => q.asset === a.asset).reduce((s, q) => s + BigInt(q.value), 0n),
          );
        }
      }),
      RUNS,
    );
  });
});

describe('property: changing any single field of a proof makes it fail', () => {
  it('each field, each path step’s hash and value, and the index', () => {
    fc.assert(
      fc.property(withProof, fc.string({ minLength: 1, maxLength: 4 }), ([p, pick, random], text) => {
        const b = publish(p);
        const proof = pickProof(b, pick);
        const r = () => random.next().value as number;
        const changes: [string, Record<string, unknown>][] = [
          ['version', { version: 'custos-por/2' }],
          ['snapshot_id', { snapshot_id: `${proof.snapshot_id}${text}` }],
          ['asset', { asset: `${proof.asset}${text}` }],
          ['user_id', { user_id: `${proof.user_id}${text}` }],
          ['salt', { salt: flipBit(proof.salt, r()) }],
          ['value', { value: otherAmount(proof.value, r()) }],
          ['index', { index: (proof.index + 1 + (r() % 2 ** proof.path.length)) % 2 ** 33 }],
          ...proof.path.flatMap((_, k): [string, Record<string, unknown>][] => [
            [
              `path[${k}].hash`,
              { path: proof.path.map((s, i) => (i === k ? { ...s, hash: flipBit(s.hash, r()) } : s)) },
            ],
            [
              `path[${k}].value`,
              { path: proof.path.map((s, i) => (i === k ? { ...s, value: otherAmount(s.value, r()) } : s)) },
            ],
          ]),
        ];
        for (const [field, change] of changes) {
          const changed = { ...proof, ...change };
          expect(JSON.stringify(changed), field).not.toBe(JSON.stringify(proof));
          expect(check(changed, b.manifest), field).not.toBe('valid');
        }
      }),
      RUNS,
    );
  });
});

describe('property: changing any single field of the manifest, or a signature byte, makes it fail', () => {
  it('each top-level field and each field of each asset', () => {
    fc.assert(
      fc.property(withProof, ([p, pick, random]) => {
        const b = publish(p);
        const proof = pickProof(b, pick);
        const r = () => random.next().value as number;
        const m = b.manifest;
        const changedLine = (i: number, change: Record<string, unknown>) => ({
          ...m,
          assets: m.assets.map((a, j) => (j === i ? { ...a, ...change } : a)),
        });
        const changes: [string, unknown][] = [
          ['version', { ...m, version: 'custos-por/2' }],
          ['snapshot_id', { ...m, snapshot_id: '2026-11-21T00:00:01Z' }],
          ['taken_at', { ...m, taken_at: '2026-11-21T00:00:06Z' }],
          ['public_key', { ...m, public_key: other.publicKeyHex }],
          ['signature', { ...m, signature: flipBit(m.signature, r()) }],
          ['assets (one more)', { ...m, assets: [...m.assets, { ...m.assets[0]!, asset: 'EXTRA' }] }],
          ...(m.assets.length > 1
            ? ([
                ['assets (reversed)', { ...m, assets: [...m.assets].reverse() }],
                ['assets (one less)', { ...m, assets: m.assets.slice(0, -1) }],
              ] as [string, unknown][])
            : []),
          ...m.assets.flatMap((a, i): [string, unknown][] => {
            const total = BigInt(a.total_liabilities);
            const reserves = BigInt(a.reserves);
            return [
              ['asset', changedLine(i, { asset: `${a.asset}x` })],
              ['decimals', changedLine(i, { decimals: a.decimals === 0 ? 1 : a.decimals - 1 })],
              ['height', changedLine(i, { height: a.height === 32 ? 31 : a.height + 1 })],
              ['leaf_count', changedLine(i, { leaf_count: a.leaf_count === 0 ? 1 : a.leaf_count - 1 })],
              ['root_hash', changedLine(i, { root_hash: flipBit(a.root_hash, r()) })],
              // The amounts change with their ratio, so that only the signature can notice.
              [
                'total_liabilities',
                changedLine(i, {
                  total_liabilities: (total + 1n).toString(),
                  reserve_ratio: reserveRatio(reserves, total + 1n),
                }),
              ],
              [
                'reserves',
                changedLine(i, {
                  reserves: (reserves + 1n).toString(),
                  reserve_ratio: reserveRatio(reserves + 1n, total),
                }),
              ],
              [
                'reserve_ratio',
                changedLine(i, { reserve_ratio: a.reserve_ratio === null ? '0.0000' : null }),
              ],
            ];
          }),
        ];
        for (const [field, changed] of changes) expect(check(proof, changed), field).not.toBe('valid');
      }),
      RUNS,
    );
  });

  it('flipping any bit of the signature gives BAD_SIGNATURE', () => {
    fc.assert(
      fc.property(withProof, fc.nat({ max: 511 }), ([p, pick], bit) => {
        const b = publish(p);
        const m = { ...b.manifest, signature: flipBit(b.manifest.signature, bit) };
        expect(check(pickProof(b, pick), m)).toBe('BAD_SIGNATURE');
      }),
      RUNS,
    );
  });
});

describe('property: changing one character of a published proof line', () => {
  /** Characters that JSON, hex and amounts give meaning to, and any other. */
  const replacement = fc.oneof(
    fc.constantFrom(...'0123456789abcdefABCDEF"\\,:{}[] -+.eEnul'.split('')),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );

  it('either breaks the JSON or breaks the proof', () => {
    fc.assert(
      fc.property(withProof, fc.nat(), replacement, ([p, pick], at, c) => {
        const b = publish(p);
        const line = b.proofLines[pick % b.proofLines.length]!;
        const i = at % line.length;
        fc.pre(line[i] !== c);
        const changed = line.slice(0, i) + c + line.slice(i + 1);
        let parsed: unknown;
        try {
          parsed = JSON.parse(changed);
        } catch {
          return; // broken JSON: rejected before verification
        }
        // JSON spells some characters two ways (\u001f and \u001F): the same proof, still valid.
        if (JSON.stringify(parsed) === line) return;
        expect(check(parsed, b.manifest)).not.toBe('valid');
      }),
      { numRuns: 200 },
    );
  });
});

describe('property: amounts have one spelling, below 2^128', () => {
  const canonical = fc.bigInt({ min: 0n, max: U128_MAX });
  const badSpelling = fc.oneof(
    canonical.map((v) => `-${v}`),
    fc.bigInt({ min: TWO_128, max: TWO_128 * 1000n }).map(String),
    canonical.map((v) => `0${v}`),
    canonical.map((v) => `+${v}`),
    canonical.map((v) => `${v}e0`),
    canonical.map((v) => `${v}.0`),
    canonical.map((v) => ` ${v}`),
    canonical.map((v) => `${v}\n`),
  );

  it('parseAmount reads every u128 back from its decimal spelling', () => {
    fc.assert(
      fc.property(canonical, (v) => {
        expect(parseAmount(v.toString())).toBe(v);
      }),
    );
  });

  it('negative, too large or non-canonical amounts are refused, as a value or as a sibling', () => {
    fc.assert(
      fc.property(withProof, badSpelling, ([p, pick, random], bad) => {
        expect(parseAmount(bad)).toBeUndefined();
        const b = publish(p);
        const proof = pickProof(b, pick);
        expect(check({ ...proof, value: bad }, b.manifest)).toBe('INVALID_VALUE');
        const k = (random.next().value as number) % proof.path.length;
        const path = proof.path.map((s, i) => (i === k ? { ...s, value: bad } : s));
        expect(check({ ...proof, path }, b.manifest)).toBe('INVALID_VALUE');
      }),
      RUNS,
    );
  });
});

describe('property: the path length and the index are bound to the tree height', () => {
  it('a path of any other length fails with PATH_LENGTH', () => {
    fc.assert(
      fc.property(withProof, fc.integer({ min: 0, max: 40 }), ([p, pick], length) => {
        const b = publish(p);
        const proof = pickProof(b, pick);
        fc.pre(length !== proof.path.length);
        const path = Array.from({ length }, (_, k) => proof.path[k % proof.path.length]!);
        expect(check({ ...proof, path }, b.manifest)).toBe('PATH_LENGTH');
      }),
      RUNS,
    );
  });

  it('an index of 2^height or more fails with INDEX_OUT_OF_RANGE', () => {
    fc.assert(
      fc.property(withProof, fc.nat({ max: Number.MAX_SAFE_INTEGER }), ([p, pick], extra) => {
        const b = publish(p);
        const proof = pickProof(b, pick);
        const width = 2 ** proof.path.length;
        const index = width + (extra % (Number.MAX_SAFE_INTEGER - width));
        expect(check({ ...proof, index }, b.manifest)).toBe('INDEX_OUT_OF_RANGE');
      }),
      RUNS,
    );
  });
});

describe('property: the build is a function of its inputs, and the shuffle of its seed', () => {
  it('two builds with the same seed and salts are equal byte for byte', () => {
    fc.assert(
      fc.property(plan, (p) => {
        const a = publish(p);
        const b = publish(p);
        expect(b.manifestText).toBe(a.manifestText);
        expect(b.proofLines).toEqual(a.proofLines);
        expect(b.levels).toEqual(a.levels);
      }),
      { numRuns: 30 },
    );
  });

  it('another shuffle seed gives another leaf order (n ≥ 8: equal with probability 1/n!)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 40 }),
        seed,
        seed,
        fc.array(amount, { minLength: 40, maxLength: 40 }),
        (n, seedA, seedB, values) => {
          fc.pre(toHex(seedA) !== toHex(seedB));
          const p = (shuffleSeed: Uint8Array): Plan => ({
            users: Array.from({ length: n }, (_, i) => `user-${i}`),
            saltSeed: new Uint8Array(32),
            shuffleSeed,
            assets: [
              {
                asset: 'BTC',
                decimals: 8,
                reserves: 0n,
                holders: values.slice(0, n).map((v, i) => [i, v] as const),
                minHeight: undefined,
              },
            ],
          });
          const a = publish(p(seedA));
          const b = publish(p(seedB));
          expect(b.orders[0]).not.toEqual(a.orders[0]);
          expect(b.manifest.assets[0]!.total_liabilities).toBe(a.manifest.assets[0]!.total_liabilities);
        },
      ),
      { numRuns: 30 },
    );
  });
});
