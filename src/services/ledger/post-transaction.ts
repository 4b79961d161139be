import { sql } from 'kysely';
import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { assertBalanced, netChanges, type Posting } from '../../domain/ledger/journal.js';
import { isSystemAccount } from './system-accounts.js';

export interface NewLedgerTransaction {
  readonly kind: string;
  /** The natural idempotency key of the operation (chain transaction, trade id…), unique per kind. */
  readonly reference?: string;
  readonly userId?: string | null;
  readonly actor: string;
  /** The request as canonical JSON: a replay with another body is told apart by it. */
  readonly memo?: string;
  readonly postings: readonly Posting[];
}

/** Postgres's check_violation: a balance would go negative or below its holds. */
const CHECK_VIOLATION = '23514';
/** A total beyond NUMERIC(78,0), only reachable with amounts no real token has. */
const NUMERIC_OVERFLOW = '22003';

export function isCheckViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: string }).code === CHECK_VIOLATION;
}

/**
 * Writes one balanced transaction: the transaction row, its postings, and the cached balances,
 * updated in a fixed order (account, then asset) so concurrent transactions never deadlock.
 * A customer balance that would go negative, or below what is held, is refused by the database
 * (INSUFFICIENT_FUNDS) and the whole transaction rolls back with the caller's.
 */
export async function postTransaction(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random'>,
  input: NewLedgerTransaction,
): Promise<{ id: string }> {
  assertBalanced(input.postings);
  const id = deps.random.uuid();
  const now = deps.clock.now();
  // The transaction and its postings in one round trip (the postings' foreign key is checked at
  // the end of the statement, when the transaction row exists).
  const postings = sql.join(
    input.postings.map(
      (p) => sql`(${id}::uuid, ${p.accountId}::uuid, ${p.asset}, ${p.amount.toString()}::numeric)`,
    ),
  );
  await sql`
    with journal as (
      insert into ledger_transactions (id, kind, reference, user_id, actor, memo, created_at)
      values (${id}, ${input.kind}, ${input.reference ?? null}, ${input.userId ?? null}, ${input.actor},
              ${input.memo ?? null}, ${now}))
    insert into ledger_postings (transaction_id, account_id, asset, amount)
    values ${postings}`.execute(trx);
  try {
    for (const change of netChanges(input.postings)) {
      const customer = !isSystemAccount(change.accountId);
      if (customer && change.amount < 0n) {
        // A debit needs an existing balance (and Postgres checks an upsert's insert row before
        // it sees the conflict, so a negative one would always fail): a plain update, refused by
        // the constraint when the balance would go negative.
        const updated = await trx
          .updateTable('ledger_balances')
          .set((eb) => ({ balance: eb(eb.ref('balance'), '+', change.amount.toString()), updated_at: now }))
          .where('account_id', '=', change.accountId)
          .where('asset', '=', change.asset)
          .returning('account_id')
          .executeTakeFirst();
        if (!updated) throw new CustosError('INSUFFICIENT_FUNDS');
        continue;
      }
      await trx
        .insertInto('ledger_balances')
        .values({
          account_id: change.accountId,
          asset: change.asset,
          balance: change.amount.toString(),
          held: '0',
          customer,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['account_id', 'asset']).doUpdateSet((eb) => ({
            balance: eb(eb.ref('ledger_balances.balance'), '+', eb.ref('excluded.balance')),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  } catch (err) {
    if (isCheckViolation(err)) throw new CustosError('INSUFFICIENT_FUNDS', { cause: err });
    if ((err as { code?: string }).code === NUMERIC_OVERFLOW)
      throw new CustosError('VALIDATION_FAILED', {
        message: 'The amount is too large for this ledger.',
        cause: err,
      });
    throw err;
  }
  return { id };
}
