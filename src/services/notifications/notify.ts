import type { Insertable } from 'kysely';
import type { Trx } from '../../db/database.js';
import type { OutboxTable } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { issueEmailToken } from '../identity/email-tokens.js';
import { renderEmail } from './render-email.js';

/** The events a user and the platform are told about (SPEC S1 notifications). */
export type NotificationEvent =
  | 'account_registered'
  | 'registration_attempt'
  | 'email_verification'
  | 'device_approval'
  | 'new_device_sign_in'
  | 'new_network_sign_in'
  | 'security_setting_changed'
  | 'account_locked'
  | 'temporary_lock'
  | 'hard_lock'
  | 'password_reset'
  | 'recovery'
  | 'address_book'
  | 'withdrawal_protection'
  | 'withdrawal'
  | 'sign_in_blocked';

export interface Notification {
  readonly event: NotificationEvent;
  readonly subject: string;
  readonly lines: readonly string[];
  readonly action?: { label: string; url: string };
  /** Data for the platform's webhook; never secrets or links. */
  readonly data?: Record<string, unknown>;
  /** Send to this address instead of the account's (email change: tell the old address too). */
  readonly to?: string;
  /** Default true. False only where the email is itself about the lock or the link is pointless. */
  readonly notMeLink?: boolean;
  /** Only the platform's webhook: a step the owner has just taken or does not need mail about. */
  readonly webhookOnly?: boolean;
}

const NOT_ME_TTL_MINUTES = 7 * 24 * 60;

/** The email of a notification, with its single-use "this wasn't me" link. */
async function emailRow(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random' | 'config'>,
  user: { id: string; email: string; anti_phishing_code: string | null },
  n: Notification,
  now: Date,
): Promise<Insertable<OutboxTable>> {
  let notMeUrl: string | null = null;
  if (n.notMeLink !== false) {
    const token = await issueEmailToken(trx, deps, {
      userId: user.id,
      purpose: 'not_me',
      ttlMinutes: NOT_ME_TTL_MINUTES,
      data: { event: n.event },
    });
    notMeUrl = `${deps.config.publicUrl}/not-me?token=${token}`;
  }
  const email = renderEmail({
    subject: n.subject,
    lines: n.lines,
    action: n.action,
    antiPhishingCode: user.anti_phishing_code,
    notMeUrl,
  });
  return {
    id: deps.random.uuid(),
    kind: 'email',
    payload: JSON.stringify({ to: n.to ?? user.email, ...email }),
    created_at: now,
    next_attempt_at: now,
  };
}

/**
 * Queues the email (and the platform webhook) in the caller's transaction: the notification
 * exists if and only if the change committed, and the worker delivers it.
 */
export async function notifyUser(
  trx: Trx,
  deps: Pick<Deps, 'clock' | 'random' | 'config' | 'webhooks'>,
  user: { id: string; email: string; anti_phishing_code: string | null },
  n: Notification,
): Promise<void> {
  const now = deps.clock.now();
  const rows: Insertable<OutboxTable>[] = [];
  if (!n.webhookOnly) rows.push(await emailRow(trx, deps, user, n, now));
  if (deps.webhooks) {
    rows.push({
      id: deps.random.uuid(),
      kind: 'webhook',
      payload: JSON.stringify({
        id: deps.random.uuid(),
        type: `user.${n.event}`,
        createdAt: now.toISOString(),
        data: { userId: user.id, ...(n.data ?? {}) },
      }),
      created_at: now,
      next_attempt_at: now,
    });
  }
  if (rows.length) await trx.insertInto('outbox').values(rows).execute();
}
