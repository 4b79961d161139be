import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { generateBackupCodes } from '../../domain/identity/backup-codes.js';
import type { Principal, RequestContext } from './context.js';
import { enrolledFactors, hashBackupCode } from './second-factor.js';
import { applySecurityChange } from './security-change.js';

/**
 * Issues a new set of backup codes (SPEC S1: 10, single use, stored as keyed hashes) and voids
 * every earlier one. The codes are returned once and never again.
 */
export function regenerateBackupCodes(deps: Deps, principal: Principal, ctx: RequestContext) {
  return applySecurityChange(deps, principal, ctx, {
    type: 'backup_codes.regenerated',
    subject: 'New backup codes were created',
    lines: ['A new set of backup codes was created for your account. Earlier codes no longer work.'],
    freezeWithdrawals: false,
    apply: async (trx, user, now) => {
      const factors = await enrolledFactors(trx, user);
      if (!factors.includes('totp') && !factors.includes('passkey')) {
        throw new CustosError('FACTOR_NOT_ENROLLED', {
          message: 'Set up an authenticator app or a passkey before creating backup codes.',
        });
      }
      const codes = generateBackupCodes((n) => deps.random.bytes(n));
      await trx.deleteFrom('backup_codes').where('user_id', '=', user.id).execute();
      await trx
        .insertInto('backup_codes')
        .values(
          codes.map((code) => ({
            id: deps.random.uuid(),
            user_id: user.id,
            code_hash: hashBackupCode(deps, code),
            created_at: now,
          })),
        )
        .execute();
      return { result: { codes, createdAt: now } };
    },
  });
}
