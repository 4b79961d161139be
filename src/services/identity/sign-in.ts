import { sql } from 'kysely';
import type { Trx } from '../../db/database.js';
import { lockUserById, updateUser } from '../../db/repositories/user.repository.js';
import type { UserRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { ipAllowed, subnetKey } from '../../domain/identity/ip-allowlist.js';
import { gateAttempt, recordSuccess } from '../../domain/identity/lockout.js';
import { normalizePassword } from '../../domain/identity/password-policy.js';
import { appendAudit } from '../audit/append-audit.js';
import { hashToken, isWellFormedToken, newToken } from '../common/tokens.js';
import { notifyUser } from '../notifications/notify.js';
import type { RequestContext } from './context.js';
import { approveDevice, findApprovedDevice, upsertPendingDevice } from './devices.js';
import { consumeEmailToken, issueEmailToken } from './email-tokens.js';
import { attemptAllowed, countFailure, failureStateOf, lockoutPolicy } from './failure-counter.js';
import { type CodeFactor, consumeCodeFactor, factorCountColumns, factorsOf } from './second-factor.js';
import { createSession, type NewSession } from './sessions.js';

/**
 * Sign-in (SPEC S1): password, then a second factor, then a device check. Each step answers a
 * refusal with INVALID_CREDENTIALS whatever the reason (unknown email, wrong password, locked
 * account, throttled source, IP not on the allow-list), so a caller learns nothing it may not.
 */
export type SignInResult =
  | { status: 'second_factor_required'; challengeToken: string; methods: string[]; deviceToken: string }
  | { status: 'device_approval_required'; challengeToken: string; expiresAt: Date; deviceToken: string }
  | { status: 'signed_in'; session: NewSession; userId: string; deviceToken: string };

const invalid = () => new CustosError('INVALID_CREDENTIALS');

function deviceTokenFor(deps: Pick<Deps, 'random'>, ctx: RequestContext): string {
  return ctx.deviceToken && isWellFormedToken(ctx.deviceToken) ? ctx.deviceToken : newToken(deps.random);
}

/** Failed attempts on unknown accounts are recorded too: same work, same time, and visible to staff. */
/**
 * Records an attempt that was not judged (an unknown email, or an account that refuses it), with
 * the same statements `countFailure` runs for a counted failure (row lock, counter update) on an
 * id that matches nothing: neither the answer nor its round trips tell these cases apart.
 */
async function recordUnjudgedAttempt(
  deps: Deps,
  ctx: RequestContext,
  event: { type: 'sign_in.failed' | 'sign_in.refused'; userId: string | null; data: Record<string, unknown> },
) {
  await deps.db.transaction().execute(async (trx) => {
    const nobody = deps.random.uuid();
    await lockUserById(trx, nobody);
    await updateUser(trx, nobody, { failed_attempts: 0 });
    await appendAudit(trx, deps, {
      type: event.type,
      actor: 'anonymous',
      userId: event.userId,
      ip: ctx.ip,
      data: event.data,
    });
  });
}

/** Join condition (users `u`, devices `d`): `d` is an approved, present device holding this token. */
const isApprovedDeviceOfUser = (deviceToken: string) =>
  sql<boolean>`d.user_id = u.id and d.token_hash = ${hashToken(deviceToken)} and d.approved_at is not null and d.removed_at is null`;

/**
 * The account behind an email with what a sign-in needs to know, in one statement: its factor
 * counts and whether the presenting device is one of its approved devices.
 */
function findSignInSubject(deps: Pick<Deps, 'db'>, email: string, deviceToken: string) {
  return deps.db
    .selectFrom('users as u')
    .leftJoin('devices as d', (j) => j.on(isApprovedDeviceOfUser(deviceToken)))
    .selectAll('u')
    .select([
      'd.id as device_id',
      'd.name as device_name',
      'd.last_ip as device_last_ip',
      ...factorCountColumns(sql.ref('u.id')),
    ])
    .where(sql<string>`lower(u.email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

export interface KnownDevice {
  readonly id: string;
  readonly name: string;
  readonly lastIp: string;
}

const knownDeviceOf = (r: {
  device_id: string | null;
  device_name: string | null;
  device_last_ip: string | null;
}) => (r.device_id ? { id: r.device_id, name: r.device_name ?? '', lastIp: r.device_last_ip ?? '' } : null);

export async function startSignIn(
  deps: Deps,
  input: { email: string; password: string },
  ctx: RequestContext,
): Promise<SignInResult> {
  const deviceToken = deviceTokenFor(deps, ctx);
  const password = normalizePassword(input.password);
  const user = await findSignInSubject(deps, input.email, deviceToken);
  if (!user) {
    await deps.passwords.verifyDummy(password);
    deps.metrics.signIns.inc({ outcome: 'failure_password' });
    await recordUnjudgedAttempt(deps, ctx, {
      type: 'sign_in.failed',
      userId: null,
      data: { factor: 'password', knownAccount: false },
    });
    throw invalid();
  }
  const device = knownDeviceOf(user);
  const source = device ? 'trusted' : 'unknown';
  const refused =
    user.locked_at !== null || !attemptAllowed(deps, user, source) || !ipAllowed(ctx.ip, user.ip_allowlist);
  if (refused) {
    // Not counted as a failure (the attempt was never judged), but it costs the same time.
    await deps.passwords.verifyDummy(password);
    deps.metrics.signIns.inc({ outcome: 'refused' });
    await recordUnjudgedAttempt(deps, ctx, {
      type: 'sign_in.refused',
      userId: user.id,
      data: { reason: refusalReason(deps, user, device !== null, ctx) },
    });
    throw invalid();
  }
  if (!(await deps.passwords.verify(user.password_hash, password))) {
    await countFailure(deps, user.id, 'password', ctx);
    throw invalid();
  }
  if (!user.email_verified_at) {
    // Only someone who knows the password learns this.
    throw new CustosError('EMAIL_NOT_VERIFIED');
  }
  const methods = factorsOf(user, Number(user.passkey_count), Number(user.backup_codes_remaining));
  if (methods.length === 0) {
    return deps.db.transaction().execute(async (trx) => {
      const locked = await lockedAndAllowed(trx, deps, user.id, source);
      return afterFactors(trx, deps, locked, ['password'], deviceToken, device, ctx, null);
    });
  }
  // No transaction needed: the challenge only lets its holder try a factor, and that step
  // re-checks every lock under the user's row lock.
  const challengeToken = newToken(deps.random);
  const now = deps.clock.now();
  await deps.db
    .insertInto('sign_in_challenges')
    .values({
      id: deps.random.uuid(),
      user_id: user.id,
      token_hash: hashToken(challengeToken),
      stage: 'second_factor',
      methods: ['password', ...methods].join(','),
      ip: ctx.ip,
      user_agent: ctx.userAgent.slice(0, 512),
      created_at: now,
      expires_at: new Date(now.getTime() + deps.config.SIGN_IN_CHALLENGE_MINUTES * 60_000),
    })
    .execute();
  deps.metrics.signIns.inc({ outcome: 'password_ok' });
  return { status: 'second_factor_required' as const, challengeToken, methods, deviceToken };
}

/** Why an attempt was refused without being judged, for the audit log (never for the caller). */
export function refusalReason(
  deps: Pick<Deps, 'config' | 'clock'>,
  user: UserRow,
  trusted: boolean,
  ctx: Pick<RequestContext, 'ip'>,
): string {
  if (user.locked_at) return 'account_locked';
  if (!ipAllowed(ctx.ip, user.ip_allowlist)) return 'ip_not_allowed';
  const gate = gateAttempt(
    failureStateOf(user),
    lockoutPolicy(deps.config),
    deps.clock.now(),
    trusted ? 'trusted' : 'unknown',
  );
  return gate.allowed ? 'unknown' : gate.reason;
}

/** Re-reads the user under its row lock: a lock that landed meanwhile still refuses. */
async function lockedAndAllowed(trx: Trx, deps: Deps, userId: string, source: 'trusted' | 'unknown') {
  const user = await lockUserById(trx, userId);
  if (!user || user.locked_at || user.hard_locked_at || !attemptAllowed(deps, user, source)) throw invalid();
  return user;
}

async function findChallenge(
  deps: Pick<Deps, 'db' | 'clock'>,
  token: string,
  stage: 'second_factor' | 'device_approval',
) {
  if (!isWellFormedToken(token)) throw new CustosError('CHALLENGE_EXPIRED');
  const c = await deps.db
    .selectFrom('sign_in_challenges')
    .selectAll()
    .where('token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!c || c.stage !== stage || c.completed_at || c.denied_at || c.expires_at <= deps.clock.now()) {
    throw new CustosError('CHALLENGE_EXPIRED');
  }
  return c;
}

/** A second-factor challenge with its account and the presenting device, in one statement. */
async function findFactorChallenge(deps: Pick<Deps, 'db' | 'clock'>, token: string, deviceToken: string) {
  if (!isWellFormedToken(token)) throw new CustosError('CHALLENGE_EXPIRED');
  const row = await deps.db
    .selectFrom('sign_in_challenges as c')
    .innerJoin('users as u', 'u.id', 'c.user_id')
    .leftJoin('devices as d', (j) => j.on(isApprovedDeviceOfUser(deviceToken)))
    .selectAll('u')
    .select([
      'c.id as challenge_id',
      'c.stage',
      'c.methods',
      'c.completed_at',
      'c.denied_at',
      'c.expires_at',
      'd.id as device_id',
      'd.name as device_name',
      'd.last_ip as device_last_ip',
    ])
    .where('c.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (
    row?.stage !== 'second_factor' ||
    row.completed_at ||
    row.denied_at ||
    row.expires_at <= deps.clock.now()
  ) {
    throw new CustosError('CHALLENGE_EXPIRED');
  }
  return row;
}

/**
 * Marks a second-factor challenge used, atomically: of two factors submitted at once on one
 * challenge (a TOTP code and a backup code, say), one wins; the other's transaction rolls back,
 * giving back whatever it consumed.
 */
async function completeChallenge(trx: Trx, deps: Pick<Deps, 'clock'>, challengeId: string): Promise<void> {
  const r = await trx
    .updateTable('sign_in_challenges')
    .set({ completed_at: deps.clock.now() })
    .where('id', '=', challengeId)
    .where('completed_at', 'is', null)
    .executeTakeFirst();
  if (r.numUpdatedRows !== 1n) throw new CustosError('CHALLENGE_EXPIRED');
}

/** Second step with a code: TOTP or a backup code. */
export async function submitCodeFactor(
  deps: Deps,
  input: { challengeToken: string; method: CodeFactor; code: string },
  ctx: RequestContext,
): Promise<SignInResult> {
  const deviceToken = deviceTokenFor(deps, ctx);
  const row = await findFactorChallenge(deps, input.challengeToken, deviceToken);
  const device = knownDeviceOf(row);
  const source = device ? 'trusted' : 'unknown';
  if (row.locked_at || !attemptAllowed(deps, row, source)) throw invalid();
  if (!row.methods.split(',').includes(input.method)) throw invalid();
  const result = await deps.db.transaction().execute(async (trx) => {
    const locked = await lockedAndAllowed(trx, deps, row.id, source);
    if (!(await consumeCodeFactor(trx, deps, locked, input.method, input.code))) return null;
    await completeChallenge(trx, deps, row.challenge_id);
    return afterFactors(
      trx,
      deps,
      locked,
      ['password', input.method],
      deviceToken,
      device,
      ctx,
      row.challenge_id,
    );
  });
  if (!result) {
    await countFailure(deps, row.id, input.method, ctx);
    throw invalid();
  }
  return result;
}

/**
 * Called by the passkey service once an assertion verified: as the second step of a sign-in
 * (`challengeToken`), or alone (a discoverable passkey with user verification counts as two
 * factors). A hard lock is never lifted by a successful factor.
 */
export async function completeWithPasskey(
  deps: Deps,
  input: { userId: string; challengeToken: string | null; userVerified: boolean },
  ctx: RequestContext,
): Promise<SignInResult> {
  const deviceToken = deviceTokenFor(deps, ctx);
  const approved = await findApprovedDevice(deps.db, input.userId, deviceToken);
  const device = approved ? { id: approved.id, name: approved.name, lastIp: approved.last_ip } : null;
  const source = device ? 'trusted' : 'unknown';
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockedAndAllowed(trx, deps, input.userId, source);
    if (input.challengeToken) {
      const challenge = await findChallenge(
        { db: trx, clock: deps.clock },
        input.challengeToken,
        'second_factor',
      );
      if (challenge.user_id !== user.id || !challenge.methods.split(',').includes('passkey')) throw invalid();
      await completeChallenge(trx, deps, challenge.id);
      return afterFactors(trx, deps, user, ['password', 'passkey'], deviceToken, device, ctx, challenge.id);
    }
    if (!input.userVerified) throw invalid();
    if (!user.email_verified_at) throw new CustosError('EMAIL_NOT_VERIFIED');
    return afterFactors(trx, deps, user, ['passkey', 'user_verification'], deviceToken, device, ctx, null);
  });
}

/**
 * All factors passed: reset the counter, then start a session on a known device or ask for
 * approval. `device` is the approved device found before the transaction; the update below
 * re-checks it atomically, so a device removed meanwhile is treated as new.
 */
async function afterFactors(
  trx: Trx,
  deps: Deps,
  user: UserRow,
  authMethods: string[],
  deviceToken: string,
  device: KnownDevice | null,
  ctx: RequestContext,
  challengeId: string | null,
): Promise<SignInResult> {
  const now = deps.clock.now();
  if (user.failed_attempts > 0 || user.temp_locked_until || user.last_failed_at) {
    const reset = recordSuccess(failureStateOf(user));
    await updateUser(trx, user.id, {
      failed_attempts: reset.failedAttempts,
      last_failed_at: reset.lastFailedAt,
      temp_locked_until: reset.tempLockedUntil,
    });
  }
  const stillApproved = device
    ? await trx
        .updateTable('devices')
        .set({ last_seen_at: now, last_ip: ctx.ip })
        .where('id', '=', device.id)
        .where('approved_at', 'is not', null)
        .where('removed_at', 'is', null)
        .executeTakeFirst()
    : null;
  if (device && stillApproved?.numUpdatedRows === 1n) {
    if (subnetKey(device.lastIp) !== subnetKey(ctx.ip))
      await alertIfNewNetwork(trx, deps, user, device.name, ctx);
    const session = await createSession(trx, deps, {
      userId: user.id,
      deviceId: device.id,
      ctx,
      authMethods,
      stepUp: true,
    });
    await appendAudit(trx, deps, {
      type: 'sign_in.succeeded',
      actor: `user:${user.id}`,
      userId: user.id,
      ip: ctx.ip,
      deviceId: device.id,
      data: { methods: authMethods, sessionId: session.sessionId },
    });
    deps.metrics.signIns.inc({ outcome: 'signed_in' });
    return { status: 'signed_in', session, userId: user.id, deviceToken };
  }

  const deviceId = await upsertPendingDevice(trx, deps, user.id, deviceToken, ctx);
  const challengeToken = newToken(deps.random);
  const expiresAt = new Date(now.getTime() + deps.config.DEVICE_APPROVAL_MINUTES * 60_000);
  const newChallengeId = deps.random.uuid();
  await trx
    .insertInto('sign_in_challenges')
    .values({
      id: newChallengeId,
      user_id: user.id,
      token_hash: hashToken(challengeToken),
      stage: 'device_approval',
      methods: authMethods.join(','),
      device_id: deviceId,
      ip: ctx.ip,
      user_agent: ctx.userAgent.slice(0, 512),
      created_at: now,
      expires_at: expiresAt,
    })
    .execute();
  const approvalToken = await issueEmailToken(trx, deps, {
    userId: user.id,
    purpose: 'device_approval',
    ttlMinutes: deps.config.DEVICE_APPROVAL_MINUTES,
    data: { challengeId: newChallengeId },
  });
  const device0 = await trx
    .selectFrom('devices')
    .select('name')
    .where('id', '=', deviceId)
    .executeTakeFirstOrThrow();
  await notifyUser(trx, deps, user, {
    event: 'device_approval',
    subject: 'Approve a sign-in from a new device',
    lines: [
      'Someone signed in to your account with your password and second factor from a device we have not seen before.',
      `Device: ${device0.name}. Address: ${ctx.ip}. Time: ${now.toISOString()} (UTC).`,
      `If it was you, approve the device within ${deps.config.DEVICE_APPROVAL_MINUTES} minutes. If not, lock your account at once.`,
    ],
    action: {
      label: 'Review this sign-in',
      url: `${deps.config.publicUrl}/approve-device?token=${approvalToken}`,
    },
    data: { deviceId, ip: ctx.ip },
  });
  await appendAudit(trx, deps, {
    type: 'sign_in.device_approval_requested',
    actor: `user:${user.id}`,
    userId: user.id,
    ip: ctx.ip,
    deviceId,
    data: { methods: authMethods, ...(challengeId ? { factorChallengeId: challengeId } : {}) },
  });
  deps.metrics.signIns.inc({ outcome: 'device_approval_required' });
  return { status: 'device_approval_required', challengeToken, expiresAt, deviceToken };
}

/**
 * A risk signal (SPEC S1): a known device signing in from a network (/24, IPv6 /48) that none of
 * the account's recent sessions came from. The owner is told; the sign-in is not blocked.
 */
async function alertIfNewNetwork(
  trx: Trx,
  deps: Deps,
  user: UserRow,
  deviceName: string,
  ctx: RequestContext,
) {
  const recent = await trx
    .selectFrom('sessions')
    .select('ip')
    .where('user_id', '=', user.id)
    .orderBy('created_at', 'desc')
    .limit(50)
    .execute();
  const network = subnetKey(ctx.ip);
  if (recent.length === 0 || recent.some((s) => subnetKey(s.ip) === network)) return;
  await notifyUser(trx, deps, user, {
    event: 'new_network_sign_in',
    subject: 'Sign-in from a new network',
    lines: [
      `Your device "${deviceName}" signed in from a network not seen on your account before: ${ctx.ip}.`,
    ],
    data: { network },
  });
}

export type PollResult =
  | { status: 'pending'; expiresAt: Date }
  | { status: 'denied' }
  | Extract<SignInResult, { status: 'signed_in' }>;

/**
 * The waiting client asks whether its device was approved. Only the device that started the
 * sign-in can collect the session, and only once.
 */
export async function pollDeviceApproval(
  deps: Deps,
  input: { challengeToken: string },
  ctx: RequestContext,
): Promise<PollResult> {
  if (!isWellFormedToken(input.challengeToken)) throw new CustosError('CHALLENGE_EXPIRED');
  const c = await deps.db
    .selectFrom('sign_in_challenges')
    .selectAll()
    .where('token_hash', '=', hashToken(input.challengeToken))
    .where('stage', '=', 'device_approval')
    .executeTakeFirst();
  const now = deps.clock.now();
  if (!c || c.completed_at || c.expires_at <= now || !c.device_id) throw new CustosError('CHALLENGE_EXPIRED');
  if (c.denied_at) return { status: 'denied' };
  if (!c.approved_at) return { status: 'pending', expiresAt: c.expires_at };
  const deviceToken = ctx.deviceToken;
  if (!deviceToken || !isWellFormedToken(deviceToken)) throw new CustosError('CHALLENGE_EXPIRED');
  return deps.db.transaction().execute(async (trx) => {
    const device = await trx
      .selectFrom('devices')
      .select(['id', 'name'])
      .where('id', '=', c.device_id!)
      .where('token_hash', '=', hashToken(deviceToken))
      .executeTakeFirst();
    if (!device) throw new CustosError('CHALLENGE_EXPIRED');
    const claimed = await trx
      .updateTable('sign_in_challenges')
      .set({ completed_at: now })
      .where('id', '=', c.id)
      .where('completed_at', 'is', null)
      .executeTakeFirst();
    if (claimed.numUpdatedRows !== 1n) throw new CustosError('CHALLENGE_EXPIRED');
    const user = await lockUserById(trx, c.user_id);
    if (!user || user.locked_at || user.hard_locked_at) throw invalid();
    await approveDevice(trx, deps, device.id);
    const authMethods = c.methods.split(',');
    const session = await createSession(trx, deps, {
      userId: user.id,
      deviceId: device.id,
      ctx,
      authMethods,
      stepUp: true,
    });
    await notifyUser(trx, deps, user, {
      event: 'new_device_sign_in',
      subject: 'New device signed in to your account',
      lines: [`A new device signed in: ${device.name}, from ${ctx.ip}, at ${now.toISOString()} (UTC).`],
      data: { deviceId: device.id, ip: ctx.ip },
    });
    await appendAudit(trx, deps, {
      type: 'sign_in.succeeded',
      actor: `user:${user.id}`,
      userId: user.id,
      ip: ctx.ip,
      deviceId: device.id,
      data: { methods: authMethods, sessionId: session.sessionId, newDevice: true },
    });
    deps.metrics.signIns.inc({ outcome: 'signed_in' });
    return { status: 'signed_in' as const, session, userId: user.id, deviceToken };
  });
}

/** What the approval page shows before the user decides; reading does not use the link up. */
export async function describeDeviceApproval(deps: Deps, token: string) {
  if (!isWellFormedToken(token)) throw new CustosError('EMAIL_TOKEN_INVALID');
  const now = deps.clock.now();
  const match = await deps.db
    .selectFrom('email_tokens as t')
    .innerJoin('sign_in_challenges as c', (j) =>
      j.onRef('c.user_id', '=', 't.user_id').on(sql<boolean>`c.id::text = t.data->>'challengeId'`),
    )
    .leftJoin('devices as d', 'd.id', 'c.device_id')
    .select(['c.ip', 'c.created_at', 'c.expires_at', 'd.name as device_name'])
    .where('t.token_hash', '=', hashToken(token))
    .where('t.purpose', '=', 'device_approval')
    .where('t.consumed_at', 'is', null)
    .where('t.expires_at', '>', now)
    .executeTakeFirst();
  if (!match) throw new CustosError('EMAIL_TOKEN_INVALID');
  return {
    deviceName: match.device_name ?? 'Unknown device',
    ip: match.ip,
    requestedAt: match.created_at,
    expiresAt: match.expires_at,
  };
}

/** The email link's decision: approve lets the waiting device in; deny refuses it. */
export async function decideDeviceApproval(
  deps: Deps,
  input: { token: string; decision: 'approve' | 'deny' },
  ctx: RequestContext,
): Promise<{ decision: 'approve' | 'deny' }> {
  return deps.db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, deps, 'device_approval', input.token);
    if (!t) throw new CustosError('EMAIL_TOKEN_INVALID');
    const challengeId = (t.data as { challengeId?: string }).challengeId ?? '';
    const now = deps.clock.now();
    const r = await trx
      .updateTable('sign_in_challenges')
      .set(input.decision === 'approve' ? { approved_at: now } : { denied_at: now })
      .where('id', '=', challengeId)
      .where('user_id', '=', t.user_id)
      .where('completed_at', 'is', null)
      .where('denied_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (r.numUpdatedRows !== 1n) throw new CustosError('EMAIL_TOKEN_INVALID');
    await appendAudit(trx, deps, {
      type: input.decision === 'approve' ? 'device.approved' : 'device.denied',
      actor: `user:${t.user_id}`,
      userId: t.user_id,
      ip: ctx.ip,
      data: { challengeId },
    });
    return { decision: input.decision };
  });
}
