import { serve } from '@hono/node-server';
import { type Config, loadConfig } from '../config.js';
import { buildDeps, closeDeps } from '../deps.js';
import { createApp } from '../http/app.js';
import { chainAuditEvents } from '../services/audit/chain-events.js';
import { runPeriodically } from '../services/common/periodic.js';
import { purgeExpired } from '../services/housekeeping.js';
import { startOutboxWorker } from '../services/notifications/outbox-worker.js';
import { startSnapshotScheduler } from '../services/reserves/snapshot-schedule.js';
import { startWithdrawalWorker } from '../services/withdrawals/processor.js';

const SHUTDOWN_GRACE_MS = 10_000;
const HOUSEKEEPING_INTERVAL_MS = 10 * 60_000;
const AUDIT_CHAIN_INTERVAL_MS = 200;

/**
 * Serves the API and runs the outbox and withdrawal workers. On SIGTERM/SIGINT: readiness turns 503, the server
 * stops accepting connections and finishes in-flight requests, the worker drains, the database
 * closes; after the grace period it exits regardless.
 */
export async function runServe(config: Config = loadConfig()): Promise<void> {
  const deps = await buildDeps(config);
  let draining = false;
  const app = createApp(deps, { isDraining: () => draining });
  const worker = startOutboxWorker(deps);
  // Seals committed audit events into the hash chain (see services/audit/chain-events.ts).
  const chainer = runPeriodically(
    'audit chaining',
    () => chainAuditEvents(deps),
    AUDIT_CHAIN_INTERVAL_MS,
    deps.log,
  );
  const withdrawals = config.WITHDRAWAL_WORKER
    ? startWithdrawalWorker(deps, config.WITHDRAWAL_WORKER_INTERVAL_MS)
    : null;
  // S8: the scheduled proof-of-reserves snapshot (one node builds each slot's).
  const snapshots = config.POR_SNAPSHOT_EVERY_HOURS > 0 ? startSnapshotScheduler(deps) : null;
  const housekeeping = setInterval(() => {
    purgeExpired(deps).catch((err) => deps.log.error({ err }, 'housekeeping failed'));
  }, HOUSEKEEPING_INTERVAL_MS);
  housekeeping.unref();
  const server = serve({ fetch: app.fetch, hostname: config.HOST, port: config.PORT }, (info) => {
    deps.log.info(
      {
        url: config.publicUrl,
        listening: `${info.address}:${info.port}`,
        database: deps.database.kind,
        mail: deps.mailer.kind,
      },
      `Custos is serving on ${config.publicUrl}`,
    );
  });

  const shutdown = async (signal: string) => {
    if (draining) return;
    draining = true;
    deps.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      deps.log.error('shutdown grace period over, exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    clearInterval(housekeeping);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await withdrawals?.stop();
    await snapshots?.stop();
    await worker.stop();
    await chainer.stop();
    await chainAuditEvents(deps).catch((err) => deps.log.error({ err }, 'audit chaining at shutdown failed'));
    await closeDeps(deps);
    deps.log.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}
