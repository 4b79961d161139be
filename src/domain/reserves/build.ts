import { HASH_BYTES, lp, POR_VERSION, reserveRatio, type Sha256, toHex, treeHeight } from './encoding.js';
import { hmacSha256, userCommitment } from './hashing.js';
import type { ManifestAsset, UnsignedManifest } from './manifest.js';
import type { InclusionProof } from './proof.js';
import { shufflePermutation } from './shuffle.js';
import { buildSumTree, pathOf, rootOf, type SumTree } from './sum-tree.js';

/** One asset's liabilities: entry `e` is user `users[e]` (an index into the snapshot's users)
 * owing `values[e]` (> 0). A user appears at most once per asset. */
export interface AssetLiabilities {
  readonly asset: string;
  readonly decimals: number;
  readonly reserves: bigint;
  readonly users: Uint32Array;
  readonly values: readonly bigint[];
  /** A height larger than the leaves need (hides how many customers hold the asset). */
  readonly minHeight?: number;
}

export interface SnapshotInput {
  readonly snapshotId: string;
  readonly takenAt: string;
  readonly userIds: readonly string[];
  /** The 32-byte salt of user `u` (by index) for this snapshot. */
  readonly saltOf: (userIndex: number) => Uint8Array;
  readonly assets: readonly AssetLiabilities[];
  /** 32 secret random bytes: the shuffle of every asset's leaves derives from it. */
  readonly shuffleSeed: Uint8Array;
}

export interface BuiltAsset {
  readonly line: ManifestAsset;
  readonly tree: SumTree;
  /** `order[position]` is the entry placed at that leaf position. */
  readonly order: Uint32Array;
  readonly liabilities: AssetLiabilities;
}

export interface BuiltSnapshot {
  readonly unsigned: Omit<UnsignedManifest, 'public_key'>;
  readonly assets: readonly BuiltAsset[];
}

/** The shuffle seed of one asset's tree: `HMAC-SHA-256(snapshot seed, lp(asset))`. */
export function assetShuffleSeed(sha256: Sha256, seed: Uint8Array, asset: string): Uint8Array {
  return hmacSha256(sha256, seed, lp(asset));
}

/**
 * Builds every asset's tree of a snapshot on this thread (a few hundred thousand leaves a second;
 * `services/reserves` spreads larger builds over worker threads with the same functions).
 * Deterministic: the same input, seed and salts give the same manifest, byte for byte.
 */
export function buildSnapshot(sha256: Sha256, input: SnapshotInput): BuiltSnapshot {
  const uids = new Map<number, Uint8Array>();
  const uidOf = (u: number) => {
    let uid = uids.get(u);
    if (!uid) {
      uid = userCommitment(sha256, input.snapshotId, input.userIds[u]!, input.saltOf(u));
      uids.set(u, uid);
    }
    return uid;
  };
  const assets = input.assets.map((liabilities): BuiltAsset => {
    const n = liabilities.values.length;
    const height = treeHeight(n, liabilities.minHeight ?? 1);
    const order = shufflePermutation(
      sha256,
      assetShuffleSeed(sha256, input.shuffleSeed, liabilities.asset),
      n,
    );
    const placedUids = new Uint8Array(n * HASH_BYTES);
    const placedValues: bigint[] = new Array<bigint>(n);
    for (let i = 0; i < n; i++) {
      const e = order[i]!;
      placedUids.set(uidOf(liabilities.users[e]!), i * HASH_BYTES);
      placedValues[i] = liabilities.values[e]!;
    }
    const tree = buildSumTree(
      sha256,
      { snapshotId: input.snapshotId, asset: liabilities.asset, height },
      {
        uids: placedUids,
        values: placedValues,
      },
    );
    const root = rootOf(tree);
    return {
      tree,
      order,
      liabilities,
      line: {
        asset: liabilities.asset,
        decimals: liabilities.decimals,
        height,
        leaf_count: n,
        root_hash: root.hash,
        total_liabilities: root.value.toString(),
        reserves: liabilities.reserves.toString(),
        reserve_ratio: reserveRatio(liabilities.reserves, root.value),
      },
    };
  });
  return {
    unsigned: {
      version: POR_VERSION,
      snapshot_id: input.snapshotId,
      taken_at: input.takenAt,
      assets: assets.map((a) => a.line),
    },
    assets,
  };
}

/** The proof of the leaf at `position` of a built asset. */
export function proofAt(input: SnapshotInput, built: BuiltAsset, position: number): InclusionProof {
  const e = built.order[position]!;
  const u = built.liabilities.users[e]!;
  return {
    version: POR_VERSION,
    snapshot_id: input.snapshotId,
    asset: built.liabilities.asset,
    user_id: input.userIds[u]!,
    salt: toHex(input.saltOf(u)),
    index: position,
    value: built.liabilities.values[e]!.toString(),
    path: pathOf(built.tree, position),
  };
}

/** Every proof of a built asset, in leaf order. */
export function* proofsOf(input: SnapshotInput, built: BuiltAsset): Generator<InclusionProof> {
  for (let i = 0; i < built.tree.leafCount; i++) yield proofAt(input, built, i);
}
