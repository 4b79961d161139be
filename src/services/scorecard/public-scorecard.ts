import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Deps } from '../../deps.js';
import { ScorecardError } from '../../domain/scorecard/methodology.js';
import type { Profile } from '../../domain/scorecard/profile.js';
import { buildReport, type ScoreReport } from '../../domain/scorecard/report.js';
import { readProfileFile } from './profile-files.js';
import { selfAssessment } from './self-assessment.js';

/**
 * The public scorecard page's data: the platform's self-assessment first, then the peer
 * profiles (the shipped profiles/*.yaml, or SCORECARD_PEERS_DIR), in one report with the
 * comparison matrix. Computing it verifies the whole audit chain, so a report is kept for
 * CACHE_MS per process: anyone may ask for the page, and none of them can make the node re-read
 * the audit log on demand.
 */

export const CACHE_MS = 5 * 60_000;
export const DEFAULT_PEERS_DIR = fileURLToPath(new URL('../../../profiles/', import.meta.url));

interface Cached {
  readonly at: number;
  readonly report: Promise<PublicScorecard>;
}

export interface PublicScorecard {
  readonly report: ScoreReport;
  /** When the self-assessment was computed (the clock's time). */
  readonly computedAt: Date;
}

const cache = new WeakMap<object, Cached>();

export function publicScorecard(deps: Deps): Promise<PublicScorecard> {
  const now = deps.clock.now().getTime();
  const hit = cache.get(deps);
  if (hit && now - hit.at < CACHE_MS && now >= hit.at) return hit.report;
  const report = compute(deps);
  cache.set(deps, { at: now, report });
  // A failure is not cached: the next request tries again.
  report.catch(() => {
    if (cache.get(deps)?.report === report) cache.delete(deps);
  });
  return report;
}

/** Forgets the cached report (tests; an operator changing the facts file). */
export function forgetPublicScorecard(deps: Deps): void {
  cache.delete(deps);
}

async function compute(deps: Deps): Promise<PublicScorecard> {
  const computedAt = deps.clock.now();
  const self = await selfAssessment(deps);
  const peers = await loadPeers(deps);
  return { report: buildReport([self.profile, ...peers]), computedAt };
}

/** The peer profiles, in file-name order. A broken peer file is logged and left out. */
async function loadPeers(deps: Pick<Deps, 'config' | 'log'>): Promise<Profile[]> {
  const dir = deps.config.SCORECARD_PEERS_DIR ?? DEFAULT_PEERS_DIR;
  let names: string[];
  try {
    names = (await fs.readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    return [];
  }
  const peers: Profile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      peers.push(await readProfileFile(file));
    } catch (e) {
      if (!(e instanceof ScorecardError)) throw e;
      deps.log.error({ file, problem: e.message }, 'scorecard: a peer profile is invalid and is left out');
    }
  }
  return peers;
}
