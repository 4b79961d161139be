import { type Kysely, sql } from 'kysely';

/**
 * S7 at volume: an audited change no longer takes the chain's head row (which serialised every
 * audited transaction of the platform until its commit). The change inserts its event in its
 * own transaction, unchained (`seq`, `prev_hash`, `hash` null, with the inserting transaction's
 * id); a chainer seals committed events into the hash chain shortly after, in the order of
 * their transaction ids (see services/audit/chain-events.ts). A chained event can never change
 * again; an unchained one can only receive its chain position, once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger audit_events_no_update on audit_events`.execute(db);
  await sql`alter table audit_events drop constraint audit_events_pkey`.execute(db);
  await sql`
    alter table audit_events
      alter column seq drop not null,
      alter column prev_hash drop not null,
      alter column hash drop not null,
      add column ord bigserial,
      add column xid xid8`.execute(db);
  await sql`update audit_events set ord = seq`.execute(db);
  await sql`select setval(pg_get_serial_sequence('audit_events', 'ord'), coalesce((select max(ord) from audit_events), 0) + 1, false)`.execute(
    db,
  );
  await sql`create unique index audit_events_seq_key on audit_events (seq)`.execute(db);
  await sql`create unique index audit_events_ord_key on audit_events (ord)`.execute(db);
  await sql`create index audit_events_unchained on audit_events (xid, ord) where seq is null`.execute(db);
  await sql`drop index audit_events_user_idx`.execute(db);
  await sql`create index audit_events_user_ord on audit_events (user_id, ord)`.execute(db);
  await sql`
    alter table audit_events add constraint audit_events_chained_or_pending check (
      (seq is null and prev_hash is null and hash is null and xid is not null)
      or (seq is not null and prev_hash is not null and hash is not null))`.execute(db);
  await sql`drop function audit_events_append_only()`.execute(db);
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' or old.seq is not null
         or new.id <> old.id or new.at <> old.at or new.type <> old.type or new.actor <> old.actor
         or new.user_id is distinct from old.user_id or new.ip is distinct from old.ip
         or new.device_id is distinct from old.device_id or new.data <> old.data
         or new.ord <> old.ord or new.xid is distinct from old.xid then
        raise exception 'audit_events is append-only';
      end if;
      return new;
    end $$`.execute(db);
  await sql`
    create trigger audit_events_no_update before update or delete on audit_events
    for each row execute function audit_events_append_only()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('0007-audit-chaining cannot be undone: events may be unchained');
}
