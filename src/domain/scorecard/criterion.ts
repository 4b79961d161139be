import { ScorecardError, type PillarId } from './methodology.js';

/**
 * What a criterion is and how one is built. A criterion reads one fact of a profile, checks that
 * the value has the shape it expects, and awards between 0 and its points, always with a reason
 * in plain words. Points are whole or half points, so that sums stay exact in floating point.
 */

/** The shapes a fact value can take, by kind. */
export interface FactValues {
  readonly boolean: boolean;
  /** A finite number within the criterion's range (e.g. a percentage, hours, US dollars). */
  readonly number: number;
  /** One of the criterion's options. */
  readonly choice: string;
  /** A calendar date `YYYY-MM-DD`, or a month `YYYY-MM` or a year `YYYY` when the source is no more precise. */
  readonly date: string;
  readonly list: readonly string[];
  /** A name (e.g. of an auditor), or `false` for "there is none". */
  readonly name: string | false;
}

export type FactKind = keyof FactValues;
export type FactValue = FactValues[FactKind];

/** Facts that do not depend on the profile's content, fixed so that scoring is deterministic. */
export interface ScoringContext {
  /** The date the profile was assessed (`YYYY-MM-DD`): ages are measured to it, never to "now". */
  readonly asOf: string;
}

export interface Award {
  readonly points: number;
  readonly reason: string;
}

export interface Criterion {
  /** Stable id, `<pillar prefix>.<name>`; reports and golden files refer to it. */
  readonly id: string;
  readonly pillar: PillarId;
  /** The key of the profile fact the criterion reads. */
  readonly fact: string;
  readonly kind: FactKind;
  /** The most it can earn; a pillar's criteria sum to 10. */
  readonly points: number;
  /** What it checks. */
  readonly title: string;
  /** Why it earns its points. */
  readonly why: string;
  /** For a choice: the accepted values, in the order of the rubric. */
  readonly options?: readonly string[];
  /** For a number: the accepted range, inclusive. */
  readonly range?: readonly [number, number];
  /** For a number: only whole numbers (counts). */
  readonly integer?: boolean;
  /**
   * Scores a known value. @throws ScorecardError INVALID_FACT when the value is not of the
   * criterion's kind, naming the fact.
   */
  readonly score: (value: unknown, ctx: ScoringContext) => Award;
}

interface Base {
  readonly id: string;
  readonly fact?: string;
  readonly points: number;
  readonly title: string;
  readonly why: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const YEAR = /^\d{4}$/;

/** Whether `s` is a real calendar date in `YYYY-MM-DD` form. */
export function isIsoDate(s: unknown): s is string {
  if (typeof s !== 'string' || !DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * Whether `s` is a date as precise as its source allows: `YYYY-MM-DD`, `YYYY-MM` or `YYYY`.
 * Sources often say only "November 2023"; a made-up day would be a guess.
 */
export function isFactDate(s: unknown): s is string {
  return isIsoDate(s) || (typeof s === 'string' && (MONTH.test(s) || YEAR.test(s)));
}

/**
 * The first day a fact date can mean (`2023-11` → `2023-11-01`): ages are measured from it, so
 * an imprecise date is never taken as more recent than it might be.
 */
export function firstDayOf(s: string): string {
  return YEAR.test(s) ? `${s}-01-01` : MONTH.test(s) ? `${s}-01` : s;
}

/** Whole days from `from` to `to`, both `YYYY-MM-DD` (negative when `from` is later). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

function invalid(fact: string, expected: string, value: unknown): never {
  throw new ScorecardError(
    'INVALID_FACT',
    `fact "${fact}" must be ${expected}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

function build(
  pillar: PillarId,
  base: Base,
  kind: FactKind,
  check: (v: unknown, fact: string) => void,
  score: (v: never, ctx: ScoringContext) => Award,
  extra: Pick<Criterion, 'options' | 'range' | 'integer'> = {},
): Criterion {
  const fact = base.fact ?? base.id;
  return {
    id: base.id,
    pillar,
    fact,
    kind,
    points: base.points,
    title: base.title,
    why: base.why,
    ...extra,
    score: (value, ctx) => {
      check(value, fact);
      return (score as (v: unknown, c: ScoringContext) => Award)(value, ctx);
    },
  };
}

/** The builders a pillar's rubric uses; `fact` defaults to the criterion id. */
export function criteriaFor(pillar: PillarId) {
  return {
    /** Yes earns all points, no earns none. */
    yesNo: (b: Base & { yes: string; no: string }): Criterion =>
      build(
        pillar,
        b,
        'boolean',
        (v, f) => typeof v === 'boolean' || invalid(f, 'true or false', v),
        (v: boolean) => (v ? { points: b.points, reason: b.yes } : { points: 0, reason: b.no }),
      ),

    /** `integer` for counts: half an incident is a typo, not a fact. */
    number: (
      b: Base & { range: readonly [number, number]; integer?: boolean; score: (n: number) => Award },
    ): Criterion =>
      build(
        pillar,
        b,
        'number',
        (v, f) =>
          (typeof v === 'number' &&
            Number.isFinite(v) &&
            v >= b.range[0] &&
            v <= b.range[1] &&
            (!b.integer || Number.isInteger(v))) ||
          invalid(f, `${b.integer ? 'a whole number' : 'a number'} from ${b.range[0]} to ${b.range[1]}`, v),
        b.score,
        { range: b.range, ...(b.integer ? { integer: true } : {}) },
      ),

    /** Each option maps to its award; the options are the table's keys. */
    choice: (b: Base & { table: Readonly<Record<string, Award>> }): Criterion => {
      const options = Object.keys(b.table);
      return build(
        pillar,
        b,
        'choice',
        (v, f) =>
          (typeof v === 'string' && Object.hasOwn(b.table, v)) ||
          invalid(f, `one of ${options.join(', ')}`, v),
        (v: string) => b.table[v]!,
        { options },
      );
    },

    date: (b: Base & { score: (ageDays: number) => Award }): Criterion =>
      build(
        pillar,
        b,
        'date',
        (v, f) => isFactDate(v) || invalid(f, 'a date YYYY-MM-DD, YYYY-MM or YYYY', v),
        (v: string, ctx) => {
          const age = daysBetween(firstDayOf(v), ctx.asOf);
          return age < 0
            ? { points: 0, reason: 'Dated after the assessment date, so it cannot be credited.' }
            : b.score(age);
        },
      ),

    list: (b: Base & { score: (items: readonly string[]) => Award }): Criterion =>
      build(
        pillar,
        b,
        'list',
        (v, f) =>
          (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '')) ||
          invalid(f, 'a list of non-empty strings', v),
        b.score,
      ),

    name: (b: Base & { named: (name: string) => string; none: string }): Criterion =>
      build(
        pillar,
        b,
        'name',
        (v, f) =>
          v === false || (typeof v === 'string' && v.trim() !== '') || invalid(f, 'a name or false', v),
        (v: string | false) =>
          v === false ? { points: 0, reason: b.none } : { points: b.points, reason: b.named(v) },
      ),
  };
}

/**
 * A step function for numbers: the first step whose test passes gives the award, else nothing.
 * Steps are listed from best to worst.
 */
export function steps(
  steps: readonly (readonly [test: (n: number) => boolean, points: number, reason: string])[],
  otherwise: string,
): (n: number) => Award {
  return (n) => {
    for (const [test, points, reason] of steps) if (test(n)) return { points, reason };
    return { points: 0, reason: otherwise };
  };
}
