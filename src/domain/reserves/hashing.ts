import {
  concatBytes,
  HASH_BYTES,
  lp,
  PorEncodingError,
  PREFIX_INNER,
  PREFIX_LEAF,
  PREFIX_PADDING,
  PREFIX_USER,
  type Sha256,
  U128_MAX,
  writeU128,
  writeU32,
} from './encoding.js';

/** A node of a Merkle sum tree: its hash and the sum of the liabilities below it. */
export interface SumNode {
  readonly hash: Uint8Array;
  readonly value: bigint;
}

/** `uid = H(0x03 ‖ lp(snapshot_id) ‖ lp(user_id) ‖ salt)`: hides who a leaf belongs to. */
export function userCommitment(
  sha256: Sha256,
  snapshotId: string,
  userId: string,
  salt: Uint8Array,
): Uint8Array {
  if (salt.length !== HASH_BYTES) throw new PorEncodingError('a salt is 32 bytes');
  return sha256(concatBytes(Uint8Array.of(PREFIX_USER), lp(snapshotId), lp(userId), salt));
}

/**
 * Hashes the leaves of one asset's tree in one snapshot. The `lp(snapshot_id) ‖ lp(asset)` part is
 * encoded once, and one scratch buffer is reused: building millions of leaves allocates only the
 * digests.
 */
export class LeafHasher {
  private readonly leafInput: Uint8Array;
  private readonly leafView: DataView;
  private readonly paddingInput: Uint8Array;
  private readonly indexAt: number;

  constructor(
    private readonly sha256: Sha256,
    snapshotId: string,
    asset: string,
  ) {
    const context = concatBytes(lp(snapshotId), lp(asset));
    this.indexAt = 1 + context.length;
    this.leafInput = new Uint8Array(this.indexAt + 4 + HASH_BYTES + 16);
    this.leafInput[0] = PREFIX_LEAF;
    this.leafInput.set(context, 1);
    this.leafView = new DataView(this.leafInput.buffer);
    this.paddingInput = new Uint8Array(this.indexAt + 4);
    this.paddingInput[0] = PREFIX_PADDING;
    this.paddingInput.set(context, 1);
  }

  /** `H(0x00 ‖ lp(snapshot_id) ‖ lp(asset) ‖ u32(index) ‖ uid ‖ u128(value))`. */
  leaf(index: number, uid: Uint8Array, value: bigint): Uint8Array {
    if (uid.length !== HASH_BYTES) throw new PorEncodingError('a user commitment is 32 bytes');
    writeU32(this.leafInput, this.indexAt, index);
    this.leafInput.set(uid, this.indexAt + 4);
    writeU128(this.leafInput, this.indexAt + 4 + HASH_BYTES, value);
    return this.sha256(this.leafInput);
  }

  /** The same, with the value given as its two 64-bit halves (the tree builder's storage). */
  leafFromLimbs(index: number, uids: Uint8Array, uidAt: number, hi: bigint, lo: bigint): Uint8Array {
    writeU32(this.leafInput, this.indexAt, index);
    this.leafInput.set(uids.subarray(uidAt, uidAt + HASH_BYTES), this.indexAt + 4);
    this.leafView.setBigUint64(this.indexAt + 4 + HASH_BYTES, hi, false);
    this.leafView.setBigUint64(this.indexAt + 4 + HASH_BYTES + 8, lo, false);
    return this.sha256(this.leafInput);
  }

  /** `H(0x02 ‖ lp(snapshot_id) ‖ lp(asset) ‖ u32(index))`, value 0. */
  padding(index: number): Uint8Array {
    writeU32(this.paddingInput, this.indexAt, index);
    return this.sha256(this.paddingInput);
  }
}

/** Thrown when a sum reaches 2^128: the format never wraps. */
export class SumOverflowError extends Error {
  override readonly name = 'SumOverflowError';
  constructor() {
    super('a sum of liabilities reached 2^128');
  }
}

/** `H(0x01 ‖ hL ‖ u128(vL) ‖ hR ‖ u128(vR))`, value `vL + vR`. */
export function innerNode(sha256: Sha256, left: SumNode, right: SumNode): SumNode {
  const value = left.value + right.value;
  if (value > U128_MAX) throw new SumOverflowError();
  const input = new Uint8Array(1 + 2 * (HASH_BYTES + 16));
  input[0] = PREFIX_INNER;
  input.set(left.hash, 1);
  writeU128(input, 1 + HASH_BYTES, left.value);
  input.set(right.hash, 1 + HASH_BYTES + 16);
  writeU128(input, 1 + 2 * HASH_BYTES + 16, right.value);
  return { hash: sha256(input), value };
}

const HMAC_BLOCK = 64;

/** HMAC-SHA-256 (RFC 2104) over the injected SHA-256. */
export function hmacSha256(sha256: Sha256, key: Uint8Array, message: Uint8Array): Uint8Array {
  const k = new Uint8Array(HMAC_BLOCK);
  k.set(key.length > HMAC_BLOCK ? sha256(key) : key);
  const inner = new Uint8Array(HMAC_BLOCK);
  const outer = new Uint8Array(HMAC_BLOCK);
  for (let i = 0; i < HMAC_BLOCK; i++) {
    inner[i] = k[i]! ^ 0x36;
    outer[i] = k[i]! ^ 0x5c;
  }
  return sha256(concatBytes(outer, sha256(concatBytes(inner, message))));
}

const SALT_LABEL = new TextEncoder().encode('custos-por/1 salt');

/**
 * A user's salt for one snapshot: `HMAC-SHA-256(user_secret, "custos-por/1 salt" ‖ lp(snapshot_id))`.
 * Salts of different snapshots cannot be linked without the secret, and the platform can hand a
 * user their proof again later without storing every salt.
 */
export function deriveSalt(sha256: Sha256, userSecret: Uint8Array, snapshotId: string): Uint8Array {
  if (userSecret.length < 16) throw new PorEncodingError('a per-user secret is at least 16 bytes');
  return hmacSha256(sha256, userSecret, concatBytes(SALT_LABEL, lp(snapshotId)));
}
