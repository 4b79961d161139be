/**
 * The safety scorecard of SPEC S10: eight pillars, each scored 0–10 by a rubric of criteria
 * (rubric.ts), combined with weights that sum to 100 into a 0–100 score (profile.ts).
 *
 * The pillars and their default weights follow the methodology of seed 000. Weights are data, so
 * an analyst or a persona (personas.ts) can shift them, but every weight set goes through
 * `validateWeights` first: a set that does not cover the eight pillars with whole numbers summing
 * to exactly 100 would silently inflate or deflate every score computed with it.
 */

/** Thrown for a bad weight set, a bad fact or an unknown fact key; the message names the problem. */
export class ScorecardError extends Error {
  override readonly name = 'ScorecardError';
  constructor(
    readonly code: 'INVALID_WEIGHTS' | 'INVALID_FACT' | 'UNKNOWN_FACT' | 'INVALID_PROFILE',
    message: string,
  ) {
    super(message);
  }
}

export const PILLAR_IDS = [
  'custody',
  'proof_of_reserves',
  'insurance',
  'regulation',
  'app_security',
  'incident_response',
  'user_experience',
  'support',
] as const;

export type PillarId = (typeof PILLAR_IDS)[number];

export interface Pillar {
  readonly id: PillarId;
  readonly name: string;
  /** What the pillar asks, in plain words (docs and reports show it). */
  readonly question: string;
}

/** The pillars in report order (heaviest first, as in the methodology). */
export const PILLARS: readonly Pillar[] = [
  {
    id: 'custody',
    name: 'Custody & Storage',
    question: 'How are customer assets held: offline share, key control, custodians, segregation?',
  },
  {
    id: 'proof_of_reserves',
    name: 'Proof of Reserves',
    question: 'Can outsiders check that assets cover what is owed to customers, and how recently?',
  },
  {
    id: 'insurance',
    name: 'Insurance',
    question: 'What is insured, by whom, for how much, and what is left out?',
  },
  {
    id: 'regulation',
    name: 'Regulation & Licensing',
    question: 'Which regulators have licensed or registered the platform, and can that be checked?',
  },
  {
    id: 'app_security',
    name: 'App Security & Account Controls',
    question: 'Which safeguards protect an account and its withdrawals from takeover?',
  },
  {
    id: 'incident_response',
    name: 'Incident Response & Track Record',
    question: 'What went wrong before, how fast was it disclosed, and were users made whole?',
  },
  {
    id: 'user_experience',
    name: 'User Experience & Interface',
    question: 'Are the security controls easy to find, understand and use?',
  },
  {
    id: 'support',
    name: 'Support',
    question: 'How quickly and how well does support help, routinely and during an incident?',
  },
];

/** Percentage points per pillar; a valid set covers all eight and sums to exactly 100. */
export type Weights = Readonly<Record<PillarId, number>>;

export const DEFAULT_WEIGHTS: Weights = {
  custody: 20,
  proof_of_reserves: 15,
  insurance: 15,
  regulation: 10,
  app_security: 10,
  incident_response: 10,
  user_experience: 10,
  support: 10,
};

/**
 * Checks a weight set and returns it typed and frozen. Accepts `unknown` because weight sets come
 * from configuration and command-line options.
 *
 * @throws ScorecardError INVALID_WEIGHTS naming the first problem: not an object, an unknown or a
 *   missing pillar, a weight that is not a non-negative whole number, or a sum other than 100.
 * @example validateWeights({ ...DEFAULT_WEIGHTS, custody: 30, support: 0 }) // ok: still 100
 */
export function validateWeights(input: unknown): Weights {
  const fail = (message: string): never => {
    throw new ScorecardError('INVALID_WEIGHTS', `invalid weights: ${message}`);
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail('expected an object mapping each of the eight pillars to a weight');
  }
  const record = input as Record<string, unknown>;
  const known = new Set<string>(PILLAR_IDS);
  const extra = Object.keys(record).filter((k) => !known.has(k));
  if (extra.length) fail(`unknown pillar ${extra.map((k) => `"${k}"`).join(', ')}`);
  const missing = PILLAR_IDS.filter((id) => !(id in record));
  if (missing.length) fail(`missing pillar ${missing.map((k) => `"${k}"`).join(', ')}`);
  const out = {} as Record<PillarId, number>;
  for (const id of PILLAR_IDS) {
    const w = record[id];
    if (typeof w !== 'number' || !Number.isInteger(w) || w < 0) {
      fail(
        `the weight of "${id}" must be a non-negative whole number, got ${typeof w === 'number' ? String(w) : JSON.stringify(w)}`,
      );
    }
    out[id] = w as number;
  }
  const sum = PILLAR_IDS.reduce((s, id) => s + out[id], 0);
  if (sum !== 100) fail(`the weights must sum to 100, they sum to ${sum}`);
  return Object.freeze(out);
}
