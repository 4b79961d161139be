import { fitsLp, fromHex, isHashHex, parseAmount, POR_VERSION, type Sha256, toHex } from './encoding.js';
import { innerNode, LeafHasher, SumOverflowError, type SumNode, userCommitment } from './hashing.js';
import { type Manifest, type ManifestAsset, manifestProblems, manifestSigningBytes } from './manifest.js';
import type { InclusionProof } from './proof.js';

/** What verification needs from the platform it runs on (node:crypto, or bundled code in a page). */
export interface PorCrypto {
  readonly sha256: Sha256;
  verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

/** Why a proof or a manifest was rejected; stable codes, listed in docs/por-format.md. */
export const REJECTIONS = {
  MALFORMED_MANIFEST: 'The manifest is not a well-formed custos-por/1 manifest.',
  PUBLIC_KEY_MISMATCH: 'The manifest was not published under the public key you trust.',
  BAD_SIGNATURE: 'The manifest signature does not verify.',
  MALFORMED_PROOF: 'The proof is not a well-formed custos-por/1 proof.',
  SNAPSHOT_MISMATCH: 'The proof belongs to another snapshot than the manifest.',
  ASSET_NOT_IN_MANIFEST: 'The manifest has no tree for the proof’s asset.',
  PATH_LENGTH: 'The proof’s path length differs from the tree height in the manifest.',
  INDEX_OUT_OF_RANGE: 'The proof’s leaf index is outside the tree.',
  INVALID_VALUE: 'A value in the proof is not a valid amount.',
  SUM_OVERFLOW: 'Two values in the proof add up to 2^128 or more.',
  ROOT_MISMATCH: 'The proof does not lead to the root published in the manifest.',
  TOTAL_MISMATCH: 'The proof leads to the root hash but not to the published total liabilities.',
} as const;

export type RejectionCode = keyof typeof REJECTIONS;

export interface Rejected {
  readonly valid: false;
  readonly code: RejectionCode;
  /** The plain-words reason, with the detail that located the problem. */
  readonly reason: string;
}

export interface VerifiedManifest {
  readonly valid: true;
  readonly manifest: Manifest;
}

export interface VerifiedProof {
  readonly valid: true;
  readonly snapshotId: string;
  readonly asset: string;
  readonly userId: string;
  readonly value: bigint;
  readonly rootHash: string;
  readonly totalLiabilities: bigint;
}

function reject(code: RejectionCode, detail?: string): Rejected {
  return { valid: false, code, reason: detail ? `${REJECTIONS[code]} (${detail})` : REJECTIONS[code] };
}

/**
 * Checks a manifest's form and its Ed25519 signature against `trustedPublicKeyHex`, a key the
 * user obtained independently of the manifest (never the key the manifest itself carries).
 */
export function verifyManifest(
  crypto: PorCrypto,
  manifest: unknown,
  trustedPublicKeyHex: string,
): VerifiedManifest | Rejected {
  const problems = manifestProblems(manifest);
  if (problems.length > 0) {
    const first = problems[0]!;
    return reject('MALFORMED_MANIFEST', first.field ? `${first.field}: ${first.message}` : first.message);
  }
  const m = manifest as Manifest;
  const trusted = trustedPublicKeyHex.trim().toLowerCase();
  if (!isHashHex(trusted)) return reject('PUBLIC_KEY_MISMATCH', 'the trusted key is not 64 hex characters');
  if (m.public_key !== trusted) return reject('PUBLIC_KEY_MISMATCH');
  let ok: boolean;
  try {
    ok = crypto.verifyEd25519(fromHex(trusted), manifestSigningBytes(m), fromHex(m.signature));
  } catch {
    ok = false;
  }
  return ok ? { valid: true, manifest: m } : reject('BAD_SIGNATURE');
}

const PROOF_KEYS = ['version', 'snapshot_id', 'asset', 'user_id', 'salt', 'index', 'value', 'path'];

function proofShapeProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'a proof is a JSON object';
  const p = x as Record<string, unknown>;
  for (const k of Object.keys(p)) if (!PROOF_KEYS.includes(k)) return `unknown field ${k}`;
  for (const k of PROOF_KEYS) if (!(k in p)) return `missing field ${k}`;
  if (p.version !== POR_VERSION) return `version must be "${POR_VERSION}"`;
  for (const k of ['snapshot_id', 'asset', 'user_id'] as const) {
    if (typeof p[k] !== 'string' || !fitsLp(p[k])) return `${k} must be a string of 1 to 255 bytes`;
  }
  if (!isHashHex(p.salt)) return 'salt must be 64 lowercase hex characters';
  if (typeof p.index !== 'number' || !Number.isSafeInteger(p.index) || p.index < 0) {
    return 'index must be a non-negative integer';
  }
  if (typeof p.value !== 'string') return 'value must be a string';
  if (!Array.isArray(p.path)) return 'path must be an array';
  for (const [k, step] of p.path.entries()) {
    if (typeof step !== 'object' || step === null || Array.isArray(step))
      return `path[${k}] must be an object`;
    const keys = Object.keys(step);
    if (keys.length !== 2 || !('hash' in step) || !('value' in step))
      return `path[${k}] must have hash and value only`;
    if (!isHashHex(step.hash)) return `path[${k}].hash must be 64 lowercase hex characters`;
    if (typeof step.value !== 'string') return `path[${k}].value must be a string`;
  }
  return undefined;
}

