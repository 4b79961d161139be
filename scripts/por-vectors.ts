/**
 * Generates docs/por-vectors.json, the known-answer vectors of `custos-por/1` (docs/por-format.md,
 * "Test vectors"). Every input derives from fixed labels, so a run reproduces the committed file
 * byte for byte; src/domain/reserves/vectors.test.ts regenerates it in memory and compares.
 *
 *   npx tsx scripts/por-vectors.ts           (re)writes docs/por-vectors.json (npm run por:vectors)
 *   npx tsx scripts/por-vectors.ts --check   exits 1 when the committed file differs
 *
 * Nothing is written unless every valid proof verifies and every invalid one is rejected with
 * exactly its `code` by `verifyProof` on node:crypto.
 */
import { createPrivateKey, createPublicKey, sign as ed25519Sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodePorCrypto } from '../src/adapters/crypto/por-crypto.js';
import {
  type AssetLiabilities,
  buildSnapshot,
  proofsOf,
  type SnapshotInput,
} from '../src/domain/reserves/build.js';
import {
  fromHex,
  POR_VERSION,
  reserveRatio,
  toHex,
  treeHeight,
  U128_MAX,
} from '../src/domain/reserves/encoding.js';
import { deriveSalt, innerNode, LeafHasher, userCommitment } from '../src/domain/reserves/hashing.js';
import {
  type Manifest,
  type ManifestAsset,
  serializeManifest,
  signManifest,
} from '../src/domain/reserves/manifest.js';
import { type InclusionProof, serializeProof } from '../src/domain/reserves/proof.js';
import { nodeHash, nodeValue } from '../src/domain/reserves/sum-tree.js';
import { REJECTIONS, type RejectionCode, verifyProof } from '../src/domain/reserves/verify.js';

export const VECTORS_FILE = fileURLToPath(new URL('../docs/por-vectors.json', import.meta.url));

const sha256 = nodePorCrypto.sha256;
const utf8 = new TextEncoder();

/** 32 fixed bytes named by a label: SHA-256 of the label's UTF-8. */
export function fixedBytes(label: string): Uint8Array {
  return sha256(utf8.encode(label));
}

