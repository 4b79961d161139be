import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';
import type { Executor } from '../../db/database.js';
import { findUserById, updateUser } from '../../db/repositories/user.repository.js';
import type { PasskeyRow } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { ipAllowed } from '../../domain/identity/ip-allowlist.js';
import { appendAudit } from '../audit/append-audit.js';
import { hashToken, isWellFormedToken } from '../common/tokens.js';
import type { Principal, RequestContext } from './context.js';
import { actorOf } from './context.js';
import { findApprovedDevice } from './devices.js';
import { attemptAllowed, countFailure } from './failure-counter.js';
import { applySecurityChange } from './security-change.js';
import { assertFreshStepUp } from './sessions.js';
import { settingsLockState } from './settings-lock.js';
import { completeWithPasskey, refusalReason, type SignInResult } from './sign-in.js';
import { completeStepUp } from './step-up.js';

/**
 * Passkeys and hardware security keys (SPEC S1): WebAuthn through @simplewebauthn/server, which
 * does every CBOR, COSE, signature and attestation check; this file keeps the state around it.
 *
 * - Challenges are single use: each is consumed by one atomic UPDATE ... RETURNING before the
 *   assertion is judged, so a replayed assertion (even two simultaneous ones) fails.
 * - Credentials are discoverable (resident keys), so a passkey alone can sign in; it then counts
 *   as two factors only with user verification, which that path requires.
 * - Every failed assertion on a known account counts on the one per-account failure counter, and
 *   the lock gate is asked first: a refused attempt is answered like a wrong password, never
 *   judged, never counted, and a successful passkey never lifts a hard lock.
 */

/** How long a WebAuthn ceremony may take, and how long its challenge lives. */
const CHALLENGE_MINUTES = 5;
const CHALLENGE_BYTES = 32;

export type PasskeyRegistrationOptions = PublicKeyCredentialCreationOptionsJSON;
export type PasskeyAuthenticationOptions = PublicKeyCredentialRequestOptionsJSON;
export type { AuthenticationResponseJSON, RegistrationResponseJSON };

/** A passkey as its owner sees it; the public key and credential id stay inside. */
export interface Passkey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  /** `singleDevice` (a security key, a device-bound passkey) or `multiDevice` (synced). */
  readonly deviceType: string;
  readonly backedUp: boolean;
  readonly transports: readonly string[];
}

const toPasskey = (r: PasskeyRow): Passkey => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  deviceType: r.device_type,
  backedUp: r.backed_up,
  transports: r.transports,
});

const invalid = () => new CustosError('INVALID_CREDENTIALS');

/** The WebAuthn user handle: the account id's 16 bytes, opaque and free of personal data. */
const userHandleBytes = (userId: string) => Buffer.from(userId.replace(/-/g, ''), 'hex');
export const userHandleOf = (userId: string): string => userHandleBytes(userId).toString('base64url');

/**
 * May an assertion carrying `received` follow one that left `stored`? Authenticators that keep no
 * counter send 0 forever; otherwise the counter must grow, and one that does not is a sign of a
 * cloned authenticator (WebAuthn §6.1.1). The library applies the same rule; this states it.
 */
export function signCountAcceptable(stored: number, received: number): boolean {
  return (stored === 0 && received === 0) || received > stored;
}

