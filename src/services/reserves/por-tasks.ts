import { assetShuffleSeed } from '../../domain/reserves/build.js';
import { HASH_BYTES, lp, PREFIX_USER, type Sha256 } from '../../domain/reserves/encoding.js';
import { LeafHasher } from '../../domain/reserves/hashing.js';
import { shufflePermutation } from '../../domain/reserves/shuffle.js';
import { hashLeafRange, hashLevelsAbove, type TreeLevel } from '../../domain/reserves/sum-tree.js';
import { entryValue } from './liability-table.js';
import { type FileVerdict, verifyProofsFile, type VerifyFileTask } from './offline-verify.js';
import { type ProofSource, writeProofFile, type WrittenProofs } from './proof-writer.js';

/**
 * The units of work of a proof-of-reserves build. Each is a plain function of its arguments, so
 * the same code runs on the calling thread (small builds) and in worker threads (large ones), and
 * both give the same bytes.
 */

/** Per-user secrets: `HMAC-SHA-256(build_secret, lp(user_id))`; the salt derives from it. */
export interface UserKeysTask {
  readonly kind: 'userKeys';
  readonly userIds: Uint8Array;
  readonly userStart: Uint32Array;
  readonly hasLeaf: Uint8Array;
  readonly snapshotId: string;
  readonly buildSecret: Uint8Array;
  readonly from: number;
  readonly to: number;
  /** Written: 32 bytes per user, at `32u`. */
  readonly salts: Uint8Array;
  readonly uids: Uint8Array;
}

export interface ShuffleTask {
  readonly kind: 'shuffle';
  readonly seed: Uint8Array;
  readonly asset: string;
  /** Written: `order[position]` is the entry placed there; its length is the leaf count. */
  readonly order: Uint32Array;
}

/** Leaf positions `[from, from + size)` of one asset's tree and the levels above them. */
export interface SubtreeTask {
  readonly kind: 'subtree';
  readonly snapshotId: string;
  readonly asset: string;
  readonly count: number;
  readonly users: Uint32Array;
  readonly limbs: Uint32Array;
  readonly order: Uint32Array;
  readonly uids: Uint8Array;
  readonly from: number;
  readonly size: number;
  /**
   * The whole tree's levels from 0 up, in shared memory: when given, the subtree's levels are
   * copied into their place there (and the result is empty), rather than sent back.
   */
  readonly into?: readonly TreeLevel[];
}

const HMAC_BLOCK = 64;
const SALT_LABEL = new TextEncoder().encode('custos-por/1 salt');

/**
 * A user's salt and commitment, without allocating per user:
 *
 *   user_secret = HMAC-SHA-256(build_secret, lp(user_id))
 *   salt        = deriveSalt(user_secret, snapshot_id)
 *               = HMAC-SHA-256(user_secret, "custos-por/1 salt" ‖ lp(snapshot_id))
 *   uid         = userCommitment(snapshot_id, user_id, salt)
 *               = H(0x03 ‖ lp(snapshot_id) ‖ lp(user_id) ‖ salt)
 *
 * These are the domain's `hmacSha256`, `deriveSalt` and `userCommitment`, byte for byte (the unit
 * tests compare them): the build secret's HMAC pads are computed once, and every message is
 * assembled in a buffer kept for the purpose, because the domain functions' per-call buffers cost
 * four times the hashing when repeated for millions of users.
 */
export class UserKeyDeriver {
  private readonly inner1 = new Uint8Array(HMAC_BLOCK + 256);
  private readonly outer1 = new Uint8Array(HMAC_BLOCK + HASH_BYTES);
  private readonly inner2: Uint8Array;
  private readonly outer2 = new Uint8Array(HMAC_BLOCK + HASH_BYTES);
  private readonly commit: Uint8Array;
  private readonly userAt: number;

  constructor(
    private readonly sha256: Sha256,
    buildSecret: Uint8Array,
    snapshotId: string,
  ) {
    const key = new Uint8Array(HMAC_BLOCK);
    key.set(buildSecret.length > HMAC_BLOCK ? sha256(buildSecret) : buildSecret);
    for (let i = 0; i < HMAC_BLOCK; i++) {
      this.inner1[i] = key[i]! ^ 0x36;
      this.outer1[i] = key[i]! ^ 0x5c;
    }
    const lpSnapshot = lp(snapshotId);
    this.inner2 = new Uint8Array(HMAC_BLOCK + SALT_LABEL.length + lpSnapshot.length);
    this.inner2.set(SALT_LABEL, HMAC_BLOCK);
    this.inner2.set(lpSnapshot, HMAC_BLOCK + SALT_LABEL.length);
    this.commit = new Uint8Array(1 + lpSnapshot.length + 256 + HASH_BYTES);
    this.commit[0] = PREFIX_USER;
    this.commit.set(lpSnapshot, 1);
    this.userAt = 1 + lpSnapshot.length;
  }

