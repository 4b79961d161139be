import { findUserByEmail, lockUserById, updateUser } from '../../db/repositories/user.repository.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';
import { notifyUser } from '../notifications/notify.js';
import type { Principal, RequestContext } from './context.js';
import { consumeEmailToken, issueEmailToken } from './email-tokens.js';
import { applySecurityChange } from './security-change.js';

const CONFIRM_TTL_MINUTES = 60;

/**
 * Changing the email address (SPEC S1): step-up, then a link to the new address; the change
 * happens only when that link is used. The old address is told at once and can lock the account
 * with its "this wasn't me" link. Answers the same whether or not the new address is taken.
 */
export async function requestEmailChange(
  deps: Deps,
  principal: Principal,
  newEmail: string,
  ctx: RequestContext,
) {
  const taken = await findUserByEmail(deps.db, newEmail);
  return applySecurityChange(deps, principal, ctx, {
    type: 'email.change_requested',
    subject: 'A change of your email address was requested',
    lines: [
      `Someone asked to change the email address of your account to ${newEmail}.`,
      'The change happens only when the link sent to the new address is used.',
    ],
    freezeWithdrawals: false,
    apply: async (trx, user) => {
      if (user.email.toLowerCase() === newEmail.toLowerCase()) {
        throw new CustosError('VALIDATION_FAILED', {
          details: [{ path: 'email', message: 'This is already your address.' }],
        });
      }
      if (!taken) {
        const token = await issueEmailToken(trx, deps, {
          userId: user.id,
          purpose: 'email_change',
          ttlMinutes: CONFIRM_TTL_MINUTES,
          data: { newEmail },
        });
        await notifyUser(trx, deps, user, {
          event: 'security_setting_changed',
          to: newEmail,
          subject: 'Confirm your new email address',
          lines: ['Confirm that this address should become the email address of your Custos account.'],
          action: {
            label: 'Confirm the new address',
            url: `${deps.config.publicUrl}/confirm-email-change?token=${token}`,
          },
          // Whoever reads the new address does not own the account yet: no lock link for them.
          notMeLink: false,
          data: { change: 'email_change_confirmation' },
        });
      }
      return { result: { status: 'confirmation_sent' as const } };
    },
  });
}

export async function confirmEmailChange(deps: Deps, input: { token: string }, ctx: RequestContext) {
  return deps.db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, deps, 'email_change', input.token);
    if (!t) throw new CustosError('EMAIL_TOKEN_INVALID');
    const newEmail = String((t.data as { newEmail?: string }).newEmail ?? '');
    const user = await lockUserById(trx, t.user_id);
    if (!user || !newEmail) throw new CustosError('EMAIL_TOKEN_INVALID');
    if (await findUserByEmail(trx, newEmail)) throw new CustosError('EMAIL_TOKEN_INVALID');
    const now = deps.clock.now();
    const freezeUntil = new Date(now.getTime() + deps.config.SECURITY_CHANGE_FREEZE_HOURS * 3_600_000);
    deps.sessionCache.hold(user.id);
    await updateUser(trx, user.id, {
      email: newEmail,
      email_verified_at: now,
      security_changed_at: now,
      withdrawals_frozen_until:
        user.withdrawals_frozen_until && user.withdrawals_frozen_until > freezeUntil
          ? user.withdrawals_frozen_until
          : freezeUntil,
    });
    const lines = [
      `The email address of your account was changed from ${user.email} to ${newEmail}.`,
      `For your protection, withdrawals are paused for ${deps.config.SECURITY_CHANGE_FREEZE_HOURS} hours.`,
    ];
    // Both addresses hear of it; the old one keeps a "this wasn't me" link that locks the account.
    await notifyUser(trx, deps, user, {
      event: 'security_setting_changed',
      subject: 'Your email address was changed',
      lines,
      data: { change: 'email_changed' },
    });
    await notifyUser(
      trx,
      deps,
      { ...user, email: newEmail },
      {
        event: 'security_setting_changed',
        subject: 'Your email address was changed',
        lines,
        notMeLink: false,
      },
    );
    await appendAudit(trx, deps, {
      type: 'email.changed',
      actor: `user:${user.id}`,
      userId: user.id,
      ip: ctx.ip,
      data: {},
    });
    return { changed: true as const };
  });
}
