/**
 * The withdrawal policy of SPEC S3 as one pure function: every rule a withdrawal request must
 * pass before funds are held, each failure with a stable code and a reason the user can read.
 * It returns decisions; it never throws and does no I/O (the service reads the facts and
 * applies the outcome in one transaction).
 */
export interface PolicyFacts {
  readonly now: Date;
  readonly amount: bigint;
  readonly asset: string;
  readonly available: bigint;
  readonly account: {
    readonly locked: boolean;
    readonly withdrawalsFrozenUntil: Date | null;
    readonly recoveryPending: boolean;
    readonly withdrawalLockOn: boolean;
    readonly stepUpFresh: boolean;
    /** A second factor (authenticator app or passkey) is enrolled: SPEC S1, before any movement of funds. */
    readonly hasSecondFactor: boolean;
  };
  readonly platform: {
    readonly killSwitchAll: boolean;
    readonly killSwitchAssets: readonly string[];
    readonly whitelistOnly: boolean;
  };
  /** The destination as the address book knows it; null when it is not in the book. */
  readonly address: {
    readonly status: 'awaiting_confirmation' | 'activating' | 'active';
    readonly activeFrom: Date | null;
  } | null;
  /** The user's own daily cap for the asset, and what left in the last 24 hours. */
  readonly userDailyCap: bigint | null;
  readonly sentLast24h: bigint;
  readonly sentLast30d: bigint;
  /** The verification tier's limits for the asset (null: no limit of that kind). */
  readonly tier: {
    readonly perWithdrawal: bigint | null;
    readonly daily: bigint | null;
    readonly monthly: bigint | null;
  };
}

export type PolicyCode =
  | 'ACCOUNT_LOCKED'
  | 'WITHDRAWALS_PAUSED'
  | 'ASSET_PAUSED'
  | 'STEP_UP_REQUIRED'
  | 'MFA_REQUIRED'
  | 'WITHDRAWAL_LOCK_ON'
  | 'SECURITY_FREEZE'
  | 'RECOVERY_PENDING'
  | 'ADDRESS_NOT_IN_BOOK'
  | 'ADDRESS_NOT_CONFIRMED'
  | 'ADDRESS_NOT_ACTIVE_YET'
  | 'AMOUNT_NOT_POSITIVE'
  | 'OVER_USER_DAILY_CAP'
  | 'OVER_TIER_PER_WITHDRAWAL'
  | 'OVER_TIER_DAILY'
  | 'OVER_TIER_MONTHLY'
  | 'INSUFFICIENT_FUNDS';

export interface PolicyReason {
  readonly code: PolicyCode;
  readonly message: string;
}

export type PolicyDecision =
  | { readonly outcome: 'continue' }
  | { readonly outcome: 'reject'; readonly reasons: readonly PolicyReason[] };

const at = (d: Date) => `${d.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

/** Every rule, in the order a person would want to hear them; all failing reasons are returned. */
export function evaluateWithdrawalPolicy(f: PolicyFacts): PolicyDecision {
  const reasons: PolicyReason[] = [];
  const no = (code: PolicyCode, message: string) => reasons.push({ code, message });

  if (f.account.locked)
    no('ACCOUNT_LOCKED', 'Your account is locked. Unlock it through account recovery first.');
  if (f.platform.killSwitchAll) no('WITHDRAWALS_PAUSED', 'Withdrawals are paused on the platform for now.');
  else if (f.platform.killSwitchAssets.includes(f.asset))
    no('ASSET_PAUSED', `${f.asset} withdrawals are paused on the platform for now.`);
  // Without a factor, the step-up was the password alone: a stolen password would be enough.
  if (!f.account.hasSecondFactor)
    no('MFA_REQUIRED', 'Set up an authenticator app or a passkey first: withdrawals need a second factor.');
  else if (!f.account.stepUpFresh) no('STEP_UP_REQUIRED', 'Confirm it is you with your second factor first.');
  if (f.account.withdrawalLockOn)
    no('WITHDRAWAL_LOCK_ON', 'Your withdrawal lock is on. Turning it off takes 24 hours.');
  if (f.account.recoveryPending)
    no('RECOVERY_PENDING', 'An account recovery is in progress: withdrawals wait until it ends.');
  if (f.account.withdrawalsFrozenUntil && f.now < f.account.withdrawalsFrozenUntil)
    no(
      'SECURITY_FREEZE',
      `After a recent security change, withdrawals are frozen until ${at(f.account.withdrawalsFrozenUntil)}.`,
    );

  if (f.platform.whitelistOnly || f.address) {
    if (!f.address)
      no('ADDRESS_NOT_IN_BOOK', 'Withdrawals go only to addresses in your address book. Add this one first.');
    else if (f.address.status === 'awaiting_confirmation')
      no('ADDRESS_NOT_CONFIRMED', 'Confirm this address with the link we emailed you first.');
    else if (f.address.status === 'activating' && f.address.activeFrom && f.now < f.address.activeFrom)
      no('ADDRESS_NOT_ACTIVE_YET', `This address can receive withdrawals from ${at(f.address.activeFrom)}.`);
  }

  if (f.amount <= 0n) no('AMOUNT_NOT_POSITIVE', 'Enter an amount above zero.');
  else {
    if (f.userDailyCap !== null && f.sentLast24h + f.amount > f.userDailyCap)
      no('OVER_USER_DAILY_CAP', 'This is more than your own daily cap allows in 24 hours.');
    if (f.tier.perWithdrawal !== null && f.amount > f.tier.perWithdrawal)
      no('OVER_TIER_PER_WITHDRAWAL', 'This is more than your verification level allows in one withdrawal.');
    if (f.tier.daily !== null && f.sentLast24h + f.amount > f.tier.daily)
      no('OVER_TIER_DAILY', 'This is more than your verification level allows in 24 hours.');
    if (f.tier.monthly !== null && f.sentLast30d + f.amount > f.tier.monthly)
      no('OVER_TIER_MONTHLY', 'This is more than your verification level allows in 30 days.');
    if (f.amount > f.available) no('INSUFFICIENT_FUNDS', 'The amount is more than your available balance.');
  }
  return reasons.length ? { outcome: 'reject', reasons } : { outcome: 'continue' };
}
