import { HASH_BYTES, PorEncodingError, PREFIX_INNER, type Sha256, toHex, U128_MAX } from './encoding.js';
import { LeafHasher, SumOverflowError } from './hashing.js';

const U64_MASK = (1n << 64n) - 1n;

/**
 * One level of a tree, stored flat so that millions of nodes cost no objects: node `j` has its
 * hash at `hashes[32j, 32j+32)` and its value as two 64-bit halves, `values[2j]` (high) and
 * `values[2j+1]` (low).
 */
export interface TreeLevel {
  readonly hashes: Uint8Array;
  readonly values: BigUint64Array;
}

/** One asset's Merkle sum tree: `levels[0]` are the 2^height leaves, `levels[height]` the root. */
export interface SumTree {
  readonly height: number;
  readonly leafCount: number;
  readonly levels: readonly TreeLevel[];
}

export interface LeafInput {
  /** Commitments of the real leaves in position order, 32 bytes each. */
  readonly uids: Uint8Array;
  /** Their liabilities, in the same order; every one non-zero and below 2^128. */
  readonly values: readonly bigint[];
}

export function levelSize(level: TreeLevel): number {
  return level.hashes.length / HASH_BYTES;
}

export function nodeValue(level: TreeLevel, j: number): bigint {
  return (level.values[2 * j]! << 64n) | level.values[2 * j + 1]!;
}

export function nodeHash(level: TreeLevel, j: number): Uint8Array {
  return level.hashes.subarray(HASH_BYTES * j, HASH_BYTES * (j + 1));
}

/**
 * Hashes leaf positions `[from, from + count)` of a tree whose real leaves are `leaves` (position
 * 0 of `leaves` is position `from`); positions past the real leaves are padding. Workers call this
 * on slices of the leaves and the caller joins the levels.
 */
export function hashLeafRange(hasher: LeafHasher, from: number, count: number, leaves: LeafInput): TreeLevel {
  const real = leaves.values.length;
  if (leaves.uids.length !== real * HASH_BYTES) throw new PorEncodingError('one 32-byte commitment per leaf');
  if (real > count) throw new PorEncodingError('more leaves than positions');
  const hashes = new Uint8Array(count * HASH_BYTES);
  const values = new BigUint64Array(count * 2);
  for (let j = 0; j < count; j++) {
    if (j < real) {
      const v = leaves.values[j]!;
      if (v <= 0n || v > U128_MAX)
        throw new PorEncodingError(`leaf ${from + j}: a liability must be 1 to 2^128-1`);
      const hi = v >> 64n;
      const lo = v & U64_MASK;
      hashes.set(hasher.leafFromLimbs(from + j, leaves.uids, j * HASH_BYTES, hi, lo), j * HASH_BYTES);
      values[2 * j] = hi;
      values[2 * j + 1] = lo;
    } else {
      hashes.set(hasher.padding(from + j), j * HASH_BYTES);
    }
  }
  return { hashes, values };
}

/** The level above `child`: node `j` joins children `2j` (left) and `2j+1` (right). */
export function hashParentLevel(sha256: Sha256, child: TreeLevel): TreeLevel {
  const size = levelSize(child) / 2;
  if (!Number.isInteger(size) || size < 1) throw new PorEncodingError('a level has an even number of nodes');
  const hashes = new Uint8Array(size * HASH_BYTES);
  const values = new BigUint64Array(size * 2);
  const input = new Uint8Array(1 + 2 * (HASH_BYTES + 16));
  const view = new DataView(input.buffer);
  input[0] = PREFIX_INNER;
  const rightAt = 1 + HASH_BYTES + 16;
  for (let j = 0; j < size; j++) {
    const l = 2 * j;
    const r = l + 1;
    const lHi = child.values[2 * l]!;
    const lLo = child.values[2 * l + 1]!;
    const rHi = child.values[2 * r]!;
    const rLo = child.values[2 * r + 1]!;
    input.set(child.hashes.subarray(l * HASH_BYTES, (l + 1) * HASH_BYTES), 1);
    view.setBigUint64(1 + HASH_BYTES, lHi, false);
    view.setBigUint64(1 + HASH_BYTES + 8, lLo, false);
    input.set(child.hashes.subarray(r * HASH_BYTES, (r + 1) * HASH_BYTES), rightAt);
    view.setBigUint64(rightAt + HASH_BYTES, rHi, false);
    view.setBigUint64(rightAt + HASH_BYTES + 8, rLo, false);
    hashes.set(sha256(input), j * HASH_BYTES);
    const lo = lLo + rLo;
    const hi = lHi + rHi + (lo >> 64n);
    if (hi > U64_MASK) throw new SumOverflowError();
    values[2 * j] = hi;
    values[2 * j + 1] = lo & U64_MASK;
  }
  return { hashes, values };
}

