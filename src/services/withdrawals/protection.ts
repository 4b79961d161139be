import { updateUser } from '../../db/repositories/user.repository.js';
import type { UserRow } from '../../db/schema.js';
import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import {
  effectiveCap,
  pendingCap,
  planCapChange,
  WEAKENING_DELAY_HOURS,
  withdrawalLockState,
  type WithdrawalLockState,
} from '../../domain/withdrawals/settings.js';
import type { Principal, RequestContext } from '../identity/context.js';
import { changeUserSetting, type SettingChange } from '../identity/user-setting-change.js';
import { assertFreshStepUp } from '../identity/sessions.js';
import { settingsLockState } from '../identity/settings-lock.js';
import { assetOf } from '../ledger/assets.js';

export interface ProtectionView {
  readonly withdrawalLock: WithdrawalLockState;
  readonly caps: readonly {
    asset: string;
    dailyLimit: bigint | null;
    pending: { limit: bigint | null; effectiveAt: Date } | null;
  }[];
}

export async function getProtection(
  deps: Pick<Deps, 'db' | 'clock'>,
  userId: string,
): Promise<ProtectionView> {
  const now = deps.clock.now();
  const user = await deps.db
    .selectFrom('users')
    .select(['withdrawal_lock_on', 'withdrawal_lock_off_effective_at'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  const caps = await deps.db
    .selectFrom('withdrawal_caps')
    .selectAll()
    .where('user_id', '=', userId)
    .execute();
  return {
    withdrawalLock: withdrawalLockState(user, now),
    caps: caps
      .map((c) => ({ asset: c.asset, dailyLimit: effectiveCap(c, now), pending: pendingCap(c, now) }))
      .filter((c) => c.dailyLimit !== null || c.pending !== null),
  };
}

/** One change of a withdrawal protection (notified and audited), then what is in force. */
async function change(
  deps: Deps,
  principal: Principal,
  ctx: RequestContext,
  fn: (trx: Trx, user: UserRow, now: Date) => Promise<Omit<SettingChange, 'action'>>,
): Promise<ProtectionView> {
  await changeUserSetting(deps, principal, ctx, 'withdrawal_protection', async (trx, user, now) => ({
    ...(await fn(trx, user, now)),
    action: {
      label: 'Review your withdrawal protection',
      url: `${deps.config.publicUrl}/security/withdrawal-lock`,
    },
  }));
  return getProtection(deps, principal.userId);
}

/** Weakening a protection needs a fresh second factor and unlocked settings. */
function assertMayWeaken(deps: Deps, principal: Principal, user: UserRow, now: Date) {
  assertFreshStepUp(deps, principal);
  if (settingsLockState(user, now).state !== 'off') throw new CustosError('SETTINGS_LOCKED');
}

/** Turns the lock on at once (cancelling a pending unlock): nothing can leave the account. */
export function enableWithdrawalLock(deps: Deps, principal: Principal, ctx: RequestContext) {
  return change(deps, principal, ctx, async (trx, user) => {
    await updateUser(trx, user.id, { withdrawal_lock_on: true, withdrawal_lock_off_effective_at: null });
    return {
      type: 'withdrawal_lock.enabled',
      data: {},
      subject: 'Your withdrawal lock is on',
      lines: [
        'Nothing can be withdrawn from your account until you turn the lock off, which takes 24 hours.',
      ],
    };
  });
}

/** Asks to turn the lock off: it stays on for WEAKENING_DELAY_HOURS, announced with the exact time. */
export function requestWithdrawalUnlock(deps: Deps, principal: Principal, ctx: RequestContext) {
  return change(deps, principal, ctx, async (trx, user, now) => {
    if (withdrawalLockState(user, now).state !== 'on')
      throw new CustosError('CONFLICT', { message: 'The withdrawal lock is not on.' });
    assertMayWeaken(deps, principal, user, now);
    const effectiveAt = new Date(now.getTime() + WEAKENING_DELAY_HOURS * 3_600_000);
    await updateUser(trx, user.id, { withdrawal_lock_off_effective_at: effectiveAt });
    return {
      type: 'withdrawal_lock.unlock_requested',
      data: { effectiveAt: effectiveAt.toISOString() },
      subject: 'Your withdrawal lock will turn off',
      lines: [
        `Someone asked to turn off the withdrawal lock of your account. It turns off at ${effectiveAt.toISOString()} (UTC).`,
        'If this was not you, turn the lock back on in the security center before then, or lock your account.',
      ],
    };
  });
}

/**
 * Sets or removes the daily cap of an asset. Lowering (or setting a first cap) is immediate;
 * raising or removing it needs a step-up and takes effect after WEAKENING_DELAY_HOURS.
 */
export function setDailyCap(
  deps: Deps,
  principal: Principal,
  input: { asset: string; dailyLimit: bigint | null },
  ctx: RequestContext,
) {
  assetOf(deps, input.asset);
  return change(deps, principal, ctx, async (trx, user, now) => {
    const row = await trx
      .selectFrom('withdrawal_caps')
      .selectAll()
      .where('user_id', '=', user.id)
      .where('asset', '=', input.asset)
      .forUpdate()
      .executeTakeFirst();
    const current = effectiveCap(row, now);
    const plan = planCapChange(current, input.dailyLimit, now);
    const limitText = input.dailyLimit === null ? 'no cap' : `${input.dailyLimit} (smallest units)`;
    if (plan.immediate) {
      await trx
        .insertInto('withdrawal_caps')
        .values({
          user_id: user.id,
          asset: input.asset,
          daily_limit: input.dailyLimit!.toString(),
          pending_limit: null,
          pending_unlimited: false,
          pending_effective_at: null,
          updated_at: now,
        })
        .onConflict((oc) =>
          oc.columns(['user_id', 'asset']).doUpdateSet({
            daily_limit: input.dailyLimit!.toString(),
            pending_limit: null,
            pending_unlimited: false,
            pending_effective_at: null,
            updated_at: now,
          }),
        )
        .execute();
      return {
        type: 'withdrawal_cap.lowered',
        data: { asset: input.asset, dailyLimit: input.dailyLimit!.toString() },
        subject: `Your daily ${input.asset} withdrawal cap was lowered`,
        lines: [`Your daily ${input.asset} withdrawal cap is now ${limitText}, from now on.`],
      };
    }
    assertMayWeaken(deps, principal, user, now);
    const values = {
      daily_limit: current === null ? null : current.toString(),
      pending_limit: input.dailyLimit === null ? null : input.dailyLimit.toString(),
      pending_unlimited: input.dailyLimit === null,
      pending_effective_at: plan.effectiveAt,
      updated_at: now,
    };
    await trx
      .insertInto('withdrawal_caps')
      .values({ user_id: user.id, asset: input.asset, ...values })
      .onConflict((oc) => oc.columns(['user_id', 'asset']).doUpdateSet(values))
      .execute();
    return {
      type: 'withdrawal_cap.raise_requested',
      data: {
        asset: input.asset,
        dailyLimit: input.dailyLimit === null ? null : input.dailyLimit.toString(),
        effectiveAt: plan.effectiveAt.toISOString(),
      },
      subject: `Your daily ${input.asset} withdrawal cap will be raised`,
      lines: [
        `Someone asked to change your daily ${input.asset} withdrawal cap to ${limitText}. The change takes effect at ${plan.effectiveAt.toISOString()} (UTC).`,
        'If this was not you, set a lower cap now (it applies at once), or lock your account.',
      ],
    };
  });
}
