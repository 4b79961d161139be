import { sql } from 'kysely';
import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { canonicalEventJsonAroundSeq } from '../../domain/audit/hash-chain.js';

export interface AuditInput {
  readonly type: string;
  /** `user:<id>`, `operator:<id>`, `system`, or `anonymous`. */
  readonly actor: string;
  readonly userId?: string | null;
  readonly ip?: string | null;
  readonly deviceId?: string | null;
  readonly data?: Record<string, unknown>;
}

/**
 * Appends one event to the hash chain inside the caller's transaction, so the event exists if
 * and only if the change it records was committed.
 *
 * One statement: it locks the chain head, takes the next sequence number, computes
 * `hash = SHA-256(prev_hash ‖ canonical JSON)` in the database (the JSON is built here, split
 * around the number the database assigns; see `canonicalEventJsonAroundSeq`), inserts the event
 * and moves the head. The head lock orders all appends across nodes and is held from this
 * statement to the commit, so call this last in a transaction.
 */
export async function appendAudit(trx: Trx, deps: Pick<Deps, 'clock' | 'random'>, input: AuditInput) {
  // JSON round trip: what is hashed is exactly what jsonb will give back (no undefined, no Dates).
  const data = JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>;
  const event = {
    id: deps.random.uuid(),
    at: deps.clock.now(),
    type: input.type,
    actor: input.actor,
    userId: input.userId ?? null,
    ip: input.ip ?? null,
    deviceId: input.deviceId ?? null,
    data,
  };
  const { before, after } = canonicalEventJsonAroundSeq(event);
  const { rows } = await sql<{ seq: string; hash: string }>`
    with head as (
      select seq + 1 as seq, hash as prev_hash from audit_head where id = 1 for update
    ), next as (
      select seq, prev_hash,
             encode(sha256(convert_to(prev_hash || ${before} || seq::text || ${after}, 'UTF8')), 'hex') as hash
        from head
    ), moved as (
      update audit_head set seq = next.seq, hash = next.hash from next where audit_head.id = 1
    )
    insert into audit_events (seq, id, at, type, actor, user_id, ip, device_id, data, prev_hash, hash)
    select next.seq, ${event.id}, ${event.at}, ${event.type}, ${event.actor}, ${event.userId}, ${event.ip},
           ${event.deviceId}, ${JSON.stringify(data)}::jsonb, next.prev_hash, next.hash
      from next
    returning seq, hash`.execute(trx);
  const row = rows[0];
  if (!row) throw new Error('the audit chain head is missing');
  return { seq: BigInt(row.seq), id: event.id, hash: row.hash };
}
