import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { hashToken, isWellFormedToken, newToken } from '../common/tokens.js';

export type EmailTokenPurpose =
  | 'verify_email'
  | 'device_approval'
  | 'not_me'
  | 'password_reset'
  | 'recovery_confirm'
  | 'email_change'
  | 'address_confirm'
  | 'withdrawal_confirm';

/** Issues a single-use link token; only its hash is stored. */
export async function issueEmailToken(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random'>,
  args: { userId: string; purpose: EmailTokenPurpose; ttlMinutes: number; data?: Record<string, unknown> },
): Promise<string> {
  const token = newToken(deps.random);
  const now = deps.clock.now();
  await trx
    .insertInto('email_tokens')
    .values({
      id: deps.random.uuid(),
      user_id: args.userId,
      purpose: args.purpose,
      token_hash: hashToken(token),
      data: JSON.stringify(args.data ?? {}),
      created_at: now,
      expires_at: new Date(now.getTime() + args.ttlMinutes * 60_000),
    })
    .execute();
  return token;
}

/**
 * Consumes a link token with one atomic statement: of two concurrent uses, exactly one gets the
 * row back. Returns undefined for a token that is unknown, expired, used, or for another purpose.
 */
export async function consumeEmailToken(
  trx: Trx,
  deps: Pick<Deps, 'clock'>,
  purpose: EmailTokenPurpose,
  token: string,
) {
  if (!isWellFormedToken(token)) return undefined;
  const now = deps.clock.now();
  return trx
    .updateTable('email_tokens')
    .set({ consumed_at: now })
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .returning(['id', 'user_id', 'data'])
    .executeTakeFirst();
}
