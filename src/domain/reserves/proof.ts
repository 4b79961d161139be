import { POR_VERSION } from './encoding.js';
import type { PathStep } from './sum-tree.js';

/** One user's inclusion proof for one asset of a snapshot, as published (one JSON line). */
export interface InclusionProof {
  readonly version: typeof POR_VERSION;
  readonly snapshot_id: string;
  readonly asset: string;
  readonly user_id: string;
  readonly salt: string;
  readonly index: number;
  readonly value: string;
  readonly path: readonly PathStep[];
}

/** The proof as one line of JSON, its fields in the order of the format. */
export function serializeProof(p: InclusionProof): string {
  return JSON.stringify({
    version: p.version,
    snapshot_id: p.snapshot_id,
    asset: p.asset,
    user_id: p.user_id,
    salt: p.salt,
    index: p.index,
    value: p.value,
    path: p.path.map((s) => ({ hash: s.hash, value: s.value })),
  });
}

export { POR_VERSION };
