import fs from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import {
  PILLAR_IDS,
  ScorecardError,
  validateWeights,
  DEFAULT_WEIGHTS,
  type Weights,
} from '../domain/scorecard/methodology.js';
import { PERSONAS, personaById, type Persona } from '../domain/scorecard/personas.js';
import type { Profile } from '../domain/scorecard/profile.js';
import { renderHtml } from '../domain/scorecard/render-html.js';
import { renderMarkdown } from '../domain/scorecard/render-markdown.js';
import { renderText } from '../domain/scorecard/render-text.js';
import { buildReport, reportJson, type ScoreReport } from '../domain/scorecard/report.js';
import { readProfileFile } from '../services/scorecard/profile-files.js';
import { selfAssessment } from '../services/scorecard/self-assessment.js';
import { withDeps } from './with-deps.js';

export const FORMATS = ['table', 'json', 'markdown', 'html'] as const;
export type Format = (typeof FORMATS)[number];

interface ScoreOptions {
  format: Format;
  persona?: string;
  weights?: string;
  out?: string;
  self?: boolean;
  color?: boolean;
}

/** Renders a report in one of the formats (the HTML report stands alone). */
export function render(report: ScoreReport, format: Format, options: { color?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return reportJson(report);
    case 'markdown':
      return renderMarkdown(report);
    case 'html':
      return renderHtml(report);
    case 'table':
      return renderText(report, { color: options.color ?? false });
  }
}

/**
 * `--weights custody=30,support=5`: the named pillars replace the default weights; the result
 * must still cover the eight pillars and sum to 100.
 */
export function parseWeights(spec: string): Weights {
  const out: Record<string, number> = { ...DEFAULT_WEIGHTS };
  for (const part of spec.split(',')) {
    const m = /^\s*([a-z_]+)\s*=\s*(\d{1,3})\s*$/.exec(part);
    if (!m) {
      throw new ScorecardError(
        'INVALID_WEIGHTS',
        `invalid weights: "${part.trim()}" is not PILLAR=WEIGHT (pillars: ${PILLAR_IDS.join(', ')})`,
      );
    }
    if (!(PILLAR_IDS as readonly string[]).includes(m[1]!)) {
      throw new ScorecardError(
        'INVALID_WEIGHTS',
        `invalid weights: unknown pillar "${m[1]}" (pillars: ${PILLAR_IDS.join(', ')})`,
      );
    }
    out[m[1]!] = Number(m[2]);
  }
  return validateWeights(out);
}

/** Reads and checks profile files; every problem of every file is reported before giving up. */
export async function loadProfiles(files: readonly string[]): Promise<Profile[]> {
  const profiles: Profile[] = [];
  const problems: string[] = [];
  for (const file of files) {
    try {
      profiles.push(await readProfileFile(file));
    } catch (e) {
      if (!(e instanceof ScorecardError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) throw new ScorecardError('INVALID_PROFILE', problems.join('\n'));
  return profiles;
}

/** `custos score PROFILE.yaml... [--self] [--format …] [--persona …] [--weights …] [--out FILE]` */
export function addScoreCommand(program: Command): void {
  program
    .command('score')
    .description(
      'score exchange profiles (YAML) with the eight-pillar safety methodology; --self scores this platform from live data',
    )
    .argument('[profiles...]', 'profile files, e.g. profiles/*.yaml')
    .addOption(new Option('--format <format>', 'output format').choices(FORMATS).default('table'))
    .option(
      '--persona <name>',
      `score with a persona's weights: ${PERSONAS.map((p) => p.id).join(', ')}`,
      (v: string) => {
        if (!personaById(v)) throw new InvalidArgumentError(`one of ${PERSONAS.map((p) => p.id).join(', ')}`);
        return v;
      },
    )
    .option('--weights <spec>', 'override pillar weights, e.g. custody=25,support=5 (must still sum to 100)')
    .option('--self', 'include this platform, assessed from its configuration, snapshots and audit chain')
    .option('--out <file>', 'write the report to a file instead of standard output')
    .option('--no-color', 'no colours in the table, even on a terminal')
    .action(async (files: string[], opts: ScoreOptions) => {
      try {
        process.stdout.write(await runScore(files, opts));
      } catch (e) {
        if (!(e instanceof ScorecardError)) throw e;
        console.error(`${e.code}: ${e.message}`);
        process.exitCode = 2;
      }
    });
}

async function runScore(files: string[], opts: ScoreOptions): Promise<string> {
  if (files.length === 0 && !opts.self) {
    throw new ScorecardError('INVALID_PROFILE', 'name at least one profile file, or --self');
  }
  if (opts.persona && opts.weights) {
    throw new ScorecardError('INVALID_WEIGHTS', '--persona and --weights both set the weights: choose one');
  }
  const by: Persona | Weights | undefined = opts.persona
    ? personaById(opts.persona)
    : opts.weights
      ? parseWeights(opts.weights)
      : undefined;
  const profiles = await loadProfiles(files);
  if (opts.self) {
    await withDeps(async (deps) => {
      profiles.unshift((await selfAssessment(deps)).profile);
    });
  }
  const report = buildReport(profiles, by);
  const text = render(report, opts.format, {
    color: opts.color !== false && !opts.out && process.stdout.isTTY,
  });
  if (!opts.out) return text;
  await fs.writeFile(opts.out, text);
  return `wrote ${opts.format} report of ${profiles.length} profile${profiles.length === 1 ? '' : 's'} to ${opts.out}\n`;
}
