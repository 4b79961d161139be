import { sql } from 'kysely';
import { lockUserById } from '../../db/repositories/user.repository.js';
import type { Executor, Trx } from '../../db/database.js';
import type { UserRow, WithdrawalRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import {
  assessWithdrawal,
  DEFAULT_RULE_SET,
  type RiskAssessment,
  type RiskDecision,
} from '../../domain/risk/withdrawal-risk.js';
import { tierLimits } from '../../domain/withdrawals/limits.js';
import { evaluateWithdrawalPolicy, type PolicyReason } from '../../domain/withdrawals/policy.js';
import { addressStatus, effectiveCap, withdrawalLockState } from '../../domain/withdrawals/settings.js';
import { initialState, isCancellable, type WithdrawalState } from '../../domain/withdrawals/state-machine.js';
import { appendAudit } from '../audit/append-audit.js';
import { actorOf, type Principal, type RequestContext } from '../identity/context.js';
import { hashToken, isWellFormedToken } from '../common/tokens.js';
import { consumeEmailToken } from '../identity/email-tokens.js';
import { stepUpIsFresh } from '../identity/sessions.js';
import { ensureMainAccount } from '../ledger/accounts.js';
import { assetOf } from '../ledger/assets.js';
import { placeHold } from '../ledger/holds.js';
import { idempotent } from '../ledger/idempotency.js';
import { notifyUser } from '../notifications/notify.js';
import {
  amountText,
  applyWithdrawalEvent,
  COUNTED_STATES,
  lockWithdrawal,
  OPEN_STATES,
  recordState,
} from './lifecycle.js';
import { controlsFromKeys } from './platform-controls.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface WithdrawalInput {
  readonly accountId?: string | undefined;
  readonly asset: string;
  readonly address: string;
  readonly amount: bigint;
}

interface Gathered {
  readonly accountId: string;
  readonly fee: bigint;
  readonly large: boolean;
  readonly addressRow: { id: string; created_at: Date } | null;
  readonly reasons: readonly PolicyReason[];
  readonly user: UserRow;
  /** Read in the same statement as the policy's facts, for `assessRisk`. */
  readonly riskFacts: RiskFactsRow;
}

