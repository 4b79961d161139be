import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateWithdrawalPolicy, type PolicyFacts } from './policy.js';

const now = new Date('2026-11-21T12:00:00Z');
const ok: PolicyFacts = {
  now,
  amount: 100n,
  asset: 'BTC',
  available: 1_000n,
  account: {
    locked: false,
    withdrawalsFrozenUntil: null,
    recoveryPending: false,
    withdrawalLockOn: false,
    stepUpFresh: true,
    hasSecondFactor: true,
  },
  platform: { killSwitchAll: false, killSwitchAssets: [], whitelistOnly: true },
  address: { status: 'active', activeFrom: new Date('2026-11-01T00:00:00Z') },
  userDailyCap: null,
  sentLast24h: 0n,
  sentLast30d: 0n,
  tier: { perWithdrawal: null, daily: null, monthly: null },
};
const codes = (f: PolicyFacts) => {
  const d = evaluateWithdrawalPolicy(f);
  return d.outcome === 'continue' ? [] : d.reasons.map((r) => r.code);
};

describe('withdrawal policy', () => {
  it('a request that meets every rule continues', () => {
    expect(evaluateWithdrawalPolicy(ok)).toEqual({ outcome: 'continue' });
  });

  it('each protection stops a withdrawal on its own, with its reason', () => {
    expect(codes({ ...ok, account: { ...ok.account, locked: true } })).toEqual(['ACCOUNT_LOCKED']);
    expect(codes({ ...ok, account: { ...ok.account, stepUpFresh: false } })).toEqual(['STEP_UP_REQUIRED']);
    // A fresh step-up on an account without a factor was the password alone (SPEC S1).
    expect(codes({ ...ok, account: { ...ok.account, hasSecondFactor: false } })).toEqual(['MFA_REQUIRED']);
    expect(codes({ ...ok, account: { ...ok.account, hasSecondFactor: false, stepUpFresh: false } })).toEqual([
      'MFA_REQUIRED',
    ]);
    expect(codes({ ...ok, account: { ...ok.account, withdrawalLockOn: true } })).toEqual([
      'WITHDRAWAL_LOCK_ON',
    ]);
    expect(codes({ ...ok, account: { ...ok.account, recoveryPending: true } })).toEqual(['RECOVERY_PENDING']);
    expect(
      codes({ ...ok, account: { ...ok.account, withdrawalsFrozenUntil: new Date('2026-11-22T00:00:00Z') } }),
    ).toEqual(['SECURITY_FREEZE']);
    expect(
      codes({ ...ok, account: { ...ok.account, withdrawalsFrozenUntil: new Date('2026-11-21T11:00:00Z') } }),
    ).toEqual([]);
    expect(codes({ ...ok, platform: { ...ok.platform, killSwitchAll: true } })).toEqual([
      'WITHDRAWALS_PAUSED',
    ]);
    expect(codes({ ...ok, platform: { ...ok.platform, killSwitchAssets: ['BTC'] } })).toEqual([
      'ASSET_PAUSED',
    ]);
    expect(codes({ ...ok, platform: { ...ok.platform, killSwitchAssets: ['ETH'] } })).toEqual([]);
  });

  it('whitelist-only: an address outside the book, unconfirmed or still waiting is refused', () => {
    expect(codes({ ...ok, address: null })).toEqual(['ADDRESS_NOT_IN_BOOK']);
    expect(codes({ ...ok, address: { status: 'awaiting_confirmation', activeFrom: null } })).toEqual([
      'ADDRESS_NOT_CONFIRMED',
    ]);
    const activating = { status: 'activating' as const, activeFrom: new Date('2026-11-21T18:00:00Z') };
    const d = evaluateWithdrawalPolicy({ ...ok, address: activating });
    expect(d).toEqual({
      outcome: 'reject',
      reasons: [
        {
          code: 'ADDRESS_NOT_ACTIVE_YET',
          message: 'This address can receive withdrawals from 2026-11-21 18:00 UTC.',
        },
      ],
    });
    expect(codes({ ...ok, address: null, platform: { ...ok.platform, whitelistOnly: false } })).toEqual([]);
  });

  it('caps, tier limits and the balance', () => {
    expect(codes({ ...ok, amount: 0n })).toEqual(['AMOUNT_NOT_POSITIVE']);
    expect(codes({ ...ok, userDailyCap: 150n, sentLast24h: 60n })).toEqual(['OVER_USER_DAILY_CAP']);
    expect(codes({ ...ok, userDailyCap: 160n, sentLast24h: 60n })).toEqual([]);
    expect(codes({ ...ok, tier: { perWithdrawal: 99n, daily: null, monthly: null } })).toEqual([
      'OVER_TIER_PER_WITHDRAWAL',
    ]);
    expect(
      codes({ ...ok, sentLast24h: 950n, tier: { perWithdrawal: null, daily: 1_000n, monthly: null } }),
    ).toEqual(['OVER_TIER_DAILY']);
    expect(
      codes({ ...ok, sentLast30d: 10_000n, tier: { perWithdrawal: null, daily: null, monthly: 10_050n } }),
    ).toEqual(['OVER_TIER_MONTHLY']);
    expect(codes({ ...ok, amount: 1_001n })).toEqual(['INSUFFICIENT_FUNDS']);
  });

  it('property: it continues exactly when no single rule fails, and lists every failing rule', () => {
    fc.assert(
      fc.property(
        fc.record({
          locked: fc.boolean(),
          lock: fc.boolean(),
          fresh: fc.boolean(),
          killAll: fc.boolean(),
          inBook: fc.boolean(),
          amount: fc.bigInt({ min: 0n, max: 2_000n }),
          cap: fc.option(fc.bigInt({ min: 0n, max: 2_000n }), { nil: null }),
        }),
        (r) => {
          const f: PolicyFacts = {
            ...ok,
            amount: r.amount,
            account: { ...ok.account, locked: r.locked, withdrawalLockOn: r.lock, stepUpFresh: r.fresh },
            platform: { ...ok.platform, killSwitchAll: r.killAll },
            address: r.inBook ? ok.address : null,
            userDailyCap: r.cap,
          };
          const expected = [
            r.locked && 'ACCOUNT_LOCKED',
            r.killAll && 'WITHDRAWALS_PAUSED',
            !r.fresh && 'STEP_UP_REQUIRED',
            r.lock && 'WITHDRAWAL_LOCK_ON',
            !r.inBook && 'ADDRESS_NOT_IN_BOOK',
            r.amount === 0n && 'AMOUNT_NOT_POSITIVE',
            r.amount > 0n && r.cap !== null && r.amount > r.cap && 'OVER_USER_DAILY_CAP',
            r.amount > 1_000n && 'INSUFFICIENT_FUNDS',
          ].filter(Boolean);
          expect(codes(f)).toEqual(expected);
        },
      ),
    );
  });
});
