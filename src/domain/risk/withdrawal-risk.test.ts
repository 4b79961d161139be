import { describe, expect, it } from 'vitest';
import {
  assessWithdrawal,
  decide,
  DEFAULT_RULE_SET,
  DEFAULT_THRESHOLDS,
  median,
  parseThresholds,
  type RiskFacts,
} from './withdrawal-risk.js';

const NOW = new Date('2026-11-21T12:00:00Z');
const DAY = 86_400_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

/** An old account sending its usual amount to an old address: no signal at all. */
const calm: RiskFacts = {
  now: NOW,
  amount: 100n,
  addressAddedAt: ago(60 * DAY),
  recentAmounts: [90n, 100n, 110n],
  previousWithdrawals: 12,
  lastHourCount: 0,
  securityChangedAt: ago(200 * DAY),
  deviceApprovedAt: ago(100 * DAY),
  otherAccountsToAddress: 0,
};
const rules = (f: Partial<RiskFacts>) => assessWithdrawal({ ...calm, ...f }).hits.map((h) => h.rule);

describe('withdrawal risk rules (SPEC S4)', () => {
  it('a calm withdrawal scores 0 and is allowed', () => {
    expect(assessWithdrawal(calm)).toMatchObject({
      score: 0,
      decision: 'allow',
      hits: [],
      ruleSet: 'withdrawal-rules/1',
    });
  });

  it('new address: younger than 7 days weighs 20, outside the address book 35', () => {
    expect(assessWithdrawal({ ...calm, addressAddedAt: ago(6 * DAY) }).hits).toEqual([
      {
        rule: 'new_address',
        weight: 20,
        reason: 'The address was added to your address book less than 7 days ago.',
      },
    ]);
    expect(assessWithdrawal({ ...calm, addressAddedAt: null }).score).toBe(35);
    expect(rules({ addressAddedAt: ago(7 * DAY) })).toEqual([]);
  });

  it('amount against the usual (the median): above 3 times weighs 10, above 10 times 25', () => {
    expect(assessWithdrawal({ ...calm, amount: 301n }).score).toBe(10);
    expect(assessWithdrawal({ ...calm, amount: 1001n }).score).toBe(25);
    expect(rules({ amount: 300n })).toEqual([]);
    // No history: the first-withdrawal rule speaks instead.
    expect(rules({ recentAmounts: [], amount: 10n ** 30n })).toEqual([]);
  });

  it('first withdrawal weighs 15', () => {
    expect(assessWithdrawal({ ...calm, previousWithdrawals: 0 }).score).toBe(15);
  });

  it('velocity: 3 in an hour weighs 20, 10 weighs 45', () => {
    expect(assessWithdrawal({ ...calm, lastHourCount: 2 }).score).toBe(0);
    expect(assessWithdrawal({ ...calm, lastHourCount: 3 }).score).toBe(20);
    expect(assessWithdrawal({ ...calm, lastHourCount: 10 }).score).toBe(45);
  });

  it('a security change in the last 3 days weighs 25', () => {
    expect(assessWithdrawal({ ...calm, securityChangedAt: ago(3 * DAY - 1) }).score).toBe(25);
    expect(assessWithdrawal({ ...calm, securityChangedAt: ago(3 * DAY) }).score).toBe(0);
  });

  it('a device first approved in the last 24 hours weighs 20; an API client has no device', () => {
    expect(assessWithdrawal({ ...calm, deviceApprovedAt: ago(DAY - 1) }).score).toBe(20);
    expect(assessWithdrawal({ ...calm, deviceApprovedAt: null }).score).toBe(0);
  });

  it('many accounts to one address (the 2022 shape): 2 others weigh 60, 10 others block', () => {
    expect(assessWithdrawal({ ...calm, otherAccountsToAddress: 1 }).score).toBe(0);
    expect(assessWithdrawal({ ...calm, otherAccountsToAddress: 2 })).toMatchObject({
      score: 60,
      decision: 'review',
    });
    expect(assessWithdrawal({ ...calm, otherAccountsToAddress: 10 })).toMatchObject({
      score: 100,
      decision: 'block',
    });
  });

  it('weights add up, the score is capped at 100, and every hit has a reason in plain words', () => {
    const all = assessWithdrawal({
      ...calm,
      addressAddedAt: null,
      amount: 10_000n,
      previousWithdrawals: 0,
      lastHourCount: 10,
      securityChangedAt: ago(1000),
      deviceApprovedAt: ago(1000),
      otherAccountsToAddress: 10,
    });
    expect(all.score).toBe(100);
    expect(all.hits).toHaveLength(7);
    for (const h of all.hits) expect(h.reason).toMatch(/^[A-Z].+\.$/);
  });

  it('a rule set can re-weight a rule; its stronger variant scales with it', () => {
    const set = { ...DEFAULT_RULE_SET, weights: { velocity: 40 } };
    expect(assessWithdrawal({ ...calm, lastHourCount: 3 }, set).score).toBe(40);
    expect(assessWithdrawal({ ...calm, lastHourCount: 10 }, set).score).toBe(90);
    expect(
      assessWithdrawal({ ...calm, lastHourCount: 3 }, { ...set, weights: { velocity: 0 } }).hits,
    ).toEqual([]);
  });

  it('thresholds map scores to allow, confirm, review and block', () => {
    expect([0, 29, 30, 59, 60, 89, 90, 100].map((s) => decide(s, DEFAULT_THRESHOLDS))).toEqual([
      'allow',
      'allow',
      'confirm',
      'confirm',
      'review',
      'review',
      'block',
      'block',
    ]);
    expect(parseThresholds('20, 50, 80')).toEqual({ confirm: 20, review: 50, block: 80 });
    for (const bad of ['30,60', '60,30,90', '0,60,90', '30,60,101', 'a,b,c', '30,30,90'])
      expect(() => parseThresholds(bad), bad).toThrow(/increasing/);
  });

  it('median is the lower middle, robust to one odd value', () => {
    expect(median([])).toBeNull();
    expect(median([5n])).toBe(5n);
    expect(median([1n, 1000n, 2n, 3n])).toBe(2n);
    expect(median([3n, 1n, 2n])).toBe(2n);
  });
});