/** Reads every fact the policy needs and runs it (no writes). */
async function checkPolicy(
  trx: Executor,
  deps: Deps,
  user: UserRow,
  principal: Principal,
  input: WithdrawalInput,
  now: Date,
): Promise<Gathered> {
  const asset = assetOf(deps, input.asset);
  // The account the funds leave from: one of the user's, never another user's.
  const account = input.accountId
    ? sql`(select id from ledger_accounts where id = ${input.accountId} and user_id = ${user.id})`
    : sql`(select id from ledger_accounts where user_id = ${user.id} and is_main)`;
  const fee = deps.config.withdrawalFees.get(asset.symbol) ?? 0n;
  const counted = sql.join(COUNTED_STATES.map((st) => sql`${st}`));
  // Every fact, the policy's and the risk rules', in one round trip: this runs on each request,
  // inside the user's row lock.
  const { rows } = await sql<
    {
      account_id: string | null;
      balance: string | null;
      held: string | null;
      address: {
        id: string;
        created_at: string;
        confirmed_at: string | null;
        active_from: string | null;
      } | null;
      paused: string[];
      cap: {
        daily_limit: string | null;
        pending_limit: string | null;
        pending_unlimited: boolean;
        pending_effective_at: string | null;
      } | null;
      tier: string | null;
      recovery: boolean;
      has_passkey: boolean;
      sent24: string;
      sent30: string;
    } & RiskFactsRow
  >`
    select
      ${account} as account_id,
      (select balance::text from ledger_balances where account_id = ${account} and asset = ${asset.symbol}) as balance,
      (select held::text from ledger_balances where account_id = ${account} and asset = ${asset.symbol}) as held,
      (select json_build_object('id', id, 'created_at', created_at, 'confirmed_at', confirmed_at, 'active_from', active_from)
         from withdrawal_addresses
        where user_id = ${user.id} and asset = ${asset.symbol} and address = ${input.address} and removed_at is null) as address,
      (select coalesce(json_agg(key), '[]'::json) from platform_controls
        where key like 'withdrawals.paused%' and value = 'true'::jsonb) as paused,
      (select json_build_object('daily_limit', daily_limit::text, 'pending_limit', pending_limit::text,
                                'pending_unlimited', pending_unlimited, 'pending_effective_at', pending_effective_at)
         from withdrawal_caps where user_id = ${user.id} and asset = ${asset.symbol}) as cap,
      (select tier from user_tiers where user_id = ${user.id}) as tier,
      exists(select 1 from recovery_requests where user_id = ${user.id} and completed_at is null
                and cancelled_at is null and confirmed_at is not null) as recovery,
      exists(select 1 from passkeys where user_id = ${user.id}) as has_passkey,
      (select coalesce(sum(amount), 0)::text from withdrawals where user_id = ${user.id} and asset = ${asset.symbol}
          and state in (${counted}) and created_at > ${new Date(now.getTime() - DAY)}) as sent24,
      (select coalesce(sum(amount), 0)::text from withdrawals where user_id = ${user.id} and asset = ${asset.symbol}
          and state in (${counted}) and created_at > ${new Date(now.getTime() - 30 * DAY)}) as sent30,
      ${riskFactColumns(user, principal, input, now)}`.execute(trx);
  const f = rows[0]!;
  if (f.account_id === null) {
    if (input.accountId) throw new CustosError('NOT_FOUND', { message: 'No such account.' });
    // First use: the main account does not exist yet. Create it and read again.
    await ensureMainAccount(trx, deps, user.id);
    return checkPolicy(trx, deps, user, principal, input, now);
  }
  const accountId = f.account_id;
  const available = f.balance === null ? 0n : BigInt(f.balance) - BigInt(f.held!);
  const date = (v: string | null) => (v === null ? null : new Date(v));
  const address = f.address && {
    id: f.address.id,
    created_at: new Date(f.address.created_at),
    confirmed_at: date(f.address.confirmed_at),
    active_from: date(f.address.active_from),
  };
  const controls = controlsFromKeys(f.paused);
  const cap = f.cap ? { ...f.cap, pending_effective_at: date(f.cap.pending_effective_at) } : undefined;
  const tier = f.tier ?? deps.config.DEFAULT_TIER;
  const decision = evaluateWithdrawalPolicy({
    now,
    amount: input.amount,
    asset: asset.symbol,
    // The fee leaves with the amount, so it must be available too.
    available: available - fee,
    account: {
      locked: user.locked_at !== null || user.hard_locked_at !== null,
      withdrawalsFrozenUntil: user.withdrawals_frozen_until,
      recoveryPending: f.recovery,
      withdrawalLockOn: withdrawalLockState(user, now).state !== 'off',
      stepUpFresh: stepUpIsFresh(principal, now, deps.config.STEP_UP_MINUTES),
      hasSecondFactor: user.totp_enabled_at !== null || f.has_passkey,
    },
    platform: {
      killSwitchAll: controls.pausedAll,
      killSwitchAssets: controls.pausedAssets,
      whitelistOnly: deps.config.WHITELIST_ONLY,
    },
    address: address ? { status: addressStatus(address, now), activeFrom: address.active_from } : null,
    userDailyCap: effectiveCap(cap, now),
    sentLast24h: BigInt(f.sent24),
    sentLast30d: BigInt(f.sent30),
    tier: tierLimits(deps.config.tiers, tier, asset.symbol),
  });
  const large =
    deps.config.largeWithdrawals.has(asset.symbol) &&
    input.amount > deps.config.largeWithdrawals.get(asset.symbol)!;
  return {
    accountId,
    fee,
    large,
    addressRow: address ? { id: address.id, created_at: address.created_at } : null,
    reasons: decision.outcome === 'reject' ? decision.reasons : [],
    user,
    riskFacts: f,
  };
}

interface RiskFactsRow {
  recent: string[];
  done: number;
  last_hour: number;
  device_at: string | null;
  others: number;
}

