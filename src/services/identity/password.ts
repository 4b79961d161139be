import {
  findUserByEmail,
  findUserById,
  lockUserById,
  updateUser,
} from '../../db/repositories/user.repository.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { normalizePassword } from '../../domain/identity/password-policy.js';
import { appendAudit } from '../audit/append-audit.js';
import { enqueueJob } from '../notifications/jobs.js';
import { notifyUser } from '../notifications/notify.js';
import type { Principal, RequestContext } from './context.js';
import { consumeEmailToken, issueEmailToken } from './email-tokens.js';
import { countFailure } from './failure-counter.js';
import { assertStrongPassword } from './register.js';
import { applySecurityChange } from './security-change.js';
import { assertFreshStepUp, revokeSessions } from './sessions.js';

const RESET_TTL_MINUTES = 60;

/** Change with the current password and a fresh step-up; offers to end every other session. */
export async function changePassword(
  deps: Deps,
  principal: Principal,
  input: { currentPassword: string; newPassword: string; endOtherSessions: boolean },
  ctx: RequestContext,
) {
  assertFreshStepUp(deps, principal);
  assertStrongPassword(deps, input.newPassword, [principal.email]);
  const user = await findUserById(deps.db, principal.userId);
  if (!user) throw new CustosError('UNAUTHENTICATED');
  if (!(await deps.passwords.verify(user.password_hash, normalizePassword(input.currentPassword)))) {
    await countFailure(deps, user.id, 'password', ctx);
    throw new CustosError('INVALID_CREDENTIALS');
  }
  const hash = await deps.passwords.hash(normalizePassword(input.newPassword));
  return applySecurityChange(deps, principal, ctx, {
    type: 'password.changed',
    subject: 'Your password was changed',
    lines: ['The password of your account was changed.'],
    freezeWithdrawals: true,
    endOtherSessions: input.endOtherSessions,
    apply: async (trx, u, now) => {
      await updateUser(trx, u.id, { password_hash: hash, password_changed_at: now });
      return { result: { changed: true as const } };
    },
  });
}

/**
 * Answers the same, in the same time, for known and unknown emails: the request only queues a
 * job (one insert whatever the email), and the worker looks the account up afterwards.
 * A reset proves control of the mailbox only: the second factor is still asked at sign-in.
 */
export async function requestPasswordReset(deps: Deps, input: { email: string }, ctx: RequestContext) {
  await enqueueJob(deps, { job: 'password_reset_request', email: input.email, ip: ctx.ip });
  return { status: 'reset_email_sent_if_account_exists' as const };
}

/** The queued half of a reset request (see `requestPasswordReset`). */
export async function runPasswordResetRequest(deps: Deps, job: { email: string; ip: string }) {
  const ctx = { ip: job.ip };
  const user = await findUserByEmail(deps.db, job.email);
  await deps.db.transaction().execute(async (trx) => {
    if (user) {
      const token = await issueEmailToken(trx, deps, {
        userId: user.id,
        purpose: 'password_reset',
        ttlMinutes: RESET_TTL_MINUTES,
      });
      await notifyUser(trx, deps, user, {
        event: 'password_reset',
        subject: 'Reset your password',
        lines: [
          'Someone asked to reset the password of your account.',
          `The link works once, for ${RESET_TTL_MINUTES} minutes. Resetting ends all sessions and pauses withdrawals for ${deps.config.SECURITY_CHANGE_FREEZE_HOURS} hours.`,
        ],
        action: {
          label: 'Choose a new password',
          url: `${deps.config.publicUrl}/reset-password?token=${token}`,
        },
      });
    }
    await appendAudit(trx, deps, {
      type: 'password.reset_requested',
      actor: 'anonymous',
      userId: user?.id ?? null,
      ip: ctx.ip,
      data: { knownAccount: user !== undefined },
    });
  });
}

/**
 * Sets the new password from the emailed link. This is the only way a hard lock is cleared
 * (SPEC S1: an email-verified reset). Every session and pending sign-in ends.
 */
export async function confirmPasswordReset(
  deps: Deps,
  input: { token: string; newPassword: string },
  ctx: RequestContext,
) {
  const hash = await deps.passwords.hash(normalizePassword(input.newPassword));
  return deps.db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, deps, 'password_reset', input.token);
    if (!t) throw new CustosError('EMAIL_TOKEN_INVALID');
    const user = await lockUserById(trx, t.user_id);
    if (!user) throw new CustosError('EMAIL_TOKEN_INVALID');
    // Checked after the token so that a weak password does not burn the link: the transaction rolls back.
    assertStrongPassword(deps, input.newPassword, [user.email]);
    const now = deps.clock.now();
    const freezeUntil = new Date(now.getTime() + deps.config.SECURITY_CHANGE_FREEZE_HOURS * 3_600_000);
    await updateUser(trx, user.id, {
      password_hash: hash,
      password_changed_at: now,
      security_changed_at: now,
      failed_attempts: 0,
      last_failed_at: null,
      temp_locked_until: null,
      hard_locked_at: null,
      email_verified_at: user.email_verified_at ?? now,
      withdrawals_frozen_until:
        user.withdrawals_frozen_until && user.withdrawals_frozen_until > freezeUntil
          ? user.withdrawals_frozen_until
          : freezeUntil,
    });
    const ended = await revokeSessions(trx, deps, { userId: user.id, reason: 'password_reset' });
    await notifyUser(trx, deps, user, {
      event: 'password_reset',
      subject: 'Your password was reset',
      lines: [
        'The password of your account was reset from a link sent to this address. All sessions were ended.',
        `Withdrawals are paused for ${deps.config.SECURITY_CHANGE_FREEZE_HOURS} hours.`,
      ],
      data: { hardLockCleared: user.hard_locked_at !== null },
    });
    await appendAudit(trx, deps, {
      type: 'password.reset',
      actor: `user:${user.id}`,
      userId: user.id,
      ip: ctx.ip,
      data: { sessionsEnded: ended, hardLockCleared: user.hard_locked_at !== null },
    });
    return { reset: true as const };
  });
}
