import { describe, expect, it } from 'vitest';
import type { FactValue } from './criterion.js';
import { PILLAR_IDS, ScorecardError } from './methodology.js';
import { ALL_CRITERIA, RUBRIC } from './rubric.js';

const ctx = { asOf: '2026-03-31' };

/**
 * Explicit cases for every criterion: [value, expected points]. A new criterion without cases
 * fails the "every criterion has cases" test below.
 */
const CASES: Readonly<Record<string, readonly (readonly [FactValue, number])[]>> = {
  'custody.cold_storage_share': [
    [100, 3],
    [95, 3],
    [94.9, 2],
    [80, 2],
    [50, 1],
    [49, 0],
    [0, 0],
  ],
  'custody.multisig_or_mpc': [
    [true, 2],
    [false, 0],
  ],
  'custody.hsm': [
    [true, 2],
    [false, 0],
  ],
  'custody.third_party_custodian': [
    [true, 1],
    [false, 0],
  ],
  'custody.segregated_accounts': [
    [true, 2],
    [false, 0],
  ],
  'por.method': [
    ['zk_proof', 2],
    ['merkle_tree', 1.5],
    ['attestation', 1],
    ['wallet_disclosure', 0.5],
    ['none', 0],
  ],
  'por.liabilities_included': [
    [true, 1.5],
    [false, 0],
  ],
  'por.auditor': [
    ['Example Audit LLP', 1],
    [false, 0],
  ],
  'por.frequency': [
    ['continuous', 1.5],
    ['monthly', 1.5],
    ['quarterly', 1],
    ['semiannual', 0.5],
    ['yearly', 0.5],
    ['once', 0],
    ['never', 0],
  ],
  // Ages to 2026-03-31: 0, 45, 46, 100, 101, 200 and 201 days; a date after it earns nothing.
  // A month or a year counts from its first day (the oldest it can be): 2026-02 is 58 days old.
  'por.last_report_date': [
    ['2026-03-31', 1.5],
    ['2026-02-14', 1.5],
    ['2026-02-13', 1],
    ['2025-12-21', 1],
    ['2025-12-20', 0.5],
    ['2025-09-12', 0.5],
    ['2025-09-11', 0],
    ['2022-12-07', 0],
    ['2026-04-01', 0],
    ['2026-03', 1.5],
    ['2026-02', 1],
    ['2026', 1],
    ['2025', 0],
  ],
  'por.user_verifiable': [
    [true, 1],
    [false, 0],
  ],
  'por.reserve_ratio_pct': [
    [250, 1.5],
    [100, 1.5],
    [99.99, 0],
    [0, 0],
  ],
  'insurance.amount_usd': [
    [750e6, 4],
    [500e6, 4],
    [499e6, 3],
    [100e6, 3],
    [10e6, 2],
    [1, 1],
    [0, 0],
  ],
  'insurance.underwriter': [
    ['Example Underwriting at Lloyd’s', 2],
    [false, 0],
  ],
  'insurance.exclusions_disclosed': [
    [true, 1],
    [false, 0],
  ],
  'insurance.retail_protection': [
    [true, 3],
    [false, 0],
  ],
  'regulation.licences': [
    [[], 0],
    [['FCA'], 1],
    [['FCA', 'MAS'], 2],
    [['FCA', 'MAS', 'MFSA'], 3],
    [['FCA', 'FCA'], 1],
    [['FCA', 'fca ', ' FCA'], 1],
    [['FinCEN', 'FCA', 'MAS', 'MFSA', 'VARA', 'AUSTRAC'], 3],
  ],
  'regulation.mica_authorised': [
    [true, 2],
    [false, 0],
  ],
  'regulation.verifiable_in_register': [
    [true, 2],
    [false, 0],
  ],
  'regulation.enforcement_actions_5y': [
    [0, 2],
    [1, 1],
    [2, 0],
    [40, 0],
  ],
  'regulation.security_certifications': [
    [['ISO/IEC 27001', 'SOC 2 Type II'], 1],
    [['ISO/IEC 27001'], 1],
    [[], 0],
  ],
  'app.mandatory_2fa': [
    [true, 2],
    [false, 0],
  ],
  'app.phishing_resistant_mfa': [
    [true, 2],
    [false, 0],
  ],
  'app.address_whitelist': [
    ['mandatory', 1],
    ['optional', 0.5],
    ['none', 0],
  ],
  'app.new_address_delay_hours': [
    [72, 1],
    [24, 1],
    [23, 0.5],
    [1, 0.5],
    [0, 0],
  ],
  'app.withdrawal_lock': [
    [true, 1],
    [false, 0],
  ],
  'app.anti_phishing_code': [
    [true, 1],
    [false, 0],
  ],
  'app.device_management': [
    [true, 1],
    [false, 0],
  ],
  'app.api_key_restrictions': [
    [true, 1],
    [false, 0],
  ],
  'incident.major_incidents_5y': [
    [0, 3],
    [1, 2],
    [2, 1],
    [3, 0],
    [10, 0],
  ],
  'incident.reimbursement': [
    ['full', 2.5],
    ['no_losses', 2.5],
    ['partial', 1],
    ['none', 0],
  ],
  'incident.disclosure_speed': [
    ['within_24h', 1.5],
    ['no_incident', 1.5],
    ['within_72h', 1],
    ['slower', 0],
  ],
  'incident.bug_bounty': [
    [true, 1],
    [false, 0],
  ],
  'incident.status_page': [
    [true, 1],
    [false, 0],
  ],
  'incident.tamper_evident_audit_log': [
    [true, 1],
    [false, 0],
  ],
  'ux.security_center': [
    [true, 2],
    [false, 0],
  ],
  'ux.security_notifications': [
    [true, 2],
    [false, 0],
  ],
  'ux.one_tap_lock': [
    [true, 2],
    [false, 0],
  ],
  'ux.official_channel_check': [
    [true, 2],
    [false, 0],
  ],
  'ux.app_store_rating': [
    [5, 2],
    [4.5, 2],
    [4.4, 1.5],
    [4, 1.5],
    [3.5, 1],
    [3, 0.5],
    [2.9, 0],
    [0, 0],
  ],
  'support.live_chat_24_7': [
    [true, 3],
    [false, 0],
  ],
  'support.first_response_minutes': [
    [0, 2],
    [15, 2],
    [16, 1],
    [60, 1],
    [61, 0],
    [2880, 0],
  ],
  'support.complaint_deadline_days': [
    [10, 2],
    [15, 2],
    [16, 1],
    [35, 1],
    [36, 0],
  ],
  'support.escalation_path': [
    [true, 2],
    [false, 0],
  ],
  'support.fraud_team': [
    [true, 1],
    [false, 0],
  ],
};

