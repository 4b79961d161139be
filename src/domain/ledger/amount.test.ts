import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatUnits, MAX_AMOUNT, parseAmount, parsePositiveAmount, parseUnits } from './amount.js';

describe('amounts', () => {
  it('accepts only canonical non-negative integers', () => {
    expect(parseAmount('0')).toBe(0n);
    expect(parseAmount('1500000')).toBe(1_500_000n);
    for (const bad of ['', '-1', '01', '1.5', '1e6', ' 1', '0x10', '+1', '1_000'])
      expect(parseAmount(bad)).toBeNull();
    expect(parsePositiveAmount('0')).toBeNull();
  });

  it('holds 78 digits (any 256-bit token amount) and refuses 79', () => {
    expect(parseAmount(MAX_AMOUNT.toString())).toBe(MAX_AMOUNT);
    expect(parseAmount(`1${'0'.repeat(78)}`)).toBeNull();
    expect(parseAmount((2n ** 256n - 1n).toString())).toBe(2n ** 256n - 1n);
  });

  it('formats and parses units for people', () => {
    expect(formatUnits(1_500_000n, 6)).toBe('1.5');
    expect(formatUnits(1n, 18)).toBe('0.000000000000000001');
    expect(formatUnits(-25n, 2)).toBe('-0.25');
    expect(formatUnits(7n, 0)).toBe('7');
    expect(parseUnits('1.5', 6)).toBe(1_500_000n);
    expect(parseUnits('0.0000001', 6)).toBeNull();
    expect(parseUnits('1,5', 6)).toBeNull();
  });

  it('parseUnits inverts formatUnits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.integer({ min: 0, max: 36 }), (v, d) => {
        expect(parseUnits(formatUnits(v, d), d)).toBe(v);
      }),
    );
  });
});
