import type { Executor, Trx } from '../../db/database.js';
import { findUserById, updateUser } from '../../db/repositories/user.repository.js';
import type { UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import type { Principal, RequestContext } from './context.js';
import { assertFreshStepUp } from './sessions.js';
import { changeUserSetting } from './user-setting-change.js';

/**
 * The settings lock (SPEC S1): while on, no security setting can change. Lifting it is a request
 * that takes effect only after the delay the user chose when locking (1 to 30 days), announced
 * on every channel; the state is evaluated when read, so no scheduler is involved.
 */
export type SettingsLockState =
  | { state: 'off' }
  | { state: 'locked'; lockedAt: Date; unlockDelayDays: number }
  | { state: 'unlock_pending'; lockedAt: Date; unlockDelayDays: number; unlockEffectiveAt: Date };

export function settingsLockState(
  u: Pick<UserRow, 'settings_locked_at' | 'settings_unlock_delay_days' | 'settings_unlock_effective_at'>,
  now: Date,
): SettingsLockState {
  if (!u.settings_locked_at || u.settings_unlock_delay_days === null) return { state: 'off' };
  if (u.settings_unlock_effective_at) {
    if (u.settings_unlock_effective_at <= now) return { state: 'off' };
    return {
      state: 'unlock_pending',
      lockedAt: u.settings_locked_at,
      unlockDelayDays: u.settings_unlock_delay_days,
      unlockEffectiveAt: u.settings_unlock_effective_at,
    };
  }
  return { state: 'locked', lockedAt: u.settings_locked_at, unlockDelayDays: u.settings_unlock_delay_days };
}

export async function assertSettingsUnlocked(
  db: Executor,
  deps: Pick<Deps, 'clock'>,
  userId: string,
): Promise<void> {
  const user = await findUserById(db, userId);
  if (user && settingsLockState(user, deps.clock.now()).state !== 'off')
    throw new CustosError('SETTINGS_LOCKED');
}

/** A settings-lock change, then the state it left. */
async function change(
  deps: Deps,
  principal: Principal,
  ctx: RequestContext,
  fn: (
    trx: Trx,
    user: UserRow,
    now: Date,
  ) => Promise<{ type: string; data: Record<string, unknown>; lines: string[] }>,
) {
  await changeUserSetting(deps, principal, ctx, 'security_setting_changed', async (trx, user, now) => ({
    ...(await fn(trx, user, now)),
    subject: 'Your security settings lock changed',
  }));
  const fresh = await findUserById(deps.db, principal.userId);
  return settingsLockState(fresh!, deps.clock.now());
}

export function lockSettings(deps: Deps, principal: Principal, unlockDelayDays: number, ctx: RequestContext) {
  return change(deps, principal, ctx, async (trx, user, now) => {
    const current = settingsLockState(user, now);
    if (current.state !== 'off')
      throw new CustosError('CONFLICT', { message: 'Your security settings are already locked.' });
    await updateUser(trx, user.id, {
      settings_locked_at: now,
      settings_unlock_delay_days: unlockDelayDays,
      settings_unlock_effective_at: null,
    });
    return {
      type: 'settings_lock.enabled',
      data: { unlockDelayDays },
      lines: [
        `Your security settings are now locked. Unlocking will take ${unlockDelayDays} day(s) after you ask for it.`,
      ],
    };
  });
}

/** Lifting the lock is turning a protection off: it needs a fresh step-up. */
export function requestSettingsUnlock(deps: Deps, principal: Principal, ctx: RequestContext) {
  assertFreshStepUp(deps, principal);
  return change(deps, principal, ctx, async (trx, user, now) => {
    const current = settingsLockState(user, now);
    if (current.state === 'off') throw new CustosError('SETTINGS_LOCK_NOT_ACTIVE');
    if (current.state === 'unlock_pending')
      throw new CustosError('CONFLICT', { message: 'An unlock is already pending.' });
    const effectiveAt = new Date(now.getTime() + current.unlockDelayDays * 86_400_000);
    await updateUser(trx, user.id, { settings_unlock_effective_at: effectiveAt });
    return {
      type: 'settings_lock.unlock_requested',
      data: { effectiveAt: effectiveAt.toISOString() },
      lines: [
        `Someone asked to unlock your security settings. The unlock takes effect at ${effectiveAt.toISOString()} (UTC).`,
        'If this was not you, cancel the unlock in your security center and lock your account.',
      ],
    };
  });
}

export function cancelSettingsUnlock(deps: Deps, principal: Principal, ctx: RequestContext) {
  return change(deps, principal, ctx, async (trx, user, now) => {
    if (settingsLockState(user, now).state !== 'unlock_pending')
      throw new CustosError('CONFLICT', { message: 'No unlock is pending.' });
    await updateUser(trx, user.id, { settings_unlock_effective_at: null });
    return {
      type: 'settings_lock.unlock_cancelled',
      data: {},
      lines: ['The pending unlock of your security settings was cancelled.'],
    };
  });
}
