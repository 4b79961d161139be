import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../../db/database.js';
import type { BroadcastResult, ChainAdapter, ChainWithdrawal } from './chain-adapter.js';

/**
 * The default adapter: a deterministic chain kept in the database, so that several Custos
 * processes and a restart see the same chain. The transaction id is derived from the withdrawal
 * id; a transaction confirms `confirmSeconds` after its broadcast. Every call is also logged
 * (`sim_chain_calls`), so tests can count how often Custos asked, not only what the chain kept.
 * `latencyMs` delays the answer after the chain has accepted, which is where a crash hurts most.
 */
export function createSimulatedChain(
  db: Db,
  options: { now: () => Date; confirmSeconds: number; latencyMs: number; node?: string },
): ChainAdapter {
  const node = options.node ?? `${hostname()}:${process.pid}`;
  const txIdOf = (id: string) => createHash('sha256').update(`sim-chain:${id}`).digest('hex');
  return {
    name: 'simulated',
    async broadcast(w: ChainWithdrawal): Promise<BroadcastResult> {
      const now = options.now();
      await db
        .insertInto('sim_chain_calls')
        .values({ withdrawal_id: w.withdrawalId, node, at: now })
        .execute();
      await db
        .insertInto('sim_chain_transactions')
        .values({
          withdrawal_id: w.withdrawalId,
          tx_id: txIdOf(w.withdrawalId),
          asset: w.asset,
          address: w.address,
          amount: w.amount.toString(),
          broadcast_at: now,
          confirm_at: new Date(now.getTime() + options.confirmSeconds * 1000),
        })
        .onConflict((oc) => oc.column('withdrawal_id').doNothing())
        .execute();
      if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
      return { status: 'accepted', txId: txIdOf(w.withdrawalId) };
    },
    async lookup(withdrawalId) {
      const row = await db
        .selectFrom('sim_chain_transactions')
        .select('tx_id')
        .where('withdrawal_id', '=', withdrawalId)
        .executeTakeFirst();
      return row ? { txId: row.tx_id } : null;
    },
    async confirmation(withdrawalId) {
      const row = await db
        .selectFrom('sim_chain_transactions')
        .select('confirm_at')
        .where('withdrawal_id', '=', withdrawalId)
        .executeTakeFirst();
      if (!row) return 'unknown';
      return row.confirm_at <= options.now() ? 'confirmed' : 'pending';
    },
    async walletBalance(asset, address) {
      const row = await db
        .selectFrom('sim_chain_balances')
        .select('balance')
        .where('asset', '=', asset)
        .where('address', '=', address)
        .executeTakeFirst();
      return row ? BigInt(row.balance) : 0n;
    },
  };
}

/** Sets what the simulated chain shows for a wallet (development and tests: there is no chain). */
export async function setSimulatedWalletBalance(db: Db, asset: string, address: string, balance: bigint) {
  await db
    .insertInto('sim_chain_balances')
    .values({ asset, address, balance: balance.toString() })
    .onConflict((oc) => oc.columns(['asset', 'address']).doUpdateSet({ balance: balance.toString() }))
    .execute();
}
