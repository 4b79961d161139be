import type { WithdrawalRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { withdrawalLockState } from '../../domain/withdrawals/settings.js';
import type { WithdrawalEvent } from '../../domain/withdrawals/state-machine.js';
import { type Periodic, runPeriodically } from '../common/periodic.js';
import { applyWithdrawalEvent, lockWithdrawal } from './lifecycle.js';
import { getWithdrawalControls } from './platform-controls.js';

const SYSTEM = 'system:withdrawals';
const BATCH = 50;

/**
 * The background half of the withdrawal flow, safe to run on every node at once:
 * - time-driven events (confirmation expiry, end of cooling-off, review expiry);
 * - broadcasting, in two steps: a withdrawal is *claimed* (`queued` → `broadcasting`, with a
 *   lease) in one committed transaction, and only then handed to the chain adapter; the answer
 *   is recorded in a second transaction. `FOR UPDATE SKIP LOCKED` and the conditional state
 *   update let exactly one node claim a withdrawal;
 * - recovery: a `broadcasting` withdrawal whose lease ran out belongs to a node that died or
 *   lost its answer. It is looked up at the adapter and, if the chain does not know it, sent
 *   again under the same id, which every adapter deduplicates. So a crash anywhere between the
 *   hold and the broadcast neither loses the hold nor broadcasts twice;
 * - confirmations, for adapters that are polled.
 */
export interface ProcessReport {
  expired: number;
  cooledOff: number;
  reviewsExpired: number;
  broadcast: number;
  failed: number;
  recovered: number;
  confirmed: number;
  stopped: number;
}

export async function processWithdrawals(deps: Deps): Promise<ProcessReport> {
  const report: ProcessReport = {
    expired: 0,
    cooledOff: 0,
    reviewsExpired: 0,
    broadcast: 0,
    failed: 0,
    recovered: 0,
    confirmed: 0,
    stopped: 0,
  };
  report.expired = await timed(deps, 'awaiting_confirmation', 'confirm_expires_at', 'confirmation_expired');
  report.cooledOff = await timed(deps, 'cooling_off', 'cooling_off_until', 'cooling_off_ended');
  report.reviewsExpired = await timed(
    deps,
    'in_review',
    'review_expires_at',
    'review_rejected',
    'No reviewer decided within the review period',
  );
  for (let i = 0; i < BATCH; i++) {
    const claimed = await claim(deps);
    if (claimed === null) break;
    if (claimed === 'stopped') report.stopped++;
    else await send(deps, claimed, report);
  }
  for (let i = 0; i < BATCH; i++) {
    const stale = await claimStale(deps);
    if (!stale) break;
    report.recovered++;
    await send(deps, stale, report);
  }
  report.confirmed = await pollConfirmations(deps);
  return report;
}

/** Applies a time-driven event to every withdrawal whose deadline passed. */
async function timed(
  deps: Deps,
  state: string,
  column: 'confirm_expires_at' | 'cooling_off_until' | 'review_expires_at',
  event: WithdrawalEvent,
  note?: string,
): Promise<number> {
  let n = 0;
  for (;;) {
    const done = await deps.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('withdrawals')
        .selectAll()
        .where('state', '=', state)
        .where(column, '<=', deps.clock.now())
        .orderBy(column)
        .limit(BATCH)
        .forUpdate()
        .skipLocked()
        .execute();
      for (const w of rows)
        if (
          await applyWithdrawalEvent(trx, deps, w, event, {
            actor: SYSTEM,
            ...(note ? { note } : {}),
          })
        )
          n++;
      return rows.length;
    });
    if (done < BATCH) return n;
  }
}

/**
 * Claims one queued withdrawal for broadcast. Before it leaves, the account is checked once more:
 * a lock, a withdrawal lock turned on, or the address removed since the request stops it; a
 * paused asset makes it wait.
 */
async function claim(deps: Deps): Promise<WithdrawalRow | 'stopped' | null> {
  const controls = await getWithdrawalControls(deps.db);
  if (controls.pausedAll) return null;
  return deps.db.transaction().execute(async (trx) => {
    let q = trx.selectFrom('withdrawals').selectAll().where('state', '=', 'queued');
    if (controls.pausedAssets.length) q = q.where('asset', 'not in', controls.pausedAssets);
    const w = await q.orderBy('updated_at').limit(1).forUpdate().skipLocked().executeTakeFirst();
    if (!w) return null;
    const now = deps.clock.now();
    const user = await trx
      .selectFrom('users')
      .select(['locked_at', 'hard_locked_at', 'withdrawal_lock_on', 'withdrawal_lock_off_effective_at'])
      .where('id', '=', w.user_id)
      .executeTakeFirstOrThrow();
    const addressGone =
      w.address_id !== null &&
      !(await trx
        .selectFrom('withdrawal_addresses')
        .select('id')
        .where('id', '=', w.address_id)
        .where('removed_at', 'is', null)
        .executeTakeFirst());
    const stop =
      user.locked_at || user.hard_locked_at
        ? 'Stopped: the account was locked.'
        : withdrawalLockState(user, now).state !== 'off'
          ? 'Stopped: your withdrawal lock is on.'
          : addressGone
            ? 'Stopped: the address was removed from your address book.'
            : null;
    if (stop) {
      await applyWithdrawalEvent(trx, deps, w, 'stopped_by_platform', { actor: SYSTEM, note: stop });
      return 'stopped' as const;
    }
    return applyWithdrawalEvent(trx, deps, w, 'broadcast_started', {
      actor: SYSTEM,
      set: {
        lease_until: new Date(now.getTime() + deps.config.BROADCAST_LEASE_SECONDS * 1000),
        broadcast_attempts: w.broadcast_attempts + 1,
      },
    });
  });
}

