import { describe, expect, it } from 'vitest';
import { PILLAR_IDS, validateWeights } from './methodology.js';
import { personaById, personaVerdicts, PERSONAS } from './personas.js';
import { scoreProfile, type Profile } from './profile.js';

const source = 'https://example.com/disclosure';
const profile: Profile = {
  name: 'Persona test',
  asOf: '2026-01-31',
  facts: {
    'custody.multisig_or_mpc': { value: true, source, date: '2026-01-01' },
    'custody.hsm': { value: true, source, date: '2026-01-01' },
    'app.mandatory_2fa': { value: true, source, date: '2026-01-01' },
    'app.phishing_resistant_mfa': { value: true, source, date: '2026-01-01' },
    'ux.security_center': { value: true, source, date: '2026-01-01' },
    'support.live_chat_24_7': { value: true, source, date: '2026-01-01' },
  },
};

describe('persona verdicts (SPEC S10)', () => {
  it('covers the five personas, each with a valid weight set', () => {
    expect(PERSONAS.map((p) => p.id)).toEqual([
      'long_term_holder',
      'active_trader',
      'card_user',
      'web3_user',
      'institution',
    ]);
    for (const p of PERSONAS) {
      expect(validateWeights(p.weights)).toEqual(p.weights);
      expect(PILLAR_IDS.reduce((s, id) => s + p.weights[id], 0)).toBe(100);
      expect(p.rationale.length).toBeGreaterThan(20);
    }
  });

  it('each verdict is the profile scored with the persona weights', () => {
    const verdicts = personaVerdicts(profile);
    expect(verdicts).toHaveLength(5);
    for (const v of verdicts) {
      const card = scoreProfile(profile, personaById(v.persona)!.weights);
      expect(v).toMatchObject({ score: card.score, grade: card.grade });
    }
  });

  it('weights change the verdict: a holder and a Web3 user see the same facts differently', () => {
    const byId = Object.fromEntries(personaVerdicts(profile).map((v) => [v.persona, v]));
    // Holder: custody 4 × 30 + app 4 × 10 + UX 2 × 0 + support 3 × 5, over 10.
    expect(byId.long_term_holder!.score).toBe(17.5);
    // Web3 user: custody 4 × 15 + app 4 × 25 + UX 2 × 15 + support 3 × 5, over 10.
    expect(byId.web3_user!.score).toBe(20.5);
  });

  it('concerns list heavily weighted pillars scoring under 5, heaviest first', () => {
    const holder = personaVerdicts(profile).find((v) => v.persona === 'long_term_holder')!;
    expect(holder.concerns).toEqual(['custody', 'proof_of_reserves', 'insurance']);
    const card = personaVerdicts(profile).find((v) => v.persona === 'card_user')!;
    expect(card.concerns).toEqual(['regulation', 'app_security', 'user_experience', 'support']);
  });

  it('is deterministic', () => {
    expect(personaVerdicts(profile)).toEqual(personaVerdicts(structuredClone(profile)));
  });

  it('personaById finds a persona and returns undefined for an unknown name', () => {
    expect(personaById('institution')?.name).toBe('Institution');
    expect(personaById('whale')).toBeUndefined();
  });
});
