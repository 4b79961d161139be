import type { Trx } from '../../db/database.js';
import { lockUserById } from '../../db/repositories/user.repository.js';
import type { UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';
import { type NotificationEvent, notifyUser } from '../notifications/notify.js';
import { actorOf, type Principal, type RequestContext } from './context.js';

export interface SettingChange {
  /** Audit event type, e.g. `withdrawal_lock.enabled`. */
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly subject: string;
  readonly lines: string[];
  readonly action?: { label: string; url: string };
}

/**
 * One change of a user's protective setting (settings lock, withdrawal lock, caps): under the
 * user's row lock, announced by email and webhook, and audited, all in one transaction.
 */
export function changeUserSetting(
  deps: Deps,
  principal: Principal,
  ctx: RequestContext,
  event: NotificationEvent,
  fn: (trx: Trx, user: UserRow, now: Date) => Promise<SettingChange>,
): Promise<void> {
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockUserById(trx, principal.userId);
    if (!user) throw new CustosError('UNAUTHENTICATED');
    const done = await fn(trx, user, deps.clock.now());
    await notifyUser(trx, deps, user, {
      event,
      subject: done.subject,
      lines: done.lines,
      ...(done.action ? { action: done.action } : {}),
      data: { change: done.type, ...done.data },
    });
    await appendAudit(trx, deps, {
      type: done.type,
      actor: actorOf(principal),
      userId: user.id,
      ip: ctx.ip,
      deviceId: principal.deviceId,
      data: done.data,
    });
  });
}
