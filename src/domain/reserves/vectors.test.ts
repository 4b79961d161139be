import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { porVectorsJson, VECTORS_FILE } from '../../../scripts/por-vectors.js';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { fromHex, toHex } from './encoding.js';
import { innerNode, LeafHasher, userCommitment } from './hashing.js';
import { type PorCrypto, REJECTIONS, verifyProof } from './verify.js';

/** docs/por-vectors.json: the known answers of custos-por/1 (docs/por-format.md, "Test vectors"). */
interface Vectors {
  version: string;
  description: string;
  public_key: string;
  manifest: unknown;
  encodings: { name: string; kind: string; input: Record<string, unknown>; bytes: string; hash: string }[];
  valid: { name: string; proof: unknown }[];
  invalid: {
    name: string;
    proof: unknown;
    manifest?: unknown;
    public_key?: string;
    code: string;
    why: string;
  }[];
}

/** The union of the `input` fields of the four kinds of encoding entry. */
interface EncodingInput {
  snapshot_id: string;
  user_id: string;
  salt: string;
  asset: string;
  index: number;
  uid: string;
  value: string;
  left: { hash: string; value: string };
  right: { hash: string; value: string };
}

const committed = fs.readFileSync(VECTORS_FILE, 'utf8');
const vectors = JSON.parse(committed) as Vectors;
const DOC = new URL('../../../docs/por-format.md', import.meta.url);
const CHECKER = new URL('../../../scripts/por-vectors-check.py', import.meta.url);

/** The primitives a browser verifier bundles: pure JavaScript, no node:crypto. */
const nobleCrypto: PorCrypto = {
  sha256: (data) => nobleSha256(data),
  verifyEd25519: (publicKey, message, signature) => ed25519.verify(signature, message, publicKey),
};

describe('docs/por-vectors.json', () => {
  it('is what scripts/por-vectors.ts generates, byte for byte (npm run por:vectors)', () => {
    expect(porVectorsJson()).toBe(committed);
  });

  it('has the promised shape', () => {
    expect(vectors.version).toBe('custos-por/1');
    expect(vectors.public_key).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(vectors.encodings.map((e) => e.kind))).toEqual(
      new Set(['uid', 'leaf', 'padding', 'inner']),
    );
    const names = [...vectors.encodings, ...vectors.valid, ...vectors.invalid].map((v) => v.name);
    expect(new Set(names).size).toBe(names.length);
    expect(new Set(vectors.invalid.map((v) => v.code))).toEqual(new Set(Object.keys(REJECTIONS)));
  });

  describe.each([
    ['node:crypto', nodePorCrypto],
    ['@noble (as in a browser)', nobleCrypto],
  ])('verified with %s', (_, crypto) => {
    it.each(vectors.valid.map((v) => [v.name, v] as const))('valid: %s', (__, v) => {
      const r = verifyProof(crypto, v.proof, vectors.manifest, vectors.public_key);
      expect(r.valid ? 'valid' : `${r.code}: ${r.reason}`).toBe('valid');
    });

    it.each(vectors.invalid.map((v) => [v.name, v] as const))('invalid: %s', (__, v) => {
      const r = verifyProof(
        crypto,
        v.proof,
        v.manifest ?? vectors.manifest,
        v.public_key ?? vectors.public_key,
      );
      expect(r.valid ? 'valid' : r.code).toBe(v.code);
    });
  });

  it.each(vectors.encodings.map((e) => [e.name, e] as const))('encoding: %s', (_, e) => {
    const sha256 = nodePorCrypto.sha256;
    const i = e.input as unknown as EncodingInput;
    const byKind: Record<string, () => Uint8Array> = {
      uid: () => userCommitment(sha256, i.snapshot_id, i.user_id, fromHex(i.salt)),
      leaf: () =>
        new LeafHasher(sha256, i.snapshot_id, i.asset).leaf(i.index, fromHex(i.uid), BigInt(i.value)),
      padding: () => new LeafHasher(sha256, i.snapshot_id, i.asset).padding(i.index),
      inner: () =>
        innerNode(
          sha256,
          { hash: fromHex(i.left.hash), value: BigInt(i.left.value) },
          { hash: fromHex(i.right.hash), value: BigInt(i.right.value) },
        ).hash,
    };
    expect(toHex(byKind[e.kind]!())).toBe(e.hash);
  });
});

describe('docs/por-format.md', () => {
  it('quotes only hex that the vectors contain (its worked example is real)', () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    const quoted = new Set(doc.match(/\b[0-9a-f]{16,}\b/g) ?? []);
    expect(quoted.size).toBeGreaterThan(5);
    for (const hex of quoted) expect(committed, `${hex} is not in docs/por-vectors.json`).toContain(hex);
  });

  it('lists every rejection code', () => {
    const doc = fs.readFileSync(DOC, 'utf8');
    for (const code of Object.keys(REJECTIONS)) expect(doc).toContain(`\`${code}\``);
  });
});

const hasPython = spawnSync('python3', ['--version']).status === 0;
const inCi = process.env.CI === 'true';
if (!hasPython && !inCi) console.warn('vectors.test: python3 not found, the independent check is skipped');

describe('scripts/por-vectors-check.py: an independent Python reading of the format', () => {
  const skipped = !hasPython && !inCi;
  it.skipIf(skipped)(
    `agrees with every vector${skipped ? ' (skipped: python3 is not installed; in CI this fails)' : ''}`,
    () => {
      expect(hasPython, 'python3 is required in CI').toBe(true);
      const r = spawnSync('python3', [CHECKER.pathname, VECTORS_FILE], { encoding: 'utf8' });
      expect(r.stdout + r.stderr).toMatch(/ 0 failure\(s\)/);
      expect(r.status).toBe(0);
    },
  );
});
