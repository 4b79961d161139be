import type { DatabaseHandle, Executor, Listener, Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import type { Logger } from '../../observability/logger.js';
import { CustosError } from '../../domain/errors.js';
import { hashToken, isWellFormedToken, newToken } from '../common/tokens.js';
import type { Principal, RequestContext } from './context.js';
import type { SessionCache } from './session-cache.js';

/** Last-seen is written at most this often, so a session check is one read on most requests. */
const TOUCH_INTERVAL_MS = 60_000;

export interface NewSession {
  readonly token: string;
  readonly sessionId: string;
  readonly idleExpiresAt: Date;
  readonly absoluteExpiresAt: Date;
}

/** Starts a session with a fresh token: a token held before sign-in is never promoted (fixation). */
export async function createSession(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random' | 'config'>,
  args: {
    userId: string;
    deviceId: string | null;
    ctx: RequestContext;
    authMethods: readonly string[];
    stepUp: boolean;
  },
): Promise<NewSession> {
  const now = deps.clock.now();
  const token = newToken(deps.random);
  const absoluteExpiresAt = new Date(now.getTime() + deps.config.SESSION_ABSOLUTE_HOURS * 3_600_000);
  const idleExpiresAt = minDate(
    new Date(now.getTime() + deps.config.SESSION_IDLE_MINUTES * 60_000),
    absoluteExpiresAt,
  );
  const sessionId = deps.random.uuid();
  await trx
    .insertInto('sessions')
    .values({
      id: sessionId,
      user_id: args.userId,
      device_id: args.deviceId,
      token_hash: hashToken(token),
      created_at: now,
      last_seen_at: now,
      idle_expires_at: idleExpiresAt,
      absolute_expires_at: absoluteExpiresAt,
      step_up_at: args.stepUp ? now : null,
      ip: args.ctx.ip,
      user_agent: args.ctx.userAgent.slice(0, 512),
      auth_methods: args.authMethods.join(','),
    })
    .execute();
  return { token, sessionId, idleExpiresAt, absoluteExpiresAt };
}

/** The one statement behind every authenticated request: prepared on PostgreSQL. */
const SESSION_LOOKUP = `
  select s.id, s.user_id, s.device_id, s.step_up_at, s.last_seen_at, s.idle_expires_at,
         s.absolute_expires_at, s.revoked_at, s.auth_methods, s.created_at,
         u.email, u.locked_at, u.hard_locked_at
    from sessions s join users u on u.id = s.user_id
   where s.token_hash = $1`;

export interface SessionRow {
  id: string;
  user_id: string;
  device_id: string | null;
  step_up_at: Date | null;
  last_seen_at: Date;
  idle_expires_at: Date;
  absolute_expires_at: Date;
  revoked_at: Date | null;
  auth_methods: string;
  created_at: Date;
  email: string;
  locked_at: Date | null;
  hard_locked_at: Date | null;
}

export const SESSION_CACHE_MAX_ENTRIES = 100_000;
const SESSION_CHANNEL = 'custos_sessions';

/**
 * The session behind a token, or null when it is unknown, revoked, idle or past its absolute
 * lifetime, or when the account is locked. One indexed read, or none when the session cache
 * holds the live session (see session-cache.ts: entries are dropped on every node when a session
 * is revoked or its account locked); the idle clock is pushed forward at most once a minute.
 */
export async function authenticateSession(
  deps: Pick<Deps, 'db' | 'database' | 'clock' | 'config' | 'sessionCache'>,
  token: string,
): Promise<Principal | null> {
  if (!isWellFormedToken(token)) return null;
  const now = deps.clock.now();
  const hash = hashToken(token);
  const cache = deps.sessionCache;
  const key = cache.active ? hash.toString('base64') : '';
  let row = key ? cache.get(key) : undefined;
  if (!row) {
    const generation = cache.begin();
    [row] = await deps.database.prepared<SessionRow>('custos_session_lookup', SESSION_LOOKUP, [hash]);
    if (!row || !isLive(row, now)) return null;
    if (key) cache.put(key, row.user_id, row, generation);
  } else if (!isLive(row, now)) {
    return null;
  }
  if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_INTERVAL_MS) {
    const idle = minDate(
      new Date(now.getTime() + deps.config.SESSION_IDLE_MINUTES * 60_000),
      row.absolute_expires_at,
    );
    await deps.db
      .updateTable('sessions')
      .set({ last_seen_at: now, idle_expires_at: idle })
      .where('id', '=', row.id)
      .where('revoked_at', 'is', null)
      .execute();
    row = { ...row, last_seen_at: now, idle_expires_at: idle };
    if (key) cache.update(key, row);
  }
  return {
    sessionId: row.id,
    userId: row.user_id,
    email: row.email,
    deviceId: row.device_id,
    stepUpAt: row.step_up_at,
    authMethods: row.auth_methods ? row.auth_methods.split(',') : [],
    createdAt: row.created_at,
    absoluteExpiresAt: row.absolute_expires_at,
  };
}

