import type { Trx } from '../../db/database.js';
import { lockUserById, updateUser } from '../../db/repositories/user.repository.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';
import { notifyUser } from '../notifications/notify.js';
import { stopOpenWithdrawals } from '../withdrawals/withdrawals.js';
import type { RequestContext } from './context.js';
import { consumeEmailToken } from './email-tokens.js';
import { revokeSessions } from './sessions.js';

export type LockSource = 'security_center' | 'email_link' | 'support';

/**
 * The one-button lock (SPEC S1): ends every session, refuses every sign-in and pending device
 * approvals, and cancels every withdrawal not yet broadcast. (API keys join this lock when they
 * exist.) Unlocking goes through recovery or an admin review, never through a plain sign-in.
 */
export async function lockAccountInTrx(
  trx: Trx,
  deps: Deps,
  userId: string,
  source: LockSource,
  ctx: RequestContext,
  actor: string,
): Promise<{ alreadyLocked: boolean; sessionsEnded: number }> {
  const user = await lockUserById(trx, userId);
  if (!user) throw new CustosError('NOT_FOUND');
  const now = deps.clock.now();
  const sessionsEnded = await revokeSessions(trx, deps, { userId, reason: `account_locked:${source}` });
  await trx
    .updateTable('sign_in_challenges')
    .set({ denied_at: now })
    .where('user_id', '=', userId)
    .where('completed_at', 'is', null)
    .where('denied_at', 'is', null)
    .execute();
  const withdrawalsStopped = await stopOpenWithdrawals(
    trx,
    deps,
    userId,
    'Stopped: the account was locked.',
    actor,
  );
  if (user.locked_at) return { alreadyLocked: true, sessionsEnded };
  await updateUser(trx, userId, { locked_at: now, lock_reason: source });
  await notifyUser(trx, deps, user, {
    event: 'account_locked',
    subject: 'Your account is locked',
    lines: [
      `Your account was locked at ${now.toISOString()} (UTC) from ${source.replace('_', ' ')}.`,
      'All sessions were ended and nothing can be signed in to or withdrawn.',
      ...(withdrawalsStopped
        ? [`${withdrawalsStopped} withdrawal(s) not yet sent were cancelled and their funds released.`]
        : []),
      'To unlock it, start account recovery from the sign-in page, or contact support for a review.',
    ],
    action: { label: 'Start account recovery', url: `${deps.config.publicUrl}/recovery` },
    notMeLink: false,
    data: { source },
  });
  await appendAudit(trx, deps, {
    type: 'account.locked',
    actor,
    userId,
    ip: ctx.ip,
    data: { source, sessionsEnded },
  });
  deps.metrics.lockouts.inc({ kind: 'user' });
  return { alreadyLocked: false, sessionsEnded };
}

export function lockAccount(
  deps: Deps,
  userId: string,
  source: LockSource,
  ctx: RequestContext,
  actor: string,
) {
  return deps.db.transaction().execute((trx) => lockAccountInTrx(trx, deps, userId, source, ctx, actor));
}

/** The single-use "this wasn't me" link in every email: it locks once and only once. */
export async function reportNotMe(deps: Deps, input: { token: string }, ctx: RequestContext) {
  return deps.db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, deps, 'not_me', input.token);
    if (!t) throw new CustosError('EMAIL_TOKEN_INVALID');
    await lockAccountInTrx(trx, deps, t.user_id, 'email_link', ctx, `user:${t.user_id}`);
    return { locked: true as const };
  });
}
