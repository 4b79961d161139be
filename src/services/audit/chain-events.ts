import { sql } from 'kysely';
import type { AuditEventRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { hashEvent } from '../../domain/audit/hash-chain.js';

const BATCH = 2000;

/**
 * Seals committed, unchained audit events into the hash chain, in one transaction per batch:
 * it takes the chain's head row (so nodes chaining at once take turns), reads the unchained
 * events whose transactions have all ended, in the order of their transaction ids, and gives
 * each the next position, `prev_hash` and `hash` = SHA-256(prev_hash ‖ canonical JSON), exactly
 * what `custos audit verify` recomputes.
 *
 * Why the order is stable: `pg_snapshot_xmin` is the oldest transaction still running, so every
 * event with a smaller transaction id is final (committed and visible, or rolled back and gone),
 * and every event that becomes visible later carries a transaction id at or above it, so it is
 * chained after everything chained now. Until sealed (normally well under a second), an event
 * is protected by the database's permissions and the row trigger only; docs/audit-log.md says
 * so.
 */
export async function chainAuditEvents(deps: Pick<Deps, 'db'>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deps.db.transaction().execute(async (trx) => {
      const head = await trx
        .selectFrom('audit_head')
        .select(['seq', 'hash'])
        .where('id', '=', 1)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const { rows } = await sql<AuditEventRow>`
        select * from audit_events
         where seq is null and xid < pg_snapshot_xmin(pg_current_snapshot())
         order by xid, ord
         limit ${BATCH}`.execute(trx);
      if (!rows.length) return 0;
      let seq = BigInt(head.seq);
      let prev = head.hash;
      const sealed: { id: string; seq: string; prev: string; hash: string }[] = [];
      for (const r of rows) {
        seq += 1n;
        const hash = hashEvent(prev, {
          seq,
          id: r.id,
          at: r.at,
          type: r.type,
          actor: r.actor,
          userId: r.user_id,
          ip: r.ip,
          deviceId: r.device_id,
          data: r.data,
        });
        sealed.push({ id: r.id, seq: seq.toString(), prev, hash });
        prev = hash;
      }
      const values = sql.join(
        sealed.map((s) => sql`(${s.id}::uuid, ${s.seq}::bigint, ${s.prev}, ${s.hash})`),
      );
      await sql`
        update audit_events e set seq = v.seq, prev_hash = v.prev, hash = v.hash
          from (values ${values}) as v(id, seq, prev, hash)
         where e.id = v.id and e.seq is null`.execute(trx);
      await trx
        .updateTable('audit_head')
        .set({ seq: seq.toString(), hash: prev })
        .where('id', '=', 1)
        .execute();
      return rows.length;
    });
    total += n;
    if (n < BATCH) return total;
  }
}

/** How many committed events wait to be sealed (reported by verify). */
export async function unchainedCount(deps: Pick<Deps, 'db'>): Promise<number> {
  const r = await deps.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('seq', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
