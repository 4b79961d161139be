import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';
import type { Principal, RequestContext } from './context.js';
import { actorOf } from './context.js';
import { listActiveSessions, revokeSessions } from './sessions.js';

export function listSessions(deps: Deps, principal: Principal) {
  return listActiveSessions(deps.db, principal.userId, deps.clock.now());
}

/** Ends one session (sign-out, or "end that one" from the list) or every other session. */
export async function endSessions(
  deps: Deps,
  principal: Principal,
  which: { only: string; reason: string } | { except: string; reason: string },
  ctx: RequestContext,
): Promise<{ ended: number }> {
  return deps.db.transaction().execute(async (trx) => {
    const ended = await revokeSessions(trx, deps, { userId: principal.userId, ...which });
    if ('only' in which && ended === 0) throw new CustosError('NOT_FOUND');
    await appendAudit(trx, deps, {
      type: which.reason === 'sign_out' ? 'session.signed_out' : 'session.ended',
      actor: actorOf(principal),
      userId: principal.userId,
      ip: ctx.ip,
      deviceId: principal.deviceId,
      data: { ended, scope: 'only' in which ? 'one' : 'others' },
    });
    return { ended };
  });
}
