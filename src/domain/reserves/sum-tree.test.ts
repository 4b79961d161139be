import { describe, expect, it } from 'vitest';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { HASH_BYTES, PorEncodingError, toHex, treeHeight, U128_MAX } from './encoding.js';
import { innerNode, LeafHasher, SumOverflowError, type SumNode } from './hashing.js';
import {
  buildSumTree,
  hashLeafRange,
  hashLevelsAbove,
  joinLevels,
  type LeafInput,
  levelSize,
  nodeHash,
  nodeValue,
  pathOf,
  rootOf,
  type SumTree,
} from './sum-tree.js';

const sha256 = nodePorCrypto.sha256;
const SNAPSHOT = '2026-11-21T00:00:00Z';
const TWO_64 = 1n << 64n;

function leavesOf(values: readonly bigint[]): LeafInput {
  const uids = new Uint8Array(values.length * HASH_BYTES);
  values.forEach((_, i) => uids.set(sha256(Uint8Array.of(0xee, i)), i * HASH_BYTES));
  return { uids, values };
}

/** The tree as the format defines it, recursively, one `innerNode` at a time. */
function referenceNode(height: number, leaves: LeafInput, level: number, j: number): SumNode {
  if (level === 0) {
    const hasher = new LeafHasher(sha256, SNAPSHOT, 'BTC');
    if (j >= leaves.values.length) return { hash: hasher.padding(j), value: 0n };
    const uid = leaves.uids.slice(j * HASH_BYTES, (j + 1) * HASH_BYTES);
    return { hash: hasher.leaf(j, uid, leaves.values[j]!), value: leaves.values[j]! };
  }
  return innerNode(
    sha256,
    referenceNode(height, leaves, level - 1, 2 * j),
    referenceNode(height, leaves, level - 1, 2 * j + 1),
  );
}

const build = (height: number, leaves: LeafInput) =>
  buildSumTree(sha256, { snapshotId: SNAPSHOT, asset: 'BTC', height }, leaves);

const valuesFor = (n: number) =>
  Array.from({ length: n }, (_, i) => [1n, 7n, TWO_64 - 1n, TWO_64, 150_000_000n][i % 5]! + BigInt(i));

function climb(tree: SumTree, index: number, leaf: SumNode): SumNode {
  let node = leaf;
  pathOf(tree, index).forEach((step, k) => {
    const sibling = { hash: Buffer.from(step.hash, 'hex'), value: BigInt(step.value) };
    node = (index >> k) & 1 ? innerNode(sha256, sibling, node) : innerNode(sha256, node, sibling);
  });
  return node;
}

describe('buildSumTree agrees node by node with a naive recursive tree', () => {
  const cases = Array.from({ length: 10 }, (_, n) => [
    [n, treeHeight(n)],
    [n, treeHeight(n) + 1],
  ]).flat() as [number, number][];

  it.each(cases)('%i leaves, height %i', (n, height) => {
    const leaves = leavesOf(valuesFor(n));
    const tree = build(height, leaves);
    expect(tree.levels).toHaveLength(height + 1);
    expect(tree.leafCount).toBe(n);
    for (let level = 0; level <= height; level++) {
      expect(levelSize(tree.levels[level]!)).toBe(2 ** (height - level));
      for (let j = 0; j < 2 ** (height - level); j++) {
        const expected = referenceNode(height, leaves, level, j);
        expect(toHex(nodeHash(tree.levels[level]!, j))).toBe(toHex(expected.hash));
        expect(nodeValue(tree.levels[level]!, j)).toBe(expected.value);
      }
    }
    const root = referenceNode(height, leaves, height, 0);
    expect(rootOf(tree)).toEqual({ hash: toHex(root.hash), value: root.value });
  });

  it('carries from the low 64 bits into the high ones', () => {
    const tree = build(1, leavesOf([TWO_64 - 1n, 1n]));
    expect(rootOf(tree).value).toBe(TWO_64);
    // 2^127 - 1 has both halves set: adding 2^64 - 1 carries into the high half at level 2.
    const values = [TWO_64 - 1n, TWO_64 - 1n, (1n << 127n) - 1n, 3n];
    const big = build(2, leavesOf(values));
    expect(rootOf(big).value).toBe(values.reduce((a, b) => a + b));
    expect(rootOf(big).hash).toBe(toHex(referenceNode(2, leavesOf(values), 2, 0).hash));
  });

  it('refuses a total of 2^128 or more', () => {
    expect(() => build(1, leavesOf([1n << 127n, 1n << 127n]))).toThrow(SumOverflowError);
    expect(() => build(2, leavesOf([U128_MAX, 1n]))).toThrow(SumOverflowError);
    expect(rootOf(build(1, leavesOf([U128_MAX - 1n, 1n]))).value).toBe(U128_MAX);
  });

  it('refuses a zero or out-of-range liability, too many leaves, and mismatched commitments', () => {
    expect(() => build(1, leavesOf([1n, 0n]))).toThrow(/leaf 1/);
    expect(() => build(1, leavesOf([U128_MAX + 1n]))).toThrow(PorEncodingError);
    expect(() => build(1, leavesOf([1n, 2n, 3n]))).toThrow(/at most 2 leaves/);
    expect(() => build(1, { uids: new Uint8Array(31), values: [1n] })).toThrow(/32-byte commitment/);
  });
});

