import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { move } from '../../domain/ledger/journal.js';
import { appendAudit } from '../audit/append-audit.js';
import { actorOf, type Principal, type RequestContext } from '../identity/context.js';
import { ownAccounts } from './accounts.js';
import { assetOf } from './assets.js';
import { idempotent } from './idempotency.js';
import { postTransaction } from './post-transaction.js';

export interface TransferInput {
  readonly fromAccountId: string;
  readonly toAccountId: string;
  readonly asset: string;
  readonly amount: bigint;
  readonly idempotencyKey: string | undefined;
}

/**
 * Moves funds between two accounts of the same user (main and sub-accounts). Funds never leave
 * the user, so no step-up; the idempotency key makes a retried request move money once.
 */
export function transferBetweenOwnAccounts(
  deps: Deps,
  principal: Principal,
  input: TransferInput,
  ctx: RequestContext,
) {
  assetOf(deps, input.asset);
  if (input.fromAccountId === input.toAccountId)
    throw new CustosError('VALIDATION_FAILED', { message: 'Choose two different accounts.' });
  return idempotent(
    deps,
    {
      scope: `user:${principal.userId}`,
      key: input.idempotencyKey,
      request: {
        op: 'transfer',
        from: input.fromAccountId,
        to: input.toAccountId,
        asset: input.asset,
        amount: input.amount.toString(),
      },
    },
    async (trx) => {
      await ownAccounts(trx, principal.userId, [input.fromAccountId, input.toAccountId]);
      const from = input.fromAccountId;
      const to = input.toAccountId;
      const { id } = await postTransaction(trx, deps, {
        kind: 'transfer',
        userId: principal.userId,
        actor: actorOf(principal),
        postings: move(from, to, input.asset, input.amount),
      });
      await appendAudit(trx, deps, {
        type: 'ledger.transfer',
        actor: actorOf(principal),
        userId: principal.userId,
        ip: ctx.ip,
        deviceId: principal.deviceId,
        data: { transactionId: id, from, to, asset: input.asset, amount: input.amount.toString() },
      });
      return {
        status: 201,
        body: {
          transactionId: id,
          fromAccountId: from,
          toAccountId: to,
          asset: input.asset,
          amount: input.amount.toString(),
        },
      };
    },
  );
}
