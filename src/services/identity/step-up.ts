import { findUserById, lockUserById } from '../../db/repositories/user.repository.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { normalizePassword } from '../../domain/identity/password-policy.js';
import { appendAudit } from '../audit/append-audit.js';
import type { Principal, RequestContext } from './context.js';
import { actorOf } from './context.js';
import { attemptAllowed, countFailure } from './failure-counter.js';
import { type CodeFactor, consumeCodeFactor, enrolledFactors } from './second-factor.js';
import { rotateSessionToken } from './sessions.js';

export type StepUpInput = { method: CodeFactor; code: string } | { method: 'password'; password: string };

/**
 * Step-up (SPEC S1): a second factor given in the last few minutes before a sensitive action.
 * Success rotates the session token (the old one dies: fixation) and stamps the step-up time.
 * Failures count on the same per-account counter as sign-in. The password is accepted only on
 * an account with no second factor yet, so that the first factor can be enrolled.
 */
export async function stepUp(deps: Deps, principal: Principal, input: StepUpInput, ctx: RequestContext) {
  const user = await findUserById(deps.db, principal.userId);
  if (!user) throw new CustosError('UNAUTHENTICATED');
  if (!attemptAllowed(deps, user, 'trusted')) throw new CustosError('INVALID_CREDENTIALS');
  const factors = await enrolledFactors(deps.db, user);
  if (input.method === 'password') {
    if (factors.length > 0)
      throw new CustosError('FACTOR_NOT_ENROLLED', { message: 'Use your second factor to confirm.' });
    if (!(await deps.passwords.verify(user.password_hash, normalizePassword(input.password)))) {
      await countFailure(deps, user.id, 'password', ctx);
      throw new CustosError('INVALID_CREDENTIALS');
    }
    return completeStepUp(deps, principal, 'password', ctx);
  }
  if (!factors.includes(input.method)) throw new CustosError('FACTOR_NOT_ENROLLED');
  const token = await deps.db.transaction().execute(async (trx) => {
    const locked = await lockUserById(trx, user.id);
    if (!locked || !(await consumeCodeFactor(trx, deps, locked, input.method, input.code))) return null;
    return finish(trx, deps, principal, input.method, ctx);
  });
  if (!token) {
    await countFailure(deps, user.id, input.method, ctx);
    throw new CustosError('INVALID_CREDENTIALS');
  }
  return token;
}

export function completeStepUp(deps: Deps, principal: Principal, method: string, ctx: RequestContext) {
  return deps.db.transaction().execute((trx) => finish(trx, deps, principal, method, ctx));
}

async function finish(
  trx: Parameters<typeof rotateSessionToken>[0],
  deps: Deps,
  principal: Principal,
  method: string,
  ctx: RequestContext,
) {
  const token = await rotateSessionToken(trx, deps, principal.sessionId, { stepUp: true });
  await trx
    .updateTable('users')
    .set({ failed_attempts: 0, last_failed_at: null, temp_locked_until: null })
    .where('id', '=', principal.userId)
    .execute();
  await appendAudit(trx, deps, {
    type: 'session.step_up',
    actor: actorOf(principal),
    userId: principal.userId,
    ip: ctx.ip,
    deviceId: principal.deviceId,
    data: { method },
  });
  const freshUntil = new Date(deps.clock.now().getTime() + deps.config.STEP_UP_MINUTES * 60_000);
  return { token, freshUntil };
}
