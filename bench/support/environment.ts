import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

/**
 * Writes one day's section into a results file that keeps one section per day (a later run the
 * same day replaces its section); `title` heads a new file.
 */
export function writeMarkdownSection(file: string, date: string, section: string, title: string): void {
  const header = `${title}\n\nOne section per day the benchmark was run (a later run the same day replaces its section).\n\n`;
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : header;
  const marker = `<!-- run:${date} -->`;
  const start = existing.indexOf(marker);
  let next: string;
  if (start === -1) next = `${existing.trimEnd()}\n\n${section}`;
  else {
    const after = existing.indexOf('<!-- run:', start + marker.length);
    next = existing.slice(0, start) + section + (after === -1 ? '' : `\n${existing.slice(after)}`);
  }
  fs.writeFileSync(file, `${next.trimEnd()}\n`);
}

/**
 * Saves a run: `<name>-<date>.json` in `resultsDir` and this day's section of `<name>.md`; a quick
 * run writes its JSON to the temp directory and no Markdown. Returns what was written, for the log.
 */
export function saveResults(options: {
  name: string;
  resultsDir: string;
  date: string;
  quick: boolean;
  json: unknown;
  markdown: () => string;
  title: string;
}): string {
  const { name, resultsDir, date, quick } = options;
  const outDir = quick ? os.tmpdir() : resultsDir;
  fs.mkdirSync(outDir, { recursive: true });
  const jsonFile = path.join(outDir, `${name}-${date}${quick ? '-quick' : ''}.json`);
  const replacer = (_k: string, x: unknown) => (typeof x === 'bigint' ? x.toString() : x);
  fs.writeFileSync(jsonFile, `${JSON.stringify(options.json, replacer, 2)}\n`);
  if (quick) return jsonFile;
  const mdFile = path.join(resultsDir, `${name}.md`);
  writeMarkdownSection(mdFile, date, options.markdown(), options.title);
  return `${path.relative(process.cwd(), jsonFile)} and ${path.relative(process.cwd(), mdFile)}`;
}