/** The risk facts of S4, as columns of the policy's facts statement. */
function riskFactColumns(user: UserRow, principal: Principal, input: WithdrawalInput, now: Date) {
  const counted = sql.join(COUNTED_STATES.map((st) => sql`${st}`));
  return sql`
      (select coalesce(json_agg(a), '[]'::json) from (
         select amount::text as a from withdrawals
          where user_id = ${user.id} and asset = ${input.asset} and state in (${counted})
            and created_at > ${new Date(now.getTime() - 90 * DAY)}
          order by created_at desc limit 200) r) as recent,
      (select count(*)::int from withdrawals where user_id = ${user.id} and state in ('broadcast', 'confirmed')) as done,
      (select count(*)::int from withdrawals where user_id = ${user.id}
          and created_at > ${new Date(now.getTime() - HOUR)}) as last_hour,
      (select coalesce(approved_at, created_at) from devices where id = ${principal.deviceId}) as device_at,
      -- The shape of the 2022 attack: many accounts sending to one address, or keeping it in
      -- their address book (a refused or blocked attempt leaves no withdrawal; the entry stays).
      (select count(distinct user_id)::int from (
         select user_id from withdrawals
          where asset = ${input.asset} and address = ${input.address} and created_at > ${new Date(now.getTime() - DAY)}
         union
         select user_id from withdrawal_addresses
          where asset = ${input.asset} and address = ${input.address} and removed_at is null) s
        where user_id <> ${user.id}) as others`;
}

/** Scores the request on the risk facts read with the policy's. */
function assessRisk(
  deps: Deps,
  user: UserRow,
  f: RiskFactsRow,
  input: WithdrawalInput,
  addressAddedAt: Date | null,
  now: Date,
): RiskAssessment {
  return assessWithdrawal(
    {
      now,
      amount: input.amount,
      addressAddedAt,
      recentAmounts: f.recent.map((a) => BigInt(a)),
      previousWithdrawals: Number(f.done),
      lastHourCount: Number(f.last_hour),
      securityChangedAt: user.security_changed_at,
      deviceApprovedAt: f.device_at === null ? null : new Date(f.device_at),
      otherAccountsToAddress: Number(f.others),
    },
    { ...DEFAULT_RULE_SET, thresholds: deps.config.riskThresholds },
  );
}