describe('pathOf', () => {
  it('lists the siblings from the leaf level up, and they climb back to the root', () => {
    const leaves = leavesOf(valuesFor(6));
    const tree = build(3, leaves);
    for (let index = 0; index < 8; index++) {
      const path = pathOf(tree, index);
      expect(path).toHaveLength(3);
      path.forEach((step, k) => {
        const sibling = (index >> k) ^ 1;
        expect(step.hash).toBe(toHex(nodeHash(tree.levels[k]!, sibling)));
        expect(step.value).toBe(nodeValue(tree.levels[k]!, sibling).toString());
      });
      const leaf = referenceNode(3, leaves, 0, index);
      const root = climb(tree, index, leaf);
      expect(toHex(root.hash)).toBe(rootOf(tree).hash);
      expect(root.value).toBe(rootOf(tree).value);
    }
  });

  it('gives padding siblings the value 0', () => {
    const tree = build(3, leavesOf(valuesFor(5)));
    expect(pathOf(tree, 4)[0]!.value).toBe('0'); // position 5 is padding
    expect(pathOf(tree, 0)[2]!.value).not.toBe('0'); // the right half holds leaf 4
  });

  it.each([-1, 8, 1.5, Number.NaN])('refuses index %d in a tree of height 3', (index) => {
    expect(() => pathOf(build(3, leavesOf([1n])), index)).toThrow(/index out of range/);
  });
});

describe('building in slices (as the worker threads do)', () => {
  it.each([
    [13, 4, 2],
    [13, 4, 4],
    [16, 4, 8],
    [3, 3, 2],
  ])('%i leaves in a tree of height %i, in %i slices, equal the one-piece tree', (n, height, slices) => {
    const leaves = leavesOf(valuesFor(n));
    const width = 2 ** height / slices;
    const hasher = new LeafHasher(sha256, SNAPSHOT, 'BTC');
    const parts = Array.from({ length: slices }, (_, s) => {
      const from = s * width;
      const to = Math.min(n, from + width);
      const real = Math.max(0, to - from);
      const slice: LeafInput = {
        uids: leaves.uids.slice(from * HASH_BYTES, (from + real) * HASH_BYTES),
        values: leaves.values.slice(from, from + real),
      };
      return hashLevelsAbove(sha256, hashLeafRange(hasher, from, width, slice));
    });
    const joined = joinLevels(parts);
    const levels = [...joined.slice(0, -1), ...hashLevelsAbove(sha256, joined[joined.length - 1]!)];
    const whole = build(height, leaves);
    expect(levels).toHaveLength(whole.levels.length);
    levels.forEach((level, k) => {
      expect(toHex(level.hashes)).toBe(toHex(whole.levels[k]!.hashes));
      expect([...level.values]).toEqual([...whole.levels[k]!.values]);
    });
  });

  it('refuses to join subtrees of different heights', () => {
    const hasher = new LeafHasher(sha256, SNAPSHOT, 'BTC');
    const a = hashLevelsAbove(sha256, hashLeafRange(hasher, 0, 2, leavesOf([])));
    const b = hashLevelsAbove(sha256, hashLeafRange(hasher, 2, 4, leavesOf([])));
    expect(() => joinLevels([a, b])).toThrow(/different heights/);
  });
});
