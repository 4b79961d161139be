import { sql } from 'kysely';
import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';

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
 * Appends one event inside the caller's transaction, so the event exists if and only if the
 * change it records was committed. It is inserted unchained, with the id of the inserting
 * transaction; `chainAuditEvents` seals it into the hash chain once that transaction has ended
 * (within a fraction of a second on a running node). Nothing here is shared between
 * transactions, so audited changes of different accounts never wait for each other.
 */
export async function appendAudit(trx: Trx, deps: Pick<Deps, 'clock' | 'random'>, input: AuditInput) {
  const { id, statement } = auditInsert(deps, input);
  await statement.execute(trx);
  return { id };
}

/**
 * The insert of one audit event as a statement not yet sent, so that a caller can send it in the
 * same round trip as the change it records (as a data-modifying CTE: `with e as (…) <this>`).
 * Run it only inside the transaction that makes the change.
 */
export function auditInsert(deps: Pick<Deps, 'clock' | 'random'>, input: AuditInput) {
  // JSON round trip: what is stored is exactly what jsonb gives back (no undefined, no Dates).
  const data = JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>;
  const id = deps.random.uuid();
  const statement = sql`
    insert into audit_events (id, at, type, actor, user_id, ip, device_id, data, xid)
    values (${id}, ${deps.clock.now()}, ${input.type}, ${input.actor}, ${input.userId ?? null},
            ${input.ip ?? null}, ${input.deviceId ?? null}, ${JSON.stringify(data)}::jsonb, pg_current_xact_id())`;
  return { id, statement };
}
