import { describe, expect, it } from 'vitest';
import type { FactValue } from './criterion.js';
import { DEFAULT_WEIGHTS, ScorecardError } from './methodology.js';
import { GRADE_BANDS, gradeFor, inconsistency, scoreProfile, type Fact, type Profile } from './profile.js';
import { ALL_CRITERIA } from './rubric.js';

const source = 'https://example.com/disclosure';
const date = '2026-01-15';

/** A value earning full points for each fact. */
const BEST: Readonly<Record<string, FactValue>> = {
  'custody.cold_storage_share': 98,
  'custody.multisig_or_mpc': true,
  'custody.hsm': true,
  'custody.third_party_custodian': true,
  'custody.segregated_accounts': true,
  'por.method': 'zk_proof',
  'por.liabilities_included': true,
  'por.auditor': 'Example Audit LLP',
  'por.frequency': 'monthly',
  'por.last_report_date': '2026-01-20',
  'por.user_verifiable': true,
  'por.reserve_ratio_pct': 104.2,
  'insurance.amount_usd': 1e9,
  'insurance.underwriter': 'Example Underwriting',
  'insurance.exclusions_disclosed': true,
  'insurance.retail_protection': true,
  'regulation.licences': ['FCA', 'MAS', 'MFSA', 'FinCEN'],
  'regulation.mica_authorised': true,
  'regulation.verifiable_in_register': true,
  'regulation.enforcement_actions_5y': 0,
  'regulation.security_certifications': ['ISO/IEC 27001'],
  'app.mandatory_2fa': true,
  'app.phishing_resistant_mfa': true,
  'app.address_whitelist': 'mandatory',
  'app.new_address_delay_hours': 24,
  'app.withdrawal_lock': true,
  'app.anti_phishing_code': true,
  'app.device_management': true,
  'app.api_key_restrictions': true,
  'incident.major_incidents_5y': 0,
  'incident.reimbursement': 'no_losses',
  'incident.disclosure_speed': 'no_incident',
  'incident.bug_bounty': true,
  'incident.status_page': true,
  'incident.tamper_evident_audit_log': true,
  'ux.security_center': true,
  'ux.security_notifications': true,
  'ux.one_tap_lock': true,
  'ux.official_channel_check': true,
  'ux.app_store_rating': 4.7,
  'support.live_chat_24_7': true,
  'support.first_response_minutes': 5,
  'support.complaint_deadline_days': 15,
  'support.escalation_path': true,
  'support.fraud_team': true,
};

const profileOf = (facts: Record<string, Fact>): Profile => ({
  name: 'Test exchange',
  asOf: '2026-01-31',
  facts,
});
const evidence = (value: FactValue): Fact => ({ value, source, date });
const best = profileOf(Object.fromEntries(Object.entries(BEST).map(([k, v]) => [k, evidence(v)])));

