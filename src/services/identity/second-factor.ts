import { createHmac } from 'node:crypto';
import { type Expression, sql } from 'kysely';
import type { Executor, Trx } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { normalizeBackupCode } from '../../domain/identity/backup-codes.js';
import { matchTotp } from '../../domain/identity/totp.js';

export type CodeFactor = 'totp' | 'backup_code';

export const totpAad = (userId: string) => `totp:${userId}`;

/** Keyed hash of a backup code: a stolen table cannot be brute-forced without the key. */
export function hashBackupCode(deps: Pick<Deps, 'kms'>, canonicalCode: string): Buffer {
  return createHmac('sha256', deps.kms.deriveSecret('backup-codes/v1')).update(canonicalCode).digest();
}

/**
 * Checks a TOTP code and consumes its time step in one atomic statement: the step is accepted
 * only if it is later than the last accepted one, so a replayed code fails, and of two
 * simultaneous requests with the same code exactly one succeeds.
 */
export async function consumeTotp(trx: Trx, deps: Pick<Deps, 'kms' | 'clock'>, user: UserRow, code: string) {
  if (!user.totp_secret_enc || !user.totp_enabled_at) return false;
  const secret = deps.kms.decrypt(user.totp_secret_enc, totpAad(user.id));
  const step = matchTotp(secret, code, deps.clock.now().getTime());
  if (step === null) return false;
  const r = await trx
    .updateTable('users')
    .set({ totp_last_step: String(step) })
    .where('id', '=', user.id)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', String(step))]))
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

/** Marks a backup code used in one atomic statement; a code works once. */
export async function consumeBackupCode(
  trx: Trx,
  deps: Pick<Deps, 'kms' | 'clock'>,
  userId: string,
  code: string,
) {
  const canonical = normalizeBackupCode(code);
  if (!canonical) return false;
  const r = await trx
    .updateTable('backup_codes')
    .set({ used_at: deps.clock.now() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashBackupCode(deps, canonical))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

export async function consumeCodeFactor(
  trx: Trx,
  deps: Pick<Deps, 'kms' | 'clock'>,
  user: UserRow,
  method: CodeFactor,
  code: string,
): Promise<boolean> {
  return method === 'totp' ? consumeTotp(trx, deps, user, code) : consumeBackupCode(trx, deps, user.id, code);
}

/** Which second factors the account has, in the order a sign-in page offers them. */
export function factorsOf(
  user: Pick<UserRow, 'totp_enabled_at'>,
  passkeys: number,
  unusedBackupCodes: number,
): string[] {
  const methods: string[] = [];
  if (user.totp_enabled_at) methods.push('totp');
  if (passkeys > 0) methods.push('passkey');
  // Backup codes stand in for a factor; alone they are not one.
  if (unusedBackupCodes > 0 && methods.length > 0) methods.push('backup_code');
  return methods;
}

/**
 * The account's passkey count and unused backup-code count as two scalar subqueries, for any
 * query that already reads the user (`userId` is a column reference or a value).
 */
export function factorCountColumns(userId: Expression<string>) {
  return [
    sql<string>`(select count(*) from passkeys where passkeys.user_id = ${userId})`.as('passkey_count'),
    sql<string>`(select count(*) from backup_codes
                  where backup_codes.user_id = ${userId} and backup_codes.used_at is null)`.as(
      'backup_codes_remaining',
    ),
  ] as const;
}

export async function enrolledFactors(db: Executor, user: UserRow): Promise<string[]> {
  const row = await db.selectNoFrom(factorCountColumns(sql.val(user.id))).executeTakeFirstOrThrow();
  return factorsOf(user, Number(row.passkey_count), Number(row.backup_codes_remaining));
}
