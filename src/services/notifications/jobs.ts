import type { Deps } from '../../deps.js';

/**
 * Work queued through the outbox and done by its worker after the request has been answered.
 * Used where the answer must not depend on what the work finds (whether an email has an
 * account), so that neither the response nor its timing can tell.
 */
export type Job =
  | { job: 'password_reset_request'; email: string; ip: string }
  | { job: 'recovery_request'; email: string; ip: string };

export async function enqueueJob(deps: Pick<Deps, 'db' | 'clock' | 'random'>, job: Job): Promise<void> {
  const now = deps.clock.now();
  await deps.db
    .insertInto('outbox')
    .values({
      id: deps.random.uuid(),
      kind: 'job',
      payload: JSON.stringify(job),
      created_at: now,
      next_attempt_at: now,
    })
    .execute();
}