export interface WithdrawalView {
  readonly id: string;
  readonly accountId: string;
  readonly asset: string;
  /** The asset's decimals, so that a page without the asset list can show the amount. */
  readonly decimals: number;
  readonly network: string;
  readonly address: string;
  readonly amount: bigint;
  readonly fee: bigint;
  readonly state: WithdrawalState;
  readonly large: boolean;
  readonly cancellable: boolean;
  readonly risk: { score: number; decision: string; reasons: string[] };
  readonly confirmExpiresAt: Date | null;
  readonly coolingOffUntil: Date | null;
  readonly chainTxId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export const withdrawalView = (w: WithdrawalRow, decimals: number): WithdrawalView => ({
  id: w.id,
  accountId: w.account_id,
  asset: w.asset,
  decimals,
  network: w.network,
  address: w.address,
  amount: BigInt(w.amount),
  fee: BigInt(w.fee),
  state: w.state as WithdrawalState,
  large: w.large,
  cancellable: isCancellable(w.state as WithdrawalState),
  risk: { score: w.risk_score, decision: w.risk_decision, reasons: w.risk_reasons.map((r) => r.reason) },
  confirmExpiresAt: w.state === 'awaiting_confirmation' ? w.confirm_expires_at : null,
  coolingOffUntil: w.state === 'cooling_off' ? w.cooling_off_until : null,
  chainTxId: w.chain_tx_id,
  createdAt: w.created_at,
  updatedAt: w.updated_at,
});

/** Where the request starts after the policy passed: the risk decision, tightened by configuration. */
function startState(deps: Deps, decision: RiskDecision, large: boolean): WithdrawalState {
  const d =
    decision === 'allow' && deps.config.WITHDRAWAL_EMAIL_CONFIRMATION === 'always' ? 'confirm' : decision;
  return initialState(d as 'allow' | 'confirm' | 'review', large);
}

/** Why a request was refused or blocked: a stable id (policy code or rule) and plain words. */
interface Refusal {
  readonly code: 'WITHDRAWAL_REFUSED' | 'WITHDRAWAL_BLOCKED';
  readonly reasons: readonly { id: string; message: string }[];
  readonly score?: number;
}

/** A refusal writes nothing but its audit event (after the rollback); a block also tells the user. */
async function recordRefusal(
  deps: Deps,
  principal: Principal,
  input: WithdrawalInput,
  ctx: RequestContext,
  refusal: Refusal,
) {
  const blocked = refusal.code === 'WITHDRAWAL_BLOCKED';
  await deps.db.transaction().execute(async (trx) => {
    await appendAudit(trx, deps, {
      type: blocked ? 'withdrawal.blocked' : 'withdrawal.refused',
      actor: actorOf(principal),
      userId: principal.userId,
      ip: ctx.ip,
      deviceId: principal.deviceId,
      data: {
        asset: input.asset,
        amount: input.amount.toString(),
        address: input.address,
        reasons: refusal.reasons.map((r) => r.id),
        ...(refusal.score === undefined ? {} : { score: refusal.score }),
      },
    });
    if (!blocked) return;
    const user = (await lockUserById(trx, principal.userId))!;
    await notifyUser(trx, deps, user, {
      event: 'withdrawal',
      subject: 'A withdrawal from your account was blocked',
      lines: [
        `A withdrawal of ${amountText(deps, { amount: input.amount.toString(), asset: input.asset })} to ${input.address} was blocked by our risk checks:`,
        ...refusal.reasons.map((r) => `- ${r.message}`),
        'If it was not you, lock your account now with the link below and change your password.',
      ],
      data: { asset: input.asset, address: input.address, reasons: refusal.reasons.map((r) => r.id) },
    });
  });
}

/**
 * A withdrawal request (SPEC S3): authorisation (fresh step-up), the policy, the hold, the risk
 * assessment, then its first state, all in one transaction under the idempotency key, with the
 * user's row locked so that two concurrent requests see each other's holds and totals. A refusal
 * writes nothing but its audit event; a block also tells the user.
 */
export async function requestWithdrawal(
  deps: Deps,
  principal: Principal,
  input: WithdrawalInput & { idempotencyKey: string | undefined },
  ctx: RequestContext,
) {
  const asset = assetOf(deps, input.asset);
  let refusal: Refusal | null = null;
  try {
    return await idempotent(
      deps,
      {
        scope: `user:${principal.userId}`,
        key: input.idempotencyKey,
        request: {
          op: 'withdraw',
          account: input.accountId ?? null,
          asset: input.asset,
          address: input.address,
          amount: input.amount.toString(),
        },
      },
      async (trx) => {
        const user = await lockUserById(trx, principal.userId);
        if (!user) throw new CustosError('UNAUTHENTICATED');
        const now = deps.clock.now();
        const g = await checkPolicy(trx, deps, user, principal, input, now);
        // What refuses the request is said first: a step-up would not change it.
        const refusing = g.reasons.filter((r) => r.code !== 'STEP_UP_REQUIRED');
        if (refusing.length) {
          refusal = {
            code: 'WITHDRAWAL_REFUSED',
            reasons: refusing.map((r) => ({ id: r.code, message: r.message })),
          };
          throw new CustosError('WITHDRAWAL_REFUSED', {
            message:
              refusing.length === 1
                ? refusing[0]!.message
                : `${refusing.length} things stop this withdrawal now.`,
            details: refusing.map((r) => ({ path: r.code, message: r.message })),
          });
        }
        if (g.reasons.length) throw new CustosError('STEP_UP_REQUIRED');
        const risk = assessRisk(deps, user, g.riskFacts, input, g.addressRow?.created_at ?? null, now);
        if (risk.decision === 'block') {
          refusal = {
            code: 'WITHDRAWAL_BLOCKED',
            reasons: risk.hits.map((h) => ({ id: h.rule, message: h.reason })),
            score: risk.score,
          };
          throw new CustosError('WITHDRAWAL_BLOCKED', {
            details: risk.hits.map((h) => ({ path: h.rule, message: h.reason })),
          });
        }
        const id = deps.random.uuid();
        const hold = await placeHold(trx, deps, {
          accountId: g.accountId,
          asset: asset.symbol,
          amount: input.amount + g.fee,
          reason: 'withdrawal',
          reference: id,
        });
        const state = startState(deps, risk.decision, g.large);
        const twoAbove = deps.config.twoReviewersAbove.get(asset.symbol);
        const row = await trx
          .insertInto('withdrawals')
          .values({
            id,
            user_id: user.id,
            account_id: g.accountId,
            asset: asset.symbol,
            network: asset.network,
            address: input.address,
            address_id: g.addressRow?.id ?? null,
            amount: input.amount.toString(),
            fee: g.fee.toString(),
            state,
            large: g.large,
            reviews_required:
              state === 'in_review' ? (twoAbove !== undefined && input.amount > twoAbove ? 2 : 1) : 0,
            risk_score: risk.score,
            risk_decision: risk.decision,
            risk_reasons: JSON.stringify(risk.hits),
            hold_id: hold.id,
            session_id: principal.sessionId,
            confirm_expires_at:
              state === 'awaiting_confirmation'
                ? new Date(now.getTime() + deps.config.WITHDRAWAL_CONFIRM_MINUTES * 60_000)
                : null,
            cooling_off_until:
              state === 'cooling_off' ? new Date(now.getTime() + deps.config.COOLING_OFF_HOURS * HOUR) : null,
            review_expires_at:
              state === 'in_review' ? new Date(now.getTime() + deps.config.REVIEW_EXPIRY_HOURS * HOUR) : null,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await recordState(trx, deps, row, {
          from: null,
          event: 'requested',
          actor: actorOf(principal),
          note: risk.hits.map((h) => h.reason).join(' '),
          data: { ruleSet: risk.ruleSet, score: risk.score, decision: risk.decision, ip: ctx.ip },
          user,
        });
        return { status: 201, body: presentWithdrawal(deps, row) };
      },
    );
  } catch (err) {
    const r = refusal as Refusal | null; // assigned inside the callback
    if (r && err instanceof CustosError && err.code === r.code)
      await recordRefusal(deps, principal, input, ctx, r);
    throw err;
  }
}

/** What the withdraw form shows before the user commits: fee, total, what happens next, refusals. */
export async function previewWithdrawal(deps: Deps, principal: Principal, input: WithdrawalInput) {
  const user = await deps.db
    .selectFrom('users')
    .selectAll()
    .where('id', '=', principal.userId)
    .executeTakeFirst();
  if (!user) throw new CustosError('UNAUTHENTICATED');
  const now = deps.clock.now();
  const g = await checkPolicy(deps.db, deps, user, principal, input, now);
  return {
    fee: g.fee,
    total: input.amount + g.fee,
    large: g.large,
    coolingOffHours: g.large ? deps.config.COOLING_OFF_HOURS : 0,
    emailConfirmation: deps.config.WITHDRAWAL_EMAIL_CONFIRMATION,
    confirmMinutes: deps.config.WITHDRAWAL_CONFIRM_MINUTES,
    problems: g.reasons.filter((r) => r.code !== 'STEP_UP_REQUIRED'),
  };
}

/** The API's view of a withdrawal row. */
export const presentWithdrawal = (deps: Pick<Deps, 'config'>, w: WithdrawalRow) =>
  withdrawalJson(withdrawalView(w, deps.config.assets.find((a) => a.symbol === w.asset)?.decimals ?? 0));

export const withdrawalJson = (v: WithdrawalView) => ({
  ...v,
  amount: v.amount.toString(),
  fee: v.fee.toString(),
  confirmExpiresAt: v.confirmExpiresAt?.toISOString() ?? null,
  coolingOffUntil: v.coolingOffUntil?.toISOString() ?? null,
  createdAt: v.createdAt.toISOString(),
  updatedAt: v.updatedAt.toISOString(),
});

/** The email link: confirms a withdrawal waiting for its owner, once, within its 30 minutes. */
export async function confirmWithdrawal(deps: Deps, token: string, ctx: RequestContext) {
  return deps.db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, deps, 'withdrawal_confirm', token);
    if (!t) throw new CustosError('EMAIL_TOKEN_INVALID');
    const w = await lockWithdrawal(trx, String((t.data as { withdrawalId?: string }).withdrawalId ?? ''));
    if (!w || w.user_id !== t.user_id) throw new CustosError('EMAIL_TOKEN_INVALID');
    if (w.confirm_expires_at && w.confirm_expires_at <= deps.clock.now())
      throw new CustosError('EMAIL_TOKEN_INVALID');
    const next = await applyWithdrawalEvent(trx, deps, w, 'email_confirmed', {
      actor: `user:${w.user_id}`,
      note: 'Confirmed by you from the email link. Queued to be sent.',
      data: { ip: ctx.ip },
    });
    if (!next) throw new CustosError('EMAIL_TOKEN_INVALID');
    return presentWithdrawal(deps, next);
  });
}

