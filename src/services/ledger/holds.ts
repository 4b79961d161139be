import { sql } from 'kysely';
import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { move } from '../../domain/ledger/journal.js';
import { postTransaction } from './post-transaction.js';
import { SYSTEM_ACCOUNTS } from './system-accounts.js';

/**
 * Holds reserve funds of a pending withdrawal: the balance stays, what is available shrinks.
 * A hold is placed only when `balance - held` covers it (one conditional update, so two
 * concurrent holds can never together exceed the balance), then settled (the funds leave to
 * the chain account) or released (they become available again), each exactly once.
 */
export async function placeHold(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random'>,
  input: { accountId: string; asset: string; amount: bigint; reason: string; reference?: string },
): Promise<{ id: string }> {
  if (input.amount <= 0n) throw new CustosError('VALIDATION_FAILED', { message: 'A hold must be positive.' });
  const now = deps.clock.now();
  const id = deps.random.uuid();
  const amount = input.amount.toString();
  // One round trip: the hold row exists only if the balance could take it.
  const { rows } = await sql<{ id: string }>`
    with reserved as (
      update ledger_balances set held = held + ${amount}::numeric, updated_at = ${now}
       where account_id = ${input.accountId} and asset = ${input.asset}
         and balance - held >= ${amount}::numeric
      returning account_id)
    insert into ledger_holds (id, account_id, asset, amount, status, reason, reference, created_at)
    select ${id}, account_id, ${input.asset}, ${amount}::numeric, 'active', ${input.reason},
           ${input.reference ?? null}, ${now}
      from reserved
    returning id`.execute(trx);
  if (rows.length === 0) throw new CustosError('INSUFFICIENT_FUNDS');
  return { id };
}

async function closeHold(
  trx: Trx,
  deps: Pick<Deps, 'clock'>,
  holdId: string,
  status: 'settled' | 'released',
) {
  const now = deps.clock.now();
  const hold = await trx
    .updateTable('ledger_holds')
    .set({ status, closed_at: now })
    .where('id', '=', holdId)
    .where('status', '=', 'active')
    .returning(['account_id', 'asset', 'amount'])
    .executeTakeFirst();
  if (!hold) return null;
  await trx
    .updateTable('ledger_balances')
    .set((eb) => ({ held: eb(eb.ref('held'), '-', hold.amount), updated_at: now }))
    .where('account_id', '=', hold.account_id)
    .where('asset', '=', hold.asset)
    .execute();
  return { accountId: hold.account_id, asset: hold.asset, amount: BigInt(hold.amount) };
}

/** Makes held funds available again; false when the hold was not active (already closed). */
export async function releaseHold(trx: Trx, deps: Pick<Deps, 'clock'>, holdId: string): Promise<boolean> {
  return (await closeHold(trx, deps, holdId, 'released')) !== null;
}

/**
 * Sends held funds out: the hold closes and one balanced transaction moves the amount to the
 * chain account (less `fee`, which goes to the fees account). Null when the hold was not
 * active, so a repeated settlement moves nothing.
 */
export async function settleHold(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random'>,
  holdId: string,
  tx: { kind: string; reference: string; userId: string; actor: string },
  fee = 0n,
): Promise<{ transactionId: string } | null> {
  const hold = await closeHold(trx, deps, holdId, 'settled');
  if (!hold) return null;
  if (fee < 0n || fee >= hold.amount) throw new CustosError('VALIDATION_FAILED', { message: 'Bad fee.' });
  const postings = move(hold.accountId, SYSTEM_ACCOUNTS.chain, hold.asset, hold.amount - fee);
  if (fee > 0n) postings.push(...move(hold.accountId, SYSTEM_ACCOUNTS.fees, hold.asset, fee));
  const { id } = await postTransaction(trx, deps, { ...tx, postings });
  return { transactionId: id };
}