/** Takes over one `broadcasting` withdrawal whose lease ran out (its node died or lost the answer). */
async function claimStale(deps: Deps): Promise<WithdrawalRow | null> {
  return deps.db.transaction().execute(async (trx) => {
    const now = deps.clock.now();
    const w = await trx
      .selectFrom('withdrawals')
      .selectAll()
      .where('state', '=', 'broadcasting')
      .where('lease_until', '<', now)
      .orderBy('lease_until')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    if (!w) return null;
    return trx
      .updateTable('withdrawals')
      .set({
        lease_until: new Date(now.getTime() + deps.config.BROADCAST_LEASE_SECONDS * 1000),
        broadcast_attempts: w.broadcast_attempts + 1,
        updated_at: now,
      })
      .where('id', '=', w.id)
      .where('state', '=', 'broadcasting')
      .returningAll()
      .executeTakeFirstOrThrow();
  });
}

/** Hands a claimed withdrawal to the adapter and records the answer. */
async function send(deps: Deps, w: WithdrawalRow, report: ProcessReport): Promise<void> {
  let result;
  try {
    const known = w.broadcast_attempts > 1 ? await deps.chain.lookup(w.id) : null;
    result =
      known && known !== 'unknown'
        ? ({ status: 'accepted', txId: known.txId } as const)
        : await deps.chain.broadcast({
            withdrawalId: w.id,
            asset: w.asset,
            network: w.network,
            address: w.address,
            amount: BigInt(w.amount),
          });
  } catch (err) {
    // Unknown outcome: the lease runs out and the broadcast is looked up or sent again.
    deps.log.warn({ err, withdrawalId: w.id }, 'broadcast outcome unknown; will retry after the lease');
    return;
  }
  await deps.db.transaction().execute(async (trx) => {
    const current = await lockWithdrawal(trx, w.id);
    if (!current) return;
    if (result.status === 'accepted') {
      if (
        await applyWithdrawalEvent(trx, deps, current, 'broadcast_accepted', {
          actor: `chain:${deps.chain.name}`,
          set: { chain_tx_id: result.txId },
        })
      )
        report.broadcast++;
    } else if (
      await applyWithdrawalEvent(trx, deps, current, 'broadcast_refused', {
        actor: `chain:${deps.chain.name}`,
        note: result.reason,
        set: { failure_reason: result.reason },
      })
    )
      report.failed++;
  });
}

async function pollConfirmations(deps: Deps): Promise<number> {
  const sent = await deps.db
    .selectFrom('withdrawals')
    .select('id')
    .where('state', '=', 'broadcast')
    .orderBy('updated_at')
    .limit(BATCH * 4)
    .execute();
  let n = 0;
  for (const { id } of sent) {
    if ((await deps.chain.confirmation(id)) !== 'confirmed') continue;
    await deps.db.transaction().execute(async (trx) => {
      const w = await lockWithdrawal(trx, id);
      if (
        w &&
        (await applyWithdrawalEvent(trx, deps, w, 'chain_confirmed', { actor: `chain:${deps.chain.name}` }))
      )
        n++;
    });
  }
  return n;
}

/** Runs the processor every `intervalMs` until stopped; one tick at a time. */
export function startWithdrawalWorker(deps: Deps, intervalMs: number): Periodic {
  return runPeriodically('withdrawal processing', () => processWithdrawals(deps), intervalMs, deps.log);
}

/**
 * The signer's report of what became of a broadcast (webhook adapter), applied like any other
 * event: `accepted` (with the transaction id), `confirmed`, or `failed`. Repeats change nothing.
 */
export async function applyChainReport(
  deps: Deps,
  report: {
    withdrawalId: string;
    event: 'accepted' | 'confirmed' | 'failed';
    txId?: string | undefined;
    reason?: string | undefined;
  },
): Promise<{ applied: boolean; state: string }> {
  return deps.db.transaction().execute(async (trx) => {
    let w = await lockWithdrawal(trx, report.withdrawalId);
    if (!w) throw new CustosError('NOT_FOUND');
    const actor = `chain:${deps.chain.name}`;
    let applied = false;
    if (report.event === 'failed') {
      const next = await applyWithdrawalEvent(trx, deps, w, 'broadcast_refused', {
        actor,
        note: report.reason ?? 'refused by the signer',
        set: { failure_reason: report.reason ?? 'refused by the signer' },
      });
      return { applied: next !== null, state: (next ?? w).state };
    }
    // A confirmation may overtake the acceptance: apply both in order.
    if (w.state === 'broadcasting') {
      const next = await applyWithdrawalEvent(trx, deps, w, 'broadcast_accepted', {
        actor,
        set: { chain_tx_id: report.txId ?? w.chain_tx_id },
      });
      if (next) {
        w = next;
        applied = true;
      }
    }
    if (report.event === 'confirmed') {
      const next = await applyWithdrawalEvent(trx, deps, w, 'chain_confirmed', { actor });
      if (next) {
        w = next;
        applied = true;
      }
    }
    return { applied, state: w.state };
  });
}
