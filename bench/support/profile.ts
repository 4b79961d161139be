import { Session } from 'node:inspector/promises';
import type { Profiler } from 'node:inspector';

/**
 * A V8 CPU profile of this process (the in-process Custos server, and PGlite when it is the
 * database) while `during` runs, summarised by where the time went: self time by package or
 * source folder, the share of samples with each package on the stack (inclusive), and the
 * functions with the most self time. Sampling costs the server some CPU, so a profiled run is
 * a diagnosis, never a measured figure.
 */

export interface ProfileShare {
  name: string;
  /** % of all samples. */
  percent: number;
}

export interface ProfileSummary {
  durationS: number;
  samples: number;
  samplingIntervalUs: number;
  /** % of samples in which the thread was not idle. */
  busyPercent: number;
  /** Self time by package or source folder (% of all samples, idle included). */
  self: ProfileShare[];
  /** Samples with the package or folder anywhere on the stack (% of all samples). */
  inclusive: ProfileShare[];
  /** Functions with the most self time. */
  topFunctions: ProfileShare[];
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** The package or folder a frame belongs to. */
export function categoryOf(frame: { url: string; functionName: string }): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (idle), (program), (garbage collector)
    return `native: ${functionName || '(anonymous)'}`;
  }
  if (url.startsWith('wasm://')) return 'wasm (PGlite)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  const src = url.indexOf('/src/');
  if (src !== -1) {
    const parts = url.slice(src + 1).split('/');
    return parts.length > 2 ? `custos ${parts[0]}/${parts[1]}` : `custos ${parts[0]}`;
  }
  if (url.includes('/bench/')) return 'bench';
  return url.replace(/^file:\/\//, '');
}

const shortUrl = (url: string) => {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) return url.slice(nm + '/node_modules/'.length);
  const src = url.indexOf('/src/');
  if (src !== -1) return url.slice(src + 1);
  return url.replace(/^file:\/\//, '');
};

export function summarizeProfile(profile: Profiler.Profile, intervalUs: number, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const total = profile.nodes.reduce((a, n) => a + (n.hitCount ?? 0), 0);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const fns = new Map<string, number>();
  let idle = 0;
  const stackCats = new Map<number, Set<string>>();
  const catsOf = (id: number): Set<string> => {
    const known = stackCats.get(id);
    if (known) return known;
    const n = byId.get(id)!;
    const up = parent.get(id);
    const s = new Set(up === undefined ? [] : catsOf(up));
    if (n.callFrame.functionName !== '(root)') s.add(categoryOf(n.callFrame));
    stackCats.set(id, s);
    return s;
  };
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const cat = categoryOf(n.callFrame);
    if (cat === '(idle)') idle += hits;
    self.set(cat, (self.get(cat) ?? 0) + hits);
    for (const c of catsOf(n.id)) inclusive.set(c, (inclusive.get(c) ?? 0) + hits);
    const f = n.callFrame;
    const name = `${f.functionName || '(anonymous)'}${f.url ? ` ${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`;
    fns.set(name, (fns.get(name) ?? 0) + hits);
  }
  const pct = (m: Map<string, number>, skip: (name: string) => boolean = () => false) =>
    [...m.entries()]
      .filter(([name]) => !skip(name))
      .map(([name, hits]) => ({ name, percent: round((hits / Math.max(total, 1)) * 100) }))
      .sort((a, b) => b.percent - a.percent);
  const special = (name: string) => name.startsWith('(');
  return {
    durationS: round((profile.endTime - profile.startTime) / 1e6, 2),
    samples: total,
    samplingIntervalUs: intervalUs,
    busyPercent: round(((total - idle) / Math.max(total, 1)) * 100),
    self: pct(self).slice(0, top + 3),
    inclusive: pct(inclusive, special).slice(0, top),
    topFunctions: pct(fns, (name) => name.startsWith('(idle)')).slice(0, top),
  };
}

/** Profiles this process while `during` runs. */
export async function profileDuring<T>(
  during: () => Promise<T>,
  intervalUs = 500,
): Promise<{ value: T; profile: ProfileSummary }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    const value = await during();
    const { profile } = await session.post('Profiler.stop');
    return { value, profile: summarizeProfile(profile, intervalUs) };
  } finally {
    await session.post('Profiler.disable').catch(() => {});
    session.disconnect();
  }
}
