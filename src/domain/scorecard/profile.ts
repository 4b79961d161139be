import { firstDayOf, isFactDate, isIsoDate, type FactValue } from './criterion.js';
import { PILLARS, ScorecardError, validateWeights, type PillarId, type Weights } from './methodology.js';
import { ALL_CRITERIA, RUBRIC } from './rubric.js';

/**
 * An exchange profile and its score. A fact is either evidence (a value, where it was found and
 * when) or `'unknown'`. Unknown facts are never guessed: they earn nothing and are listed as gaps,
 * so a profile scores only what it can show. A fact key absent from the profile counts as unknown.
 */

const UNKNOWN = 'unknown';

export interface Evidence {
  readonly value: FactValue;
  /** A URL or the title of a document. */
  readonly source: string;
  /**
   * When the source said so (`YYYY-MM-DD`, or `YYYY-MM` / `YYYY` when it is no more precise);
   * for an undated source, when it was read.
   */
  readonly date: string;
  /** The analyst's remark: the source's reliability, a caveat, how a figure was derived. */
  readonly note?: string;
}

/** A fact nobody could establish, optionally saying why (e.g. "only on unofficial mirror sites"). */
export interface UnknownFact {
  readonly value: 'unknown';
  readonly note?: string;
}

export type Fact = Evidence | UnknownFact | 'unknown';

/** Whether a fact is unknown, in either spelling. */
export function isUnknown(fact: Fact | undefined): fact is UnknownFact | 'unknown' | undefined {
  return fact === undefined || fact === UNKNOWN || fact.value === UNKNOWN;
}

export interface Profile {
  readonly name: string;
  /** What the profile covers (entity, region, scope), shown in reports. */
  readonly description?: string;
  /** The assessment date, `YYYY-MM-DD`: ages (e.g. of the last proof of reserves) are measured to it. */
  readonly asOf: string;
  /** Facts by key (the `fact` of a criterion, e.g. `custody.hsm`). */
  readonly facts: Readonly<Record<string, Fact>>;
}

export interface CriterionResult {
  readonly id: string;
  readonly fact: string;
  readonly maxPoints: number;
  readonly points: number;
  readonly reason: string;
  readonly evidence: Evidence | 'unknown';
  /** For an unknown fact: why it is unknown, when the profile says. */
  readonly unknownNote?: string;
}

export interface PillarResult {
  readonly pillar: PillarId;
  readonly name: string;
  readonly weight: number;
  /** 0–10, the sum of the criteria's points (a multiple of 0.5). */
  readonly score: number;
  readonly criteria: readonly CriterionResult[];
}

export interface Gap {
  readonly pillar: PillarId;
  readonly criterion: string;
  readonly fact: string;
  readonly points: number;
  readonly note?: string;
}

export type Grade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

/** Grade bands on the rounded score: the first band whose minimum the score reaches. */
export const GRADE_BANDS: readonly { readonly grade: Grade; readonly min: number }[] = [
  { grade: 'A', min: 85 },
  { grade: 'B', min: 70 },
  { grade: 'C', min: 55 },
  { grade: 'D', min: 40 },
  { grade: 'E', min: 25 },
  { grade: 'F', min: 0 },
];

export function gradeFor(score: number): Grade {
  return (GRADE_BANDS.find((b) => score >= b.min) ?? GRADE_BANDS[GRADE_BANDS.length - 1]!).grade;
}

export interface Scorecard {
  readonly profile: string;
  readonly asOf: string;
  readonly weights: Weights;
  /** 0–100 with one decimal, rounded half up (see `scoreProfile`). */
  readonly score: number;
  readonly grade: Grade;
  readonly pillars: readonly PillarResult[];
  /** Criteria whose fact is unknown, in rubric order: the gaps an analyst should fill. */
  readonly unknowns: readonly Gap[];
}

function checkProfile(profile: Profile): void {
  const bad = (message: string): never => {
    throw new ScorecardError('INVALID_PROFILE', `profile "${profile.name}": ${message}`);
  };
  if (!isIsoDate(profile.asOf)) bad(`asOf must be a date YYYY-MM-DD, got ${JSON.stringify(profile.asOf)}`);
  const known = new Set(ALL_CRITERIA.map((c) => c.fact));
  for (const [key, fact] of Object.entries(profile.facts)) {
    if (!known.has(key)) {
      throw new ScorecardError('UNKNOWN_FACT', `profile "${profile.name}": no criterion reads fact "${key}"`);
    }
    if (fact === UNKNOWN) continue;
    if (typeof fact !== 'object' || fact === null) bad(`fact "${key}" must be evidence or "unknown"`);
    if (fact.note !== undefined && typeof fact.note !== 'string') bad(`fact "${key}": note must be text`);
    if (isUnknown(fact)) continue;
    if (typeof fact.source !== 'string' || fact.source.trim() === '') bad(`fact "${key}" has no source`);
    if (!isFactDate(fact.date)) bad(`fact "${key}" must have a date YYYY-MM-DD, YYYY-MM or YYYY`);
    if (firstDayOf(fact.date) > profile.asOf) {
      bad(`fact "${key}" is dated ${fact.date}, after the assessment date ${profile.asOf}`);
    }
  }
  const problem = inconsistency(profile.facts);
  if (problem) bad(problem);
}

