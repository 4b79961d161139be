import { type Kysely, sql } from 'kysely';

/**
 * S2: the double-entry ledger. Amounts are NUMERIC(78,0) (any 256-bit integer). The database
 * itself refuses what must never happen, whatever the code does: an unbalanced transaction (a
 * deferred constraint trigger checks every transaction's postings per asset at commit), a
 * negative customer balance, holds above the balance, and any change to a written posting.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assets (
      symbol text primary key,
      decimals integer not null check (decimals between 0 and 36),
      network text not null,
      created_at timestamptz not null
    )`.execute(db);

  await sql`
    create table ledger_accounts (
      id uuid primary key,
      kind text not null check (kind in ('customer', 'system')),
      user_id uuid references users(id),
      name text not null,
      is_main boolean not null default false,
      created_at timestamptz not null,
      check ((kind = 'customer') = (user_id is not null))
    )`.execute(db);
  await sql`create unique index ledger_accounts_user_name_key on ledger_accounts (user_id, lower(name)) where kind = 'customer'`.execute(
    db,
  );
  await sql`create unique index ledger_accounts_user_main_key on ledger_accounts (user_id) where is_main`.execute(
    db,
  );
  await sql`create unique index ledger_accounts_system_key on ledger_accounts (name) where kind = 'system'`.execute(
    db,
  );

  await sql`
    create table ledger_balances (
      account_id uuid not null references ledger_accounts(id),
      asset text not null references assets(symbol),
      balance numeric(78, 0) not null default 0,
      held numeric(78, 0) not null default 0,
      customer boolean not null,
      updated_at timestamptz not null,
      primary key (account_id, asset),
      constraint ledger_balance_not_negative check (not customer or balance >= 0),
      constraint ledger_holds_within_balance check (held >= 0 and (not customer or held <= balance))
    )`.execute(db);

  await sql`
    create table ledger_transactions (
      id uuid primary key,
      kind text not null,
      reference text,
      user_id uuid references users(id),
      actor text not null,
      memo text,
      created_at timestamptz not null
    )`.execute(db);
  // Deposits are idempotent by chain transaction, settlements by trade id, and so on.
  await sql`create unique index ledger_transactions_reference_key on ledger_transactions (kind, reference) where reference is not null`.execute(
    db,
  );
  await sql`create index ledger_transactions_user_idx on ledger_transactions (user_id, created_at desc)`.execute(
    db,
  );

  await sql`
    create table ledger_postings (
      id bigint generated always as identity primary key,
      transaction_id uuid not null references ledger_transactions(id),
      account_id uuid not null references ledger_accounts(id),
      asset text not null references assets(symbol),
      amount numeric(78, 0) not null check (amount <> 0)
    )`.execute(db);
  await sql`create index ledger_postings_transaction_idx on ledger_postings (transaction_id)`.execute(db);
  await sql`create index ledger_postings_account_idx on ledger_postings (account_id, asset, id)`.execute(db);
  await sql`
    create function ledger_postings_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'ledger_postings is append-only';
    end $$`.execute(db);
  await sql`
    create trigger ledger_postings_no_change before update or delete on ledger_postings
    for each statement execute function ledger_postings_append_only()`.execute(db);
  await sql`
    create function ledger_transaction_balanced() returns trigger language plpgsql as $$
    begin
      if exists (
        select 1 from ledger_postings where transaction_id = new.transaction_id
        group by asset having sum(amount) <> 0
      ) then
        raise exception 'ledger transaction % is not balanced', new.transaction_id
          using errcode = 'check_violation', constraint = 'ledger_transaction_balanced';
      end if;
      return null;
    end $$`.execute(db);
  await sql`
    create constraint trigger ledger_transaction_balanced after insert on ledger_postings
    deferrable initially deferred for each row execute function ledger_transaction_balanced()`.execute(db);

  await sql`
    create table ledger_holds (
      id uuid primary key,
      account_id uuid not null references ledger_accounts(id),
      asset text not null references assets(symbol),
      amount numeric(78, 0) not null check (amount > 0),
      status text not null check (status in ('active', 'settled', 'released')),
      reason text not null,
      reference text,
      created_at timestamptz not null,
      closed_at timestamptz
    )`.execute(db);
  await sql`create index ledger_holds_active_idx on ledger_holds (account_id, asset) where status = 'active'`.execute(
    db,
  );

  await sql`
    create table idempotency_keys (
      scope text not null,
      key text not null,
      request_hash bytea not null,
      status integer not null,
      response jsonb not null,
      created_at timestamptz not null,
      primary key (scope, key)
    )`.execute(db);
  await sql`create index idempotency_keys_created_idx on idempotency_keys (created_at)`.execute(db);

  await sql`
    create table service_credentials (
      id uuid primary key,
      name text not null,
      secret_hash bytea not null,
      scopes text not null,
      created_at timestamptz not null,
      revoked_at timestamptz,
      last_used_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'service_credentials',
    'idempotency_keys',
    'ledger_holds',
    'ledger_postings',
    'ledger_transactions',
    'ledger_balances',
    'ledger_accounts',
    'assets',
  ]) {
    await sql`drop table if exists ${sql.id(t)}`.execute(db);
  }
  await sql`drop function if exists ledger_transaction_balanced()`.execute(db);
  await sql`drop function if exists ledger_postings_append_only()`.execute(db);
}
