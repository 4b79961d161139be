import { CustosError } from '../../domain/errors.js';
import { utcSecond } from '../../domain/reserves/manifest.js';
import type { Deps } from '../../deps.js';
import { runPeriodically } from '../common/periodic.js';
import { takeSnapshot } from './snapshots.js';

/** A build that has not finished after this long was interrupted (a node stopped mid-build). */
const INTERRUPTED_AFTER_MS = 60 * 60 * 1000;

/** The start of the scheduled slot that `now` falls in: slots of `everyHours` from 00:00 UTC. */
export function slotStart(now: Date, everyHours: number): Date {
  const ms = everyHours * 3600_000;
  return new Date(Math.floor(now.getTime() / ms) * ms);
}

/**
 * Takes the current slot's snapshot if no node has yet. The snapshot id is the slot's start, so
 * every node agrees on it and the primary key lets exactly one build it. Builds left `building`
 * by a stopped node are marked failed, so the registry shows them.
 */
export async function runScheduledSnapshot(deps: Deps): Promise<'taken' | 'exists' | 'off'> {
  const every = deps.config.POR_SNAPSHOT_EVERY_HOURS;
  if (every === 0) return 'off';
  const now = deps.clock.now();
  await deps.db
    .updateTable('por_snapshots')
    .set({ status: 'failed', error: 'interrupted: the node building it stopped' })
    .where('status', '=', 'building')
    .where('created_at', '<', new Date(now.getTime() - INTERRUPTED_AFTER_MS))
    .execute();
  const id = utcSecond(slotStart(now, every));
  const existing = await deps.db
    .selectFrom('por_snapshots')
    .select('id')
    .where('id', '=', id)
    .executeTakeFirst();
  if (existing) return 'exists';
  try {
    await takeSnapshot(deps, { trigger: 'schedule', requestedBy: 'system', at: slotStart(now, every) });
    return 'taken';
  } catch (err) {
    if (err instanceof CustosError && err.code === 'CONFLICT') return 'exists';
    throw err;
  }
}

export function startSnapshotScheduler(deps: Deps, intervalMs = 60_000) {
  return runPeriodically(
    'proof-of-reserves snapshot',
    () => runScheduledSnapshot(deps),
    intervalMs,
    deps.log,
  );
}
