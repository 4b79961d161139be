import { type Kysely, sql } from 'kysely';

/** S1 identity and sign-in protection, S7 audit log, and the notification outbox. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id uuid primary key,
      email text not null,
      email_verified_at timestamptz,
      password_hash text not null,
      password_changed_at timestamptz not null,
      created_at timestamptz not null,
      -- one-button lock: ends sessions, blocks withdrawals; lifted by recovery or admin review
      locked_at timestamptz,
      lock_reason text,
      -- the per-account failure counter over every factor (SPEC S1 brute force)
      failed_attempts integer not null default 0,
      last_failed_at timestamptz,
      temp_locked_until timestamptz,
      hard_locked_at timestamptz,
      anti_phishing_code text,
      totp_secret_enc text,
      totp_pending_secret_enc text,
      totp_enabled_at timestamptz,
      -- last accepted RFC 6238 time step: checked-and-set atomically, so a code is used once
      totp_last_step bigint,
      withdrawals_frozen_until timestamptz,
      settings_locked_at timestamptz,
      settings_unlock_delay_days integer,
      settings_unlock_effective_at timestamptz,
      ip_allowlist jsonb not null default '[]'::jsonb,
      mfa_since timestamptz,
      anti_phishing_since timestamptz
    )`.execute(db);
  await sql`create unique index users_email_key on users (lower(email))`.execute(db);

  await sql`
    create table devices (
      id uuid primary key,
      user_id uuid not null references users(id) on delete cascade,
      token_hash bytea not null,
      name text not null,
      user_agent text not null default '',
      approved_at timestamptz,
      trusted boolean not null default false,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      last_ip text not null default '',
      removed_at timestamptz
    )`.execute(db);
  await sql`create unique index devices_user_token_key on devices (user_id, token_hash)`.execute(db);

  await sql`
    create table sessions (
      id uuid primary key,
      user_id uuid not null references users(id) on delete cascade,
      device_id uuid references devices(id) on delete set null,
      token_hash bytea not null,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      idle_expires_at timestamptz not null,
      absolute_expires_at timestamptz not null,
      step_up_at timestamptz,
      ip text not null default '',
      user_agent text not null default '',
      auth_methods text not null,
      revoked_at timestamptz,
      revoke_reason text
    )`.execute(db);
  await sql`create unique index sessions_token_key on sessions (token_hash)`.execute(db);
  await sql`create index sessions_user_idx on sessions (user_id) where revoked_at is null`.execute(db);

  // A sign-in in progress: the password was right, a second factor or a device approval is due.
  await sql`
    create table sign_in_challenges (
      id uuid primary key,
      user_id uuid not null references users(id) on delete cascade,
      token_hash bytea not null unique,
      stage text not null,
      methods text not null,
      device_id uuid references devices(id) on delete cascade,
      ip text not null,
      user_agent text not null default '',
      created_at timestamptz not null,
      expires_at timestamptz not null,
      completed_at timestamptz,
      approved_at timestamptz,
      denied_at timestamptz
    )`.execute(db);

  await sql`
    create table email_tokens (
      id uuid primary key,
      user_id uuid not null references users(id) on delete cascade,
      purpose text not null,
      token_hash bytea not null unique,
      data jsonb not null default '{}'::jsonb,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      consumed_at timestamptz
    )`.execute(db);
  await sql`create index email_tokens_user_idx on email_tokens (user_id, purpose)`.execute(db);

  await sql`
    create table backup_codes (
      id uuid primary key,
      user_id uuid not null references users(id) on delete cascade,
      code_hash bytea not null,
      created_at timestamptz not null,
      used_at timestamptz
    )`.execute(db);
  await sql`create unique index backup_codes_hash_key on backup_codes (user_id, code_hash)`.execute(db);

  await sql`
    create table passkeys (
      id uuid primary key,
      user_id uuid not null references users(id) on delete cascade,
      credential_id text not null unique,
      public_key bytea not null,
      counter bigint not null default 0,
      transports jsonb not null default '[]'::jsonb,
      device_type text not null,
      backed_up boolean not null,
      name text not null,
      created_at timestamptz not null,
      last_used_at timestamptz
    )`.execute(db);

  await sql`
    create table webauthn_challenges (
      id uuid primary key,
      user_id uuid references users(id) on delete cascade,
      purpose text not null,
      challenge text not null,
      created_at timestamptz not null,
      expires_at timestamptz not null,
      consumed_at timestamptz
    )`.execute(db);

  await sql`
    create table recovery_requests (
      id uuid primary key,
      user_id uuid not null references users(id) on delete cascade,
      token_hash bytea not null unique,
      cancel_token_hash bytea not null unique,
      created_at timestamptz not null,
      confirmed_at timestamptz,
      effective_at timestamptz,
      cancelled_at timestamptz,
      completed_at timestamptz
    )`.execute(db);

  await sql`
    create table operators (
      id uuid primary key,
      email text not null,
      password_hash text not null,
      role text not null,
      created_at timestamptz not null,
      disabled_at timestamptz
    )`.execute(db);
  await sql`create unique index operators_email_key on operators (lower(email))`.execute(db);

  // S7: append-only, hash-chained. audit_head holds the chain's tip and serialises appends.
  await sql`
    create table audit_events (
      seq bigint primary key,
      id uuid not null unique,
      at timestamptz not null,
      type text not null,
      actor text not null,
      user_id uuid,
      ip text,
      device_id uuid,
      data jsonb not null,
      prev_hash text not null,
      hash text not null
    )`.execute(db);
  await sql`create index audit_events_user_idx on audit_events (user_id, seq)`.execute(db);
  await sql`
    create table audit_head (
      id integer primary key check (id = 1),
      seq bigint not null,
      hash text not null
    )`.execute(db);
  await sql`insert into audit_head (id, seq, hash) values (1, 0, ${'0'.repeat(64)})`.execute(db);
  await sql`
    create table audit_checkpoints (
      seq bigint primary key,
      hash text not null,
      at timestamptz not null,
      public_key text not null,
      signature text not null
    )`.execute(db);
  // Append-only is enforced by the database too, not only by the code.
  await sql`
    create function audit_events_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only';
    end $$`.execute(db);
  await sql`
    create trigger audit_events_no_update before update or delete on audit_events
    for each statement execute function audit_events_append_only()`.execute(db);

  // Notifications are queued in the same transaction as the change and sent by the worker.
  await sql`
    create table outbox (
      id uuid primary key,
      kind text not null,
      payload jsonb not null,
      created_at timestamptz not null,
      attempts integer not null default 0,
      next_attempt_at timestamptz not null,
      sent_at timestamptz,
      last_error text
    )`.execute(db);
  await sql`create index outbox_due_idx on outbox (next_attempt_at) where sent_at is null`.execute(db);

  await sql`
    create table dev_mailbox (
      id uuid primary key,
      to_address text not null,
      subject text not null,
      text_body text not null,
      html_body text not null,
      created_at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'dev_mailbox',
    'outbox',
    'audit_checkpoints',
    'audit_head',
    'audit_events',
    'operators',
    'recovery_requests',
    'webauthn_challenges',
    'passkeys',
    'backup_codes',
    'email_tokens',
    'sign_in_challenges',
    'sessions',
    'devices',
    'users',
  ]) {
    await sql`drop table if exists ${sql.table(t)} cascade`.execute(db);
  }
  await sql`drop function if exists audit_events_append_only()`.execute(db);
}
