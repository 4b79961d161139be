import { verifyEd25519 } from '../../adapters/crypto/signing-key.js';
import type { Executor } from '../../db/database.js';
import type { AuditEventRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { checkpointMessage } from '../../domain/audit/checkpoint.js';
import { type ChainedAuditEvent, type ChainVerdict, ChainVerifier } from '../../domain/audit/hash-chain.js';
import { chainAuditEvents, unchainedCount } from './chain-events.js';

const PAGE = 1000;

/** A sealed event (its `seq` and hashes set; readAuditEvents reads only those). */
export function toChainedEvent(r: AuditEventRow): ChainedAuditEvent {
  return {
    seq: BigInt(r.seq!),
    id: r.id,
    at: r.at,
    type: r.type,
    actor: r.actor,
    userId: r.user_id,
    ip: r.ip,
    deviceId: r.device_id,
    data: r.data,
    prevHash: r.prev_hash!,
    hash: r.hash!,
  };
}

/** Reads the chain in pages of `seq`, so memory stays flat however long the log is. */
export async function* readAuditEvents(db: Executor, fromSeq = 0n): AsyncGenerator<ChainedAuditEvent> {
  let after = fromSeq;
  for (;;) {
    const rows = await db
      .selectFrom('audit_events')
      .selectAll()
      .where('seq', '>', after.toString())
      .orderBy('seq')
      .limit(PAGE)
      .execute();
    for (const r of rows) yield toChainedEvent(r);
    if (rows.length < PAGE) return;
    after = BigInt(rows[rows.length - 1]!.seq!);
  }
}

export type AuditVerification = ChainVerdict & {
  checkpoints: number;
  badCheckpointSignatures: string[];
  /** Committed events of transactions still running when the chain was sealed: sealed next time. */
  unchained: number;
};

/**
 * Seals what is waiting, then verifies the whole chain from genesis, every signed checkpoint's
 * signature, and that the chain reaches its recorded head. Returns the first tampered event, if any.
 */
export async function verifyAuditLog(deps: Pick<Deps, 'db'>): Promise<AuditVerification> {
  await chainAuditEvents(deps);
  const checkpoints = await deps.db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
  const badCheckpointSignatures = checkpoints
    .filter((c) => !verifyEd25519(c.public_key, checkpointMessage(BigInt(c.seq), c.hash), c.signature))
    .map((c) => c.seq);
  const verifier = new ChainVerifier(
    undefined,
    checkpoints.map((c) => ({ seq: BigInt(c.seq), hash: c.hash })),
  );
  for await (const e of readAuditEvents(deps.db)) {
    if (!verifier.push(e)) break;
  }
  const head = await deps.db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
  const verdict = verifier.result({ seq: BigInt(head.seq), hash: head.hash });
  return {
    ...verdict,
    checkpoints: checkpoints.length,
    badCheckpointSignatures,
    unchained: await unchainedCount(deps),
  };
}

/** Signs the current head (SPEC S7 signed checkpoints) so it can be published. */
export async function createCheckpoint(deps: Pick<Deps, 'db' | 'signer' | 'clock'>) {
  await chainAuditEvents(deps);
  const head = await deps.db.selectFrom('audit_head').select(['seq', 'hash']).executeTakeFirstOrThrow();
  const seq = BigInt(head.seq);
  const checkpoint = {
    seq: seq.toString(),
    hash: head.hash,
    at: deps.clock.now(),
    public_key: deps.signer.publicKeyHex,
    signature: deps.signer.sign(checkpointMessage(seq, head.hash)),
  };
  await deps.db
    .insertInto('audit_checkpoints')
    .values(checkpoint)
    .onConflict((oc) => oc.column('seq').doNothing())
    .execute();
  return { ...checkpoint, at: checkpoint.at.toISOString() };
}

/** JSON Lines, one event per line, in chain order, with everything a verifier needs. */
export async function* exportAuditJsonl(deps: Pick<Deps, 'db'>, fromSeq = 0n): AsyncGenerator<string> {
  await chainAuditEvents(deps);
  for await (const e of readAuditEvents(deps.db, fromSeq)) {
    yield `${JSON.stringify({ ...e, seq: e.seq.toString(), at: e.at.toISOString() })}\n`;
  }
}
