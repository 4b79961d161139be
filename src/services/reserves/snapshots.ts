import { sql } from 'kysely';
import { nodePorCrypto } from '../../adapters/crypto/por-crypto.js';
import { buildSnapshot, type BuiltAsset } from '../../domain/reserves/build.js';
import { HASH_BYTES } from '../../domain/reserves/encoding.js';
import { deriveSalt, hmacSha256 } from '../../domain/reserves/hashing.js';
import { type Manifest, serializeManifest, signManifest, utcSecond } from '../../domain/reserves/manifest.js';
import { CustosError } from '../../domain/errors.js';
import type { Deps } from '../../deps.js';
import { appendAudit } from '../audit/append-audit.js';
import { currentReserves } from './wallet-registry.js';

/** Nodes per stored chunk of a tree level: a proof reads one chunk per level. */
export const CHUNK_NODES = 1024;
const NODE_BYTES = HASH_BYTES + 16;
const sha256 = nodePorCrypto.sha256;

/**
 * A user's secret for salts: HMAC of the user id under a key derived from the key-encryption
 * keyring, so no per-user secret needs storing and a proof can be handed out again at any time.
 * Salts of different snapshots are unlinkable without it (see `deriveSalt`).
 */
export function userPorSecret(deps: Pick<Deps, 'kms'>, userId: string): Uint8Array {
  return hmacSha256(sha256, deps.kms.deriveSecret('por-user-secret/v1'), new TextEncoder().encode(userId));
}

export function userSalt(deps: Pick<Deps, 'kms'>, userId: string, snapshotId: string): Uint8Array {
  return deriveSalt(sha256, userPorSecret(deps, userId), snapshotId);
}

export interface SnapshotSummary {
  readonly id: string;
  readonly takenAt: Date;
  readonly status: 'building' | 'published' | 'failed';
  readonly trigger: 'schedule' | 'operator';
  readonly requestedBy: string;
  readonly error: string | null;
  readonly manifest: Manifest | null;
}

/**
 * Takes a snapshot of every customer's liabilities and the registered reserves, builds each
 * asset's tree, signs the manifest and stores it with what proofs need. Returns the snapshot;
 * `CONFLICT` when a snapshot with the same id (the same second, or the same scheduled slot)
 * exists already.
 *
 * 1. Claims the id (`building`) in its own transaction: a second node gets a conflict.
 * 2. Reads the balances in one repeatable-read transaction: one consistent moment of the ledger.
 * 3. Builds the trees off any transaction, then writes leaves, tree chunks and the manifest in one
 *    transaction, so a snapshot is published whole or not at all (`failed`, with the reason).
 */