  /** Writes the salt and the commitment of the user whose `lp(user_id)` is `record`. */
  derive(record: Uint8Array, salt: Uint8Array, saltAt: number, uid: Uint8Array, uidAt: number): void {
    const { sha256 } = this;
    // user_secret = HMAC(build_secret, lp(user_id))
    this.inner1.set(record, HMAC_BLOCK);
    this.outer1.set(sha256(this.inner1.subarray(0, HMAC_BLOCK + record.length)), HMAC_BLOCK);
    const userSecret = sha256(this.outer1);
    // salt = HMAC(user_secret, label ‖ lp(snapshot_id)); the 32-byte key is zero-padded to 64.
    for (let i = 0; i < HMAC_BLOCK; i++) {
      const k = i < HASH_BYTES ? userSecret[i]! : 0;
      this.inner2[i] = k ^ 0x36;
      this.outer2[i] = k ^ 0x5c;
    }
    this.outer2.set(sha256(this.inner2), HMAC_BLOCK);
    const s = sha256(this.outer2);
    salt.set(s, saltAt);
    // uid = H(0x03 ‖ lp(snapshot_id) ‖ lp(user_id) ‖ salt)
    this.commit.set(record, this.userAt);
    this.commit.set(s, this.userAt + record.length);
    uid.set(sha256(this.commit.subarray(0, this.userAt + record.length + HASH_BYTES)), uidAt);
  }
}

/** Every user's salt and commitment for users `[from, to)` that have a leaf (`UserKeyDeriver`). */
export function computeUserKeys(sha256: Sha256, t: UserKeysTask, onProgress?: (n: number) => void): void {
  const deriver = new UserKeyDeriver(sha256, t.buildSecret, t.snapshotId);
  let since = 0;
  for (let u = t.from; u < t.to; u++) {
    if (t.hasLeaf[u]) {
      const record = t.userIds.subarray(t.userStart[u]!, t.userStart[u + 1]!);
      deriver.derive(record, t.salts, HASH_BYTES * u, t.uids, HASH_BYTES * u);
    }
    if (++since === 16_384) {
      onProgress?.(since);
      since = 0;
    }
  }
  if (since) onProgress?.(since);
}

/** The asset's leaf order, from the snapshot's shuffle seed (`assetShuffleSeed`). */
export function shuffleAsset(sha256: Sha256, t: ShuffleTask): void {
  t.order.set(shufflePermutation(sha256, assetShuffleSeed(sha256, t.seed, t.asset), t.order.length));
}

/** Hashes a run of leaf positions and every level above it up to its one top node. */
export function hashSubtree(sha256: Sha256, t: SubtreeTask): TreeLevel[] {
  const real = Math.max(0, Math.min(t.size, t.count - t.from));
  const uids = new Uint8Array(real * HASH_BYTES);
  const values = new Array<bigint>(real);
  for (let j = 0; j < real; j++) {
    const e = t.order[t.from + j]!;
    const u = t.users[e]!;
    uids.set(t.uids.subarray(HASH_BYTES * u, HASH_BYTES * (u + 1)), HASH_BYTES * j);
    values[j] = entryValue(t.limbs, e);
  }
  const base = hashLeafRange(new LeafHasher(sha256, t.snapshotId, t.asset), t.from, t.size, { uids, values });
  const levels = hashLevelsAbove(sha256, base);
  if (!t.into) return levels;
  for (const [k, level] of levels.entries()) {
    const first = t.from / 2 ** k;
    t.into[k]!.hashes.set(level.hashes, HASH_BYTES * first);
    t.into[k]!.values.set(level.values, 2 * first);
  }
  return [];
}

/** Writes one asset's proofs file (see `writeProofFile`). */
export interface ProofsTask {
  readonly kind: 'proofs';
  readonly source: ProofSource;
  readonly file: string;
}

export type PorTask = UserKeysTask | ShuffleTask | SubtreeTask | ProofsTask | VerifyFileTask;

export type PorTaskResult<T extends PorTask> = T extends SubtreeTask
  ? TreeLevel[]
  : T extends ProofsTask
    ? WrittenProofs
    : T extends VerifyFileTask
      ? FileVerdict
      : void;

/** Runs any task; `onProgress` hears of units done (users, proofs) as they are done. */
export function runPorTask<T extends PorTask>(
  sha256: Sha256,
  task: T,
  onProgress?: (n: number) => void,
): PorTaskResult<T> {
  switch (task.kind) {
    case 'userKeys':
      return computeUserKeys(sha256, task, onProgress) as PorTaskResult<T>;
    case 'shuffle':
      return shuffleAsset(sha256, task) as PorTaskResult<T>;
    case 'subtree':
      return hashSubtree(sha256, task) as PorTaskResult<T>;
    case 'proofs':
      return writeProofFile(task.source, task.file, onProgress) as PorTaskResult<T>;
    case 'verifyFile':
      return verifyProofsFile(task, onProgress) as PorTaskResult<T>;
  }
}

/** The buffers a result can hand over to another thread without a copy. */
export function transferablesOf(levels: readonly TreeLevel[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const l of levels) {
    if (l.hashes.buffer instanceof ArrayBuffer) out.add(l.hashes.buffer);
    if (l.values.buffer instanceof ArrayBuffer) out.add(l.values.buffer);
  }
  return [...out];
}
