import { type Kysely, sql } from 'kysely';

/**
 * Announces every change that can end or alter a live session, on commit, to every Custos node:
 * `NOTIFY custos_sessions, '<schema>:<user id>'`. The nodes' session caches drop that user's
 * entries (see services/identity/session-cache.ts). A trigger rather than application code, so
 * that no path (another node, an operator's SQL) can change a session unheard.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function custos_notify_session_change() returns trigger language plpgsql as $$
    begin
      perform pg_notify(
        'custos_sessions',
        current_schema() || ':' || (coalesce(to_jsonb(new), to_jsonb(old)) ->> tg_argv[0])
      );
      return null;
    end $$`.execute(db);
  await sql`
    create trigger sessions_notify_change after update on sessions for each row
      when (old.revoked_at is distinct from new.revoked_at
         or old.token_hash is distinct from new.token_hash
         or old.step_up_at is distinct from new.step_up_at
         or old.user_id is distinct from new.user_id)
      execute function custos_notify_session_change('user_id')`.execute(db);
  await sql`
    create trigger sessions_notify_delete after delete on sessions for each row
      execute function custos_notify_session_change('user_id')`.execute(db);
  await sql`
    create trigger users_notify_change after update on users for each row
      when (old.locked_at is distinct from new.locked_at
         or old.hard_locked_at is distinct from new.hard_locked_at
         or old.email is distinct from new.email)
      execute function custos_notify_session_change('id')`.execute(db);
  await sql`
    create trigger users_notify_delete after delete on users for each row
      execute function custos_notify_session_change('id')`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger if exists users_notify_delete on users`.execute(db);
  await sql`drop trigger if exists users_notify_change on users`.execute(db);
  await sql`drop trigger if exists sessions_notify_delete on sessions`.execute(db);
  await sql`drop trigger if exists sessions_notify_change on sessions`.execute(db);
  await sql`drop function if exists custos_notify_session_change()`.execute(db);
}