describe('scoring a profile (SPEC S10)', () => {
  it('a profile proving every criterion scores 100, grade A, with no gaps', () => {
    const card = scoreProfile(best, DEFAULT_WEIGHTS);
    expect(card).toMatchObject({ profile: 'Test exchange', asOf: '2026-01-31', score: 100, grade: 'A' });
    expect(card.unknowns).toEqual([]);
    expect(card.pillars.map((p) => p.score)).toEqual([10, 10, 10, 10, 10, 10, 10, 10]);
  });

  it('an empty profile scores 0, grade F, and lists every criterion as a gap', () => {
    const card = scoreProfile(profileOf({}), DEFAULT_WEIGHTS);
    expect(card).toMatchObject({ score: 0, grade: 'F' });
    expect(card.unknowns.map((g) => g.criterion)).toEqual(ALL_CRITERIA.map((c) => c.id));
  });

  it('shows the evidence behind each point', () => {
    const card = scoreProfile(profileOf({ 'custody.hsm': evidence(true) }), DEFAULT_WEIGHTS);
    const custody = card.pillars[0]!;
    expect(custody).toMatchObject({ pillar: 'custody', name: 'Custody & Storage', weight: 20, score: 2 });
    expect(custody.criteria.find((c) => c.id === 'custody.hsm')).toEqual({
      id: 'custody.hsm',
      fact: 'custody.hsm',
      maxPoints: 2,
      points: 2,
      reason: 'Signing keys are protected by hardware security modules.',
      evidence: { value: true, source, date },
    });
    expect(card.score).toBe(4); // 2 of 10 in a pillar weighing 20
  });

  describe('unknown facts never earn points', () => {
    for (const c of ALL_CRITERIA) {
      it(`${c.id}: unknown or missing earns nothing and is reported as a gap`, () => {
        const full = scoreProfile(best, DEFAULT_WEIGHTS);
        const { [c.fact]: _dropped, ...rest } = best.facts;
        for (const facts of [{ ...best.facts, [c.fact]: 'unknown' as const }, rest]) {
          const card = scoreProfile(profileOf(facts), DEFAULT_WEIGHTS);
          const pillar = card.pillars.find((p) => p.pillar === c.pillar)!;
          const result = pillar.criteria.find((r) => r.id === c.id)!;
          expect(result).toMatchObject({ points: 0, evidence: 'unknown' });
          expect(pillar.score).toBe(10 - c.points);
          expect(card.score).toBeLessThan(full.score);
          expect(card.unknowns).toEqual([
            { pillar: c.pillar, criterion: c.id, fact: c.fact, points: c.points },
          ]);
        }
      });
    }
  });

  it('the same profile always gives the same scorecard', () => {
    const half = profileOf(
      Object.fromEntries(Object.entries(BEST).map(([k, v], i) => [k, i % 2 ? evidence(v) : 'unknown'])),
    );
    const first = scoreProfile(half, DEFAULT_WEIGHTS);
    for (let i = 0; i < 5; i++) {
      expect(scoreProfile(structuredClone(half), { ...DEFAULT_WEIGHTS })).toEqual(first);
    }
    // Key order in the profile does not matter either.
    const reversed = profileOf(Object.fromEntries(Object.entries(half.facts).reverse()));
    expect(scoreProfile(reversed, DEFAULT_WEIGHTS)).toEqual(first);
  });

  it('rounds the exact total half up to one decimal', () => {
    // 0.5 point of custody (weight 20) = 1.0; of Proof of Reserves (15) = 0.75; of Support (10) = 0.5.
    const por = profileOf({ 'por.method': evidence('wallet_disclosure') });
    expect(scoreProfile(por, DEFAULT_WEIGHTS).score).toBe(0.8); // 0.75
    const weights = { ...DEFAULT_WEIGHTS, proof_of_reserves: 5, support: 20 }; // 0.5 × 5 / 10 = 0.25
    expect(scoreProfile(por, weights).score).toBe(0.3);
    const both = profileOf({
      'por.method': evidence('merkle_tree'),
      'app.address_whitelist': evidence('optional'),
    });
    expect(scoreProfile(both, DEFAULT_WEIGHTS).score).toBe(2.8); // 2.25 + 0.5 = 2.75
  });

  it('validates the weights it is given', () => {
    expect(() => scoreProfile(best, { ...DEFAULT_WEIGHTS, custody: 25 })).toThrow(/sum to 105/);
  });

  it('weights change the score, not the pillar scores', () => {
    const p = profileOf({ 'custody.hsm': evidence(true), 'support.fraud_team': evidence(true) });
    const a = scoreProfile(p, DEFAULT_WEIGHTS);
    const b = scoreProfile(p, { ...DEFAULT_WEIGHTS, custody: 10, support: 20 });
    expect(a.pillars.map((x) => x.score)).toEqual(b.pillars.map((x) => x.score));
    expect([a.score, b.score]).toEqual([4 + 1, 2 + 2]);
  });

  it('rejects an unrecognised fact key, so a typo never becomes a silent gap', () => {
    const p = profileOf({ 'custody.hsms': evidence(true) });
    expect(() => scoreProfile(p, DEFAULT_WEIGHTS)).toThrow(ScorecardError);
    expect(() => scoreProfile(p, DEFAULT_WEIGHTS)).toThrow('no criterion reads fact "custody.hsms"');
  });

  it('rejects evidence without a source or a date, a bad assessment date and a wrong value', () => {
    const cases: [Profile, string][] = [
      [profileOf({ 'custody.hsm': { value: true, source: ' ', date } }), 'fact "custody.hsm" has no source'],
      [profileOf({ 'custody.hsm': { value: true, source, date: '15/01/2026' } }), 'must have a date'],
      [{ ...best, asOf: '2026-13-01' }, 'asOf must be a date'],
      [profileOf({ 'custody.hsm': evidence('yes') }), 'fact "custody.hsm" must be true or false'],
    ];
    for (const [profile, message] of cases) {
      expect(() => scoreProfile(profile, DEFAULT_WEIGHTS)).toThrow(message);
    }
  });

  it('measures the age of the last proof of reserves to the assessment date, not to now', () => {
    const p = (asOf: string) => ({
      ...profileOf({ 'por.last_report_date': { value: '2022-12-07', source, date: '2022-12-09' } }),
      asOf,
    });
    expect(scoreProfile(p('2023-01-01'), DEFAULT_WEIGHTS).pillars[1]!.score).toBe(1.5);
    expect(scoreProfile(p('2026-01-31'), DEFAULT_WEIGHTS).pillars[1]!.score).toBe(0);
  });
});