export async function cancelWithdrawal(deps: Deps, principal: Principal, id: string, ctx: RequestContext) {
  return deps.db.transaction().execute(async (trx) => {
    const w = await lockWithdrawal(trx, id);
    if (!w || w.user_id !== principal.userId) throw new CustosError('NOT_FOUND');
    const next = await applyWithdrawalEvent(trx, deps, w, 'cancelled_by_user', {
      actor: actorOf(principal),
      data: { ip: ctx.ip },
    });
    if (!next) throw new CustosError('WITHDRAWAL_NOT_CANCELLABLE');
    return presentWithdrawal(deps, next);
  });
}

/**
 * Stops every withdrawal of a user that has not been broadcast (account lock, SPEC S1), in the
 * caller's transaction; the holds are released.
 */
export async function stopOpenWithdrawals(trx: Trx, deps: Deps, userId: string, note: string, actor: string) {
  const open = await trx
    .selectFrom('withdrawals')
    .selectAll()
    .where('user_id', '=', userId)
    .where('state', 'in', ['in_review', 'awaiting_confirmation', 'cooling_off', 'queued'])
    .forUpdate()
    .execute();
  let stopped = 0;
  for (const w of open)
    if (await applyWithdrawalEvent(trx, deps, w, 'stopped_by_platform', { actor, note })) stopped++;
  return stopped;
}

