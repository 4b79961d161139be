import { validateWeights, type PillarId, type Weights } from './methodology.js';
import { scoreProfile, type Grade, type Profile } from './profile.js';

/**
 * Persona weight sets (SPEC S10): the same facts, weighed by what matters to one kind of customer.
 * Each set is validated when this module loads, so a bad edit fails every test at once.
 */

export type PersonaId = 'long_term_holder' | 'active_trader' | 'card_user' | 'web3_user' | 'institution';

export interface Persona {
  readonly id: PersonaId;
  readonly name: string;
  /** Why the weights lean the way they do. */
  readonly rationale: string;
  readonly weights: Weights;
}

const persona = (p: Omit<Persona, 'weights'> & { weights: Record<PillarId, number> }): Persona => ({
  ...p,
  weights: validateWeights(p.weights),
});

export const PERSONAS: readonly Persona[] = [
  persona({
    id: 'long_term_holder',
    name: 'Long-term holder',
    rationale:
      'Large balances left untouched for months: what protects the assets themselves (custody, reserves, insurance) dominates; everyday convenience barely counts.',
    weights: {
      custody: 30,
      proof_of_reserves: 20,
      insurance: 20,
      regulation: 10,
      app_security: 10,
      incident_response: 5,
      user_experience: 0,
      support: 5,
    },
  }),
  persona({
    id: 'active_trader',
    name: 'Active trader',
    rationale:
      'Frequent sessions, API keys and fast withdrawals: account controls and the incident record weigh more, custody a little less.',
    weights: {
      custody: 15,
      proof_of_reserves: 10,
      insurance: 10,
      regulation: 10,
      app_security: 20,
      incident_response: 15,
      user_experience: 10,
      support: 10,
    },
  }),
  persona({
    id: 'card_user',
    name: 'Card user',
    rationale:
      'Small balances spent daily: a regulated payment business, controls that are easy to use and support that answers matter most.',
    weights: {
      custody: 10,
      proof_of_reserves: 10,
      insurance: 10,
      regulation: 15,
      app_security: 15,
      incident_response: 10,
      user_experience: 15,
      support: 15,
    },
  }),
  persona({
    id: 'web3_user',
    name: 'Web3 user',
    rationale:
      'Funds move in and out to self-custody and dApps: the risks are phishing, impersonation and hurried approvals, so account controls and clear interfaces lead.',
    weights: {
      custody: 15,
      proof_of_reserves: 15,
      insurance: 5,
      regulation: 5,
      app_security: 25,
      incident_response: 15,
      user_experience: 15,
      support: 5,
    },
  }),
  persona({
    id: 'institution',
    name: 'Institution',
    rationale:
      'Mandates and auditors ask for custody arrangements, proven reserves and licences; the retail app matters little.',
    weights: {
      custody: 25,
      proof_of_reserves: 20,
      insurance: 15,
      regulation: 20,
      app_security: 5,
      incident_response: 10,
      user_experience: 0,
      support: 5,
    },
  }),
];

export function personaById(id: string): Persona | undefined {
  return PERSONAS.find((p) => p.id === id);
}

export interface PersonaVerdict {
  readonly persona: PersonaId;
  readonly name: string;
  readonly score: number;
  readonly grade: Grade;
  /**
   * Pillars this persona weighs at 15 or more where the profile scores under 5 of 10, heaviest
   * first: what such a customer should look at before trusting the platform.
   */
  readonly concerns: readonly PillarId[];
}

/** The profile scored with each persona's weights, in `PERSONAS` order. */
export function personaVerdicts(profile: Profile): readonly PersonaVerdict[] {
  return PERSONAS.map((p) => {
    const card = scoreProfile(profile, p.weights);
    const concerns = card.pillars
      .filter((r) => r.weight >= 15 && r.score < 5)
      .sort((a, b) => b.weight - a.weight)
      .map((r) => r.pillar);
    return { persona: p.id, name: p.name, score: card.score, grade: card.grade, concerns };
  });
}
