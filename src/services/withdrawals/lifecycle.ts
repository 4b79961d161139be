import { sql } from 'kysely';
import type { Trx } from '../../db/database.js';
import type { UserRow, WithdrawalRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { formatUnits } from '../../domain/ledger/amount.js';
import {
  holdEffect,
  transition,
  type WithdrawalEvent,
  type WithdrawalState,
} from '../../domain/withdrawals/state-machine.js';
import { auditInsert } from '../audit/append-audit.js';
import { issueEmailToken } from '../identity/email-tokens.js';
import { releaseHold, settleHold } from '../ledger/holds.js';
import { assetOf } from '../ledger/assets.js';
import { notifyUser } from '../notifications/notify.js';

export const OPEN_STATES: readonly WithdrawalState[] = [
  'in_review',
  'awaiting_confirmation',
  'cooling_off',
  'queued',
  'broadcasting',
  'broadcast',
];
/** States whose amount counts against caps and limits: everything but the ways out. */
export const COUNTED_STATES: readonly WithdrawalState[] = [...OPEN_STATES, 'confirmed'];

const at = (d: Date) => `${d.toISOString().replace('T', ' ').slice(0, 16)} UTC`;

export const amountText = (deps: Pick<Deps, 'config'>, w: Pick<WithdrawalRow, 'amount' | 'asset'>) =>
  `${formatUnits(BigInt(w.amount), assetOf(deps, w.asset).decimals)} ${w.asset}`;

/** What the user reads in the timeline and the email when a withdrawal enters `to`. */
export function describeState(
  deps: Pick<Deps, 'config'>,
  to: WithdrawalState,
  w: WithdrawalRow,
  note?: string,
): { reason: string; subject: string | null } {
  const what = `${amountText(deps, w)} to ${w.address}`;
  switch (to) {
    case 'in_review':
      return {
        reason: `Held for a review by our security team${note ? `: ${note}` : '.'} You can cancel it meanwhile.`,
        subject: `A withdrawal of ${amountText(deps, w)} is held for review`,
      };
    case 'awaiting_confirmation':
      return {
        reason: `Waiting for you to confirm it with the link we emailed (valid ${deps.config.WITHDRAWAL_CONFIRM_MINUTES} minutes).`,
        subject: `Confirm your withdrawal of ${amountText(deps, w)}`,
      };
    case 'cooling_off':
      return {
        reason: `A large withdrawal waits until ${at(w.cooling_off_until!)} before it is sent. You can cancel it until then.`,
        subject: `Your withdrawal of ${amountText(deps, w)} is waiting ${deps.config.COOLING_OFF_HOURS} hours`,
      };
    case 'queued':
      return { reason: note ?? 'Queued to be sent to the network.', subject: null };
    case 'broadcasting':
      return { reason: 'Being sent to the network.', subject: null };
    case 'broadcast':
      return {
        reason: `Sent to the network${w.chain_tx_id ? ` (transaction ${w.chain_tx_id})` : ''}. Waiting for confirmations.`,
        subject: `Your withdrawal of ${amountText(deps, w)} was sent`,
      };
    case 'confirmed':
      return {
        reason: 'Confirmed on the network. Done.',
        subject: `Your withdrawal of ${amountText(deps, w)} is complete`,
      };
    case 'rejected':
      return {
        reason: `Rejected${note ? `: ${note}` : '.'} The funds are available again.`,
        subject: `Your withdrawal of ${amountText(deps, w)} was rejected`,
      };
    case 'cancelled':
      return {
        reason: `${note ?? 'Cancelled by you.'} The funds are available again.`,
        subject: `Your withdrawal of ${amountText(deps, w)} was cancelled`,
      };
    case 'expired':
      return {
        reason: `Not confirmed within ${deps.config.WITHDRAWAL_CONFIRM_MINUTES} minutes. The funds are available again.`,
        subject: `Your withdrawal of ${amountText(deps, w)} expired`,
      };
    case 'failed':
      return {
        reason: `The network did not take it${note ? `: ${note}` : '.'} The funds are available again.`,
        subject: `Your withdrawal of ${amountText(deps, w)} failed`,
      };
    default:
      return { reason: what, subject: null };
  }
}

/**
 * Records a withdrawal entering a state: its timeline event, its audit event and, for the states
 * a person wants to hear of, the email (with the confirmation link where one is needed) and the
 * platform webhook. Called in the transaction that changed the state.
 */
export async function recordState(
  trx: Trx,
  deps: Deps,
  w: WithdrawalRow,
  args: {
    from: WithdrawalState | null;
    event: string;
    actor: string;
    note?: string;
    data?: Record<string, unknown>;
    /** The owner, when the caller has read it already (saves reading it again). */
    user?: Pick<UserRow, 'id' | 'email' | 'anti_phishing_code'>;
  },
): Promise<void> {
  const to = w.state as WithdrawalState;
  const now = deps.clock.now();
  const { reason, subject } = describeState(deps, to, w, args.note);
  const audit = auditInsert(deps, {
    type: `withdrawal.${to}`,
    actor: args.actor,
    userId: w.user_id,
    data: {
      withdrawalId: w.id,
      from: args.from,
      event: args.event,
      asset: w.asset,
      amount: w.amount,
      address: w.address,
      ...(args.data ?? {}),
    },
  });
  // The state's record and its audit event in one round trip.
  await sql`
    with recorded as (
      insert into withdrawal_events (withdrawal_id, at, from_state, to_state, event, actor, reason, data)
      values (${w.id}, ${now}, ${args.from}, ${to}, ${args.event}, ${args.actor}, ${reason},
              ${JSON.stringify(args.data ?? {})}::jsonb))
    ${audit.statement}`.execute(trx);
  // Every step reaches the platform's webhook; the owner is emailed about the ones that matter.
  if (!subject && !deps.webhooks) return;
  const user =
    args.user?.id === w.user_id
      ? args.user
      : await trx
          .selectFrom('users')
          .select(['id', 'email', 'anti_phishing_code'])
          .where('id', '=', w.user_id)
          .executeTakeFirstOrThrow();
  let action = { label: 'See this withdrawal', url: `${deps.config.publicUrl}/security/withdrawals/${w.id}` };
  if (to === 'awaiting_confirmation') {
    const token = await issueEmailToken(trx, deps, {
      userId: w.user_id,
      purpose: 'withdrawal_confirm',
      ttlMinutes: deps.config.WITHDRAWAL_CONFIRM_MINUTES,
      data: { withdrawalId: w.id },
    });
    action = {
      label: 'Confirm this withdrawal',
      url: `${deps.config.publicUrl}/confirm-withdrawal?token=${token}`,
    };
  }
  await notifyUser(trx, deps, user, {
    event: 'withdrawal',
    webhookOnly: !subject,
    subject: subject ?? reason,
    lines: [
      `Withdrawal of ${amountText(deps, w)} (fee ${formatUnits(BigInt(w.fee), assetOf(deps, w.asset).decimals)}) to:`,
      w.address,
      reason,
      ...(to === 'awaiting_confirmation'
        ? ['If you did not ask for it, do not confirm it: lock your account with the link at the bottom.']
        : []),
    ],
    action,
    data: { withdrawalId: w.id, state: to, asset: w.asset, amount: w.amount },
  });
}

/**
 * Applies one event of the state machine to a withdrawal: a conditional update on its current
 * state (so a repeated or concurrent event applies once), the hold's settlement or release, and
 * the record of the new state. Returns the new row, or null when the event did not apply.
 */
export async function applyWithdrawalEvent(
  trx: Trx,
  deps: Deps,
  w: WithdrawalRow,
  event: WithdrawalEvent,
  args: { actor: string; note?: string; data?: Record<string, unknown>; set?: Partial<WithdrawalRow> },
): Promise<WithdrawalRow | null> {
  const from = w.state as WithdrawalState;
  const to = transition(from, event, w.large);
  if (!to) return null;
  const now = deps.clock.now();
  const extra: Partial<WithdrawalRow> = { ...args.set };
  if (to === 'awaiting_confirmation')
    extra.confirm_expires_at = new Date(now.getTime() + deps.config.WITHDRAWAL_CONFIRM_MINUTES * 60_000);
  if (to === 'cooling_off')
    extra.cooling_off_until = new Date(now.getTime() + deps.config.COOLING_OFF_HOURS * 3_600_000);
  if (to !== 'broadcasting') extra.lease_until = null;
  const { risk_reasons: _ignored, ...patch } = extra;
  const row = await trx
    .updateTable('withdrawals')
    .set({ ...patch, state: to, updated_at: now })
    .where('id', '=', w.id)
    .where('state', '=', from)
    .returningAll()
    .executeTakeFirst();
  if (!row) return null;
  const effect = holdEffect(to);
  if (row.hold_id && effect === 'release') await releaseHold(trx, deps, row.hold_id);
  if (row.hold_id && effect === 'settle')
    await settleHold(
      trx,
      deps,
      row.hold_id,
      { kind: 'withdrawal', reference: row.id, userId: row.user_id, actor: args.actor },
      BigInt(row.fee),
    );
  await recordState(trx, deps, row, { from, event, actor: args.actor, note: args.note, data: args.data });
  return row;
}

/** Locks and returns a withdrawal row inside a transaction. */
export function lockWithdrawal(trx: Trx, id: string) {
  return trx.selectFrom('withdrawals').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}
