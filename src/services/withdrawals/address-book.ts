import { lockUserById } from '../../db/repositories/user.repository.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { addressStatus, type AddressStatus, isPlausibleAddress } from '../../domain/withdrawals/settings.js';
import { appendAudit } from '../audit/append-audit.js';
import { actorOf, type Principal, type RequestContext } from '../identity/context.js';
import { consumeEmailToken, issueEmailToken } from '../identity/email-tokens.js';
import { assertFreshStepUp } from '../identity/sessions.js';
import { enrolledFactors } from '../identity/second-factor.js';
import { settingsLockState } from '../identity/settings-lock.js';
import { assetOf } from '../ledger/assets.js';
import { notifyUser } from '../notifications/notify.js';

export interface AddressView {
  readonly id: string;
  readonly asset: string;
  readonly network: string;
  readonly address: string;
  readonly label: string;
  readonly status: AddressStatus;
  readonly createdAt: Date;
  readonly confirmedAt: Date | null;
  readonly activeFrom: Date | null;
}

const view = (
  r: {
    id: string;
    asset: string;
    network: string;
    address: string;
    label: string;
    created_at: Date;
    confirmed_at: Date | null;
    active_from: Date | null;
  },
  now: Date,
): AddressView => ({
  id: r.id,
  asset: r.asset,
  network: r.network,
  address: r.address,
  label: r.label,
  status: addressStatus(r, now),
  createdAt: r.created_at,
  confirmedAt: r.confirmed_at,
  activeFrom: r.active_from,
});

export async function listAddresses(
  deps: Pick<Deps, 'db' | 'clock'>,
  userId: string,
): Promise<AddressView[]> {
  const rows = await deps.db
    .selectFrom('withdrawal_addresses')
    .selectAll()
    .where('user_id', '=', userId)
    .where('removed_at', 'is', null)
    .orderBy('created_at', 'desc')
    .execute();
  const now = deps.clock.now();
  return rows.map((r) => view(r, now));
}

/**
 * Adds a withdrawal address (SPEC S3): a second factor in the last minutes, the settings lock
 * respected, then a confirmation link by email; the address becomes usable only
 * ADDRESS_ACTIVATION_HOURS after that confirmation, and every step is announced, so the owner
 * has a day to notice an address someone else added.
 */
export async function addAddress(
  deps: Deps,
  principal: Principal,
  input: { asset: string; address: string; label: string },
  ctx: RequestContext,
): Promise<AddressView> {
  const asset = assetOf(deps, input.asset);
  if (!isPlausibleAddress(asset.network, input.address))
    throw new CustosError('VALIDATION_FAILED', { message: `This is not a ${asset.network} address.` });
  assertFreshStepUp(deps, principal);
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockUserById(trx, principal.userId);
    if (!user) throw new CustosError('UNAUTHENTICATED');
    // SPEC S1: no step toward moving funds on the password alone.
    if ((await enrolledFactors(trx, user)).length === 0) throw new CustosError('MFA_REQUIRED');
    const now = deps.clock.now();
    if (settingsLockState(user, now).state !== 'off') throw new CustosError('SETTINGS_LOCKED');
    const live = await trx
      .selectFrom('withdrawal_addresses')
      .select(['address', 'asset'])
      .where('user_id', '=', user.id)
      .where('removed_at', 'is', null)
      .execute();
    if (live.some((a) => a.asset === input.asset && a.address === input.address))
      throw new CustosError('CONFLICT', { message: 'This address is already in your address book.' });
    if (live.length >= deps.config.MAX_ADDRESSES)
      throw new CustosError('CONFLICT', { message: 'Your address book is full. Remove an address first.' });
    const id = deps.random.uuid();
    await trx
      .insertInto('withdrawal_addresses')
      .values({
        id,
        user_id: user.id,
        asset: input.asset,
        network: asset.network,
        address: input.address,
        label: input.label,
        created_at: now,
      })
      .execute();
    const token = await issueEmailToken(trx, deps, {
      userId: user.id,
      purpose: 'address_confirm',
      ttlMinutes: deps.config.EMAIL_TOKEN_HOURS * 60,
      data: { addressId: id },
    });
    await notifyUser(trx, deps, user, {
      event: 'address_book',
      subject: 'Confirm a new withdrawal address',
      lines: [
        `A withdrawal address was added to your account: "${input.label}", ${input.asset} on ${asset.network}:`,
        input.address,
        `It becomes usable ${deps.config.ADDRESS_ACTIVATION_HOURS} hours after you confirm it with the link below.`,
        'If you did not add it, do not confirm it: lock your account with the link at the bottom.',
      ],
      action: {
        label: 'Confirm this address',
        url: `${deps.config.publicUrl}/confirm-address?token=${token}`,
      },
      data: { addressId: id, asset: input.asset, network: asset.network },
    });
    await appendAudit(trx, deps, {
      type: 'address_book.added',
      actor: actorOf(principal),
      userId: user.id,
      ip: ctx.ip,
      deviceId: principal.deviceId,
      data: {
        addressId: id,
        asset: input.asset,
        network: asset.network,
        address: input.address,
        label: input.label,
      },
    });
    return view(
      {
        id,
        asset: input.asset,
        network: asset.network,
        address: input.address,
        label: input.label,
        created_at: now,
        confirmed_at: null,
        active_from: null,
      },
      now,
    );
  });
}

