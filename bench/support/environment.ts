import { execFileSync } from 'node:child_process';
import os from 'node:os';

export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The commit measured, and whether src/ had changes not committed yet. */
export function sourceState(): { commit: string | null; srcModified: boolean | null } {
  const git = (...args: string[]) =>
    execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      srcModified: git('status', '--porcelain', '--', 'src') !== '',
    };
  } catch {
    return { commit: null, srcModified: null };
  }
}

/** The machine a benchmark ran on, as its results file reports it. */
export function machine() {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} (${os.platform()}/${os.arch()})`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: round(os.totalmem() / 2 ** 30, 1),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
  };
}
