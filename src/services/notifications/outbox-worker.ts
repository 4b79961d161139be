import { sql } from 'kysely';
import type { EmailMessage } from '../../adapters/mail/mailer.js';
import type { WebhookSender } from '../../adapters/webhook/webhook-sender.js';
import type { OutboxTable } from '../../db/schema.js';
import type { Deps } from '../../deps.js';
import { runPasswordResetRequest } from '../identity/password.js';
import { runRecoveryRequest } from '../identity/recovery.js';
import type { Job } from './jobs.js';
import { type Periodic, runPeriodically } from '../common/periodic.js';

type OutboxRow = { kind: OutboxTable['kind'] };

const MAX_ATTEMPTS = 12;
const LEASE_SECONDS = 120;

async function runJob(deps: Deps, job: Job): Promise<void> {
  switch (job.job) {
    case 'password_reset_request':
      return runPasswordResetRequest(deps, job);
    case 'recovery_request':
      return runRecoveryRequest(deps, job);
  }
}

async function deliver(deps: Deps, kind: OutboxRow['kind'], payload: unknown): Promise<void> {
  switch (kind) {
    case 'email':
      return deps.mailer.send(payload as EmailMessage);
    case 'job':
      return runJob(deps, payload as Job);
    case 'webhook':
      // Rows are only queued while a webhook is configured; one left after it was removed is retried
      // (and visible in last_error) rather than silently marked sent.
      if (!deps.webhooks) throw new Error('no webhook is configured');
      return deps.webhooks.send(payload as Parameters<WebhookSender['send']>[0]);
  }
}

/**
 * Delivers due outbox rows (emails, webhooks, queued jobs), at least once.
 *
 * Rows are leased in one short statement (`FOR UPDATE SKIP LOCKED` inside it), so several nodes
 * never take the same row, and no transaction stays open while SMTP or a webhook is slow. A node
 * that dies mid-send leaves the lease to expire and the row is sent again. A failure is retried
 * with exponential backoff. Returns how many rows were handled.
 */
export async function deliverOutbox(deps: Deps, batch = 20): Promise<number> {
  const now = deps.clock.now();
  const due = deps.db
    .selectFrom('outbox')
    .select('id')
    .where('sent_at', 'is', null)
    .where('next_attempt_at', '<=', now)
    .where('attempts', '<', MAX_ATTEMPTS)
    .orderBy('created_at')
    .limit(batch)
    .forUpdate()
    .skipLocked();
  const rows = await deps.db
    .updateTable('outbox')
    .set({ attempts: sql`attempts + 1`, next_attempt_at: new Date(now.getTime() + LEASE_SECONDS * 1000) })
    .where('id', 'in', due)
    .returning(['id', 'kind', 'payload', 'attempts'])
    .execute();
  for (const row of rows) {
    try {
      await deliver(deps, row.kind, row.payload);
      await deps.db
        .updateTable('outbox')
        .set({ sent_at: deps.clock.now(), last_error: null })
        .where('id', '=', row.id)
        .execute();
      deps.metrics.notifications.inc({ kind: row.kind, outcome: 'sent' });
    } catch (error) {
      const delaySeconds = Math.min(2 ** row.attempts * 5, 3600);
      await deps.db
        .updateTable('outbox')
        .set({
          last_error: error instanceof Error ? error.message.slice(0, 500) : 'unknown error',
          next_attempt_at: new Date(deps.clock.now().getTime() + delaySeconds * 1000),
        })
        .where('id', '=', row.id)
        .execute();
      deps.metrics.notifications.inc({ kind: row.kind, outcome: 'failed' });
      deps.log.warn({ outboxId: row.id, kind: row.kind, err: error }, 'notification delivery failed');
    }
  }
  return rows.length;
}

/** Runs `deliverOutbox` until nothing is due (tests, CLI). */
export async function drainOutbox(deps: Deps): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deliverOutbox(deps);
    total += n;
    if (n === 0) return total;
  }
}

export function startOutboxWorker(deps: Deps, intervalMs = 500): Periodic {
  return runPeriodically('outbox worker', () => drainOutbox(deps), intervalMs, deps.log);
}
