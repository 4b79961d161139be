import type { Executor, Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';
import { hashToken, isWellFormedToken } from '../common/tokens.js';
import type { Principal, RequestContext } from './context.js';
import { actorOf } from './context.js';
import { revokeSessions } from './sessions.js';
import { assertSettingsUnlocked } from './settings-lock.js';

/** A short human name from a user agent ("Chrome on Linux"); the user can rename it. */
export function deviceNameFromUserAgent(ua: string): string {
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Chrome\//.test(ua)
      ? 'Chrome'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /Safari\//.test(ua)
          ? 'Safari'
          : null;
  const os = /Windows/.test(ua)
    ? 'Windows'
    : /Android/.test(ua)
      ? 'Android'
      : /iPhone|iPad/.test(ua)
        ? 'iOS'
        : /Mac OS X/.test(ua)
          ? 'macOS'
          : /Linux/.test(ua)
            ? 'Linux'
            : null;
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? 'Unknown device';
}

/** The approved, not removed device of this account that holds this token. */
export async function findApprovedDevice(db: Executor, userId: string, deviceToken: string | null) {
  if (!deviceToken || !isWellFormedToken(deviceToken)) return undefined;
  return db
    .selectFrom('devices')
    .selectAll()
    .where('user_id', '=', userId)
    .where('token_hash', '=', hashToken(deviceToken))
    .where('approved_at', 'is not', null)
    .where('removed_at', 'is', null)
    .executeTakeFirst();
}

/** Records the device a sign-in comes from, not yet approved (or re-pending after removal). */
export async function upsertPendingDevice(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random'>,
  userId: string,
  deviceToken: string,
  ctx: RequestContext,
): Promise<string> {
  const now = deps.clock.now();
  const row = await trx
    .insertInto('devices')
    .values({
      id: deps.random.uuid(),
      user_id: userId,
      token_hash: hashToken(deviceToken),
      name: deviceNameFromUserAgent(ctx.userAgent),
      user_agent: ctx.userAgent.slice(0, 512),
      created_at: now,
      last_seen_at: now,
      last_ip: ctx.ip,
    })
    .onConflict((oc) =>
      oc.columns(['user_id', 'token_hash']).doUpdateSet({ last_seen_at: now, last_ip: ctx.ip }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function approveDevice(trx: Trx, deps: Pick<Deps, 'clock'>, deviceId: string): Promise<void> {
  await trx
    .updateTable('devices')
    .set({ approved_at: deps.clock.now(), removed_at: null })
    .where('id', '=', deviceId)
    .execute();
}

export function listDevices(db: Executor, userId: string) {
  return db
    .selectFrom('devices')
    .select(['id', 'name', 'user_agent', 'approved_at', 'trusted', 'created_at', 'last_seen_at', 'last_ip'])
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .where('approved_at', 'is not', null)
    .orderBy('last_seen_at', 'desc')
    .execute();
}

async function ownDevice(trx: Trx, userId: string, deviceId: string) {
  const d = await trx
    .selectFrom('devices')
    .select(['id', 'name', 'trusted'])
    .where('id', '=', deviceId)
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  if (!d) throw new CustosError('NOT_FOUND');
  return d;
}

export async function updateDevice(
  deps: Deps,
  principal: Principal,
  deviceId: string,
  patch: { name?: string; trusted?: boolean },
  ctx: RequestContext,
) {
  await deps.db.transaction().execute(async (trx) => {
    await ownDevice(trx, principal.userId, deviceId);
    if (patch.trusted !== undefined) await assertSettingsUnlocked(trx, deps, principal.userId);
    await trx
      .updateTable('devices')
      .set({
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.trusted !== undefined ? { trusted: patch.trusted } : {}),
      })
      .where('id', '=', deviceId)
      .execute();
    await appendAudit(trx, deps, {
      type: 'device.updated',
      actor: actorOf(principal),
      userId: principal.userId,
      ip: ctx.ip,
      deviceId,
      data: {
        ...(patch.name !== undefined ? { renamed: true } : {}),
        ...(patch.trusted !== undefined ? { trusted: patch.trusted } : {}),
      },
    });
  });
}

/** Removing a device ends its sessions; the next sign-in from it needs approval again. */
export async function removeDevice(deps: Deps, principal: Principal, deviceId: string, ctx: RequestContext) {
  await deps.db.transaction().execute(async (trx) => {
    await ownDevice(trx, principal.userId, deviceId);
    await trx
      .updateTable('devices')
      .set({ removed_at: deps.clock.now(), approved_at: null, trusted: false })
      .where('id', '=', deviceId)
      .execute();
    const ended = await revokeSessions(trx, deps, {
      userId: principal.userId,
      deviceId,
      reason: 'device_removed',
    });
    await appendAudit(trx, deps, {
      type: 'device.removed',
      actor: actorOf(principal),
      userId: principal.userId,
      ip: ctx.ip,
      deviceId,
      data: { sessionsEnded: ended },
    });
  });
}
