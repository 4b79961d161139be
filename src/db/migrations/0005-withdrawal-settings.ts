import { type Kysely, sql } from 'kysely';

/** S3's user settings: the address book, the withdrawal lock, daily caps. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table users
      add column withdrawal_lock_on boolean not null default false,
      add column withdrawal_lock_off_effective_at timestamptz`.execute(db);
  await sql`
    create table withdrawal_addresses (
      id uuid primary key,
      user_id uuid not null references users(id),
      asset text not null references assets(symbol),
      network text not null,
      address text not null,
      label text not null,
      created_at timestamptz not null,
      confirmed_at timestamptz,
      active_from timestamptz,
      removed_at timestamptz,
      removed_reason text
    )`.execute(db);
  await sql`create unique index withdrawal_addresses_live_key on withdrawal_addresses (user_id, asset, address) where removed_at is null`.execute(
    db,
  );
  await sql`
    create table withdrawal_caps (
      user_id uuid not null references users(id),
      asset text not null references assets(symbol),
      daily_limit numeric(78, 0),
      pending_limit numeric(78, 0),
      pending_unlimited boolean not null default false,
      pending_effective_at timestamptz,
      updated_at timestamptz not null,
      primary key (user_id, asset)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists withdrawal_caps`.execute(db);
  await sql`drop table if exists withdrawal_addresses`.execute(db);
  await sql`alter table users drop column if exists withdrawal_lock_off_effective_at, drop column if exists withdrawal_lock_on`.execute(
    db,
  );
}