const isLive = (row: SessionRow, now: Date): boolean =>
  !row.revoked_at &&
  !row.locked_at &&
  !row.hard_locked_at &&
  now < row.idle_expires_at &&
  now < row.absolute_expires_at;

/**
 * Keeps the session cache in step with the database: the triggers of migration 0003 notify
 * `<schema>:<user id>` on every change that can end or alter a session. The cache is used only
 * while this connection listens.
 */
export function listenForSessionChanges(
  database: DatabaseHandle,
  cache: SessionCache<SessionRow>,
  log: Logger,
): Listener {
  const prefix = `${database.schema ?? 'public'}:`;
  return database.listen(
    SESSION_CHANNEL,
    (payload) => {
      if (payload.startsWith(prefix)) cache.invalidateUser(payload.slice(prefix.length));
    },
    (listening) => {
      cache.setListening(listening);
      if (listening) log.debug('session cache on: listening for session changes');
      else log.warn('session cache off: not listening for session changes');
    },
  );
}

/** Replaces the session's token (at step-up): the old token stops working at once. */
export async function rotateSessionToken(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random' | 'sessionCache'>,
  sessionId: string,
  opts: { stepUp: boolean },
): Promise<string> {
  const token = newToken(deps.random);
  const row = await trx
    .updateTable('sessions')
    .set({ token_hash: hashToken(token), ...(opts.stepUp ? { step_up_at: deps.clock.now() } : {}) })
    .where('id', '=', sessionId)
    .returning('user_id')
    .executeTakeFirst();
  if (row) deps.sessionCache.hold(row.user_id);
  return token;
}

export async function revokeSessions(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'sessionCache'>,
  args: { userId: string; reason: string; only?: string; except?: string; deviceId?: string },
): Promise<number> {
  deps.sessionCache.hold(args.userId);
  let q = trx
    .updateTable('sessions')
    .set({ revoked_at: deps.clock.now(), revoke_reason: args.reason })
    .where('user_id', '=', args.userId)
    .where('revoked_at', 'is', null);
  if (args.only) q = q.where('id', '=', args.only);
  if (args.except) q = q.where('id', '!=', args.except);
  if (args.deviceId) q = q.where('device_id', '=', args.deviceId);
  const r = await q.executeTakeFirst();
  return Number(r.numUpdatedRows);
}

export function listActiveSessions(db: Executor, userId: string, now: Date) {
  return db
    .selectFrom('sessions as s')
    .leftJoin('devices as d', 'd.id', 's.device_id')
    .select([
      's.id',
      's.created_at',
      's.last_seen_at',
      's.ip',
      's.user_agent',
      's.auth_methods',
      's.absolute_expires_at',
      's.idle_expires_at',
      'd.id as device_id',
      'd.name as device_name',
    ])
    .where('s.user_id', '=', userId)
    .where('s.revoked_at', 'is', null)
    .where('s.idle_expires_at', '>', now)
    .where('s.absolute_expires_at', '>', now)
    .orderBy('s.last_seen_at', 'desc')
    .execute();
}

/** Sensitive actions need a second factor given in the last STEP_UP_MINUTES (SPEC S1). */
export function assertFreshStepUp(deps: Pick<Deps, 'clock' | 'config'>, principal: Principal): void {
  if (!stepUpIsFresh(principal, deps.clock.now(), deps.config.STEP_UP_MINUTES)) {
    throw new CustosError('STEP_UP_REQUIRED');
  }
}

export const stepUpIsFresh = (principal: Principal, now: Date, minutes: number): boolean =>
  principal.stepUpAt !== null && now.getTime() - principal.stepUpAt.getTime() < minutes * 60_000;

function minDate(a: Date, b: Date): Date {
  return a < b ? a : b;
}