/** The email link: confirms the address and starts its waiting period, once. */
export async function confirmAddress(deps: Deps, token: string, ctx: RequestContext): Promise<AddressView> {
  return deps.db.transaction().execute(async (trx) => {
    const t = await consumeEmailToken(trx, deps, 'address_confirm', token);
    if (!t) throw new CustosError('EMAIL_TOKEN_INVALID');
    const addressId = String((t.data as { addressId?: string }).addressId ?? '');
    const user = await lockUserById(trx, t.user_id);
    if (!user) throw new CustosError('EMAIL_TOKEN_INVALID');
    const now = deps.clock.now();
    const activeFrom = new Date(now.getTime() + deps.config.ADDRESS_ACTIVATION_HOURS * 3_600_000);
    const row = await trx
      .updateTable('withdrawal_addresses')
      .set({ confirmed_at: now, active_from: activeFrom })
      .where('id', '=', addressId)
      .where('user_id', '=', user.id)
      .where('removed_at', 'is', null)
      .where('confirmed_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new CustosError('EMAIL_TOKEN_INVALID');
    await notifyUser(trx, deps, user, {
      event: 'address_book',
      subject: 'A withdrawal address was confirmed',
      lines: [
        `"${row.label}" (${row.asset} on ${row.network}) was confirmed:`,
        row.address,
        `It can receive withdrawals from ${activeFrom.toISOString()} (UTC).`,
        'If this was not you, remove it in the security center before then, or lock your account.',
      ],
      action: { label: 'Open the address book', url: `${deps.config.publicUrl}/security/addresses` },
      data: { addressId: row.id, activeFrom: activeFrom.toISOString() },
    });
    await appendAudit(trx, deps, {
      type: 'address_book.confirmed',
      actor: `user:${user.id}`,
      userId: user.id,
      ip: ctx.ip,
      data: { addressId: row.id, activeFrom: activeFrom.toISOString() },
    });
    return view(row, now);
  });
}

/** Removal is immediate and needs no step-up: it only makes the account safer. */
export async function removeAddress(
  deps: Deps,
  principal: Principal,
  addressId: string,
  ctx: RequestContext,
): Promise<void> {
  await deps.db.transaction().execute(async (trx) => {
    const user = await lockUserById(trx, principal.userId);
    if (!user) throw new CustosError('UNAUTHENTICATED');
    const row = await trx
      .updateTable('withdrawal_addresses')
      .set({ removed_at: deps.clock.now(), removed_reason: 'removed_by_user' })
      .where('id', '=', addressId)
      .where('user_id', '=', user.id)
      .where('removed_at', 'is', null)
      .returning(['id', 'label', 'asset', 'address'])
      .executeTakeFirst();
    if (!row) throw new CustosError('NOT_FOUND');
    await notifyUser(trx, deps, user, {
      event: 'address_book',
      subject: 'A withdrawal address was removed',
      lines: [`"${row.label}" (${row.asset}) was removed from your address book:`, row.address],
      data: { addressId: row.id },
    });
    await appendAudit(trx, deps, {
      type: 'address_book.removed',
      actor: actorOf(principal),
      userId: user.id,
      ip: ctx.ip,
      deviceId: principal.deviceId,
      data: { addressId: row.id },
    });
  });
}
