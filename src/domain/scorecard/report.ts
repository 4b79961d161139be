import type { FactValue } from './criterion.js';
import { DEFAULT_WEIGHTS, PILLARS, validateWeights, type PillarId, type Weights } from './methodology.js';
import { personaVerdicts, type Persona, type PersonaVerdict } from './personas.js';
import { scoreProfile, type Profile, type Scorecard } from './profile.js';
import { ALL_CRITERIA } from './rubric.js';

/**
 * What every output format renders (terminal table, JSON, Markdown, HTML): the scorecards of one
 * or more profiles, each profile's persona verdicts, and, with several profiles, the
 * control-by-control comparison matrix. Built once here so the formats cannot disagree.
 */

export interface ReportEntry {
  readonly card: Scorecard;
  /** What the profile says it covers. */
  readonly description?: string;
  /** The five persona verdicts, in `PERSONAS` order. */
  readonly verdicts: readonly PersonaVerdict[];
}

export interface MatrixCell {
  readonly points: number;
  /** False when the fact is unknown (which earns 0, and is shown as "?", not as "0"). */
  readonly known: boolean;
  readonly value?: FactValue;
}

export interface MatrixRow {
  readonly criterion: string;
  readonly pillar: PillarId;
  readonly title: string;
  readonly maxPoints: number;
  /** One cell per profile, in the report's order. */
  readonly cells: readonly MatrixCell[];
}

export interface ScoreReport {
  /** The weights every card was scored with. */
  readonly weights: Weights;
  /** Set when the weights are a persona's (`--persona`). */
  readonly persona?: Pick<Persona, 'id' | 'name' | 'rationale'>;
  readonly entries: readonly ReportEntry[];
  /** Every criterion, in rubric order, across the profiles; present with two profiles or more. */
  readonly matrix?: readonly MatrixRow[];
}

/**
 * Scores the profiles and assembles the report. With a persona, its weights replace the
 * default ones for the main scores; so do weights given directly (the analyst's own). The
 * verdicts always show all five personas.
 *
 * @throws ScorecardError as `scoreProfile` does.
 */
export function buildReport(profiles: readonly Profile[], by?: Persona | Weights): ScoreReport {
  const persona = by && 'rationale' in by ? (by as Persona) : undefined;
  const weights = validateWeights(persona?.weights ?? by ?? DEFAULT_WEIGHTS);
  const entries = profiles.map((p): ReportEntry => ({
    card: scoreProfile(p, weights),
    ...(p.description === undefined ? {} : { description: p.description }),
    verdicts: personaVerdicts(p),
  }));
  const report: ScoreReport = {
    weights,
    ...(persona ? { persona: { id: persona.id, name: persona.name, rationale: persona.rationale } } : {}),
    entries,
  };
  if (entries.length < 2) return report;
  const results = entries.map(
    (e) => new Map(e.card.pillars.flatMap((p) => p.criteria).map((c) => [c.id, c])),
  );
  const matrix = ALL_CRITERIA.map((c): MatrixRow => ({
    criterion: c.id,
    pillar: c.pillar,
    title: c.title,
    maxPoints: c.points,
    cells: results.map((byId) => {
      const r = byId.get(c.id)!;
      return r.evidence === 'unknown'
        ? { points: 0, known: false }
        : { points: r.points, known: true, value: r.evidence.value };
    }),
  }));
  return { ...report, matrix };
}

/**
 * The report as JSON (`--format json`): stable key order, two-space indent, a format tag;
 * `extra` fields (e.g. when it was computed) come first.
 */
export function reportJson(report: ScoreReport, extra: Readonly<Record<string, string>> = {}): string {
  return `${JSON.stringify({ ...extra, format: 'custos-scorecard/1', ...report }, null, 2)}\n`;
}

export const VERDICT_COLUMNS = ['Persona', 'Score', 'Grade', 'Look at'] as const;

/** A profile's persona verdicts as table rows (text renderers): name, score, grade, concerns. */
export function verdictRows(entry: ReportEntry): string[][] {
  return entry.verdicts.map((v) => [
    v.name,
    v.score.toFixed(1),
    v.grade,
    v.concerns.length ? v.concerns.map(pillarName).join(', ') : '-',
  ]);
}

/** The pillar's display name, for renderers. */
export const pillarName = (id: PillarId): string => PILLARS.find((p) => p.id === id)!.name;

/** A fact value in plain text: lists joined, booleans as yes/no, `false` names as "none". */
export function showValue(value: FactValue): string {
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.join(', ');
  if (value === true) return 'yes';
  if (value === false) return 'no';
  if (typeof value === 'number')
    return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
  return String(value);
}

/** Points as text: `1.5`, `2`. */
export const showPoints = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