/** A value of the wrong kind for each kind of fact. */
const WRONG: Readonly<Record<string, readonly unknown[]>> = {
  boolean: ['yes', 1, null],
  number: ['10', Number.NaN, Number.POSITIVE_INFINITY, -1, null],
  choice: ['something_else', 1, true],
  date: ['2026-02-30', '2026-13', '31/03/2026', '26', 20260331, null],
  list: ['FCA', [1], [''], null],
  name: ['', '  ', true, null],
};

describe('scorecard rubric (SPEC S10)', () => {
  it('each pillar’s criteria sum to 10 points', () => {
    for (const id of PILLAR_IDS) {
      expect(
        RUBRIC[id].reduce((s, c) => s + c.points, 0),
        id,
      ).toBe(10);
    }
  });

  it('ids are unique, stable-looking and belong to their pillar', () => {
    const ids = ALL_CRITERIA.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of PILLAR_IDS) {
      for (const c of RUBRIC[id]) {
        expect(c.pillar).toBe(id);
        expect(c.id).toMatch(/^[a-z]+\.[a-z0-9_]+$/);
        expect(c.points % 0.5).toBe(0);
        expect(c.title.length).toBeGreaterThan(10);
        expect(c.why.length).toBeGreaterThan(20);
      }
    }
  });

  it('every criterion has explicit cases, and every case names a criterion', () => {
    expect(Object.keys(CASES).sort()).toEqual(ALL_CRITERIA.map((c) => c.id).sort());
  });

  for (const c of ALL_CRITERIA) {
    describe(c.id, () => {
      const cases = CASES[c.id] ?? [];

      it.each(cases.map(([value, points]) => ({ value, points })))(
        'scores $value as $points',
        ({ value, points }) => {
          const award = c.score(value, ctx);
          expect(award.points).toBe(points);
          expect(award.reason).toMatch(/\.$/);
        },
      );

      it('reaches its full points for some value and 0 for another', () => {
        const awarded = cases.map(([v]) => c.score(v, ctx).points);
        expect(Math.max(...awarded)).toBe(c.points);
        expect(Math.min(...awarded)).toBe(0);
        for (const p of awarded) expect(p % 0.5).toBe(0);
      });

      it('rejects a value of the wrong kind, naming the fact', () => {
        for (const bad of WRONG[c.kind]!) {
          expect(() => c.score(bad, ctx)).toThrow(ScorecardError);
          expect(() => c.score(bad, ctx)).toThrow(`fact "${c.fact}"`);
        }
      });
    });
  }

  it('counts take whole numbers only: half an incident is a typo, not a fact', () => {
    for (const id of ['incident.major_incidents_5y', 'regulation.enforcement_actions_5y']) {
      const c = ALL_CRITERIA.find((x) => x.id === id)!;
      expect(c.integer).toBe(true);
      expect(() => c.score(0.5, ctx)).toThrow(`fact "${id}" must be a whole number from 0 to 1000`);
    }
  });

  it('range and options are published for documentation', () => {
    const method = ALL_CRITERIA.find((c) => c.id === 'por.method')!;
    expect(method.options).toEqual(['zk_proof', 'merkle_tree', 'attestation', 'wallet_disclosure', 'none']);
    expect(ALL_CRITERIA.find((c) => c.id === 'custody.cold_storage_share')!.range).toEqual([0, 100]);
    expect(() => ALL_CRITERIA.find((c) => c.id === 'custody.cold_storage_share')!.score(101, ctx)).toThrow(
      'a number from 0 to 100',
    );
  });
});
