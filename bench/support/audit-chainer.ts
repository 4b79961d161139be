import { chainAuditEvents, unchainedCount } from '../../src/services/audit/chain-events.js';
import { runPeriodically } from '../../src/services/common/periodic.js';
import type { Deps } from '../../src/deps.js';

/**
 * The audit sealer of a serving node, run in the bench node as `custos serve` runs it
 * (src/cli/serve.ts: chainAuditEvents every 200 ms, one run at a time), so that the cost of
 * sealing the audit events the requests append is part of what is measured, with counts of
 * what it did for the report.
 */

/** The interval `custos serve` uses (AUDIT_CHAIN_INTERVAL_MS in src/cli/serve.ts). */
export const AUDIT_CHAIN_INTERVAL_MS = 200;

export interface ChainerStats {
  runs: number;
  sealed: number;
  /** Wall time inside chainAuditEvents, summed (ms). */
  busyMs: number;
}

export function startAuditChainer(deps: Deps, intervalMs = AUDIT_CHAIN_INTERVAL_MS) {
  let stats: ChainerStats = { runs: 0, sealed: 0, busyMs: 0 };
  const tracked = async () => {
    const t0 = performance.now();
    const n = await chainAuditEvents(deps);
    stats.runs++;
    stats.sealed += n;
    stats.busyMs += performance.now() - t0;
  };
  let periodic: ReturnType<typeof runPeriodically> | null = runPeriodically(
    'audit chaining',
    tracked,
    intervalMs,
    deps.log,
  );
  return {
    /** What it did since the last call, then starts counting afresh. */
    take(): ChainerStats {
      const s = { ...stats, busyMs: Math.round(stats.busyMs) };
      stats = { runs: 0, sealed: 0, busyMs: 0 };
      return s;
    },
    /** Committed events not sealed yet. */
    backlog: () => unchainedCount(deps),
    /** Stops the timer (waits for a run in progress). */
    async pause(): Promise<void> {
      await periodic?.stop();
      periodic = null;
    },
    resume(): void {
      periodic ??= runPeriodically('audit chaining', tracked, intervalMs, deps.log);
    },
    /** Stops, then seals what is left (as serve does at shutdown). */
    async stop(): Promise<void> {
      await periodic?.stop();
      periodic = null;
      await chainAuditEvents(deps);
    },
  };
}
