import { sql } from 'kysely';
import { HASH_BYTES, POR_VERSION, toHex } from '../../domain/reserves/encoding.js';
import type { Manifest } from '../../domain/reserves/manifest.js';
import type { InclusionProof } from '../../domain/reserves/proof.js';
import type { PathStep } from '../../domain/reserves/sum-tree.js';
import { CustosError } from '../../domain/errors.js';
import type { Deps } from '../../deps.js';
import { CHUNK_NODES, publishedManifestText, userSalt } from './snapshots.js';

const NODE_BYTES = HASH_BYTES + 16;

/**
 * The user's inclusion proofs in one published snapshot, one per asset they held, rebuilt from
 * the stored tree chunks (one chunk per level) and their salt, which is derived again rather
 * than stored. NOT_FOUND when the snapshot is unknown or the user held nothing in it.
 */
export async function userProofs(
  deps: Pick<Deps, 'db' | 'kms'>,
  userId: string,
  snapshotId: string,
): Promise<{ manifest: Manifest; proofs: InclusionProof[] }> {
  const manifest = JSON.parse(await publishedManifestText(deps, snapshotId)) as Manifest;
  const leaves = await deps.db
    .selectFrom('por_snapshot_leaves')
    .select(['asset', 'position', 'value'])
    .where('snapshot_id', '=', snapshotId)
    .where('user_id', '=', userId)
    .orderBy('asset')
    .execute();
  if (leaves.length === 0) throw new CustosError('NOT_FOUND');
  const salt = toHex(userSalt(deps, userId, snapshotId));
  const proofs: InclusionProof[] = [];
  for (const leaf of leaves) {
    const line = manifest.assets.find((a) => a.asset === leaf.asset);
    if (!line) throw new Error(`snapshot ${snapshotId}: leaf of ${leaf.asset} has no manifest line`);
    const position = Number(leaf.position);
    const wanted = Array.from({ length: line.height }, (_, level) => {
      const sibling = Math.floor(position / 2 ** level) ^ 1;
      return { level, sibling, chunk: Math.floor(sibling / CHUNK_NODES) };
    });
    const chunks = await deps.db
      .selectFrom('por_tree_chunks')
      .select(['level', 'chunk', 'nodes'])
      .where('snapshot_id', '=', snapshotId)
      .where('asset', '=', leaf.asset)
      .where(sql<boolean>`(level, chunk) in (${sql.join(wanted.map((w) => sql`(${w.level}, ${w.chunk})`))})`)
      .execute();
    const byKey = new Map(chunks.map((c) => [`${c.level}/${c.chunk}`, Buffer.from(c.nodes)]));
    const path: PathStep[] = wanted.map(({ level, sibling, chunk }) => {
      const nodes = byKey.get(`${level}/${chunk}`);
      if (!nodes)
        throw new Error(`snapshot ${snapshotId}: ${leaf.asset} level ${level} chunk ${chunk} is missing`);
      const at = (sibling % CHUNK_NODES) * NODE_BYTES;
      const value =
        (nodes.readBigUInt64BE(at + HASH_BYTES) << 64n) | nodes.readBigUInt64BE(at + HASH_BYTES + 8);
      return { hash: nodes.subarray(at, at + HASH_BYTES).toString('hex'), value: value.toString() };
    });
    proofs.push({
      version: POR_VERSION,
      snapshot_id: snapshotId,
      asset: leaf.asset,
      user_id: userId,
      salt,
      index: position,
      value: leaf.value,
      path,
    });
  }
  return { manifest, proofs };
}
