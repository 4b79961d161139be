import { sql } from 'kysely';
import type { Deps } from '../../deps.js';

export type LedgerProblem =
  | { kind: 'asset_not_balanced'; asset: string; sum: string }
  | { kind: 'transaction_not_balanced'; transactionId: string; asset: string; sum: string }
  | { kind: 'balance_mismatch'; accountId: string; asset: string; cached: string; fromPostings: string }
  | { kind: 'negative_customer_balance'; accountId: string; asset: string; balance: string }
  | { kind: 'held_mismatch'; accountId: string; asset: string; held: string; activeHolds: string }
  | { kind: 'held_above_balance'; accountId: string; asset: string; held: string; balance: string };

export interface LedgerCheck {
  readonly ok: boolean;
  readonly transactions: number;
  readonly postings: number;
  readonly balances: number;
  readonly problems: readonly LedgerProblem[];
}

/**
 * The invariants of S2, recomputed from the journal rather than trusted from the caches: every
 * asset's postings sum to zero, every transaction balances, each cached balance equals its
 * postings, no customer balance is negative, and what is held equals the active holds and stays
 * within the balance. Read in one snapshot (repeatable read), so a busy ledger checks cleanly.
 */
export async function checkLedger(deps: Pick<Deps, 'db'>): Promise<LedgerCheck> {
  return deps.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const problems: LedgerProblem[] = [];
      const assets = await sql<{ asset: string; sum: string }>`
        select asset, sum(amount)::text as sum from ledger_postings group by asset having sum(amount) <> 0`.execute(
        trx,
      );
      for (const r of assets.rows) problems.push({ kind: 'asset_not_balanced', asset: r.asset, sum: r.sum });

      const txs = await sql<{ transaction_id: string; asset: string; sum: string }>`
        select transaction_id, asset, sum(amount)::text as sum from ledger_postings
         group by transaction_id, asset having sum(amount) <> 0 limit 100`.execute(trx);
      for (const r of txs.rows)
        problems.push({
          kind: 'transaction_not_balanced',
          transactionId: r.transaction_id,
          asset: r.asset,
          sum: r.sum,
        });

      const mismatches = await sql<{ account_id: string; asset: string; cached: string; computed: string }>`
        with p as (select account_id, asset, sum(amount) as total from ledger_postings group by account_id, asset)
        select coalesce(b.account_id, p.account_id) as account_id, coalesce(b.asset, p.asset) as asset,
               coalesce(b.balance, 0)::text as cached, coalesce(p.total, 0)::text as computed
          from ledger_balances b full join p on p.account_id = b.account_id and p.asset = b.asset
         where coalesce(b.balance, 0) <> coalesce(p.total, 0) limit 100`.execute(trx);
      for (const r of mismatches.rows)
        problems.push({
          kind: 'balance_mismatch',
          accountId: r.account_id,
          asset: r.asset,
          cached: r.cached,
          fromPostings: r.computed,
        });

      const negative = await sql<{ account_id: string; asset: string; balance: string }>`
        select account_id, asset, balance::text as balance from ledger_balances
         where customer and balance < 0 limit 100`.execute(trx);
      for (const r of negative.rows)
        problems.push({
          kind: 'negative_customer_balance',
          accountId: r.account_id,
          asset: r.asset,
          balance: r.balance,
        });

      const held = await sql<{
        account_id: string;
        asset: string;
        held: string;
        holds: string;
        balance: string;
      }>`
        with h as (select account_id, asset, sum(amount) as total from ledger_holds where status = 'active'
                    group by account_id, asset)
        select b.account_id, b.asset, b.held::text as held, coalesce(h.total, 0)::text as holds,
               b.balance::text as balance
          from ledger_balances b left join h on h.account_id = b.account_id and h.asset = b.asset
         where b.held <> coalesce(h.total, 0) or (b.customer and b.held > b.balance) limit 100`.execute(trx);
      for (const r of held.rows) {
        if (BigInt(r.held) !== BigInt(r.holds))
          problems.push({
            kind: 'held_mismatch',
            accountId: r.account_id,
            asset: r.asset,
            held: r.held,
            activeHolds: r.holds,
          });
        if (BigInt(r.held) > BigInt(r.balance))
          problems.push({
            kind: 'held_above_balance',
            accountId: r.account_id,
            asset: r.asset,
            held: r.held,
            balance: r.balance,
          });
      }

      const counts = await sql<{ transactions: string; postings: string; balances: string }>`
        select (select count(*) from ledger_transactions)::text as transactions,
               (select count(*) from ledger_postings)::text as postings,
               (select count(*) from ledger_balances)::text as balances`.execute(trx);
      const c = counts.rows[0]!;
      return {
        ok: problems.length === 0,
        transactions: Number(c.transactions),
        postings: Number(c.postings),
        balances: Number(c.balances),
        problems,
      };
    });
}
