import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import type { Operator } from '../admin/operator-auth.js';
import { appendAudit } from '../audit/append-audit.js';
import { applyWithdrawalEvent, lockWithdrawal } from './lifecycle.js';
import { presentWithdrawal, timelineOf } from './withdrawals.js';

const REVIEWERS = new Set(['analyst', 'approver', 'admin']);

/** Held withdrawals, oldest first, with what the reviewer needs to decide (SPEC S4). */
export async function reviewQueue(deps: Pick<Deps, 'db' | 'config'>) {
  const rows = await deps.db
    .selectFrom('withdrawals')
    .innerJoin('users', 'users.id', 'withdrawals.user_id')
    .selectAll('withdrawals')
    .select('users.email')
    .where('withdrawals.state', '=', 'in_review')
    .orderBy('withdrawals.created_at')
    .limit(200)
    .execute();
  const reviews = rows.length
    ? await deps.db
        .selectFrom('withdrawal_reviews')
        .select(['withdrawal_id', 'decision'])
        .where(
          'withdrawal_id',
          'in',
          rows.map((r) => r.id),
        )
        .execute()
    : [];
  return rows.map(({ email, ...w }) => ({
    ...presentWithdrawal(deps, w),
    userId: w.user_id,
    email,
    reviewsRequired: w.reviews_required,
    approvals: reviews.filter((r) => r.withdrawal_id === w.id && r.decision === 'approve').length,
    reviewExpiresAt: w.review_expires_at?.toISOString() ?? null,
  }));
}

export async function reviewDetail(deps: Pick<Deps, 'db' | 'config'>, id: string) {
  const w = await deps.db.selectFrom('withdrawals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!w) throw new CustosError('NOT_FOUND');
  const user = await deps.db
    .selectFrom('users')
    .select('email')
    .where('id', '=', w.user_id)
    .executeTakeFirstOrThrow();
  const reviews = await deps.db
    .selectFrom('withdrawal_reviews')
    .innerJoin('operators', 'operators.id', 'withdrawal_reviews.operator_id')
    .select([
      'operators.email',
      'withdrawal_reviews.decision',
      'withdrawal_reviews.note',
      'withdrawal_reviews.at',
    ])
    .where('withdrawal_id', '=', id)
    .orderBy('withdrawal_reviews.at')
    .execute();
  return {
    ...presentWithdrawal(deps, w),
    userId: w.user_id,
    email: user.email,
    reviewsRequired: w.reviews_required,
    reviewExpiresAt: w.review_expires_at?.toISOString() ?? null,
    reviews: reviews.map((r) => ({
      reviewer: r.email,
      decision: r.decision,
      note: r.note,
      at: r.at.toISOString(),
    })),
    timeline: await timelineOf(deps.db, id),
  };
}

/**
 * One reviewer's decision on a held withdrawal. A rejection ends it; approvals count until the
 * number required (two above TWO_REVIEWERS_ABOVE), each from a different operator (the primary
 * key of withdrawal_reviews), and then the owner must still confirm it by email.
 */
export async function reviewWithdrawal(
  deps: Deps,
  operator: Operator,
  id: string,
  input: { decision: 'approve' | 'reject'; note: string },
) {
  if (!REVIEWERS.has(operator.role)) throw new CustosError('FORBIDDEN');
  await deps.db.transaction().execute(async (trx) => {
    const w = await lockWithdrawal(trx, id);
    if (!w) throw new CustosError('NOT_FOUND');
    if (w.state !== 'in_review')
      throw new CustosError('CONFLICT', { message: 'This withdrawal is not waiting for a review.' });
    const inserted = await trx
      .insertInto('withdrawal_reviews')
      .values({
        withdrawal_id: id,
        operator_id: operator.id,
        decision: input.decision,
        note: input.note,
        at: deps.clock.now(),
      })
      .onConflict((oc) => oc.columns(['withdrawal_id', 'operator_id']).doNothing())
      .returning('operator_id')
      .executeTakeFirst();
    if (!inserted) throw new CustosError('ALREADY_REVIEWED');
    const actor = `operator:${operator.id}`;
    await appendAudit(trx, deps, {
      type: `withdrawal.review_${input.decision}`,
      actor,
      userId: w.user_id,
      data: { withdrawalId: id, note: input.note },
    });
    if (input.decision === 'reject') {
      await applyWithdrawalEvent(trx, deps, w, 'review_rejected', { actor, note: input.note });
    } else {
      const approvals = await trx
        .selectFrom('withdrawal_reviews')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('withdrawal_id', '=', id)
        .where('decision', '=', 'approve')
        .executeTakeFirstOrThrow();
      if (Number(approvals.n) >= Math.max(1, w.reviews_required))
        await applyWithdrawalEvent(trx, deps, w, 'review_approved', { actor });
    }
  });
  return reviewDetail(deps, id);
}
