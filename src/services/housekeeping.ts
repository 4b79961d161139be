import type { Deps } from '../deps.js';

/** Expired single-use rows are kept this long after expiry (for support questions), then purged. */
const KEEP_EXPIRED_MS = 7 * 86_400_000;

/**
 * Deletes expired challenges and links. Nothing depends on this having run: every read checks
 * `expires_at` itself; this only keeps the tables small.
 */
export async function purgeExpired(deps: Pick<Deps, 'db' | 'clock'>): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - KEEP_EXPIRED_MS);
  let removed = 0;
  for (const table of ['webauthn_challenges', 'sign_in_challenges', 'email_tokens'] as const) {
    const r = await deps.db.deleteFrom(table).where('expires_at', '<', before).executeTakeFirst();
    removed += Number(r.numDeletedRows);
  }
  return removed;
}
