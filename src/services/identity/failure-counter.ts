import { lockUserById, updateUser } from '../../db/repositories/user.repository.js';
import type { UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import {
  type AttemptSource,
  type FailureState,
  gateAttempt,
  type LockoutPolicy,
  recordFailure,
} from '../../domain/identity/lockout.js';
import { appendAudit } from '../audit/append-audit.js';
import { notifyUser } from '../notifications/notify.js';
import type { RequestContext } from './context.js';

/**
 * The one per-account failure counter over every factor (SPEC S1). Password, TOTP, backup code,
 * passkey and email codes all count here, so switching factor or endpoint never resets it.
 */
export const lockoutPolicy = (config: Deps['config']): LockoutPolicy => ({
  delayAfter: config.LOCKOUT_DELAY_AFTER,
  maxDelaySeconds: config.LOCKOUT_MAX_DELAY_SECONDS,
  tempThreshold: config.LOCKOUT_TEMP_THRESHOLD,
  tempMinutes: config.LOCKOUT_TEMP_MINUTES,
  hardThreshold: config.LOCKOUT_HARD_THRESHOLD,
});

export const failureStateOf = (u: UserRow): FailureState => ({
  failedAttempts: u.failed_attempts,
  lastFailedAt: u.last_failed_at,
  tempLockedUntil: u.temp_locked_until,
  hardLockedAt: u.hard_locked_at,
});

/** May this account be tried now from this source? A no is answered like a wrong password. */
export function attemptAllowed(
  deps: Pick<Deps, 'config' | 'clock'>,
  user: UserRow,
  source: AttemptSource,
): boolean {
  return gateAttempt(failureStateOf(user), lockoutPolicy(deps.config), deps.clock.now(), source).allowed;
}

/**
 * Counts one failure in its own transaction (it must stick even though the request fails),
 * under the user's row lock so concurrent failures are all counted.
 */
export async function countFailure(
  deps: Deps,
  userId: string,
  factor: string,
  ctx: RequestContext,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const user = await lockUserById(trx, userId);
    if (!user) return;
    const now = deps.clock.now();
    const { state, event } = recordFailure(failureStateOf(user), lockoutPolicy(deps.config), now);
    // A hard lock ends every session: no node may serve one from its cache from here on.
    if (state.hardLockedAt && !user.hard_locked_at) deps.sessionCache.hold(userId);
    await updateUser(trx, userId, {
      failed_attempts: state.failedAttempts,
      last_failed_at: state.lastFailedAt,
      temp_locked_until: state.tempLockedUntil,
      hard_locked_at: state.hardLockedAt,
    });
    deps.metrics.signIns.inc({ outcome: `failure_${factor}` });
    if (event === 'temp_locked') {
      deps.metrics.lockouts.inc({ kind: 'temporary' });
      await notifyUser(trx, deps, user, {
        event: 'temporary_lock',
        subject: 'Sign-in to your account was paused',
        lines: [
          `There were ${state.failedAttempts} failed sign-in attempts on your account in a row.`,
          `Sign-in from unknown devices is paused until ${state.tempLockedUntil?.toISOString()} (UTC). Your approved devices can still sign in.`,
          'If this was not you, your password may be known to someone else: change it and review your devices.',
        ],
        data: { failedAttempts: state.failedAttempts, until: state.tempLockedUntil?.toISOString() },
      });
    } else if (event === 'hard_locked') {
      deps.metrics.lockouts.inc({ kind: 'hard' });
      await notifyUser(trx, deps, user, {
        event: 'hard_lock',
        subject: 'Your account was locked after too many failed sign-ins',
        lines: [
          `After ${state.failedAttempts} failed attempts in a row your account is locked.`,
          'Only a password reset confirmed from this email address unlocks it.',
        ],
        action: { label: 'Reset your password', url: `${deps.config.publicUrl}/reset-password` },
        notMeLink: false,
        data: { failedAttempts: state.failedAttempts },
      });
    }
    await appendAudit(trx, deps, {
      type: 'sign_in.failed',
      actor: 'anonymous',
      userId,
      ip: ctx.ip,
      data: { factor, failedAttempts: state.failedAttempts, ...(event !== 'none' ? { lock: event } : {}) },
    });
  });
}