export interface FixedSigner {
  readonly publicKeyHex: string;
  sign(message: Uint8Array): string;
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 key from its 32-byte seed (the RFC 8032 private key): Ed25519 signatures are
 * deterministic, so the same seed and message always give the same signature. */
export function ed25519FromSeed(seed: Uint8Array): FixedSigner {
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return {
    publicKeyHex: toHex(spki.subarray(spki.length - 32)),
    sign: (message) => toHex(ed25519Sign(null, message, privateKey)),
  };
}

// ---- The fixed snapshot ------------------------------------------------------------------------

const SIGNING_LABEL = 'custos-por/1 vectors: signing key';
const OTHER_KEY_LABEL = 'custos-por/1 vectors: another key';
const SHUFFLE_LABEL = 'custos-por/1 vectors: shuffle seed';
const SECRET_LABEL = 'custos-por/1 vectors: secret of ';
const SNAPSHOT_ID = '2026-11-21T00:00:00Z';
const TAKEN_AT = '2026-11-21T00:00:04Z';
/** The one user id with non-ASCII characters: "ë" is 2 UTF-8 bytes, each ideograph 3. */
const ZOE = 'zoë-山田';
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', ZOE];

interface AssetPlan {
  readonly asset: string;
  readonly decimals: number;
  readonly reserves: bigint;
  readonly holders: readonly (readonly [user: string, value: bigint])[];
  readonly minHeight?: number;
}

const PLAN: readonly AssetPlan[] = [
  {
    // Six leaves in a tree of height 3: two padding leaves. Ratio 1.03127… rounds down to 1.0312.
    asset: 'BTC',
    decimals: 8,
    reserves: 102_055_000_000n,
    holders: [
      ['alice', 150_000_000n],
      ['bob', 2_500_000n],
      ['carol', 1n],
      ['dave', 98_765_432_100n],
      ['erin', 42_000_000n],
      [ZOE, 7n],
    ],
  },
  {
    // Height 1; 25 ETH in wei is above 2^64. One wei short of full reserves: the ratio is 0.9999.
    asset: 'ETH',
    decimals: 18,
    reserves: 25_499_999_999_999_999_999n,
    holders: [
      ['bob', 25_000_000_000_000_000_000n],
      ['frank', 500_000_000_000_000_000n],
    ],
  },
  {
    // Three leaves, but a configured height of 5 (32 positions) hides how few customers hold it.
    asset: 'USDC',
    decimals: 6,
    reserves: 1_485_567_890n,
    holders: [
      ['alice', 1_000_000n],
      ['carol', 250_000_000n],
      [ZOE, 1_234_567_890n],
    ],
    minHeight: 5,
  },
  // Reserves but no customer liabilities: leaf_count 0, a tree of padding only, ratio null.
  { asset: 'LTC', decimals: 8, reserves: 100_000_000n, holders: [] },
];

function snapshotInput(): SnapshotInput {
  const salts = USERS.map((u) => deriveSalt(sha256, fixedBytes(SECRET_LABEL + u), SNAPSHOT_ID));
  return {
    snapshotId: SNAPSHOT_ID,
    takenAt: TAKEN_AT,
    userIds: USERS,
    saltOf: (u) => salts[u]!,
    shuffleSeed: fixedBytes(SHUFFLE_LABEL),
    assets: PLAN.map((p): AssetLiabilities => ({
      asset: p.asset,
      decimals: p.decimals,
      reserves: p.reserves,
      users: Uint32Array.from(p.holders, ([u]) => USERS.indexOf(u)),
      values: p.holders.map(([, v]) => v),
      ...(p.minHeight === undefined ? {} : { minHeight: p.minHeight }),
    })),
  };
}

// ---- Encodings, spelled out byte by byte (not through the builder's buffers) --------------------

type Json = Record<string, unknown>;

interface EncodingVector {
  readonly name: string;
  readonly kind: 'uid' | 'leaf' | 'padding' | 'inner';
  readonly input: Json;
  readonly bytes: string;
  readonly hash: string;
}

const hexOf = (...parts: (string | Uint8Array)[]) =>
  parts.map((p) => (typeof p === 'string' ? p : toHex(p))).join('');
const lpHex = (s: string) => {
  const b = utf8.encode(s);
  return hexOf(b.length.toString(16).padStart(2, '0'), b);
};
const u32Hex = (n: number) => n.toString(16).padStart(8, '0');
const u128Hex = (v: bigint) => v.toString(16).padStart(32, '0');

function encoding(name: string, kind: EncodingVector['kind'], input: Json, bytesHex: string, expect: string) {
  const hash = toHex(sha256(fromHex(bytesHex)));
  if (hash !== expect)
    throw new Error(`encoding "${name}": the spelled-out bytes hash to ${hash}, not ${expect}`);
  return { name, kind, input, bytes: bytesHex, hash };
}

function uidVector(name: string, snapshotId: string, userId: string, salt: string): EncodingVector {
  const expect = toHex(userCommitment(sha256, snapshotId, userId, fromHex(salt)));
  const bytes = hexOf('03', lpHex(snapshotId), lpHex(userId), salt);
  return encoding(name, 'uid', { snapshot_id: snapshotId, user_id: userId, salt }, bytes, expect);
}

function leafVector(
  name: string,
  snapshotId: string,
  asset: string,
  index: number,
  uid: string,
  value: bigint,
) {
  const expect = toHex(new LeafHasher(sha256, snapshotId, asset).leaf(index, fromHex(uid), value));
  const bytes = hexOf('00', lpHex(snapshotId), lpHex(asset), u32Hex(index), uid, u128Hex(value));
  const input = { snapshot_id: snapshotId, asset, index, uid, value: value.toString() };
  return encoding(name, 'leaf', input, bytes, expect);
}

function paddingVector(name: string, snapshotId: string, asset: string, index: number): EncodingVector {
  const expect = toHex(new LeafHasher(sha256, snapshotId, asset).padding(index));
  const bytes = hexOf('02', lpHex(snapshotId), lpHex(asset), u32Hex(index));
  return encoding(name, 'padding', { snapshot_id: snapshotId, asset, index }, bytes, expect);
}

interface Node {
  readonly hash: string;
  readonly value: bigint;
}

function innerVector(name: string, left: Node, right: Node): EncodingVector {
  const node = (n: Node) => ({ hash: fromHex(n.hash), value: n.value });
  const expect = toHex(innerNode(sha256, node(left), node(right)).hash);
  const bytes = hexOf('01', left.hash, u128Hex(left.value), right.hash, u128Hex(right.value));
  const input = {
    left: { hash: left.hash, value: left.value.toString() },
    right: { hash: right.hash, value: right.value.toString() },
  };
  return encoding(name, 'inner', input, bytes, expect);
}

// ---- Vectors ------------------------------------------------------------------------------------

interface ValidVector {
  readonly name: string;
  readonly proof: InclusionProof;
}

interface InvalidVector {
  readonly name: string;
  readonly proof: unknown;
  readonly manifest?: unknown;
  readonly public_key?: string;
  readonly code: RejectionCode;
  readonly why: string;
}

const TWO_64 = 1n << 64n;
const TWO_128 = 1n << 128n;
const ZERO_HASH = '00'.repeat(32);

const clone = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;
const flipHexDigit = (hex: string, at: number) =>
  hex.slice(0, at) + (Number.parseInt(hex[at]!, 16) ^ 1).toString(16) + hex.slice(at + 1);

function validVectors(input: SnapshotInput, built: ReturnType<typeof buildSnapshot>): ValidVector[] {
  const out: ValidVector[] = [];
  for (const a of built.assets) {
    const { height, leafCount } = a.tree;
    for (const proof of proofsOf(input, a)) {
      const p = JSON.parse(serializeProof(proof)) as InclusionProof;
      const tags: string[] = [];
      if (p.index === 0) tags.push('first leaf');
      if (p.index === leafCount - 1) tags.push('last leaf');
      if (height === 1) tags.push('tree of height 1');
      if (height > treeHeight(leafCount)) tags.push(`configured height ${height}`);
      if (BigInt(p.value) >= TWO_64) tags.push('value ≥ 2^64');
      if (/[^\x20-\x7e]/.test(p.user_id)) tags.push('non-ASCII user id');
      if (p.path.some((s) => s.value === '0')) tags.push('padding among the siblings');
      const suffix = tags.length > 0 ? ` (${tags.join(', ')})` : '';
      out.push({ name: `${p.asset} index ${p.index}, user ${p.user_id}${suffix}`, proof: p });
    }
  }
  return out;
}

function invalidVectors(
  manifest: Manifest,
  valid: readonly ValidVector[],
  signer: FixedSigner,
  other: FixedSigner,
): InvalidVector[] {
  const proofOf = (asset: string, index: number) =>
    valid.find((v) => v.proof.asset === asset && v.proof.index === index)!.proof;
  const btc = proofOf('BTC', 0);
  const btcLine = manifest.assets.find((a) => a.asset === 'BTC')!;
  const zoe = valid.find((v) => v.proof.user_id === ZOE && v.proof.asset === 'USDC')!.proof;
  const eth = proofOf('ETH', 0);
  const withProof = (changes: Json): Json => ({ ...clone(btc), ...changes });
  const withStep = (k: number, step: Partial<{ hash: string; value: string }>): Json =>
    withProof({ path: btc.path.map((s, i) => (i === k ? { ...s, ...step } : { ...s })) });
  const withManifest = (change: (m: Json & { assets: Json[] }) => void): Json => {
    const m = clone(manifest) as unknown as Json & { assets: Json[] };
    change(m);
    return m;
  };
  const resign = (m: Json, by: FixedSigner): Manifest => {
    const { signature: _s, public_key: _k, ...rest } = m;
    return signManifest(rest as unknown as Omit<Manifest, 'signature' | 'public_key'>, by.publicKeyHex, (b) =>
      by.sign(b),
    );
  };
  const withBtcLine = (change: Partial<Record<keyof ManifestAsset, unknown>>) =>
    withManifest((m) => {
      m.assets = m.assets.map((a) => (a.asset === 'BTC' ? { ...a, ...change } : a));
    });
  const raisedReserves = BigInt(btcLine.reserves) + 1_000_000_000n;
  const raisedTotal = BigInt(btcLine.total_liabilities) + 1n;
  const sibling0 = BigInt(btc.path[0]!.value);
  const { salt: _salt, ...withoutSalt } = clone(btc);

  return [
    // -- the manifest, checked first
    {
      name: 'manifest of another format version',
      proof: btc,
      manifest: withManifest((m) => (m.version = 'custos-por/2')),
      code: 'MALFORMED_MANIFEST',
      why: 'Only "custos-por/1" manifests are understood; the version is checked before anything else.',
    },
    {
      name: 'manifest with its reserve ratio altered',
      proof: btc,
      manifest: withBtcLine({ reserve_ratio: '1.5000' }),
      code: 'MALFORMED_MANIFEST',
      why: 'reserve_ratio must equal reserves / total_liabilities rounded down to 4 decimals; a verifier recomputes it before checking the signature.',
    },
    {
      name: 'manifest with its reserve ratio rounded up',
      proof: btc,
      manifest: withBtcLine({ reserve_ratio: '1.0313' }),
      code: 'MALFORMED_MANIFEST',
      why: 'The ratio is rounded down (1.03127… is written 1.0312), never to the nearest.',
    },
    {
      name: 'manifest with a ratio for an asset without liabilities',
      proof: btc,
      manifest: withManifest((m) => {
        m.assets = m.assets.map((a) => (a.asset === 'LTC' ? { ...a, reserve_ratio: '0.0000' } : a));
      }),
      code: 'MALFORMED_MANIFEST',
      why: 'With total_liabilities "0" the ratio is undefined and must be null.',
    },
    {
      name: 'manifest with an unknown field',
      proof: btc,
      manifest: withManifest((m) => (m.note = 'audited')),
      code: 'MALFORMED_MANIFEST',
      why: 'A manifest has exactly the fields of the format; anything else could be read as signed when a verifier ignores it.',
    },
    {
      name: 'manifest without its signature',
      proof: btc,
      manifest: withManifest((m) => delete m.signature),
      code: 'MALFORMED_MANIFEST',
      why: 'Every field is required.',
    },
    // -- whose key and signature
    {
      name: 'trusted key is another key',
      proof: btc,
      public_key: other.publicKeyHex,
      code: 'PUBLIC_KEY_MISMATCH',
      why: 'The manifest names a key other than the one the user trusts.',
    },
    {
      name: 'manifest re-signed by another key, carrying that key',
      proof: btc,
      manifest: resign(withBtcLine({}), other),
      code: 'PUBLIC_KEY_MISMATCH',
      why: 'A correct signature proves nothing under a key the user did not obtain independently.',
    },
    {
      name: 'one byte of the signature flipped',
      proof: btc,
      manifest: withManifest((m) => (m.signature = flipHexDigit(m.signature as string, 1))),
      code: 'BAD_SIGNATURE',
      why: 'The Ed25519 signature no longer verifies.',
    },
    {
      name: 'reserves raised, ratio recomputed, not re-signed',
      proof: btc,
      manifest: withBtcLine({
        reserves: raisedReserves.toString(),
        reserve_ratio: reserveRatio(raisedReserves, BigInt(btcLine.total_liabilities)),
      }),
      code: 'BAD_SIGNATURE',
      why: 'The manifest is well formed, but the signature covers the published reserves.',
    },
    {
      name: 'manifest carrying the trusted key but signed by another',
      proof: btc,
      manifest: { ...resign(withBtcLine({}), other), public_key: signer.publicKeyHex },
      code: 'BAD_SIGNATURE',
      why: 'Copying the trusted key into a manifest does not make its signature verify under it.',
    },
    // -- the proof's form
    {
      name: 'uppercase hex in the salt',
      proof: withProof({ salt: btc.salt.toUpperCase() }),
      code: 'MALFORMED_PROOF',
      why: 'Hex is lowercase only: every hash and salt has exactly one spelling.',
    },
    {
      name: 'uppercase hex in a sibling hash',
      proof: withStep(1, { hash: btc.path[1]!.hash.toUpperCase() }),
      code: 'MALFORMED_PROOF',
      why: 'Hex is lowercase only.',
    },
    {
      name: 'proof without its salt',
      proof: withoutSalt,
      code: 'MALFORMED_PROOF',
      why: 'Every field is required.',
    },
    {
      name: 'proof with an unknown field',
      proof: withProof({ comment: 'hello' }),
      code: 'MALFORMED_PROOF',
      why: 'A proof has exactly the fields of the format.',
    },
    {
      name: 'index written as a string',
      proof: withProof({ index: String(btc.index) }),
      code: 'MALFORMED_PROOF',
      why: 'The index is a JSON number.',
    },
    {
      name: 'negative index',
      proof: withProof({ index: -1 }),
      code: 'MALFORMED_PROOF',
      why: 'The index is a non-negative integer.',
    },
    {
      name: 'value written as a JSON number',
      proof: withProof({ value: Number(btc.value) }),
      code: 'MALFORMED_PROOF',
      why: 'Amounts are decimal strings: a JSON number loses precision above 2^53.',
    },
    // -- the proof against the manifest
    {
      name: 'proof of another snapshot',
      proof: withProof({ snapshot_id: '2026-11-22T00:00:00Z' }),
      code: 'SNAPSHOT_MISMATCH',
      why: "The proof's snapshot_id differs from the manifest's.",
    },
    {
      name: 'asset the manifest does not list',
      proof: withProof({ asset: 'DOGE' }),
      code: 'ASSET_NOT_IN_MANIFEST',
      why: 'There is no DOGE tree in this snapshot.',
    },
    {
      name: 'path one step short',
      proof: withProof({ path: btc.path.slice(0, -1) }),
      code: 'PATH_LENGTH',
      why: `The BTC tree has height ${btcLine.height}: a path has exactly that many siblings.`,
    },
    {
      name: 'path one step long',
      proof: withProof({ path: [...btc.path, { hash: ZERO_HASH, value: '0' }] }),
      code: 'PATH_LENGTH',
      why: 'An extra step would climb above the published root.',
    },
    {
      name: 'ETH proof relabelled as BTC',
      proof: { ...clone(eth), asset: 'BTC' },
      code: 'PATH_LENGTH',
      why: 'The ETH tree has height 1, the BTC tree 3: the path length is checked before any hashing.',
    },
    {
      name: 'index bit above the height set',
      proof: withProof({ index: btc.index + 2 ** btcLine.height }),
      code: 'INDEX_OUT_OF_RANGE',
      why: `A tree of height ${btcLine.height} has positions 0 to ${2 ** btcLine.height - 1}; higher bits would be ignored by the climb, so they are refused.`,
    },
    {
      name: 'value 0',
      proof: withProof({ value: '0' }),
      code: 'INVALID_VALUE',
      why: 'Only customers with a non-zero liability have a leaf.',
    },
    {
      name: 'negative value',
      proof: withProof({ value: `-${btc.value}` }),
      code: 'INVALID_VALUE',
      why: 'Amounts are unsigned: a negative leaf would lower the published total unseen.',
    },
    {
      name: 'value 2^128',
      proof: withProof({ value: TWO_128.toString() }),
      code: 'INVALID_VALUE',
      why: 'Amounts are below 2^128 (they are encoded as u128).',
    },
    {
      name: 'value with a leading zero',
      proof: withProof({ value: `0${btc.value}` }),
      code: 'INVALID_VALUE',
      why: 'Amounts have one spelling: no leading zeros.',
    },
    {
      name: 'value in exponent notation',
      proof: withProof({ value: '1.5e8' }),
      code: 'INVALID_VALUE',
      why: 'Amounts are digits only.',
    },
    {
      name: 'sibling amount with leading zeros',
      proof: withStep(0, { value: `00${btc.path[0]!.value}` }),
      code: 'INVALID_VALUE',
      why: 'Sibling amounts follow the same spelling rule as the leaf value.',
    },
    {
      name: 'negative sibling amount',
      proof: withStep(1, { value: '-1' }),
      code: 'INVALID_VALUE',
      why: 'A negative subtree would hide liabilities.',
    },
    {
      name: 'sibling amount 2^128',
      proof: withStep(2, { value: TWO_128.toString() }),
      code: 'INVALID_VALUE',
      why: 'Sibling amounts are u128 too.',
    },
    {
      name: 'sibling sum overflowing at the first level',
      proof: withStep(0, { value: U128_MAX.toString() }),
      code: 'SUM_OVERFLOW',
      why: `${btc.value} + (2^128 − 1) does not fit 128 bits; sums are never wrapped.`,
    },
    {
      name: 'sibling sum overflowing at the top level',
      proof: withStep(2, { value: (U128_MAX - 1000n).toString() }),
      code: 'SUM_OVERFLOW',
      why: 'The first two levels add up; the third exceeds 2^128 − 1.',
    },
    // -- the climb leads elsewhere
    {
      name: 'value changed',
      proof: withProof({ value: (BigInt(btc.value) + 1n).toString() }),
      code: 'ROOT_MISMATCH',
      why: 'The value is part of the leaf hash.',
    },
    {
      name: 'salt changed',
      proof: withProof({ salt: flipHexDigit(btc.salt, 63) }),
      code: 'ROOT_MISMATCH',
      why: 'Another salt gives another user commitment, hence another leaf.',
    },
    {
      name: 'user id changed',
      proof: withProof({ user_id: btc.user_id === 'bob' ? 'alice' : 'bob' }),
      code: 'ROOT_MISMATCH',
      why: 'The user id is part of the commitment: a proof cannot be claimed by someone else.',
    },
    {
      name: 'user id in another Unicode normalization (NFD)',
      proof: { ...clone(zoe), user_id: zoe.user_id.normalize('NFD') },
      code: 'ROOT_MISMATCH',
      why: 'User ids are hashed as their exact UTF-8 bytes; a verifier must not normalize them.',
    },
    {
      name: 'first two path steps swapped',
      proof: withProof({ path: [btc.path[1], btc.path[0], ...btc.path.slice(2)] }),
      code: 'ROOT_MISMATCH',
      why: 'Each step belongs to one level; both amounts are valid, but the hashes no longer chain.',
    },
    {
      name: 'index bit 0 flipped',
      proof: withProof({ index: btc.index ^ 1 }),
      code: 'ROOT_MISMATCH',
      why: 'The index is hashed into the leaf and decides on which side each sibling goes.',
    },
    {
      name: 'sibling hash changed',
      proof: withStep(1, { hash: flipHexDigit(btc.path[1]!.hash, 0) }),
      code: 'ROOT_MISMATCH',
      why: 'The sibling hash is part of the parent hash.',
    },
    {
      name: 'value raised and a sibling lowered by the same amount',
      proof: withProof({
        value: (BigInt(btc.value) + 1n).toString(),
        path: btc.path.map((s, i) => (i === 0 ? { ...s, value: (sibling0 - 1n).toString() } : { ...s })),
      }),
      code: 'ROOT_MISMATCH',
      why: 'The total is unchanged, but both amounts are hashed into the nodes above them: moving value between leaves changes the root hash.',
    },
    {
      name: 're-signed manifest whose root leaves the user out',
      proof: btc,
      manifest: resign(withBtcLine({ root_hash: flipHexDigit(btcLine.root_hash, 0) }), signer),
      code: 'ROOT_MISMATCH',
      why: 'A correctly signed manifest that does not commit to this leaf.',
    },
    {
      name: 're-signed manifest whose total is one unit higher',
      proof: btc,
      manifest: resign(
        withBtcLine({
          total_liabilities: raisedTotal.toString(),
          reserve_ratio: reserveRatio(BigInt(btcLine.reserves), raisedTotal),
        }),
        signer,
      ),
      code: 'TOTAL_MISMATCH',
      why: 'The path reaches the published root hash, whose children commit to a sum other than the published total.',
    },
  ];
}

// ---- The file ------------------------------------------------------------------------------------

const DESCRIPTION = [
  'Known-answer vectors of custos-por/1 (docs/por-format.md), generated by scripts/por-vectors.ts (npm run por:vectors).',
  '"encodings": the exact bytes hashed for a user commitment, a leaf, a padding leaf and an inner node, with their SHA-256.',
  '"valid": proofs that verify against the top-level manifest under the top-level public_key.',
  '"invalid": proofs a verifier must reject with "code"; "manifest" and "public_key" default to the top-level ones.',
  'Fixed inputs: the Ed25519 seed of the signing key is SHA-256("custos-por/1 vectors: signing key");',
  'the snapshot shuffle seed is SHA-256("custos-por/1 vectors: shuffle seed");',
  'the salt of user U is HMAC-SHA-256(SHA-256("custos-por/1 vectors: secret of " ‖ U), "custos-por/1 salt" ‖ lp(snapshot_id)).',
].join(' ');

/** The text of docs/por-vectors.json. Throws when a vector does not behave as it claims. */
export function porVectorsJson(): string {
  const signer = ed25519FromSeed(fixedBytes(SIGNING_LABEL));
  const other = ed25519FromSeed(fixedBytes(OTHER_KEY_LABEL));
  const input = snapshotInput();
  const built = buildSnapshot(sha256, input);
  const manifest = JSON.parse(
    serializeManifest(signManifest(built.unsigned, signer.publicKeyHex, (m) => signer.sign(m))),
  ) as Manifest;

  const valid = validVectors(input, built);
  const invalid = invalidVectors(manifest, valid, signer, other);
  const encodings = encodingVectors(input, built, valid);
  check(manifest, signer.publicKeyHex, valid, invalid);

  const file = {
    version: POR_VERSION,
    description: DESCRIPTION,
    public_key: signer.publicKeyHex,
    manifest,
    encodings,
    valid,
    invalid: invalid.map((v) => ({
      name: v.name,
      proof: v.proof,
      ...(v.manifest === undefined ? {} : { manifest: v.manifest }),
      ...(v.public_key === undefined ? {} : { public_key: v.public_key }),
      code: v.code,
      why: v.why,
    })),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

function encodingVectors(
  input: SnapshotInput,
  built: ReturnType<typeof buildSnapshot>,
  valid: readonly ValidVector[],
): EncodingVector[] {
  const saltHex = (user: string) => toHex(input.saltOf(USERS.indexOf(user)));
  const uidHex = (user: string) =>
    toHex(userCommitment(sha256, SNAPSHOT_ID, user, input.saltOf(USERS.indexOf(user))));
  const btc = built.assets.find((a) => a.line.asset === 'BTC')!;
  const usdc = built.assets.find((a) => a.line.asset === 'USDC')!;
  const btcFirst = valid.find((v) => v.proof.asset === 'BTC' && v.proof.index === 0)!.proof;
  // The worked example of docs/por-format.md climbs this proof, one entry per step.
  const example = valid.find((v) => v.proof.asset === 'BTC' && v.proof.user_id === ZOE)!.proof;
  const ethBig = valid.find((v) => v.proof.asset === 'ETH' && BigInt(v.proof.value) >= TWO_64)!.proof;
  const nodeAt = (level: number, j: number): Node => ({
    hash: toHex(nodeHash(btc.tree.levels[level]!, j)),
    value: nodeValue(btc.tree.levels[level]!, j),
  });
  const longId = 'u'.repeat(255);
  const longSalt = toHex(fixedBytes(SECRET_LABEL + 'the 255-byte user id'));
  const width = 2 ** btc.tree.height;
  const up = (level: number, index: number) => Math.floor(index / 2 ** level);
  const sibling = (level: number, index: number) => up(level, index) ^ 1;
  const pair = (level: number, j: number) => [nodeAt(level, j & ~1), nodeAt(level, j | 1)] as const;
  const climb = Array.from({ length: btc.tree.height }, (_, k) => {
    const [l, r] = pair(k, up(k, example.index));
    const label = k === 0 ? 'leaves' : `level-${k} nodes`;
    const name =
      k === btc.tree.height - 1
        ? `BTC root (over level-${k} nodes 0 and 1)`
        : `BTC level-${k + 1} node over ${label} ${up(k, example.index) & ~1} and ${up(k, example.index) | 1}`;
    return innerVector(`${name}, on the path of ${ZOE}`, l, r);
  });
  if (sibling(0, example.index) >= btc.tree.leafCount || example.index !== btc.tree.leafCount - 1) {
    throw new Error('the worked example expects the last real leaf, with a real leaf beside it');
  }
  return [
    uidVector('user commitment of alice', SNAPSHOT_ID, 'alice', saltHex('alice')),
    uidVector(`user commitment of a non-ASCII user id (${ZOE})`, SNAPSHOT_ID, ZOE, saltHex(ZOE)),
    uidVector('user commitment of a 255-byte user id (length byte ff)', SNAPSHOT_ID, longId, longSalt),
    leafVector(
      'BTC leaf at index 0',
      SNAPSHOT_ID,
      'BTC',
      0,
      uidHex(btcFirst.user_id),
      BigInt(btcFirst.value),
    ),
    leafVector(
      `BTC leaf at index ${example.index}, of ${ZOE}`,
      SNAPSHOT_ID,
      'BTC',
      example.index,
      uidHex(ZOE),
      BigInt(example.value),
    ),
    leafVector(
      'ETH leaf with a value above 2^64',
      SNAPSHOT_ID,
      'ETH',
      ethBig.index,
      uidHex(ethBig.user_id),
      BigInt(ethBig.value),
    ),
    leafVector(
      'leaf with index 0x01020304 and the largest value, 2^128 - 1',
      SNAPSHOT_ID,
      'BTC',
      0x01020304,
      uidHex('alice'),
      U128_MAX,
    ),
    ...Array.from({ length: width - btc.tree.leafCount }, (_, i) =>
      paddingVector(
        `BTC padding leaf at index ${btc.tree.leafCount + i}`,
        SNAPSHOT_ID,
        'BTC',
        btc.tree.leafCount + i,
      ),
    ),
    paddingVector(
      `USDC padding leaf at index ${2 ** usdc.tree.height - 1}`,
      SNAPSHOT_ID,
      'USDC',
      2 ** usdc.tree.height - 1,
    ),
    innerVector('BTC level-1 node over leaves 0 and 1', nodeAt(0, 0), nodeAt(0, 1)),
    innerVector(
      `BTC level-1 node over two padding leaves (${width - 2} and ${width - 1})`,
      nodeAt(0, width - 2),
      nodeAt(0, width - 1),
    ),
    ...climb,
    innerVector(
      'inner node whose sum is exactly 2^128 - 1',
      { hash: toHex(fixedBytes('left')), value: U128_MAX - TWO_64 },
      { hash: toHex(fixedBytes('right')), value: TWO_64 },
    ),
  ];
}

/** Refuses vectors that do not behave as they claim, and a set that leaves a case uncovered. */
function check(
  manifest: Manifest,
  publicKey: string,
  valid: readonly ValidVector[],
  invalid: readonly InvalidVector[],
): void {
  const problems: string[] = [];
  for (const v of valid) {
    const r = verifyProof(nodePorCrypto, v.proof, manifest, publicKey);
    if (!r.valid) problems.push(`valid "${v.name}" is rejected: ${r.code} ${r.reason}`);
  }
  for (const v of invalid) {
    const r = verifyProof(nodePorCrypto, v.proof, v.manifest ?? manifest, v.public_key ?? publicKey);
    const got = r.valid ? 'valid' : r.code;
    if (got !== v.code) problems.push(`invalid "${v.name}": expected ${v.code}, got ${got}`);
  }
  for (const code of Object.keys(REJECTIONS)) {
    if (!invalid.some((v) => v.code === code)) problems.push(`no invalid vector for ${code}`);
  }
  const wanted = [
    'first leaf',
    'last leaf',
    'tree of height 1',
    'configured height',
    'value ≥ 2^64',
    'non-ASCII user id',
  ];
  for (const tag of wanted) {
    if (!valid.some((v) => v.name.includes(tag))) problems.push(`no valid proof with ${tag}`);
  }
  const btc = manifest.assets.find((a) => a.asset === 'BTC')!;
  if (manifest.assets.length < 2 || BigInt(btc.total_liabilities) === 0n) problems.push('a thin manifest');
  if (problems.length > 0) throw new Error(`por-vectors: refusing to write\n  ${problems.join('\n  ')}`);
}

const invokedDirectly =
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);

if (invokedDirectly) {
  const text = porVectorsJson();
  const shown = path.relative(process.cwd(), VECTORS_FILE);
  if (process.argv.includes('--check')) {
    const committed = fs.existsSync(VECTORS_FILE) ? fs.readFileSync(VECTORS_FILE, 'utf8') : '';
    if (committed !== text) {
      console.error(`${shown} is stale: run npm run por:vectors`);
      process.exitCode = 1;
    } else console.log(`${shown} is up to date`);
  } else {
    fs.writeFileSync(VECTORS_FILE, text);
    console.log(`wrote ${shown}`);
  }
}