describe('facts that cannot all be true', () => {
  it('evidence dated after the assessment date is refused: the profile cannot have seen it', () => {
    const p = profileOf({ 'custody.hsm': { value: true, source, date: '2026-02' } });
    expect(() => scoreProfile(p, DEFAULT_WEIGHTS)).toThrow(
      'fact "custody.hsm" is dated 2026-02, after the assessment date 2026-01-31',
    );
  });

  it('contradictory facts are refused rather than credited', () => {
    const cases: [Record<string, Fact>, string][] = [
      [
        { 'incident.major_incidents_5y': evidence(2), 'incident.disclosure_speed': evidence('no_incident') },
        'says there was no incident',
      ],
      [
        { 'incident.major_incidents_5y': evidence(0), 'incident.reimbursement': evidence('full') },
        'describes reimbursement after an incident',
      ],
      [
        { 'regulation.licences': evidence([]), 'regulation.verifiable_in_register': evidence(true) },
        'lists none',
      ],
      [{ 'por.method': evidence('none'), 'por.user_verifiable': evidence(true) }, 'no proof of reserves'],
      [
        { 'por.frequency': evidence('never'), 'por.liabilities_included': evidence(true) },
        'no proof of reserves',
      ],
    ];
    for (const [facts, message] of cases) {
      expect(() => scoreProfile(profileOf(facts), DEFAULT_WEIGHTS)).toThrow(message);
      expect(inconsistency(facts)).toContain(message);
    }
    expect(inconsistency(best.facts)).toBeNull();
  });
});

describe('unknown facts with a note, and imprecise dates', () => {
  it('an unknown fact may say why it is unknown; it still earns nothing and the gap keeps the note', () => {
    const note = 'Stated only on unofficial mirror sites.';
    const card = scoreProfile(profileOf({ 'custody.hsm': { value: 'unknown', note } }), DEFAULT_WEIGHTS);
    expect(card.score).toBe(0);
    expect(card.unknowns.find((g) => g.fact === 'custody.hsm')).toMatchObject({ note, points: 2 });
    const hsm = card.pillars[0]!.criteria.find((c) => c.id === 'custody.hsm')!;
    expect(hsm).toMatchObject({ points: 0, evidence: 'unknown', unknownNote: note });
  });

  it('evidence may be dated to the month or the year its source gives, and keeps its note', () => {
    const note = 'Third-party report.';
    const card = scoreProfile(
      profileOf({ 'custody.hsm': { value: true, source, date: '2023-11', note } }),
      DEFAULT_WEIGHTS,
    );
    expect(card.pillars[0]!.criteria.find((c) => c.id === 'custody.hsm')!.evidence).toEqual({
      value: true,
      source,
      date: '2023-11',
      note,
    });
    for (const date of ['2023', '2023-11', '2023-11-05']) {
      expect(() =>
        scoreProfile(profileOf({ 'custody.hsm': { value: true, source, date } }), DEFAULT_WEIGHTS),
      ).not.toThrow();
    }
    for (const date of ['2023-13', '23', '2023-11-31']) {
      expect(() =>
        scoreProfile(profileOf({ 'custody.hsm': { value: true, source, date } }), DEFAULT_WEIGHTS),
      ).toThrow('must have a date');
    }
  });
});

describe('grade bands', () => {
  it('A from 85, B from 70, C from 55, D from 40, E from 25, F below', () => {
    expect(GRADE_BANDS.map((b) => [b.grade, b.min])).toEqual([
      ['A', 85],
      ['B', 70],
      ['C', 55],
      ['D', 40],
      ['E', 25],
      ['F', 0],
    ]);
    const cases: [number, string][] = [
      [100, 'A'],
      [85, 'A'],
      [84.9, 'B'],
      [70, 'B'],
      [69.9, 'C'],
      [55, 'C'],
      [54.9, 'D'],
      [40, 'D'],
      [39.9, 'E'],
      [25, 'E'],
      [24.9, 'F'],
      [0, 'F'],
    ];
    for (const [score, grade] of cases) expect(gradeFor(score), String(score)).toBe(grade);
  });

  it('the grade is read from the rounded score', () => {
    // Custody 10 (20) + PoR 10 (15) + insurance 10 (15) + regulation 10 (10) + app 10 (10) + 0.5 in UX = 70.5 → B.
    const facts = Object.fromEntries(
      Object.entries(BEST)
        .filter(([k]) => /^(custody|por|insurance|regulation|app)\./.test(k))
        .map(([k, v]) => [k, evidence(v)]),
    );
    const card = scoreProfile(profileOf({ ...facts, 'ux.app_store_rating': evidence(3) }), DEFAULT_WEIGHTS);
    expect(card).toMatchObject({ score: 70.5, grade: 'B' });
  });
});
