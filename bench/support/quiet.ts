import { cpuBetween, cpuReading } from './probe.js';

/**
 * On a shared machine, waits before a measured run until the rest of the machine is quiet: the
 * CPU used by everything but this process (PostgreSQL included, which is idle between runs) stays
 * under `limitPercent` of a core over a `windowS` window, or `maxWaitS` has passed.
 */
export interface QuietCheck {
  /** Seconds spent waiting (0: quiet at once). */
  waitedS: number;
  /** CPU of everything but this process over the last window, % of a core. */
  otherPercent: number | null;
  quiet: boolean;
}

export async function waitForQuiet(
  opts: { limitPercent: number; windowS: number; maxWaitS: number },
  onWait?: (otherPercent: number) => void,
): Promise<QuietCheck> {
  const t0 = performance.now();
  for (;;) {
    const a = cpuReading();
    await new Promise((r) => setTimeout(r, opts.windowS * 1000));
    const c = cpuBetween(a, cpuReading());
    const other = c.machinePercent === null ? null : Math.max(0, c.machinePercent - c.serverProcessPercent);
    const waitedS = Math.round((performance.now() - t0) / 100) / 10;
    if (other === null || other < opts.limitPercent)
      return { waitedS, otherPercent: other === null ? null : Math.round(other * 10) / 10, quiet: true };
    if (waitedS >= opts.maxWaitS) return { waitedS, otherPercent: Math.round(other * 10) / 10, quiet: false };
    onWait?.(Math.round(other));
  }
}
