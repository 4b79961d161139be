import { describe, expect, it } from 'vitest';
import { DEFAULT_WEIGHTS, PILLAR_IDS, PILLARS, ScorecardError, validateWeights } from './methodology.js';

const invalid = (input: unknown, message: RegExp) => {
  expect(() => validateWeights(input)).toThrow(ScorecardError);
  expect(() => validateWeights(input)).toThrow(message);
};

describe('scorecard methodology (SPEC S10)', () => {
  it('has the eight pillars of the methodology with weights 20/15/15/10/10/10/10/10', () => {
    expect(PILLARS.map((p) => p.id)).toEqual([...PILLAR_IDS]);
    expect(PILLARS.map((p) => DEFAULT_WEIGHTS[p.id])).toEqual([20, 15, 15, 10, 10, 10, 10, 10]);
    expect(PILLARS.map((p) => p.name)).toEqual([
      'Custody & Storage',
      'Proof of Reserves',
      'Insurance',
      'Regulation & Licensing',
      'App Security & Account Controls',
      'Incident Response & Track Record',
      'User Experience & Interface',
      'Support',
    ]);
  });

  it('accepts the default weights and any other whole-number set summing to 100', () => {
    expect(validateWeights(DEFAULT_WEIGHTS)).toEqual(DEFAULT_WEIGHTS);
    expect(validateWeights({ ...DEFAULT_WEIGHTS, custody: 30, support: 0 }).custody).toBe(30);
    expect(Object.isFrozen(validateWeights(DEFAULT_WEIGHTS))).toBe(true);
  });

  it('rejects weights that do not sum to 100, naming the sum', () => {
    invalid({ ...DEFAULT_WEIGHTS, custody: 21 }, /must sum to 100, they sum to 101/);
    invalid({ ...DEFAULT_WEIGHTS, custody: 19 }, /must sum to 100, they sum to 99/);
    invalid({ ...DEFAULT_WEIGHTS, custody: 0, support: 0 }, /sum to 70/);
  });

  it('rejects negative, fractional and non-numeric weights, naming the pillar', () => {
    invalid(
      { ...DEFAULT_WEIGHTS, custody: 25, support: 5, insurance: -5, regulation: 20 },
      /"insurance".*-5/,
    );
    invalid(
      { ...DEFAULT_WEIGHTS, custody: 19.5, support: 10.5 },
      /"custody" must be a non-negative whole number/,
    );
    invalid({ ...DEFAULT_WEIGHTS, support: '10' }, /"support".*"10"/);
    invalid({ ...DEFAULT_WEIGHTS, support: Number.NaN }, /"support".*NaN/);
    invalid({ ...DEFAULT_WEIGHTS, support: null }, /"support"/);
  });

  it('rejects a missing or an unknown pillar', () => {
    const { support: _support, ...seven } = DEFAULT_WEIGHTS;
    invalid(seven, /missing pillar "support"/);
    invalid({ ...DEFAULT_WEIGHTS, fees: 0 }, /unknown pillar "fees"/);
  });

  it('rejects what is not a weight object', () => {
    for (const input of [null, undefined, 100, 'custody=100', [20, 15, 15, 10, 10, 10, 10, 10]]) {
      invalid(input, /expected an object/);
    }
  });

  it('errors carry the INVALID_WEIGHTS code', () => {
    try {
      validateWeights({});
      expect.unreachable();
    } catch (e) {
      expect((e as ScorecardError).code).toBe('INVALID_WEIGHTS');
    }
  });
});
