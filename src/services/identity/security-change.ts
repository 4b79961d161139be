import type { Trx } from '../../db/database.js';
import { lockUserById, updateUser } from '../../db/repositories/user.repository.js';
import type { UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';
import { notifyUser } from '../notifications/notify.js';
import type { Principal, RequestContext } from './context.js';
import { actorOf } from './context.js';
import { assertFreshStepUp, revokeSessions } from './sessions.js';
import { settingsLockState } from './settings-lock.js';

export interface SecurityChange<T> {
  /** Audit event type, e.g. `totp.enabled`. */
  readonly type: string;
  readonly subject: string;
  readonly lines: readonly string[];
  /** Freeze withdrawals for SECURITY_CHANGE_FREEZE_HOURS (password, email and factor changes). */
  readonly freezeWithdrawals: boolean;
  /** Default true: every change of a security setting needs a second factor in the last minutes. */
  readonly stepUp?: boolean;
  /** End every other session of the account (offered after a password or factor change). */
  readonly endOtherSessions?: boolean;
  readonly apply: (
    trx: Trx,
    user: UserRow,
    now: Date,
  ) => Promise<{ result: T; data?: Record<string, unknown> }>;
}

/**
 * The one path every change of a security setting takes: fresh step-up, the settings lock, the
 * change itself, the withdrawal freeze, the notification and the audit event, in one transaction.
 */
export async function applySecurityChange<T>(
  deps: Deps,
  principal: Principal,
  ctx: RequestContext,
  change: SecurityChange<T>,
): Promise<T & { sessionsEnded: number }> {
  if (change.stepUp !== false) assertFreshStepUp(deps, principal);
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockUserById(trx, principal.userId);
    if (!user) throw new CustosError('UNAUTHENTICATED');
    const now = deps.clock.now();
    if (settingsLockState(user, now).state !== 'off') throw new CustosError('SETTINGS_LOCKED');
    const { result, data } = await change.apply(trx, user, now);
    if (change.freezeWithdrawals) {
      // The risk engine (S4) weighs a withdrawal soon after such a change, freeze or not.
      await updateUser(trx, user.id, { security_changed_at: now });
      if (deps.config.SECURITY_CHANGE_FREEZE_HOURS > 0) {
        const until = new Date(now.getTime() + deps.config.SECURITY_CHANGE_FREEZE_HOURS * 3_600_000);
        if (!user.withdrawals_frozen_until || user.withdrawals_frozen_until < until) {
          await updateUser(trx, user.id, { withdrawals_frozen_until: until });
        }
      }
    }
    const sessionsEnded = change.endOtherSessions
      ? await revokeSessions(trx, deps, { userId: user.id, except: principal.sessionId, reason: change.type })
      : 0;
    const fresh = (await lockUserById(trx, user.id))!;
    await notifyUser(trx, deps, fresh, {
      event: 'security_setting_changed',
      subject: change.subject,
      lines: [
        ...change.lines,
        ...(change.freezeWithdrawals && deps.config.SECURITY_CHANGE_FREEZE_HOURS > 0
          ? [
              `For your protection, withdrawals are paused for ${deps.config.SECURITY_CHANGE_FREEZE_HOURS} hours.`,
            ]
          : []),
        `Changed at ${now.toISOString()} (UTC) from ${ctx.ip}.`,
      ],
      data: { change: change.type },
    });
    await appendAudit(trx, deps, {
      type: change.type,
      actor: actorOf(principal),
      userId: user.id,
      ip: ctx.ip,
      deviceId: principal.deviceId,
      data: { ...(data ?? {}), ...(sessionsEnded ? { sessionsEnded } : {}) },
    });
    return { ...result, sessionsEnded };
  });
}
