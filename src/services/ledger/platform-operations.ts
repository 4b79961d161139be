import canonicalize from 'canonicalize';
import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { move, type Posting, settlement } from '../../domain/ledger/journal.js';
import { appendAudit } from '../audit/append-audit.js';
import { ensureMainAccount, ownAccount } from './accounts.js';
import { assetOf } from './assets.js';
import { postTransaction } from './post-transaction.js';
import { SYSTEM_ACCOUNTS } from './system-accounts.js';

/** Who posts platform operations: a service credential (see service-credentials.ts). */
export interface ServicePrincipal {
  readonly credentialId: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

const actorOfService = (s: ServicePrincipal) => `service:${s.credentialId}`;

export interface PlatformResult {
  readonly transactionId: string;
  readonly accountId: string;
  /** True when this reference was already posted with the same details: nothing moved again. */
  readonly replayed: boolean;
}

async function userAccount(trx: Trx, deps: Deps, userId: string, accountId: string | undefined) {
  const user = await trx.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
  if (!user) throw new CustosError('NOT_FOUND', { message: 'No such user.' });
  return accountId ? ownAccount(trx, userId, accountId) : ensureMainAccount(trx, deps, userId);
}

/**
 * One platform operation, idempotent by its natural reference (a chain transaction, a trade
 * id): the reference is claimed by the transaction row's unique index, so a repeat, even
 * concurrent, finds the first posting. Same details: the first result, nothing moves again;
 * other details: IDEMPOTENCY_CONFLICT.
 */
async function postOnce(
  deps: Deps,
  service: ServicePrincipal,
  op: {
    kind: string;
    reference: string;
    userId: string;
    accountId: string | undefined;
    details: Record<string, unknown>;
    postings: (account: string) => Posting[];
  },
): Promise<PlatformResult> {
  const memo = canonicalize({
    kind: op.kind,
    userId: op.userId,
    accountId: op.accountId ?? null,
    ...op.details,
  })!;
  const existing = async () => {
    const row = await deps.db
      .selectFrom('ledger_transactions')
      .select(['id', 'memo'])
      .where('kind', '=', op.kind)
      .where('reference', '=', op.reference)
      .executeTakeFirst();
    if (!row) return null;
    if (row.memo !== memo) throw new CustosError('IDEMPOTENCY_CONFLICT');
    const posting = await deps.db
      .selectFrom('ledger_postings')
      .select('account_id')
      .where('transaction_id', '=', row.id)
      .where('account_id', 'not in', Object.values(SYSTEM_ACCOUNTS))
      .executeTakeFirstOrThrow();
    return { transactionId: row.id, accountId: posting.account_id, replayed: true };
  };
  const first = await existing();
  if (first) return first;
  try {
    return await deps.db.transaction().execute(async (trx) => {
      const account = await userAccount(trx, deps, op.userId, op.accountId);
      const { id } = await postTransaction(trx, deps, {
        kind: op.kind,
        reference: op.reference,
        userId: op.userId,
        actor: actorOfService(service),
        memo,
        postings: op.postings(account),
      });
      await appendAudit(trx, deps, {
        type: `ledger.${op.kind}`,
        actor: actorOfService(service),
        userId: op.userId,
        data: { transactionId: id, accountId: account, reference: op.reference, ...op.details },
      });
      return { transactionId: id, accountId: account, replayed: false };
    });
  } catch (err) {
    // A concurrent request with the same reference committed first.
    if ((err as { code?: string }).code === '23505') {
      const raced = await existing();
      if (raced) return raced;
    }
    throw err;
  }
}

export interface DepositInput {
  readonly userId: string;
  readonly accountId?: string;
  readonly asset: string;
  readonly amount: bigint;
  readonly network: string;
  readonly txId: string;
  readonly outputIndex: number;
}

/** Credits a confirmed deposit, once per (network, transaction, output). */
export function creditDeposit(deps: Deps, service: ServicePrincipal, input: DepositInput) {
  const asset = assetOf(deps, input.asset);
  if (asset.network !== input.network)
    throw new CustosError('VALIDATION_FAILED', {
      message: `${asset.symbol} is received on ${asset.network}.`,
    });
  return postOnce(deps, service, {
    kind: 'deposit',
    reference: `${input.network}:${input.txId}:${input.outputIndex}`,
    userId: input.userId,
    accountId: input.accountId,
    details: { asset: input.asset, amount: input.amount.toString() },
    postings: (account) => move(SYSTEM_ACCOUNTS.chain, account, input.asset, input.amount),
  });
}

export interface SettlementInput {
  readonly userId: string;
  readonly accountId?: string;
  readonly tradeId: string;
  readonly legs: readonly { asset: string; amount: bigint }[];
  readonly fee?: { asset: string; amount: bigint };
}

/** A trade the platform's matching engine executed: what the customer received and gave, and the fee. */
export function postSettlement(deps: Deps, service: ServicePrincipal, input: SettlementInput) {
  for (const leg of input.legs) assetOf(deps, leg.asset);
  if (input.fee) assetOf(deps, input.fee.asset);
  if (new Set(input.legs.map((l) => l.asset)).size !== input.legs.length)
    throw new CustosError('VALIDATION_FAILED', { message: 'One leg per asset.' });
  return postOnce(deps, service, {
    kind: 'settlement',
    reference: input.tradeId,
    userId: input.userId,
    accountId: input.accountId,
    details: {
      legs: input.legs.map((l) => ({ asset: l.asset, amount: l.amount.toString() })),
      fee: input.fee ? { asset: input.fee.asset, amount: input.fee.amount.toString() } : null,
    },
    postings: (account) =>
      settlement(account, SYSTEM_ACCOUNTS.trading, SYSTEM_ACCOUNTS.fees, input.legs, input.fee),
  });
}

export interface SimpleInput {
  readonly userId: string;
  readonly accountId?: string;
  readonly asset: string;
  readonly amount: bigint;
  readonly reference: string;
  readonly reason: string;
}

/** A fee outside a trade (e.g. a monthly fee). */
export function chargeFee(deps: Deps, service: ServicePrincipal, input: SimpleInput) {
  assetOf(deps, input.asset);
  return postOnce(deps, service, {
    kind: 'fee',
    reference: input.reference,
    userId: input.userId,
    accountId: input.accountId,
    details: { asset: input.asset, amount: input.amount.toString(), reason: input.reason },
    postings: (account) => move(account, SYSTEM_ACCOUNTS.fees, input.asset, input.amount),
  });
}

/** The platform pays a customer back (an incident, a goodwill credit), from its own account. */
export function reimburse(deps: Deps, service: ServicePrincipal, input: SimpleInput) {
  assetOf(deps, input.asset);
  return postOnce(deps, service, {
    kind: 'reimbursement',
    reference: input.reference,
    userId: input.userId,
    accountId: input.accountId,
    details: { asset: input.asset, amount: input.amount.toString(), reason: input.reason },
    postings: (account) => move(SYSTEM_ACCOUNTS.reimbursements, account, input.asset, input.amount),
  });
}
