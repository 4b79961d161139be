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
import { hashToken, isWellFormedToken, newToken } from '../common/tokens.js';
import { enqueueJob } from '../notifications/jobs.js';
import { notifyUser } from '../notifications/notify.js';
import type { Principal, RequestContext } from './context.js';
import { assertStrongPassword } from './register.js';
import { revokeSessions } from './sessions.js';

/**
 * Recovery of a lost second factor (SPEC S1): request → email confirmation → a waiting period
 * (72 h) announced on every channel with a cancel link → reset. There is no way around the wait:
 * completion checks `effective_at` against the clock in the same statement that claims the
 * request. Afterwards every factor is removed, the account is unlocked, and withdrawals stay
 * frozen (48 h).
 */
const CONFIRM_TTL_MS = 24 * 3_600_000;

/** Answers the same, in the same time, for every email: the lookup happens in a queued job. */
export async function requestRecovery(deps: Deps, input: { email: string }, ctx: RequestContext) {
  await enqueueJob(deps, { job: 'recovery_request', email: input.email, ip: ctx.ip });
  return { status: 'recovery_email_sent_if_account_exists' as const };
}

/** The queued half of a recovery request (see `requestRecovery`). */
export async function runRecoveryRequest(deps: Deps, job: { email: string; ip: string }) {
  const ctx = { ip: job.ip };
  const user = await findUserByEmail(deps.db, job.email);
  await deps.db.transaction().execute(async (trx) => {
    if (user) {
      const token = newToken(deps.random);
      const cancelToken = newToken(deps.random);
      const id = deps.random.uuid();
      await trx
        .insertInto('recovery_requests')
        .values({
          id,
          user_id: user.id,
          token_hash: hashToken(token),
          cancel_token_hash: hashToken(cancelToken),
          created_at: deps.clock.now(),
        })
        .execute();
      await notifyUser(trx, deps, user, {
        event: 'recovery',
        subject: 'Confirm your account recovery',
        lines: [
          'Someone asked to recover your account because a second factor was lost.',
          `If you confirm, recovery takes effect after ${deps.config.RECOVERY_WAIT_HOURS} hours. Until then it can be cancelled.`,
          'Keep this email: the same link finishes the recovery once the waiting period is over.',
        ],
        action: { label: 'Confirm recovery', url: `${deps.config.publicUrl}/recovery?token=${token}` },
      });
    }
    await appendAudit(trx, deps, {
      type: 'recovery.requested',
      actor: 'anonymous',
      userId: user?.id ?? null,
      ip: ctx.ip,
      data: { knownAccount: user !== undefined },
    });
  });
}

async function findByToken(deps: Deps, column: 'token_hash' | 'cancel_token_hash', token: string) {
  if (!isWellFormedToken(token)) throw new CustosError('EMAIL_TOKEN_INVALID');
  const r = await deps.db
    .selectFrom('recovery_requests')
    .selectAll()
    .where(column, '=', hashToken(token))
    .executeTakeFirst();
  if (!r || r.cancelled_at || r.completed_at) throw new CustosError('EMAIL_TOKEN_INVALID');
  return r;
}

export const recoveryView = (r: {
  id: string;
  created_at: Date;
  confirmed_at: Date | null;
  effective_at: Date | null;
}) => ({
  id: r.id,
  requestedAt: r.created_at,
  confirmedAt: r.confirmed_at,
  effectiveAt: r.effective_at,
});

/** The email confirmation starts the waiting period; confirming again changes nothing. */
export async function confirmRecovery(deps: Deps, input: { token: string }, ctx: RequestContext) {
  const r = await findByToken(deps, 'token_hash', input.token);
  const now = deps.clock.now();
  if (r.confirmed_at) return recoveryView(r);
  if (now.getTime() - r.created_at.getTime() > CONFIRM_TTL_MS) throw new CustosError('EMAIL_TOKEN_INVALID');
  return deps.db.transaction().execute(async (trx) => {
    const effectiveAt = new Date(now.getTime() + deps.config.RECOVERY_WAIT_HOURS * 3_600_000);
    const updated = await trx
      .updateTable('recovery_requests')
      .set({ confirmed_at: now, effective_at: effectiveAt })
      .where('id', '=', r.id)
      .where('confirmed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!updated) throw new CustosError('CONFLICT');
    // Any other open recovery of the account is superseded: one waiting period at a time.
    await trx
      .updateTable('recovery_requests')
      .set({ cancelled_at: now })
      .where('user_id', '=', r.user_id)
      .where('id', '!=', r.id)
      .where('completed_at', 'is', null)
      .where('cancelled_at', 'is', null)
      .execute();
    const user = (await findUserById(trx, r.user_id))!;
    const cancelToken = newToken(deps.random);
    await trx
      .updateTable('recovery_requests')
      .set({ cancel_token_hash: hashToken(cancelToken) })
      .where('id', '=', r.id)
      .execute();
    await notifyUser(trx, deps, user, {
      event: 'recovery',
      subject: 'Account recovery scheduled: cancel it if this was not you',
      lines: [
        `Recovery of your account was confirmed. It takes effect at ${effectiveAt.toISOString()} (UTC).`,
        'It will remove your authenticator app, passkeys and backup codes and set a new password.',
        'If you did not ask for this, cancel it now and lock your account.',
      ],
      action: {
        label: 'Cancel the recovery',
        url: `${deps.config.publicUrl}/recovery/cancel?token=${cancelToken}`,
      },
      data: { recoveryId: r.id, effectiveAt: effectiveAt.toISOString() },
    });
    await appendAudit(trx, deps, {
      type: 'recovery.confirmed',
      actor: `user:${r.user_id}`,
      userId: r.user_id,
      ip: ctx.ip,
      data: { recoveryId: r.id, effectiveAt: effectiveAt.toISOString() },
    });
    return recoveryView(updated);
  });
}

async function cancel(deps: Deps, recoveryId: string, userId: string, actor: string, ctx: RequestContext) {
  await deps.db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('recovery_requests')
      .set({ cancelled_at: deps.clock.now() })
      .where('id', '=', recoveryId)
      .where('cancelled_at', 'is', null)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    if (r.numUpdatedRows !== 1n) throw new CustosError('RECOVERY_NOT_FOUND');
    const user = (await findUserById(trx, userId))!;
    await notifyUser(trx, deps, user, {
      event: 'recovery',
      subject: 'Account recovery cancelled',
      lines: ['The pending recovery of your account was cancelled. Nothing was changed.'],
      data: { recoveryId },
    });
    await appendAudit(trx, deps, {
      type: 'recovery.cancelled',
      actor,
      userId,
      ip: ctx.ip,
      data: { recoveryId },
    });
  });
  return { cancelled: true as const };
}