/** Verifies a proof against a manifest already verified with `verifyManifest`. */
export function verifyProofAgainst(
  crypto: PorCrypto,
  proof: unknown,
  verified: VerifiedManifest,
): VerifiedProof | Rejected {
  const problem = proofShapeProblem(proof);
  if (problem) return reject('MALFORMED_PROOF', problem);
  const p = proof as InclusionProof;
  const m = verified.manifest;
  if (p.snapshot_id !== m.snapshot_id) return reject('SNAPSHOT_MISMATCH');
  const tree: ManifestAsset | undefined = m.assets.find((a) => a.asset === p.asset);
  if (!tree) return reject('ASSET_NOT_IN_MANIFEST', p.asset);
  if (p.path.length !== tree.height) {
    return reject('PATH_LENGTH', `${p.path.length} steps, the tree has height ${tree.height}`);
  }
  if (p.index >= 2 ** tree.height) return reject('INDEX_OUT_OF_RANGE', `${p.index} ≥ 2^${tree.height}`);
  const value = parseAmount(p.value);
  if (value === undefined || value === 0n) return reject('INVALID_VALUE', 'value');

  // 1. The leaf, from what only the user and the platform know.
  const uid = userCommitment(crypto.sha256, p.snapshot_id, p.user_id, fromHex(p.salt));
  let node: SumNode = {
    hash: new LeafHasher(crypto.sha256, p.snapshot_id, p.asset).leaf(p.index, uid, value),
    value,
  };
  // 2. Up the path: bit k of the index says on which side the node sits at level k.
  for (let k = 0; k < p.path.length; k++) {
    const step = p.path[k]!;
    const siblingValue = parseAmount(step.value);
    if (siblingValue === undefined) return reject('INVALID_VALUE', `path[${k}].value`);
    const sibling: SumNode = { hash: fromHex(step.hash), value: siblingValue };
    const onRight = Math.floor(p.index / 2 ** k) % 2 === 1;
    try {
      node = onRight ? innerNode(crypto.sha256, sibling, node) : innerNode(crypto.sha256, node, sibling);
    } catch (e) {
      if (e instanceof SumOverflowError) return reject('SUM_OVERFLOW', `at level ${k + 1}`);
      throw e;
    }
  }
  // 3. The top must be the published root and total.
  const rootHash = toHex(node.hash);
  if (rootHash !== tree.root_hash) return reject('ROOT_MISMATCH');
  const total = BigInt(tree.total_liabilities);
  if (node.value !== total) return reject('TOTAL_MISMATCH');
  return {
    valid: true,
    snapshotId: p.snapshot_id,
    asset: p.asset,
    userId: p.user_id,
    value,
    rootHash,
    totalLiabilities: total,
  };
}

/**
 * Verifies one inclusion proof: the manifest's signature under the trusted key, then the path from
 * the user's leaf to the published root and total.
 *
 * @example
 *   const r = verifyProof(nodePorCrypto, JSON.parse(proofText), JSON.parse(manifestText), keyHex);
 *   if (!r.valid) console.error(r.code, r.reason);
 */
export function verifyProof(
  crypto: PorCrypto,
  proof: unknown,
  manifest: unknown,
  trustedPublicKeyHex: string,
): VerifiedProof | Rejected {
  const m = verifyManifest(crypto, manifest, trustedPublicKeyHex);
  return m.valid ? verifyProofAgainst(crypto, proof, m) : m;
}
