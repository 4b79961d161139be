import { updateUser } from '../../db/repositories/user.repository.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { matchTotp, newTotpSecret, totpUri } from '../../domain/identity/totp.js';
import type { Principal, RequestContext } from './context.js';
import { totpAad } from './second-factor.js';
import { applySecurityChange } from './security-change.js';

const pendingAad = (userId: string) => `totp-pending:${userId}`;

/** Step 1: a new secret, kept encrypted as pending until a code from the app confirms it. */
export function startTotpSetup(deps: Deps, principal: Principal, ctx: RequestContext) {
  return applySecurityChange(deps, principal, ctx, {
    type: 'totp.setup_started',
    subject: 'Authenticator app setup started',
    lines: ['Someone started setting up an authenticator app on your account.'],
    freezeWithdrawals: false,
    apply: async (trx, user) => {
      if (user.totp_enabled_at) throw new CustosError('TOTP_ALREADY_ENABLED');
      const secret = newTotpSecret(deps.random.bytes(20));
      await updateUser(trx, user.id, {
        totp_pending_secret_enc: deps.kms.encrypt(secret, pendingAad(user.id)),
      });
      return {
        result: {
          secret,
          uri: totpUri({ secret, account: user.email, issuer: deps.config.WEBAUTHN_RP_NAME }),
        },
      };
    },
  });
}

/** Step 2: the first code proves the app has the secret; its step is recorded as used. */
export function confirmTotpSetup(
  deps: Deps,
  principal: Principal,
  input: { code: string; endOtherSessions: boolean },
  ctx: RequestContext,
) {
  return applySecurityChange(deps, principal, ctx, {
    type: 'totp.enabled',
    subject: 'Authenticator app turned on',
    lines: [
      'An authenticator app is now required to sign in to your account and to confirm sensitive actions.',
    ],
    freezeWithdrawals: true,
    endOtherSessions: input.endOtherSessions,
    apply: async (trx, user, now) => {
      if (user.totp_enabled_at) throw new CustosError('TOTP_ALREADY_ENABLED');
      if (!user.totp_pending_secret_enc) throw new CustosError('TOTP_NOT_PENDING');
      const secret = deps.kms.decrypt(user.totp_pending_secret_enc, pendingAad(user.id));
      const step = matchTotp(secret, input.code, now.getTime());
      if (step === null) throw new CustosError('TOTP_CODE_INVALID');
      await updateUser(trx, user.id, {
        totp_secret_enc: deps.kms.encrypt(secret, totpAad(user.id)),
        totp_pending_secret_enc: null,
        totp_enabled_at: now,
        totp_last_step: String(step),
        mfa_since: user.mfa_since ?? now,
      });
      return { result: { enabled: true as const } };
    },
  });
}

/** Turning a protection off: step-up, settings lock, notification, freeze. */
export function disableTotp(deps: Deps, principal: Principal, ctx: RequestContext) {
  return applySecurityChange(deps, principal, ctx, {
    type: 'totp.disabled',
    subject: 'Authenticator app turned off',
    lines: ['The authenticator app was removed from your account.'],
    freezeWithdrawals: true,
    apply: async (trx, user) => {
      if (!user.totp_enabled_at) throw new CustosError('FACTOR_NOT_ENROLLED');
      const passkeys = await trx
        .selectFrom('passkeys')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      await updateUser(trx, user.id, {
        totp_secret_enc: null,
        totp_pending_secret_enc: null,
        totp_enabled_at: null,
        ...(Number(passkeys.n) === 0 ? { mfa_since: null } : {}),
      });
      if (Number(passkeys.n) === 0)
        await trx.deleteFrom('backup_codes').where('user_id', '=', user.id).execute();
      return { result: { enabled: false as const } };
    },
  });
}