export async function cancelRecoveryByToken(deps: Deps, input: { token: string }, ctx: RequestContext) {
  const r = await findByToken(deps, 'cancel_token_hash', input.token);
  return cancel(deps, r.id, r.user_id, `user:${r.user_id}`, ctx);
}

export async function cancelRecoverySignedIn(deps: Deps, principal: Principal, ctx: RequestContext) {
  const r = await pendingRecovery(deps, principal.userId);
  if (!r) throw new CustosError('RECOVERY_NOT_FOUND');
  return cancel(deps, r.id, principal.userId, `user:${principal.userId}`, ctx);
}

export function pendingRecovery(deps: Pick<Deps, 'db'>, userId: string) {
  return deps.db
    .selectFrom('recovery_requests')
    .selectAll()
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is not', null)
    .where('cancelled_at', 'is', null)
    .where('completed_at', 'is', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function recoveryStatus(deps: Deps, input: { token: string }) {
  const r = await findByToken(deps, 'token_hash', input.token);
  return { ...recoveryView(r), ready: r.effective_at !== null && r.effective_at <= deps.clock.now() };
}

/** Finishes a recovery whose waiting period is over. Before that it refuses, whatever is asked. */
export async function completeRecovery(
  deps: Deps,
  input: { token: string; newPassword: string },
  ctx: RequestContext,
) {
  const r = await findByToken(deps, 'token_hash', input.token);
  const user0 = await findUserById(deps.db, r.user_id);
  if (!user0) throw new CustosError('EMAIL_TOKEN_INVALID');
  if (!r.effective_at || r.effective_at > deps.clock.now()) throw new CustosError('RECOVERY_PENDING');
  assertStrongPassword(deps, input.newPassword, [user0.email]);
  const hash = await deps.passwords.hash(normalizePassword(input.newPassword));
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const claimed = await trx
      .updateTable('recovery_requests')
      .set({ completed_at: now })
      .where('id', '=', r.id)
      .where('completed_at', 'is', null)
      .where('cancelled_at', 'is', null)
      .where('effective_at', '<=', now)
      .executeTakeFirst();
    if (claimed.numUpdatedRows !== 1n) throw new CustosError('RECOVERY_PENDING');
    const user = (await lockUserById(trx, r.user_id))!;
    const freezeUntil = new Date(now.getTime() + deps.config.RECOVERY_WITHDRAWAL_FREEZE_HOURS * 3_600_000);
    await updateUser(trx, user.id, {
      password_hash: hash,
      password_changed_at: now,
      security_changed_at: now,
      totp_secret_enc: null,
      totp_pending_secret_enc: null,
      totp_enabled_at: null,
      totp_last_step: null,
      mfa_since: null,
      locked_at: null,
      lock_reason: null,
      failed_attempts: 0,
      last_failed_at: null,
      temp_locked_until: null,
      hard_locked_at: null,
      withdrawals_frozen_until:
        user.withdrawals_frozen_until && user.withdrawals_frozen_until > freezeUntil
          ? user.withdrawals_frozen_until
          : freezeUntil,
    });
    await trx.deleteFrom('passkeys').where('user_id', '=', user.id).execute();
    await trx.deleteFrom('backup_codes').where('user_id', '=', user.id).execute();
    const ended = await revokeSessions(trx, deps, { userId: user.id, reason: 'recovery' });
    await notifyUser(trx, deps, user, {
      event: 'recovery',
      subject: 'Your account was recovered',
      lines: [
        'Your account was recovered: a new password is set and all second factors were removed. All sessions were ended.',
        `Withdrawals are frozen until ${freezeUntil.toISOString()} (UTC). Set up a second factor again as soon as you sign in.`,
      ],
      data: { recoveryId: r.id },
    });
    await appendAudit(trx, deps, {
      type: 'recovery.completed',
      actor: `user:${user.id}`,
      userId: user.id,
      ip: ctx.ip,
      data: { recoveryId: r.id, sessionsEnded: ended, unlocked: user.locked_at !== null },
    });
    return { recovered: true as const, withdrawalsFrozenUntil: freezeUntil };
  });
}
