import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { hashEvent } from '../../domain/audit/hash-chain.js';

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
 * Concurrency: the chain head row is locked `FOR UPDATE`, which orders all appends. Call this
 * last in a transaction so the lock is held for as short a time as possible.
 */
export async function appendAudit(trx: Trx, deps: Pick<Deps, 'clock' | 'random'>, input: AuditInput) {
  const head = await trx
    .selectFrom('audit_head')
    .select(['seq', 'hash'])
    .where('id', '=', 1)
    .forUpdate()
    .executeTakeFirstOrThrow();
  // JSON round trip: what is hashed is exactly what jsonb will give back (no undefined, no Dates).
  const data = JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>;
  const event = {
    seq: BigInt(head.seq) + 1n,
    id: deps.random.uuid(),
    at: deps.clock.now(),
    type: input.type,
    actor: input.actor,
    userId: input.userId ?? null,
    ip: input.ip ?? null,
    deviceId: input.deviceId ?? null,
    data,
  };
  const hash = hashEvent(head.hash, event);
  // The event and the new head in one statement (a data-modifying CTE): fewer round trips under
  // the head lock.
  await trx
    .with('appended', (db) =>
      db
        .insertInto('audit_events')
        .values({
          seq: event.seq.toString(),
          id: event.id,
          at: event.at,
          type: event.type,
          actor: event.actor,
          user_id: event.userId,
          ip: event.ip,
          device_id: event.deviceId,
          data: JSON.stringify(data),
          prev_hash: head.hash,
          hash,
        })
        .returning('seq'),
    )
    .updateTable('audit_head')
    .set({ seq: event.seq.toString(), hash })
    .where('id', '=', 1)
    .execute();
  return { seq: event.seq, id: event.id, hash };
}
