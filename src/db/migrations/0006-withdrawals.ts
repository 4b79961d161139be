import { type Kysely, sql } from 'kysely';

/**
 * S3/S4 withdrawals: the withdrawal itself (one row, its state), its timeline (append-only),
 * analyst reviews, verification tiers with their history, platform controls (kill switches),
 * operator sessions for the admin console, and the simulated chain's own ledger of broadcasts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table users add column security_changed_at timestamptz`.execute(db);
  await sql`
    alter table operators
      add column totp_secret_enc text,
      add column totp_last_step bigint`.execute(db);

  await sql`
    create table withdrawals (
      id uuid primary key,
      user_id uuid not null references users(id),
      account_id uuid not null references ledger_accounts(id),
      asset text not null references assets(symbol),
      network text not null,
      address text not null,
      address_id uuid references withdrawal_addresses(id),
      amount numeric(78, 0) not null check (amount > 0),
      fee numeric(78, 0) not null check (fee >= 0),
      state text not null,
      large boolean not null,
      reviews_required integer not null default 0,
      risk_score integer not null,
      risk_decision text not null,
      risk_reasons jsonb not null,
      hold_id uuid references ledger_holds(id),
      session_id uuid,
      confirm_expires_at timestamptz,
      cooling_off_until timestamptz,
      review_expires_at timestamptz,
      lease_until timestamptz,
      broadcast_attempts integer not null default 0,
      chain_tx_id text,
      failure_reason text,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`create index withdrawals_user on withdrawals (user_id, created_at desc)`.execute(db);
  await sql`create index withdrawals_open on withdrawals (state, updated_at) where state not in ('confirmed','rejected','cancelled','expired','failed')`.execute(
    db,
  );
  await sql`create index withdrawals_address on withdrawals (asset, address, created_at)`.execute(db);

  await sql`
    create table withdrawal_events (
      id bigserial primary key,
      withdrawal_id uuid not null references withdrawals(id),
      at timestamptz not null,
      from_state text,
      to_state text not null,
      event text not null,
      actor text not null,
      reason text not null,
      data jsonb not null default '{}'
    )`.execute(db);
  await sql`create index withdrawal_events_withdrawal on withdrawal_events (withdrawal_id, id)`.execute(db);
  await sql`
    create function withdrawal_events_append_only() returns trigger language plpgsql as $$
    begin raise exception 'withdrawal_events is append-only'; end $$`.execute(db);
  await sql`
    create trigger withdrawal_events_no_change before update or delete on withdrawal_events
    for each statement execute function withdrawal_events_append_only()`.execute(db);

  await sql`
    create table withdrawal_reviews (
      withdrawal_id uuid not null references withdrawals(id),
      operator_id uuid not null references operators(id),
      decision text not null check (decision in ('approve', 'reject')),
      note text not null,
      at timestamptz not null,
      primary key (withdrawal_id, operator_id)
    )`.execute(db);

  await sql`
    create table user_tiers (
      user_id uuid primary key references users(id),
      tier text not null,
      source text not null,
      updated_at timestamptz not null
    )`.execute(db);
  await sql`
    create table user_tier_history (
      id bigserial primary key,
      user_id uuid not null references users(id),
      tier text not null,
      previous_tier text,
      source text not null,
      actor text not null,
      reference text,
      at timestamptz not null
    )`.execute(db);
  await sql`create index user_tier_history_user on user_tier_history (user_id, id)`.execute(db);

  await sql`
    create table platform_controls (
      key text primary key,
      value jsonb not null,
      reason text not null,
      updated_by text not null,
      updated_at timestamptz not null
    )`.execute(db);

  await sql`
    create table operator_sessions (
      id uuid primary key,
      operator_id uuid not null references operators(id),
      token_hash bytea not null unique,
      created_at timestamptz not null,
      last_seen_at timestamptz not null,
      idle_expires_at timestamptz not null,
      absolute_expires_at timestamptz not null,
      revoked_at timestamptz
    )`.execute(db);

  await sql`
    create table sim_chain_transactions (
      withdrawal_id uuid primary key,
      tx_id text not null unique,
      asset text not null,
      address text not null,
      amount numeric(78, 0) not null,
      broadcast_at timestamptz not null,
      confirm_at timestamptz not null
    )`.execute(db);
  await sql`
    create table sim_chain_calls (
      id bigserial primary key,
      withdrawal_id uuid not null,
      node text not null,
      at timestamptz not null
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'sim_chain_calls',
    'sim_chain_transactions',
    'operator_sessions',
    'platform_controls',
    'user_tier_history',
    'user_tiers',
    'withdrawal_reviews',
    'withdrawal_events',
    'withdrawals',
  ])
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  await sql`drop function if exists withdrawal_events_append_only()`.execute(db);
  await sql`alter table operators drop column if exists totp_last_step, drop column if exists totp_secret_enc`.execute(
    db,
  );
  await sql`alter table users drop column if exists security_changed_at`.execute(db);
}
