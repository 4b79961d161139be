import { type Kysely, sql } from 'kysely';

/**
 * S8: proof of reserves from the live ledger.
 *
 * - `reserve_wallets`: the wallet registry. A wallet's balance is entered by an operator
 *   (`manual`, with the time it was observed) or read from the chain adapter at snapshot time
 *   (`chain`). Removing a wallet keeps its row (inactive), so history can still name it.
 * - `por_snapshots`: one row per snapshot; the signed manifest once published. The id is the
 *   snapshot id of the format (a UTC time to the second), so two nodes scheduling the same
 *   snapshot collide on the primary key and only one builds it.
 * - `por_snapshot_leaves`: where each customer's leaf sits in each asset's tree, for proofs.
 * - `por_tree_chunks`: every tree level, in chunks of nodes (hash ‖ u128 value, 48 bytes each),
 *   so a proof needs one chunk per level, never the whole tree.
 * Published snapshots never change: a trigger refuses updates and deletes of leaves and chunks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table reserve_wallets (
      id uuid primary key,
      asset text not null references assets(symbol),
      label text not null,
      address text not null,
      source text not null check (source in ('manual', 'chain')),
      balance numeric(78, 0) check (balance >= 0),
      observed_at timestamptz,
      active boolean not null default true,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      check (source = 'chain' or (balance is not null and observed_at is not null))
    )`.execute(db);
  await sql`create unique index reserve_wallets_address_key on reserve_wallets (asset, address) where active`.execute(
    db,
  );

  await sql`
    create table por_snapshots (
      id text primary key,
      taken_at timestamptz not null,
      status text not null check (status in ('building', 'published', 'failed')),
      trigger text not null check (trigger in ('schedule', 'operator')),
      requested_by text not null,
      manifest text,
      error text,
      created_at timestamptz not null,
      published_at timestamptz,
      check ((status = 'published') = (manifest is not null))
    )`.execute(db);
  await sql`create index por_snapshots_published_idx on por_snapshots (taken_at desc) where status = 'published'`.execute(
    db,
  );

  await sql`
    create table por_snapshot_leaves (
      snapshot_id text not null references por_snapshots(id),
      asset text not null,
      user_id uuid not null references users(id),
      position bigint not null,
      value numeric(78, 0) not null check (value > 0),
      primary key (snapshot_id, user_id, asset)
    )`.execute(db);
  await sql`create unique index por_snapshot_leaves_position_key on por_snapshot_leaves (snapshot_id, asset, position)`.execute(
    db,
  );

  await sql`
    create table por_tree_chunks (
      snapshot_id text not null references por_snapshots(id),
      asset text not null,
      level smallint not null,
      chunk integer not null,
      nodes bytea not null,
      primary key (snapshot_id, asset, level, chunk)
    )`.execute(db);

  await sql`
    create table sim_chain_balances (
      asset text not null,
      address text not null,
      balance numeric(78, 0) not null check (balance >= 0),
      primary key (asset, address)
    )`.execute(db);

  await sql`
    create function por_published_immutable() returns trigger language plpgsql as $$
    begin
      raise exception '% of a snapshot cannot change', tg_table_name;
    end $$`.execute(db);
  for (const table of ['por_snapshot_leaves', 'por_tree_chunks']) {
    await sql`
      create trigger ${sql.raw(`${table}_immutable`)} before update or delete on ${sql.table(table)}
      for each statement execute function por_published_immutable()`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of [
    'por_tree_chunks',
    'por_snapshot_leaves',
    'por_snapshots',
    'reserve_wallets',
    'sim_chain_balances',
  ]) {
    await sql`drop table if exists ${sql.table(t)}`.execute(db);
  }
  await sql`drop function if exists por_published_immutable()`.execute(db);
}
