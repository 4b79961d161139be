/**
 * The double-entry journal, as pure functions. A transaction is a list of postings; per asset
 * its amounts sum to zero, so money is only ever moved, never made or lost. Customer accounts
 * never go below zero (the database enforces it too); system accounts (the chain, fees, the
 * trading counterparty, reimbursements) are where money enters and leaves the platform, so their
 * balances are the mirror image of the customers'.
 */
export interface Posting {
  readonly accountId: string;
  readonly asset: string;
  /** Positive credits the account, negative debits it. Never zero. */
  readonly amount: bigint;
}

export type Unbalanced = { asset: string; sum: bigint };

/** The assets whose postings do not sum to zero (empty when balanced). */
export function unbalancedAssets(postings: readonly Posting[]): Unbalanced[] {
  const sums = new Map<string, bigint>();
  for (const p of postings) sums.set(p.asset, (sums.get(p.asset) ?? 0n) + p.amount);
  return [...sums].filter(([, sum]) => sum !== 0n).map(([asset, sum]) => ({ asset, sum }));
}

export function assertBalanced(postings: readonly Posting[]): void {
  if (postings.length < 2) throw new Error('a transaction needs at least two postings');
  if (postings.some((p) => p.amount === 0n)) throw new Error('a posting of zero moves nothing');
  const off = unbalancedAssets(postings);
  if (off.length) throw new Error(`unbalanced: ${off.map((o) => `${o.asset} ${o.sum}`).join(', ')}`);
}

/** Moves `amount` of `asset` from one account to another. */
export function move(from: string, to: string, asset: string, amount: bigint): Posting[] {
  if (amount <= 0n) throw new Error('amount must be positive');
  if (from === to) throw new Error('from and to are the same account');
  return [
    { accountId: from, asset, amount: -amount },
    { accountId: to, asset, amount },
  ];
}

/**
 * A trade settlement: each leg is what the customer receives (positive) or gives (negative),
 * mirrored on the trading counterparty; a fee moves from the customer to the fee account.
 */
export function settlement(
  customer: string,
  counterparty: string,
  feeAccount: string,
  legs: readonly { asset: string; amount: bigint }[],
  fee?: { asset: string; amount: bigint },
): Posting[] {
  const postings: Posting[] = [];
  for (const leg of legs) {
    if (leg.amount === 0n) throw new Error('a settlement leg of zero moves nothing');
    postings.push({ accountId: customer, asset: leg.asset, amount: leg.amount });
    postings.push({ accountId: counterparty, asset: leg.asset, amount: -leg.amount });
  }
  if (fee && fee.amount > 0n) postings.push(...move(customer, feeAccount, fee.asset, fee.amount));
  return postings;
}

/**
 * The net change per account and asset, in a fixed order (account, then asset): applying
 * balance updates in this order means two transactions never wait on each other's rows in
 * opposite orders (no deadlock).
 */
export function netChanges(postings: readonly Posting[]): Posting[] {
  const net = new Map<string, Posting>();
  for (const p of postings) {
    const key = `${p.accountId}\u0000${p.asset}`;
    const prev = net.get(key);
    net.set(key, { accountId: p.accountId, asset: p.asset, amount: (prev?.amount ?? 0n) + p.amount });
  }
  return [...net.values()]
    .filter((p) => p.amount !== 0n)
    .sort((a, b) => (a.accountId === b.accountId ? cmp(a.asset, b.asset) : cmp(a.accountId, b.accountId)));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