/** The position after a row, as an opaque cursor: `<created_at ISO>_<id>` (exact across equal times). */
const cursorOf = (w: WithdrawalRow) => `${w.created_at.toISOString()}_${w.id}`;

export function parseWithdrawalCursor(cursor: string): { at: Date; id: string } | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_([0-9a-f-]{36})$/.exec(cursor);
  return m && !Number.isNaN(Date.parse(m[1]!)) ? { at: new Date(m[1]!), id: m[2]! } : null;
}

export async function listWithdrawals(
  deps: Pick<Deps, 'db' | 'config'>,
  userId: string,
  opts: { limit: number; before?: { at: Date; id: string } | undefined; open?: boolean | undefined },
) {
  let q = deps.db.selectFrom('withdrawals').selectAll().where('user_id', '=', userId);
  const before = opts.before;
  if (before)
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', before.at),
        eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)]),
      ]),
    );
  if (opts.open) q = q.where('state', 'in', OPEN_STATES);
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(opts.limit + 1)
    .execute();
  return {
    items: rows.slice(0, opts.limit).map((r) => presentWithdrawal(deps, r)),
    nextBefore: rows.length > opts.limit ? cursorOf(rows[opts.limit - 1]!) : null,
  };
}

export async function timelineOf(db: Executor, withdrawalId: string) {
  const events = await db
    .selectFrom('withdrawal_events')
    .select(['at', 'from_state', 'to_state', 'event', 'actor', 'reason'])
    .where('withdrawal_id', '=', withdrawalId)
    .orderBy('id')
    .execute();
  return events.map((e) => ({
    at: e.at.toISOString(),
    from: e.from_state,
    to: e.to_state,
    event: e.event,
    by: (e.actor.startsWith('user:') ? 'you' : e.actor.startsWith('operator:') ? 'reviewer' : 'system') as
      'you' | 'reviewer' | 'system',
    reason: e.reason,
  }));
}

/**
 * What a confirmation link is for, without using it: the landing page shows the withdrawal
 * before the owner presses Confirm (mail scanners open links, so nothing happens on a GET).
 */
export async function describeWithdrawalConfirmation(
  deps: Pick<Deps, 'db' | 'config' | 'clock'>,
  token: string,
) {
  if (!isWellFormedToken(token)) throw new CustosError('EMAIL_TOKEN_INVALID');
  const t = await deps.db
    .selectFrom('email_tokens')
    .select(['user_id', 'data'])
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', 'withdrawal_confirm')
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', deps.clock.now())
    .executeTakeFirst();
  const id = String((t?.data as { withdrawalId?: string } | undefined)?.withdrawalId ?? '');
  const w = t
    ? await deps.db.selectFrom('withdrawals').selectAll().where('id', '=', id).executeTakeFirst()
    : undefined;
  if (!t || !w || w.user_id !== t.user_id || w.state !== 'awaiting_confirmation')
    throw new CustosError('EMAIL_TOKEN_INVALID');
  return presentWithdrawal(deps, w);
}

export async function getWithdrawal(deps: Pick<Deps, 'db' | 'config'>, userId: string, id: string) {
  const w = await deps.db.selectFrom('withdrawals').selectAll().where('id', '=', id).executeTakeFirst();
  if (!w || w.user_id !== userId) throw new CustosError('NOT_FOUND');
  return { ...presentWithdrawal(deps, w), timeline: await timelineOf(deps.db, id) };
}