/** Builds `levels[0..]` from a level up to a single node. */
export function hashLevelsAbove(sha256: Sha256, base: TreeLevel): TreeLevel[] {
  const levels = [base];
  while (levelSize(levels[levels.length - 1]!) > 1)
    levels.push(hashParentLevel(sha256, levels[levels.length - 1]!));
  return levels;
}

/** Joins the levels of adjacent subtrees (same height, left to right) into one list of levels. */
export function joinLevels(parts: readonly (readonly TreeLevel[])[]): TreeLevel[] {
  const depth = parts[0]?.length ?? 0;
  if (parts.some((p) => p.length !== depth)) throw new PorEncodingError('subtrees of different heights');
  const joined: TreeLevel[] = [];
  for (let k = 0; k < depth; k++) {
    const hashes = new Uint8Array(parts.reduce((n, p) => n + p[k]!.hashes.length, 0));
    const values = new BigUint64Array(parts.reduce((n, p) => n + p[k]!.values.length, 0));
    let h = 0;
    let v = 0;
    for (const p of parts) {
      hashes.set(p[k]!.hashes, h);
      values.set(p[k]!.values, v);
      h += p[k]!.hashes.length;
      v += p[k]!.values.length;
    }
    joined.push({ hashes, values });
  }
  return joined;
}

export interface TreeSpec {
  readonly snapshotId: string;
  readonly asset: string;
  readonly height: number;
}

/**
 * Builds one asset's tree on this thread. The leaves must already be in their shuffled positions.
 *
 * @example
 *   const tree = buildSumTree(sha256, { snapshotId, asset: 'BTC', height: treeHeight(n) }, leaves);
 *   rootOf(tree) // { hash, value }: value is the total liabilities
 */
export function buildSumTree(sha256: Sha256, spec: TreeSpec, leaves: LeafInput): SumTree {
  const width = 2 ** spec.height;
  if (leaves.values.length > width)
    throw new PorEncodingError(`height ${spec.height} holds at most ${width} leaves`);
  const base = hashLeafRange(new LeafHasher(sha256, spec.snapshotId, spec.asset), 0, width, leaves);
  return { height: spec.height, leafCount: leaves.values.length, levels: hashLevelsAbove(sha256, base) };
}

export function rootOf(tree: SumTree): { hash: string; value: bigint } {
  const top = tree.levels[tree.height]!;
  return { hash: toHex(nodeHash(top, 0)), value: nodeValue(top, 0) };
}

export interface PathStep {
  readonly hash: string;
  readonly value: string;
}

/** The siblings of leaf `index` from its level up to the level below the root. */
export function pathOf(tree: SumTree, index: number): PathStep[] {
  if (!Number.isInteger(index) || index < 0 || index >= 2 ** tree.height)
    throw new PorEncodingError('index out of range');
  const path: PathStep[] = [];
  for (let k = 0; k < tree.height; k++) {
    const sibling = (Math.floor(index / 2 ** k) ^ 1) >>> 0;
    const level = tree.levels[k]!;
    path.push({ hash: toHex(nodeHash(level, sibling)), value: nodeValue(level, sibling).toString() });
  }
  return path;
}