export async function takeSnapshot(
  deps: Deps,
  input: { trigger: 'schedule' | 'operator'; requestedBy: string; at?: Date },
): Promise<SnapshotSummary> {
  const id = utcSecond(input.at ?? deps.clock.now());
  const claimed = await deps.db
    .insertInto('por_snapshots')
    .values({
      id,
      taken_at: deps.clock.now(),
      status: 'building',
      trigger: input.trigger,
      requested_by: input.requestedBy,
      created_at: deps.clock.now(),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!claimed) throw new CustosError('CONFLICT', { message: 'A snapshot with this time already exists.' });
  try {
    return await buildAndPublish(deps, id, input);
  } catch (err) {
    deps.log.error({ err, snapshotId: id }, 'proof-of-reserves snapshot failed');
    await deps.db
      .updateTable('por_snapshots')
      .set({
        status: 'failed',
        error: err instanceof CustosError ? err.message : 'the build failed; see the log',
      })
      .where('id', '=', id)
      .execute();
    throw err;
  }
}

interface Liability {
  readonly userId: string;
  readonly asset: string;
  readonly amount: bigint;
}

async function readLiabilities(deps: Deps): Promise<Liability[]> {
  // Held funds are still owed to the customer: the liability is the whole balance.
  const rows = await deps.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute((trx) =>
      sql<{ user_id: string; asset: string; amount: string }>`
        select a.user_id, b.asset, sum(b.balance)::text as amount
        from ledger_balances b join ledger_accounts a on a.id = b.account_id
        where b.customer and a.kind = 'customer'
        group by a.user_id, b.asset
        having sum(b.balance) > 0
        order by a.user_id, b.asset`.execute(trx),
    );
  return rows.rows.map((r) => ({ userId: r.user_id, asset: r.asset, amount: BigInt(r.amount) }));
}

async function buildAndPublish(
  deps: Deps,
  id: string,
  input: { trigger: 'schedule' | 'operator'; requestedBy: string },
): Promise<SnapshotSummary> {
  const takenAt = deps.clock.now();
  const liabilities = await readLiabilities(deps);
  const reserves = await currentReserves(deps);
  const userIds: string[] = [];
  const userIndex = new Map<string, number>();
  for (const l of liabilities) {
    if (!userIndex.has(l.userId)) {
      userIndex.set(l.userId, userIds.length);
      userIds.push(l.userId);
    }
  }
  const salts = new Map<number, Uint8Array>();
  const input_ = {
    snapshotId: id,
    takenAt: utcSecond(takenAt),
    userIds,
    saltOf: (u: number) => {
      let salt = salts.get(u);
      if (!salt) salts.set(u, (salt = userSalt(deps, userIds[u]!, id)));
      return salt;
    },
    shuffleSeed: deps.random.bytes(32),
    assets: deps.config.assets.map((a) => {
      const mine = liabilities.filter((l) => l.asset === a.symbol);
      return {
        asset: a.symbol,
        decimals: a.decimals,
        reserves: reserves.get(a.symbol) ?? 0n,
        users: Uint32Array.from(mine, (l) => userIndex.get(l.userId)!),
        values: mine.map((l) => l.amount),
        minHeight: deps.config.POR_MIN_HEIGHT,
      };
    }),
  };
  const built = buildSnapshot(sha256, input_);
  const manifest = signManifest(built.unsigned, deps.porSigner.publicKeyHex, (m) =>
    deps.porSigner.signBytes(m),
  );
  const text = serializeManifest(manifest);

  await deps.db.transaction().execute(async (trx) => {
    for (const asset of built.assets) {
      const leaves = leafRows(id, asset, userIds);
      for (let i = 0; i < leaves.length; i += 1000) {
        await trx
          .insertInto('por_snapshot_leaves')
          .values(leaves.slice(i, i + 1000))
          .execute();
      }
      const chunks = chunkRows(id, asset);
      for (let i = 0; i < chunks.length; i += 64) {
        await trx
          .insertInto('por_tree_chunks')
          .values(chunks.slice(i, i + 64))
          .execute();
      }
    }
    await trx
      .updateTable('por_snapshots')
      .set({ status: 'published', manifest: text, taken_at: takenAt, published_at: deps.clock.now() })
      .where('id', '=', id)
      .execute();
    await appendAudit(trx, deps, {
      type: 'reserves.snapshot_published',
      actor: input.requestedBy,
      data: {
        snapshotId: id,
        trigger: input.trigger,
        assets: manifest.assets.map((a) => ({
          asset: a.asset,
          leafCount: a.leaf_count,
          rootHash: a.root_hash,
          totalLiabilities: a.total_liabilities,
          reserves: a.reserves,
          reserveRatio: a.reserve_ratio,
        })),
      },
    });
  });
  deps.log.info({ snapshotId: id, assets: manifest.assets.length }, 'proof-of-reserves snapshot published');
  return {
    id,
    takenAt,
    status: 'published',
    trigger: input.trigger,
    requestedBy: input.requestedBy,
    error: null,
    manifest,
  };
}

function leafRows(snapshotId: string, asset: BuiltAsset, userIds: readonly string[]) {
  const rows = [];
  for (let position = 0; position < asset.tree.leafCount; position++) {
    const e = asset.order[position]!;
    rows.push({
      snapshot_id: snapshotId,
      asset: asset.line.asset,
      user_id: userIds[asset.liabilities.users[e]!]!,
      position,
      value: asset.liabilities.values[e]!.toString(),
    });
  }
  return rows;
}

/** Every level below the root, cut into chunks of `CHUNK_NODES` nodes of 48 bytes each. */
function chunkRows(snapshotId: string, asset: BuiltAsset) {
  const rows = [];
  for (let level = 0; level < asset.tree.height; level++) {
    const { hashes, values } = asset.tree.levels[level]!;
    const size = hashes.length / HASH_BYTES;
    for (let first = 0, chunk = 0; first < size; first += CHUNK_NODES, chunk++) {
      const count = Math.min(CHUNK_NODES, size - first);
      const nodes = Buffer.alloc(count * NODE_BYTES);
      for (let j = 0; j < count; j++) {
        const at = j * NODE_BYTES;
        nodes.set(hashes.subarray((first + j) * HASH_BYTES, (first + j + 1) * HASH_BYTES), at);
        nodes.writeBigUInt64BE(values[2 * (first + j)]!, at + HASH_BYTES);
        nodes.writeBigUInt64BE(values[2 * (first + j) + 1]!, at + HASH_BYTES + 8);
      }
      rows.push({ snapshot_id: snapshotId, asset: asset.line.asset, level, chunk, nodes });
    }
  }
  return rows;
}

const summaryOf = (r: {
  id: string;
  taken_at: Date;
  status: 'building' | 'published' | 'failed';
  trigger: 'schedule' | 'operator';
  requested_by: string;
  error: string | null;
  manifest: string | null;
}): SnapshotSummary => ({
  id: r.id,
  takenAt: r.taken_at,
  status: r.status,
  trigger: r.trigger,
  requestedBy: r.requested_by,
  error: r.error,
  manifest: r.manifest ? (JSON.parse(r.manifest) as Manifest) : null,
});

const SUMMARY = ['id', 'taken_at', 'status', 'trigger', 'requested_by', 'error', 'manifest'] as const;

/** Every snapshot, newest first (operators). */
export async function listSnapshots(deps: Pick<Deps, 'db'>, limit = 100): Promise<SnapshotSummary[]> {
  const rows = await deps.db
    .selectFrom('por_snapshots')
    .select(SUMMARY)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(summaryOf);
}

/** The published manifest text of a snapshot, exactly as signed and served; or the latest. */
export async function publishedManifestText(deps: Pick<Deps, 'db'>, id?: string): Promise<string> {
  let q = deps.db.selectFrom('por_snapshots').select('manifest').where('status', '=', 'published');
  q = id ? q.where('id', '=', id) : q.orderBy('id', 'desc').limit(1);
  const row = await q.executeTakeFirst();
  if (!row?.manifest) throw new CustosError('NOT_FOUND');
  return row.manifest;
}

export interface RatioPoint {
  readonly snapshotId: string;
  readonly assets: readonly {
    asset: string;
    decimals: number;
    totalLiabilities: string;
    reserves: string;
    reserveRatio: string | null;
  }[];
}

/** The published snapshots' per-asset figures, oldest first (the transparency page's chart). */
export async function ratioHistory(deps: Pick<Deps, 'db'>, limit = 365): Promise<RatioPoint[]> {
  const rows = await deps.db
    .selectFrom('por_snapshots')
    .select(['id', 'manifest'])
    .where('status', '=', 'published')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map((r) => {
    const m = JSON.parse(r.manifest!) as Manifest;
    return {
      snapshotId: r.id,
      assets: m.assets.map((a) => ({
        asset: a.asset,
        decimals: a.decimals,
        totalLiabilities: a.total_liabilities,
        reserves: a.reserves,
        reserveRatio: a.reserve_ratio,
      })),
    };
  });
}

export interface UserSnapshot {
  readonly snapshotId: string;
  readonly takenAt: Date;
  readonly holdings: readonly { asset: string; value: bigint }[];
}

/** The published snapshots in which the user holds something, newest first. */
export async function userSnapshots(
  deps: Pick<Deps, 'db'>,
  userId: string,
  limit = 100,
): Promise<UserSnapshot[]> {
  const rows = await deps.db
    .selectFrom('por_snapshot_leaves as l')
    .innerJoin('por_snapshots as s', 's.id', 'l.snapshot_id')
    .select(['s.id', 's.taken_at', 'l.asset', 'l.value'])
    .where('l.user_id', '=', userId)
    .where('s.status', '=', 'published')
    .orderBy('s.taken_at', 'desc')
    .orderBy('l.asset')
    .execute();
  const out: { snapshotId: string; takenAt: Date; holdings: { asset: string; value: bigint }[] }[] = [];
  for (const r of rows) {
    let last = out[out.length - 1];
    if (last?.snapshotId !== r.id) {
      if (out.length === limit) break;
      out.push((last = { snapshotId: r.id, takenAt: r.taken_at, holdings: [] }));
    }
    last.holdings.push({ asset: r.asset, value: BigInt(r.value) });
  }
  return out;
}
