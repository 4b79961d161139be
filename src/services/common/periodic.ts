import type { Logger } from '../../observability/logger.js';

export interface Periodic {
  /** Stops the timer and waits for a run in progress to finish (graceful shutdown). */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs`, one run at a time (a tick that finds the last run still going
 * is skipped); a failure is logged and the next tick tries again.
 */
export function runPeriodically(
  name: string,
  work: () => Promise<unknown>,
  intervalMs: number,
  log: Logger,
): Periodic {
  let running: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = work()
      .catch((err) => log.error({ err }, `${name} failed`))
      .finally(() => {
        running = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