function userPasskeys(db: Executor, userId: string) {
  return db
    .selectFrom('passkeys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

async function countPasskeys(db: Executor, userId: string): Promise<number> {
  const r = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function newChallenge(
  db: Executor,
  deps: Pick<Deps, 'clock' | 'random'>,
  purpose: 'registration' | 'authentication',
  userId: string | null,
): Promise<Uint8Array<ArrayBuffer>> {
  const bytes = new Uint8Array(deps.random.bytes(CHALLENGE_BYTES));
  const now = deps.clock.now();
  await db
    .insertInto('webauthn_challenges')
    .values({
      id: deps.random.uuid(),
      user_id: userId,
      purpose,
      challenge: Buffer.from(bytes).toString('base64url'),
      created_at: now,
      expires_at: new Date(now.getTime() + CHALLENGE_MINUTES * 60_000),
    })
    .execute();
  return bytes;
}

/** The challenge a response claims to answer, read from its clientDataJSON; null if unreadable. */
function challengeOf(response: { response: { clientDataJSON: string } }): string | null {
  try {
    const challenge = decodeClientDataJSON(response.response.clientDataJSON).challenge;
    return typeof challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(challenge) ? challenge : null;
  } catch {
    return null;
  }
}

/**
 * Consumes a stored challenge in one statement, race-safe: of two requests that present the same
 * challenge, exactly one gets the row. Unknown, used, expired or other-purpose challenges give
 * undefined. With `userId`, only a challenge issued to that account matches.
 */
async function consumeChallenge(
  db: Executor,
  now: Date,
  challenge: string | null,
  purpose: 'registration' | 'authentication',
  userId?: string,
) {
  if (!challenge) return undefined;
  let q = db
    .updateTable('webauthn_challenges')
    .set({ consumed_at: now })
    .where('challenge', '=', challenge)
    .where('purpose', '=', purpose)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return q.returning(['id', 'user_id', 'challenge']).executeTakeFirst();
}

type ConsumedChallenge = NonNullable<Awaited<ReturnType<typeof consumeChallenge>>>;

// ---------------------------------------------------------------------------------------------
// Registration and management

/**
 * Options for `navigator.credentials.create()`. Needs a fresh step-up and unlocked settings, like
 * every factor change; the challenge is bound to the account and lives 5 minutes.
 */
export async function passkeyRegistrationOptions(
  deps: Deps,
  principal: Principal,
  _ctx: RequestContext,
): Promise<PasskeyRegistrationOptions> {
  assertFreshStepUp(deps, principal);
  const user = await findUserById(deps.db, principal.userId);
  if (!user) throw new CustosError('UNAUTHENTICATED');
  if (settingsLockState(user, deps.clock.now()).state !== 'off') throw new CustosError('SETTINGS_LOCKED');
  const existing = await userPasskeys(deps.db, user.id);
  if (existing.length >= deps.config.MAX_PASSKEYS) throw new CustosError('PASSKEY_LIMIT_REACHED');
  const challenge = await newChallenge(deps.db, deps, 'registration', user.id);
  return generateRegistrationOptions({
    rpName: deps.config.WEBAUTHN_RP_NAME,
    rpID: deps.config.rpId,
    userName: user.email,
    userDisplayName: user.email,
    userID: new Uint8Array(userHandleBytes(user.id)),
    challenge,
    timeout: CHALLENGE_MINUTES * 60_000,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credential_id, transports: p.transports })),
    authenticatorSelection: {
      residentKey: 'required',
      requireResidentKey: true,
      userVerification: 'preferred',
    },
  });
}

/**
 * Verifies the authenticator's answer and stores the new credential, as a security change: fresh
 * step-up, settings lock, withdrawal freeze, notification and audit, in one transaction.
 *
 * The challenge is consumed inside that transaction, so of two simultaneous requests with the same
 * response one registers and the other fails; a refused change rolls the consumption back with
 * everything else (the challenge then still expires within minutes).
 */
export function registerPasskey(
  deps: Deps,
  principal: Principal,
  input: { name: string; response: RegistrationResponseJSON; endOtherSessions?: boolean },
  ctx: RequestContext,
) {
  const name = input.name.trim();
  return applySecurityChange(deps, principal, ctx, {
    type: 'passkey.added',
    subject: 'A passkey was added to your account',
    lines: [
      `The passkey or security key "${name}" can now sign in to your account and confirm sensitive actions.`,
    ],
    freezeWithdrawals: true,
    endOtherSessions: input.endOtherSessions ?? false,
    apply: async (trx, user, now) => {
      const count = await countPasskeys(trx, user.id);
      if (count >= deps.config.MAX_PASSKEYS) throw new CustosError('PASSKEY_LIMIT_REACHED');
      const presented = challengeOf(input.response);
      const challenge = await consumeChallenge(trx, now, presented, 'registration', user.id);
      if (!challenge) throw verificationFailed('registration challenge unknown, used or expired');
      const verification = await verifyRegistrationResponse({
        response: input.response,
        expectedChallenge: challenge.challenge,
        expectedOrigin: deps.config.publicOrigin,
        expectedRPID: deps.config.rpId,
        // The options asked for 'preferred': a security key without a PIN may still be a second factor.
        requireUserVerification: false,
      }).catch((e: unknown) => {
        throw verificationFailed(e);
      });
      if (!verification.verified) throw verificationFailed('attestation not verified');
      const info = verification.registrationInfo;
      const row = await trx
        .insertInto('passkeys')
        .values({
          id: deps.random.uuid(),
          user_id: user.id,
          credential_id: info.credential.id,
          public_key: Buffer.from(info.credential.publicKey),
          counter: info.credential.counter,
          transports: JSON.stringify(sanitizeTransports(info.credential.transports)),
          device_type: info.credentialDeviceType,
          backed_up: info.credentialBackedUp,
          name,
          created_at: now,
        })
        .onConflict((oc) => oc.column('credential_id').doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row) throw verificationFailed('credential already registered');
      if (!user.mfa_since) await updateUser(trx, user.id, { mfa_since: now });
      return {
        result: toPasskey(row),
        data: {
          passkeyId: row.id,
          deviceType: row.device_type,
          backedUp: row.backed_up,
          aaguid: info.aaguid,
        },
      };
    },
  });
}

