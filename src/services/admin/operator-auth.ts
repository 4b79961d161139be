import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { normalizePassword } from '../../domain/identity/password-policy.js';
import { matchTotp } from '../../domain/identity/totp.js';
import { appendAudit } from '../audit/append-audit.js';
import { hashToken, isWellFormedToken, newToken } from '../common/tokens.js';
import type { RequestContext } from '../identity/context.js';
import { type OperatorRole, operatorTotpAad } from './operators.js';

/** A signed-in staff member, as the admin routes see them. */
export interface Operator {
  readonly id: string;
  readonly email: string;
  readonly role: OperatorRole;
  readonly sessionId: string;
}

const IDLE_MINUTES = 30;
const ABSOLUTE_HOURS = 8;

/**
 * Staff sign-in for the admin console: password and a code from the authenticator app, in one
 * request, with the same answer for every failure (unknown email, wrong password, wrong or
 * replayed code, disabled account). Each attempt goes through the per-IP rate limit of the auth
 * routes. Sessions are short (30 min idle, 8 h at most) and separate from customer sessions.
 */
export async function signInOperator(
  deps: Deps,
  input: { email: string; password: string; code: string },
  ctx: RequestContext,
): Promise<{ token: string; operator: Operator; expiresAt: Date }> {
  const email = input.email.trim().toLowerCase();
  const op = await deps.db.selectFrom('operators').selectAll().where('email', '=', email).executeTakeFirst();
  const password = normalizePassword(input.password);
  if (!op || op.disabled_at || !op.totp_secret_enc) {
    await deps.passwords.verifyDummy(password);
    throw new CustosError('INVALID_CREDENTIALS');
  }
  const passwordOk = await deps.passwords.verify(op.password_hash, password);
  const now = deps.clock.now();
  const step = matchTotp(
    deps.kms.decrypt(op.totp_secret_enc, operatorTotpAad(op.id)),
    input.code,
    now.getTime(),
  );
  return deps.db
    .transaction()
    .execute(async (trx) => {
      const consumed =
        passwordOk && step !== null
          ? await trx
              .updateTable('operators')
              .set({ totp_last_step: String(step) })
              .where('id', '=', op.id)
              .where((eb) =>
                eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]),
              )
              .executeTakeFirst()
          : null;
      if (!consumed || consumed.numUpdatedRows !== 1n) {
        await appendAudit(trx, deps, {
          type: 'operator.sign_in_failed',
          actor: `operator:${op.id}`,
          ip: ctx.ip,
          data: { operatorId: op.id },
        });
        return null;
      }
      const token = newToken(deps.random);
      const id = deps.random.uuid();
      const expiresAt = new Date(now.getTime() + ABSOLUTE_HOURS * 3_600_000);
      await trx
        .insertInto('operator_sessions')
        .values({
          id,
          operator_id: op.id,
          token_hash: hashToken(token),
          created_at: now,
          last_seen_at: now,
          idle_expires_at: new Date(now.getTime() + IDLE_MINUTES * 60_000),
          absolute_expires_at: expiresAt,
        })
        .execute();
      await appendAudit(trx, deps, {
        type: 'operator.signed_in',
        actor: `operator:${op.id}`,
        ip: ctx.ip,
        data: { operatorId: op.id, sessionId: id },
      });
      return { token, operator: { id: op.id, email: op.email, role: op.role, sessionId: id }, expiresAt };
    })
    .then((r) => {
      if (!r) throw new CustosError('INVALID_CREDENTIALS');
      return r;
    });
}

/** The operator behind a session token, sliding its idle expiry; null when it is not live. */
export async function authenticateOperator(
  deps: Pick<Deps, 'db' | 'clock'>,
  token: string,
): Promise<Operator | null> {
  if (!isWellFormedToken(token)) return null;
  const now = deps.clock.now();
  const row = await deps.db
    .updateTable('operator_sessions')
    .set({ last_seen_at: now, idle_expires_at: new Date(now.getTime() + IDLE_MINUTES * 60_000) })
    .where('token_hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .where('idle_expires_at', '>', now)
    .where('absolute_expires_at', '>', now)
    .returning(['id', 'operator_id'])
    .executeTakeFirst();
  if (!row) return null;
  const op = await deps.db
    .selectFrom('operators')
    .select(['id', 'email', 'role', 'disabled_at'])
    .where('id', '=', row.operator_id)
    .executeTakeFirst();
  if (!op || op.disabled_at) return null;
  return { id: op.id, email: op.email, role: op.role, sessionId: row.id };
}

export async function signOutOperator(deps: Pick<Deps, 'db' | 'clock'>, sessionId: string): Promise<void> {
  await deps.db
    .updateTable('operator_sessions')
    .set({ revoked_at: deps.clock.now() })
    .where('id', '=', sessionId)
    .execute();
}
