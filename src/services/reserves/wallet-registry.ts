import { CustosError } from '../../domain/errors.js';
import type { Deps } from '../../deps.js';
import { appendAudit } from '../audit/append-audit.js';
import { assetOf } from '../ledger/assets.js';

/**
 * The wallet registry (S8): the platform's wallets per asset, whose balances are the reserves a
 * snapshot publishes. A `manual` wallet's balance is what an operator observed and when; a
 * `chain` wallet's balance is read from the chain adapter when a snapshot is taken. Every change
 * is audited; a removed wallet stays on record, inactive.
 */
export interface ReserveWallet {
  readonly id: string;
  readonly asset: string;
  readonly label: string;
  readonly address: string;
  readonly source: 'manual' | 'chain';
  readonly balance: bigint | null;
  readonly observedAt: Date | null;
  readonly active: boolean;
  readonly updatedAt: Date;
}

type WalletRow = {
  id: string;
  asset: string;
  label: string;
  address: string;
  source: 'manual' | 'chain';
  balance: string | null;
  observed_at: Date | null;
  active: boolean;
  updated_at: Date;
};

const toWallet = (r: WalletRow): ReserveWallet => ({
  id: r.id,
  asset: r.asset,
  label: r.label,
  address: r.address,
  source: r.source,
  balance: r.balance === null ? null : BigInt(r.balance),
  observedAt: r.observed_at,
  active: r.active,
  updatedAt: r.updated_at,
});

const COLUMNS = [
  'id',
  'asset',
  'label',
  'address',
  'source',
  'balance',
  'observed_at',
  'active',
  'updated_at',
] as const;

export async function listWallets(deps: Pick<Deps, 'db'>, options: { includeRemoved?: boolean } = {}) {
  let q = deps.db.selectFrom('reserve_wallets').select(COLUMNS).orderBy('asset').orderBy('created_at');
  if (!options.includeRemoved) q = q.where('active', '=', true);
  return (await q.execute()).map(toWallet);
}

export interface AddWalletInput {
  readonly asset: string;
  readonly label: string;
  readonly address: string;
  readonly source: 'manual' | 'chain';
  /** Required for a manual wallet. */
  readonly balance?: bigint;
  readonly observedAt?: Date;
  readonly actor: string;
}

export async function addWallet(deps: Deps, input: AddWalletInput): Promise<ReserveWallet> {
  assetOf(deps, input.asset);
  if (input.source === 'manual' && (input.balance === undefined || input.balance < 0n)) {
    throw new CustosError('VALIDATION_FAILED', {
      details: [{ path: 'balance', message: 'a manual wallet needs its balance (0 or more)' }],
    });
  }
  if (input.source === 'chain' && !deps.chain.walletBalance) {
    throw new CustosError('VALIDATION_FAILED', {
      details: [
        { path: 'source', message: `the ${deps.chain.name} chain adapter cannot read wallet balances` },
      ],
    });
  }
  const now = deps.clock.now();
  const id = deps.random.uuid();
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('reserve_wallets')
      .values({
        id,
        asset: input.asset,
        label: input.label,
        address: input.address,
        source: input.source,
        balance: input.source === 'manual' ? input.balance!.toString() : null,
        observed_at: input.source === 'manual' ? (input.observedAt ?? now) : null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) => oc.columns(['asset', 'address']).where('active', '=', true).doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    if (!row) throw new CustosError('CONFLICT', { message: 'This wallet is already registered.' });
    await appendAudit(trx, deps, {
      type: 'reserves.wallet_added',
      actor: input.actor,
      data: {
        walletId: id,
        asset: input.asset,
        address: input.address,
        source: input.source,
        balance: row.balance,
      },
    });
    return toWallet(row);
  });
}

/** Records a manual wallet's newly observed balance. */
export async function setWalletBalance(
  deps: Deps,
  input: { id: string; balance: bigint; observedAt?: Date; actor: string },
): Promise<ReserveWallet> {
  if (input.balance < 0n) {
    throw new CustosError('VALIDATION_FAILED', {
      details: [{ path: 'balance', message: 'must be 0 or more' }],
    });
  }
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('reserve_wallets')
      .select(['balance', 'source'])
      .where('id', '=', input.id)
      .where('active', '=', true)
      .forUpdate()
      .executeTakeFirst();
    if (!before) throw new CustosError('NOT_FOUND');
    if (before.source !== 'manual') {
      throw new CustosError('CONFLICT', { message: 'A chain wallet’s balance is read from the chain.' });
    }
    const row = await trx
      .updateTable('reserve_wallets')
      .set({ balance: input.balance.toString(), observed_at: input.observedAt ?? now, updated_at: now })
      .where('id', '=', input.id)
      .returning(COLUMNS)
      .executeTakeFirstOrThrow();
    await appendAudit(trx, deps, {
      type: 'reserves.wallet_balance_set',
      actor: input.actor,
      data: { walletId: input.id, from: before.balance, to: row.balance, observedAt: row.observed_at },
    });
    return toWallet(row);
  });
}

export async function removeWallet(deps: Deps, input: { id: string; actor: string }): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('reserve_wallets')
      .set({ active: false, updated_at: deps.clock.now() })
      .where('id', '=', input.id)
      .where('active', '=', true)
      .returning(['asset', 'address'])
      .executeTakeFirst();
    if (!row) throw new CustosError('NOT_FOUND');
    await appendAudit(trx, deps, {
      type: 'reserves.wallet_removed',
      actor: input.actor,
      data: { walletId: input.id, asset: row.asset, address: row.address },
    });
  });
}

/** Each asset's reserves now: manual balances as observed, chain wallets as the chain shows them. */
export async function currentReserves(deps: Pick<Deps, 'db' | 'chain'>): Promise<Map<string, bigint>> {
  const totals = new Map<string, bigint>();
  for (const w of await listWallets(deps)) {
    if (w.source === 'chain' && !deps.chain.walletBalance) {
      throw new Error(`wallet ${w.id}: the ${deps.chain.name} chain adapter cannot read balances`);
    }
    const balance = w.source === 'manual' ? w.balance! : await deps.chain.walletBalance!(w.asset, w.address);
    totals.set(w.asset, (totals.get(w.asset) ?? 0n) + balance);
  }
  return totals;
}