const known = (f: Fact | undefined): FactValue | undefined => (isUnknown(f) ? undefined : f.value);

/**
 * Facts that contradict each other: one of them is wrong, and scoring would credit the wrong
 * one. Returns the first contradiction in words, or null.
 */
export function inconsistency(facts: Readonly<Record<string, Fact>>): string | null {
  const v = (k: string) => known(facts[k]);
  const incidents = v('incident.major_incidents_5y');
  if (typeof incidents === 'number' && incidents > 0 && v('incident.disclosure_speed') === 'no_incident') {
    return `"incident.disclosure_speed" says there was no incident, but "incident.major_incidents_5y" is ${incidents}`;
  }
  if (incidents === 0 && ['full', 'partial', 'none'].includes(String(v('incident.reimbursement')))) {
    return '"incident.reimbursement" describes reimbursement after an incident, but "incident.major_incidents_5y" is 0';
  }
  const licences = v('regulation.licences');
  if (Array.isArray(licences) && licences.length === 0 && v('regulation.verifiable_in_register') === true) {
    return '"regulation.verifiable_in_register" is true, but "regulation.licences" lists none';
  }
  if (v('por.method') === 'none' || v('por.frequency') === 'never') {
    for (const k of ['por.liabilities_included', 'por.user_verifiable'] as const) {
      if (v(k) === true)
        return `"${k}" is true, but no proof of reserves is published ("por.method" or "por.frequency")`;
    }
  }
  return null;
}

/**
 * Scores a profile. Each pillar scores the sum of its criteria's points (0–10); the total is
 * Σ pillar × weight / 10. Points are multiples of 0.5 and weights whole numbers, so the total
 * is computed exactly in twentieths and rounded half up to one decimal (e.g. 72.25 → 72.3).
 * The grade is read from the rounded score. Pure and deterministic: the same profile and weights
 * always give the same scorecard, in rubric order.
 *
 * @throws ScorecardError for invalid weights, an unrecognised fact key (a typo must not silently
 *   become a gap), evidence without source or date, or a value of the wrong kind.
 */
export function scoreProfile(profile: Profile, weights: Weights): Scorecard {
  const w = validateWeights(weights);
  checkProfile(profile);
  const ctx = { asOf: profile.asOf };
  const unknowns: Gap[] = [];
  let twentieths = 0;
  const pillars = PILLARS.map((p): PillarResult => {
    const criteria = RUBRIC[p.id].map((c): CriterionResult => {
      const fact = profile.facts[c.fact];
      const base = { id: c.id, fact: c.fact, maxPoints: c.points };
      if (isUnknown(fact)) {
        const note = typeof fact === 'object' ? fact.note : undefined;
        const extra = note === undefined ? {} : { note };
        unknowns.push({ pillar: p.id, criterion: c.id, fact: c.fact, points: c.points, ...extra });
        return {
          ...base,
          points: 0,
          reason: 'Unknown: no evidence, so no points.',
          evidence: UNKNOWN,
          ...(note === undefined ? {} : { unknownNote: note }),
        };
      }
      const award = c.score(fact.value, ctx);
      const evidence: Evidence = {
        value: fact.value,
        source: fact.source,
        date: fact.date,
        ...(fact.note === undefined ? {} : { note: fact.note }),
      };
      return { ...base, points: award.points, reason: award.reason, evidence };
    });
    const halves = criteria.reduce((s, c) => s + Math.round(c.points * 2), 0);
    twentieths += halves * w[p.id];
    return { pillar: p.id, name: p.name, weight: w[p.id], score: halves / 2, criteria };
  });
  // twentieths / 20 is the exact score; tenths of a point, rounded half up:
  const score = Math.floor((twentieths + 1) / 2) / 10;
  return {
    profile: profile.name,
    asOf: profile.asOf,
    weights: w,
    score,
    grade: gradeFor(score),
    pillars,
    unknowns,
  };
}