const verificationFailed = (cause: unknown) => new CustosError('PASSKEY_VERIFICATION_FAILED', { cause });

const TRANSPORTS = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
/** Transports are client-reported hints: keep known values only, and few. */
const sanitizeTransports = (t: readonly string[] | undefined) => [
  ...new Set((t ?? []).filter((x) => TRANSPORTS.has(x))),
];

export async function listPasskeys(deps: Pick<Deps, 'db'>, principal: Principal): Promise<Passkey[]> {
  return (await userPasskeys(deps.db, principal.userId)).map(toPasskey);
}

/** Renaming changes no protection: no step-up, but an audit event. */
export async function renamePasskey(
  deps: Deps,
  principal: Principal,
  passkeyId: string,
  name: string,
  ctx: RequestContext,
): Promise<Passkey> {
  return deps.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('passkeys')
      .set({ name: name.trim() })
      .where('id', '=', passkeyId)
      .where('user_id', '=', principal.userId)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new CustosError('NOT_FOUND');
    await appendAudit(trx, deps, {
      type: 'passkey.renamed',
      actor: actorOf(principal),
      userId: principal.userId,
      ip: ctx.ip,
      deviceId: principal.deviceId,
      data: { passkeyId },
    });
    return toPasskey(row);
  });
}

/**
 * Removes a passkey, as a security change. If it was the account's last second factor of any
 * kind, the backup codes go too (they only back up a factor) and the account has no MFA since.
 */
