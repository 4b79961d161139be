import { sql } from 'kysely';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { normalizePassword } from '../../domain/identity/password-policy.js';
import { newTotpSecret, totpUri } from '../../domain/identity/totp.js';
import { appendAudit } from '../audit/append-audit.js';
import { assertStrongPassword } from '../identity/register.js';

export const OPERATOR_ROLES = ['support', 'analyst', 'approver', 'admin'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const operatorTotpAad = (operatorId: string) => `operator-totp:${operatorId}`;

/**
 * Creates a staff account for the admin console. Without a password, a random one is generated
 * and returned once (the caller prints it); it is never stored in clear or logged.
 */
export async function createOperator(
  deps: Deps,
  input: { email: string; role: OperatorRole; password?: string | undefined },
) {
  const email = input.email.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new CustosError('VALIDATION_FAILED', {
      details: [{ path: 'email', message: 'not an email address' }],
    });
  }
  const generatedPassword = input.password ? null : deps.random.bytes(18).toString('base64url');
  const password = input.password ?? generatedPassword!;
  assertStrongPassword(deps, password, [email]);
  const hash = await deps.passwords.hash(normalizePassword(password));
  const id = deps.random.uuid();
  // Staff sign in with a password and an authenticator app, always: the secret is shown once.
  const totpSecret = newTotpSecret(deps.random.bytes(20));
  await deps.db.transaction().execute(async (trx) => {
    const r = await trx
      .insertInto('operators')
      .values({
        id,
        email,
        password_hash: hash,
        role: input.role,
        created_at: deps.clock.now(),
        totp_secret_enc: deps.kms.encrypt(totpSecret, operatorTotpAad(id)),
      })
      .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
      .executeTakeFirst();
    if (r.numInsertedOrUpdatedRows !== 1n)
      throw new CustosError('CONFLICT', { message: 'An operator with this email exists.' });
    await appendAudit(trx, deps, {
      type: 'operator.created',
      actor: 'system:cli',
      data: { operatorId: id, role: input.role },
    });
  });
  return {
    id,
    email,
    role: input.role,
    generatedPassword,
    totpSecret,
    totpUri: totpUri({ secret: totpSecret, account: email, issuer: `${deps.config.WEBAUTHN_RP_NAME} admin` }),
  };
}
