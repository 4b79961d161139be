import { type Kysely, sql } from 'kysely';

/**
 * Indexes for the hot paths found by the benchmark (per-user lookups that scanned whole tables)
 * and for lookups and purges of short-lived rows (WebAuthn challenges, sign-in challenges, links).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create unique index webauthn_challenges_challenge_key on webauthn_challenges (challenge)`.execute(
    db,
  );
  await sql`create index webauthn_challenges_expires_idx on webauthn_challenges (expires_at)`.execute(db);
  await sql`create index sign_in_challenges_expires_idx on sign_in_challenges (expires_at)`.execute(db);
  await sql`create index email_tokens_expires_idx on email_tokens (expires_at)`.execute(db);
  await sql`create index passkeys_user_idx on passkeys (user_id)`.execute(db);
  await sql`create index recovery_requests_user_idx on recovery_requests (user_id, created_at desc)`.execute(
    db,
  );
  await sql`create index sessions_user_created_idx on sessions (user_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists webauthn_challenges_challenge_key`.execute(db);
  await sql`drop index if exists webauthn_challenges_expires_idx`.execute(db);
  await sql`drop index if exists sign_in_challenges_expires_idx`.execute(db);
  await sql`drop index if exists email_tokens_expires_idx`.execute(db);
  await sql`drop index if exists passkeys_user_idx`.execute(db);
  await sql`drop index if exists recovery_requests_user_idx`.execute(db);
  await sql`drop index if exists sessions_user_created_idx`.execute(db);
}
