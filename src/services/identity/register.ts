import { findUserById, insertUser, updateUser } from '../../db/repositories/user.repository.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import {
  evaluatePassword,
  normalizePassword,
  type PasswordVerdict,
} from '../../domain/identity/password-policy.js';
import { appendAudit } from '../audit/append-audit.js';
import { newToken } from '../common/tokens.js';
import { notifyUser } from '../notifications/notify.js';
import type { RequestContext } from './context.js';
import { approveDevice, upsertPendingDevice } from './devices.js';
import { consumeEmailToken, issueEmailToken } from './email-tokens.js';

export function passwordVerdict(
  deps: Pick<Deps, 'config'>,
  password: string,
  userInputs: string[],
): PasswordVerdict {
  return evaluatePassword(
    password,
    {
      minLength: deps.config.PASSWORD_MIN_LENGTH,
      maxLength: deps.config.PASSWORD_MAX_LENGTH,
      minStrength: deps.config.PASSWORD_MIN_STRENGTH as 0 | 1 | 2 | 3 | 4,
    },
    userInputs,
  );
}

export function assertStrongPassword(
  deps: Pick<Deps, 'config'>,
  password: string,
  userInputs: string[],
): void {
  const verdict = passwordVerdict(deps, password, userInputs);
  if (!verdict.ok) {
    throw new CustosError('WEAK_PASSWORD', {
      details: [
        ...verdict.problems.map((p) => ({ path: 'password', message: p.message })),
        ...(verdict.warning ? [{ path: 'password', message: verdict.warning }] : []),
        ...verdict.suggestions.map((s) => ({ path: 'password', message: s })),
      ],
    });
  }
}

/**
 * Registration answers the same for a new and a taken email (no enumeration): the same work is
 * done on both paths (a hash, one transaction with an email and an audit event); the owner of a
 * taken address gets an email telling them someone tried.
 */
export async function register(deps: Deps, input: { email: string; password: string }, ctx: RequestContext) {
  assertStrongPassword(deps, input.password, [input.email]);
  const passwordHash = await deps.passwords.hash(normalizePassword(input.password));
  const now = deps.clock.now();
  const id = deps.random.uuid();
  await deps.db.transaction().execute(async (trx) => {
    const outcome = await insertUser(trx, {
      id,
      email: input.email,
      password_hash: passwordHash,
      password_changed_at: now,
      created_at: now,
    });
    if (outcome === 'inserted') {
      const token = await issueEmailToken(trx, deps, {
        userId: id,
        purpose: 'verify_email',
        ttlMinutes: deps.config.EMAIL_TOKEN_HOURS * 60,
      });
      await notifyUser(
        trx,
        deps,
        { id, email: input.email, anti_phishing_code: null },
        {
          event: 'account_registered',
          subject: 'Confirm your email address',
          lines: ['Welcome to Custos. Confirm your email address to finish creating your account.'],
          action: {
            label: 'Confirm your email address',
            url: `${deps.config.publicUrl}/verify-email?token=${token}`,
          },
        },
      );
      await appendAudit(trx, deps, { type: 'user.registered', actor: `user:${id}`, userId: id, ip: ctx.ip });
      return;
    }
    const existing = await trx
      .selectFrom('users')
      .select(['id', 'email', 'anti_phishing_code'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', input.email.toLowerCase()))
      .executeTakeFirstOrThrow();
    await notifyUser(trx, deps, existing, {
      event: 'registration_attempt',
      subject: 'Someone tried to create an account with your email address',
      lines: [
        'Someone tried to create a new account with this email address, which already has an account.',
        'If it was you, sign in instead, or reset your password if you forgot it. Otherwise you need do nothing.',
      ],
      action: { label: 'Reset your password', url: `${deps.config.publicUrl}/reset-password` },
    });
    await appendAudit(trx, deps, {
      type: 'user.registration_attempt',
      actor: 'anonymous',
      userId: existing.id,
      ip: ctx.ip,
    });
  });
  return { status: 'verification_sent' as const };
}

/**
 * Confirms the email address. The device that opens the link proves control of the mailbox,
 * the same proof a device approval asks for, so it becomes an approved device of the account.
 */
export async function verifyEmail(deps: Deps, input: { token: string }, ctx: RequestContext) {
  const deviceToken = ctx.deviceToken ?? newToken(deps.random);
  await deps.db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, deps, 'verify_email', input.token);
    if (!t) throw new CustosError('EMAIL_TOKEN_INVALID');
    const user = await findUserById(trx, t.user_id);
    if (!user) throw new CustosError('EMAIL_TOKEN_INVALID');
    if (!user.email_verified_at) await updateUser(trx, user.id, { email_verified_at: deps.clock.now() });
    const deviceId = await upsertPendingDevice(trx, deps, user.id, deviceToken, ctx);
    await approveDevice(trx, deps, deviceId);
    await appendAudit(trx, deps, {
      type: 'user.email_verified',
      actor: `user:${user.id}`,
      userId: user.id,
      ip: ctx.ip,
      deviceId,
    });
  });
  return { verified: true as const, deviceToken };
}
