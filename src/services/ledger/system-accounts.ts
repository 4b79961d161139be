import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Asset } from '../../domain/ledger/assets.js';

/**
 * The platform's own accounts, where money enters and leaves the customers' side of the ledger.
 * Fixed ids: every node and every command agrees on them without a lookup.
 */
export const SYSTEM_ACCOUNTS = {
  /** Deposits come from it and withdrawals go to it: its balance mirrors what the chain holds for customers. */
  chain: '00000000-0000-4000-8000-00000000c4a1',
  /** The counterparty of trade settlements posted by the platform's matching engine. */
  trading: '00000000-0000-4000-8000-0000000071ad',
  fees: '00000000-0000-4000-8000-00000000fee5',
  reimbursements: '00000000-0000-4000-8000-00000000a1d5',
} as const;

export type SystemAccount = keyof typeof SYSTEM_ACCOUNTS;
const SYSTEM_IDS = new Set<string>(Object.values(SYSTEM_ACCOUNTS));
export const isSystemAccount = (id: string) => SYSTEM_IDS.has(id);

/**
 * Brings the configured assets and the system accounts into the database at start-up. An asset
 * whose decimals or network differ from what is stored stops start-up: changing them would
 * silently rescale every balance.
 */
export async function syncLedgerReferenceData(db: Db, assets: readonly Asset[], now: Date): Promise<void> {
  const stored = await db.selectFrom('assets').selectAll().execute();
  for (const a of assets) {
    const s = stored.find((x) => x.symbol === a.symbol);
    if (s && (s.decimals !== a.decimals || s.network !== a.network)) {
      throw new Error(
        `ASSETS: ${a.symbol} is stored with ${s.decimals} decimals on ${s.network}; it cannot change to ${a.decimals} on ${a.network}`,
      );
    }
  }
  const missing = assets.filter((a) => !stored.some((s) => s.symbol === a.symbol));
  if (missing.length) {
    await db
      .insertInto('assets')
      .values(
        missing.map((a) => ({ symbol: a.symbol, decimals: a.decimals, network: a.network, created_at: now })),
      )
      .onConflict((oc) => oc.column('symbol').doNothing())
      .execute();
  }
  await sql`
    insert into ledger_accounts (id, kind, user_id, name, is_main, created_at)
    select v.id::uuid, 'system', null, v.name, false, ${now}
      from (values ${sql.join(
        Object.entries(SYSTEM_ACCOUNTS).map(([name, id]) => sql`(${id}, ${name})`),
      )}) as v(id, name)
    on conflict do nothing`.execute(db);
}
