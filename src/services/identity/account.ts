import { sql } from 'kysely';
import { updateUser } from '../../db/repositories/user.repository.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { withdrawalLockState } from '../../domain/withdrawals/settings.js';
import { ipAllowed, normalizeAllowlist } from '../../domain/identity/ip-allowlist.js';
import { securityCheckup } from '../../domain/identity/security-checkup.js';
import type { Principal, RequestContext } from './context.js';
import { recoveryView } from './recovery.js';
import { factorCountColumns } from './second-factor.js';
import { applySecurityChange } from './security-change.js';
import { settingsLockState } from './settings-lock.js';

/** A device not seen for this long counts as stale in the checkup. */
const STALE_DEVICE_DAYS = 90;
const PROTECTION_PROGRAMME_DAYS = 21;

/**
 * The user row with its factor counts and pending recovery, in one statement (this backs the
 * security center's every page load).
 */
function accountRow(deps: Pick<Deps, 'db'>, userId: string) {
  return deps.db
    .selectFrom('users as u')
    .leftJoin('recovery_requests as r', (j) =>
      j
        .onRef('r.user_id', '=', 'u.id')
        .on('r.confirmed_at', 'is not', null)
        .on('r.cancelled_at', 'is', null)
        .on('r.completed_at', 'is', null),
    )
    .selectAll('u')
    .select([
      ...factorCountColumns(sql.ref('u.id')),
      'r.id as recovery_id',
      'r.created_at as recovery_requested_at',
      'r.confirmed_at as recovery_confirmed_at',
      'r.effective_at as recovery_effective_at',
    ])
    .where('u.id', '=', userId)
    .orderBy('r.created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

const factorCounts = (row: { passkey_count: string | null; backup_codes_remaining: string | null }) => ({
  passkeys: Number(row.passkey_count ?? 0),
  backupCodesRemaining: Number(row.backup_codes_remaining ?? 0),
});

/** The account as its owner sees it: what is protected, what is locked, what is pending. */
export async function getAccount(deps: Deps, principal: Principal) {
  const user = await accountRow(deps, principal.userId);
  if (!user) throw new CustosError('UNAUTHENTICATED');
  const now = deps.clock.now();
  const c = factorCounts(user);
  const recovery = user.recovery_id
    ? recoveryView({
        id: user.recovery_id,
        created_at: user.recovery_requested_at!,
        confirmed_at: user.recovery_confirmed_at,
        effective_at: user.recovery_effective_at,
      })
    : null;
  const lock = settingsLockState(user, now);
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.email_verified_at !== null,
    createdAt: user.created_at,
    factors: {
      totp: user.totp_enabled_at !== null,
      passkeys: c.passkeys,
      backupCodesRemaining: c.backupCodesRemaining,
    },
    antiPhishingCode: user.anti_phishing_code,
    ipAllowlist: user.ip_allowlist,
    withdrawalsFrozenUntil:
      user.withdrawals_frozen_until && user.withdrawals_frozen_until > now
        ? user.withdrawals_frozen_until
        : null,
    settingsLock: {
      state: lock.state,
      unlockDelayDays: lock.state === 'off' ? null : lock.unlockDelayDays,
      unlockEffectiveAt: lock.state === 'unlock_pending' ? lock.unlockEffectiveAt : null,
    },
    recovery,
    session: {
      id: principal.sessionId,
      authMethods: principal.authMethods,
      expiresAt: principal.absoluteExpiresAt,
      stepUpFreshUntil:
        principal.stepUpAt &&
        principal.stepUpAt.getTime() + deps.config.STEP_UP_MINUTES * 60_000 > now.getTime()
          ? new Date(principal.stepUpAt.getTime() + deps.config.STEP_UP_MINUTES * 60_000)
          : null,
    },
  };
}

export function setAntiPhishingCode(
  deps: Deps,
  principal: Principal,
  code: string | null,
  ctx: RequestContext,
) {
  return applySecurityChange(deps, principal, ctx, {
    type: code ? 'anti_phishing_code.set' : 'anti_phishing_code.removed',
    subject: code ? 'Your anti-phishing code was set' : 'Your anti-phishing code was removed',
    lines: code
      ? [
          'Every email we send you now starts with your anti-phishing code. An email without it is not from us.',
        ]
      : ['Emails from us no longer carry an anti-phishing code.'],
    freezeWithdrawals: false,
    apply: async (trx, user, now) => {
      await updateUser(trx, user.id, {
        anti_phishing_code: code,
        anti_phishing_since: code ? (user.anti_phishing_code ? user.anti_phishing_since : now) : null,
      });
      return { result: { antiPhishingCode: code } };
    },
  });
}

/**
 * The sign-in IP allow-list. The address making the change must be on the new list, so the
 * owner cannot lock themselves out by mistake.
 */
export function setIpAllowlist(deps: Deps, principal: Principal, entries: string[], ctx: RequestContext) {
  const list = normalizeAllowlist(entries);
  if (list.length > 0 && !ipAllowed(ctx.ip, list)) throw new CustosError('IP_NOT_ALLOWED');
  return applySecurityChange(deps, principal, ctx, {
    type: 'ip_allowlist.changed',
    subject: list.length ? 'Your sign-in IP allow-list changed' : 'Your sign-in IP allow-list was removed',
    lines: list.length
      ? [`Sign-in is now allowed only from: ${list.join(', ')}.`]
      : ['Sign-in is allowed from any address again.'],
    freezeWithdrawals: false,
    apply: async (trx, user) => {
      await updateUser(trx, user.id, { ip_allowlist: JSON.stringify(list) });
      return { result: { ipAllowlist: list }, data: { entries: list.length } };
    },
  });
}

export async function getSecurityCheckup(deps: Deps, principal: Principal) {
  const user = await accountRow(deps, principal.userId);
  if (!user) throw new CustosError('UNAUTHENTICATED');
  const now = deps.clock.now();
  const c = factorCounts(user);
  const staleBefore = new Date(now.getTime() - STALE_DEVICE_DAYS * 86_400_000);
  const devices = await deps.db
    .selectFrom('devices')
    .select(['trusted', 'last_seen_at'])
    .where('user_id', '=', user.id)
    .where('removed_at', 'is', null)
    .where('approved_at', 'is not', null)
    .execute();
  return securityCheckup({
    now,
    totpEnabled: user.totp_enabled_at !== null,
    passkeyCount: c.passkeys,
    backupCodesRemaining: c.backupCodesRemaining,
    antiPhishingCodeSet: user.anti_phishing_code !== null,
    // "On" while an unlock waits: the lock still holds until then.
    withdrawalLockOn: withdrawalLockState(user, now).state !== 'off',
    // Whitelist-only is a platform setting (on by default); with it off there is no per-user
    // switch, so the item is not offered. API keys arrive with their own issue.
    whitelistOn: deps.config.WHITELIST_ONLY ? true : null,
    trustedDeviceCount: devices.filter((d) => d.trusted).length,
    staleDeviceCount: devices.filter((d) => d.last_seen_at < staleBefore).length,
    staleApiKeyCount: null,
    settingsLocked: settingsLockState(user, now).state !== 'off',
    ipAllowlistSet: user.ip_allowlist.length > 0,
    mfaSince: user.mfa_since,
    antiPhishingSince: user.anti_phishing_since,
    protectionProgrammeDays: PROTECTION_PROGRAMME_DAYS,
  });
}

/** Security history: the account's own audit events, newest first, by cursor (insertion order). */
export async function getSecurityHistory(
  deps: Deps,
  principal: Principal,
  query: { cursor?: string | undefined; limit: number; type?: string | undefined },
) {
  let q = deps.db
    .selectFrom('audit_events')
    .select(['ord', 'id', 'at', 'type', 'ip', 'device_id', 'data'])
    .where('user_id', '=', principal.userId)
    .orderBy('ord', 'desc')
    .limit(query.limit + 1);
  if (query.cursor) q = q.where('ord', '<', query.cursor);
  if (query.type) q = q.where('type', 'like', `${query.type.replace(/[%_\\]/g, '\\$&')}%`);
  const rows = await q.execute();
  const page = rows.slice(0, query.limit);
  const deviceIds = [...new Set(page.map((r) => r.device_id).filter((d): d is string => d !== null))];
  const names = deviceIds.length
    ? new Map(
        (
          await deps.db.selectFrom('devices').select(['id', 'name']).where('id', 'in', deviceIds).execute()
        ).map((d) => [d.id, d.name]),
      )
    : new Map<string, string>();
  return {
    items: page.map((r) => ({
      id: r.id,
      at: r.at,
      type: r.type,
      ip: r.ip,
      device: r.device_id ? (names.get(r.device_id) ?? 'Removed device') : null,
      details: publicDetails(r.data),
    })),
    nextCursor: rows.length > query.limit ? page[page.length - 1]!.ord : null,
  };
}

/** Only plain, non-sensitive fields of an event reach the user. */
function publicDetails(data: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(data)) {
    if (/token|secret|hash|session/i.test(k)) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out[k] = v.join(', ');
  }
  return out;
}