export function removePasskey(deps: Deps, principal: Principal, passkeyId: string, ctx: RequestContext) {
  return applySecurityChange(deps, principal, ctx, {
    type: 'passkey.removed',
    subject: 'A passkey was removed from your account',
    lines: ['A passkey or security key was removed from your account and can no longer sign in.'],
    freezeWithdrawals: true,
    apply: async (trx, user) => {
      const removed = await trx
        .deleteFrom('passkeys')
        .where('id', '=', passkeyId)
        .where('user_id', '=', user.id)
        .returning(['id'])
        .executeTakeFirst();
      if (!removed) throw new CustosError('NOT_FOUND');
      const lastFactor = !user.totp_enabled_at && (await countPasskeys(trx, user.id)) === 0;
      if (lastFactor) {
        await trx.deleteFrom('backup_codes').where('user_id', '=', user.id).execute();
        await updateUser(trx, user.id, { mfa_since: null });
      }
      return { result: { removed: true as const, lastFactor }, data: { passkeyId, lastFactor } };
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Authentication: sign-in (second factor or passkey alone) and step-up

/**
 * Options for `navigator.credentials.get()`:
 * - `{ challengeToken }`: the second step of a sign-in; allowCredentials = that account's passkeys;
 * - `{}`: a passkey alone; allowCredentials empty, so the browser offers discoverable passkeys,
 *   and user verification is required (the passkey then stands for two factors);
 * - `{ principal }`: step-up of a signed-in account with one of its own passkeys.
 */
export async function passkeyAuthenticationOptions(
  deps: Deps,
  input: { challengeToken?: string | undefined } | { principal: Principal },
): Promise<PasskeyAuthenticationOptions> {
  let userId: string | null = null;
  if ('principal' in input) {
    userId = input.principal.userId;
  } else if (input.challengeToken) {
    userId = (await openSecondFactorChallenge(deps, input.challengeToken)).user_id;
  }
  const allow = userId ? await userPasskeys(deps.db, userId) : [];
  if (userId && allow.length === 0) throw new CustosError('FACTOR_NOT_ENROLLED');
  const challenge = await newChallenge(deps.db, deps, 'authentication', userId);
  return generateAuthenticationOptions({
    rpID: deps.config.rpId,
    challenge,
    timeout: CHALLENGE_MINUTES * 60_000,
    allowCredentials: allow.map((p) => ({ id: p.credential_id, transports: p.transports })),
    userVerification: userId ? 'preferred' : 'required',
  });
}

/** The sign-in in progress whose password step passed and which offers a passkey. */
async function openSecondFactorChallenge(deps: Pick<Deps, 'db' | 'clock'>, token: string) {
  if (!isWellFormedToken(token)) throw new CustosError('CHALLENGE_EXPIRED');
  const c = await deps.db
    .selectFrom('sign_in_challenges')
    .select(['id', 'user_id', 'methods'])
    .where('token_hash', '=', hashToken(token))
    .where('stage', '=', 'second_factor')
    .where('completed_at', 'is', null)
    .where('denied_at', 'is', null)
    .where('expires_at', '>', deps.clock.now())
    .executeTakeFirst();
  if (!c) throw new CustosError('CHALLENGE_EXPIRED');
  if (!c.methods.split(',').includes('passkey')) throw new CustosError('FACTOR_NOT_ENROLLED');
  return c;
}

function findCredential(db: Executor, credentialId: unknown, userId?: string) {
  if (typeof credentialId !== 'string' || credentialId.length === 0 || credentialId.length > 1400) {
    return Promise.resolve(undefined);
  }
  let q = db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  return q.executeTakeFirst();
}

type AssertionOutcome =
  { ok: true; newCounter: number; userVerified: boolean; backedUp: boolean } | { ok: false; reason: string };

/**
 * Judges one assertion against a credential and the challenge it consumed. Outcomes are data: the
 * caller counts a failure and answers INVALID_CREDENTIALS, the reason goes to the log only.
 */
async function checkAssertion(
  deps: Pick<Deps, 'config'>,
  input: {
    response: AuthenticationResponseJSON;
    credential: PasskeyRow;
    challenge: ConsumedChallenge | undefined;
    requireUserVerification: boolean;
  },
): Promise<AssertionOutcome> {
  const { response, credential, challenge } = input;
  if (!challenge) return { ok: false, reason: 'challenge unknown, used or expired' };
  if (challenge.user_id !== null && challenge.user_id !== credential.user_id) {
    return { ok: false, reason: 'challenge issued to another account' };
  }
  const handle = response.response.userHandle;
  if (handle && handle !== userHandleOf(credential.user_id)) {
    return { ok: false, reason: 'user handle mismatch' };
  }
  const stored = Number(credential.counter);
  try {
    const v = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: deps.config.publicOrigin,
      expectedRPID: deps.config.rpId,
      credential: {
        id: credential.credential_id,
        publicKey: new Uint8Array(credential.public_key),
        counter: stored,
      },
      requireUserVerification: input.requireUserVerification,
    });
    if (!v.verified) return { ok: false, reason: 'signature not valid' };
    const info = v.authenticationInfo;
    if (!signCountAcceptable(stored, info.newCounter)) {
      return {
        ok: false,
        reason: `signature counter went from ${stored} to ${info.newCounter}: cloned authenticator?`,
      };
    }
    return {
      ok: true,
      newCounter: info.newCounter,
      userVerified: info.userVerified,
      backedUp: info.credentialBackedUp,
    };
  } catch (e) {
    return { ok: false, reason: e instanceof Error ? e.message : 'verification error' };
  }
}

/**
 * Stores the new counter and the time of use with a compare-and-set, so two assertions carrying
 * the same counter (a clone racing the original) cannot both be accepted.
 */
async function recordUse(
  db: Executor,
  credential: PasskeyRow,
  outcome: { newCounter: number; backedUp: boolean },
  now: Date,
) {
  let q = db
    .updateTable('passkeys')
    .set({ counter: outcome.newCounter, last_used_at: now, backed_up: outcome.backedUp })
    .where('id', '=', credential.id);
  q =
    outcome.newCounter === 0
      ? q.where('counter', '=', '0')
      : q.where('counter', '<', String(outcome.newCounter));
  const r = await q.executeTakeFirst();
  return r.numUpdatedRows === 1n;
}

async function auditSignInEvent(
  deps: Deps,
  ctx: RequestContext,
  type: string,
  userId: string | null,
  data: Record<string, unknown>,
) {
  await deps.db
    .transaction()
    .execute((trx) => appendAudit(trx, deps, { type, actor: 'anonymous', userId, ip: ctx.ip, data }));
}

/**
 * Sign-in with a passkey: as the second step after the password (`challengeToken`), or alone with
 * a discoverable passkey and user verification. Every refusal is INVALID_CREDENTIALS.
 *
 * Order matters: the challenge is consumed first (it never works twice, whatever follows), then
 * the lock gate is asked before anything is judged or counted, so a locked or throttled account
 * cannot be pushed further by a stream of bad assertions, and a valid passkey cannot get past it.
 */
export async function signInWithPasskey(
  deps: Deps,
  input: { challengeToken?: string | undefined; response: AuthenticationResponseJSON },
  ctx: RequestContext,
): Promise<SignInResult> {
  const now = deps.clock.now();
  const passkeyOnly = !input.challengeToken;
  const challenge = await consumeChallenge(deps.db, now, challengeOf(input.response), 'authentication');
  const credential = await findCredential(deps.db, input.response.id);
  const user = credential ? await findUserById(deps.db, credential.user_id) : undefined;
  if (!credential || !user) {
    deps.metrics.signIns.inc({ outcome: 'failure_passkey' });
    await auditSignInEvent(deps, ctx, 'sign_in.failed', null, { factor: 'passkey', knownAccount: false });
    throw invalid();
  }
  const trusted = (await findApprovedDevice(deps.db, user.id, ctx.deviceToken)) !== undefined;
  if (
    user.locked_at ||
    !attemptAllowed(deps, user, trusted ? 'trusted' : 'unknown') ||
    !ipAllowed(ctx.ip, user.ip_allowlist)
  ) {
    deps.metrics.signIns.inc({ outcome: 'refused' });
    await auditSignInEvent(deps, ctx, 'sign_in.refused', user.id, {
      factor: 'passkey',
      reason: refusalReason(deps, user, trusted, ctx),
    });
    throw invalid();
  }
  const outcome = await checkAssertion(deps, {
    response: input.response,
    credential,
    challenge,
    requireUserVerification: passkeyOnly,
  });
  const accepted = outcome.ok && (await recordUse(deps.db, credential, outcome, now));
  if (!outcome.ok || !accepted) {
    deps.log.info(
      { userId: user.id, reason: outcome.ok ? 'counter raced' : outcome.reason },
      'passkey assertion rejected',
    );
    await countFailure(deps, user.id, 'passkey', ctx);
    throw invalid();
  }
  return completeWithPasskey(
    deps,
    { userId: user.id, challengeToken: input.challengeToken ?? null, userVerified: outcome.userVerified },
    ctx,
  );
}

/**
 * Step-up with one of the signed-in account's own passkeys: the challenge must have been issued to
 * this account. Success rotates the session token like every step-up.
 */
export async function stepUpWithPasskey(
  deps: Deps,
  principal: Principal,
  input: { response: AuthenticationResponseJSON },
  ctx: RequestContext,
) {
  const now = deps.clock.now();
  const challenge = await consumeChallenge(
    deps.db,
    now,
    challengeOf(input.response),
    'authentication',
    principal.userId,
  );
  const user = await findUserById(deps.db, principal.userId);
  if (!user) throw new CustosError('UNAUTHENTICATED');
  if (!attemptAllowed(deps, user, 'trusted')) throw invalid();
  const credential = await findCredential(deps.db, input.response.id, user.id);
  const outcome: AssertionOutcome = credential
    ? await checkAssertion(deps, {
        response: input.response,
        credential,
        challenge,
        requireUserVerification: false,
      })
    : { ok: false, reason: 'not a credential of this account' };
  const accepted =
    outcome.ok && credential !== undefined && (await recordUse(deps.db, credential, outcome, now));
  if (!accepted) {
    deps.log.info(
      { userId: user.id, reason: outcome.ok ? 'counter raced' : outcome.reason },
      'passkey step-up rejected',
    );
    await countFailure(deps, user.id, 'passkey', ctx);
    throw invalid();
  }
  return completeStepUp(deps, principal, 'passkey', ctx);
}
