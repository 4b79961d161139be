import type { Executor } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';

export type TierSource = 'kyc_provider' | 'admin';

/**
 * A user's verification tier (SPEC S3). It comes from the platform's KYC provider through the
 * integration API, or from an admin after a manual review; Custos keeps the tier and its history,
 * never the identity documents. A user without a row has DEFAULT_TIER.
 */
export async function tierOf(deps: Pick<Deps, 'config'>, db: Executor, userId: string): Promise<string> {
  const row = await db
    .selectFrom('user_tiers')
    .select('tier')
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.tier ?? deps.config.DEFAULT_TIER;
}

export async function setTier(
  deps: Deps,
  input: { userId: string; tier: string; source: TierSource; actor: string; reference: string | null },
): Promise<{ tier: string; previous: string }> {
  if (!deps.config.tiers.has(input.tier))
    throw new CustosError('VALIDATION_FAILED', {
      message: `Unknown tier. Tiers: ${[...deps.config.tiers.keys()].join(', ')}.`,
    });
  return deps.db.transaction().execute(async (trx) => {
    const user = await trx
      .selectFrom('users')
      .select('id')
      .where('id', '=', input.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!user) throw new CustosError('NOT_FOUND', { message: 'No such user.' });
    const previous = await tierOf(deps, trx, input.userId);
    const now = deps.clock.now();
    await trx
      .insertInto('user_tiers')
      .values({ user_id: input.userId, tier: input.tier, source: input.source, updated_at: now })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ tier: input.tier, source: input.source, updated_at: now }),
      )
      .execute();
    await trx
      .insertInto('user_tier_history')
      .values({
        user_id: input.userId,
        tier: input.tier,
        previous_tier: previous,
        source: input.source,
        actor: input.actor,
        reference: input.reference,
        at: now,
      })
      .execute();
    await appendAudit(trx, deps, {
      type: 'user.tier_changed',
      actor: input.actor,
      userId: input.userId,
      data: { tier: input.tier, previous, source: input.source, reference: input.reference },
    });
    return { tier: input.tier, previous };
  });
}

export function tierHistory(db: Executor, userId: string) {
  return db
    .selectFrom('user_tier_history')
    .select(['tier', 'previous_tier', 'source', 'actor', 'reference', 'at'])
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(100)
    .execute();
}
