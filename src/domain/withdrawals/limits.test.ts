import { describe, expect, it } from 'vitest';
import { parseAssets } from '../ledger/assets.js';
import { DEFAULT_TIERS_JSON, parseAssetAmounts, parseTiers, tierLimits } from './limits.js';

const assets = parseAssets('BTC:8:bitcoin,ETH:18:ethereum,USDC:6:ethereum');

describe('per-asset amounts (LARGE_WITHDRAWALS, WITHDRAWAL_FEES)', () => {
  it('reads whole units with the asset decimals', () => {
    const m = parseAssetAmounts('BTC:1.5, ETH:0.001,USDC:50000', assets);
    expect(m.get('BTC')).toBe(150_000_000n);
    expect(m.get('ETH')).toBe(10n ** 15n);
    expect(m.get('USDC')).toBe(50_000_000_000n);
    expect(parseAssetAmounts('', assets).size).toBe(0);
  });

  it('refuses unknown assets, bad amounts, too many decimals and repeats, naming the entry', () => {
    expect(() => parseAssetAmounts('DOGE:1', assets)).toThrow(/"DOGE:1"/);
    expect(() => parseAssetAmounts('BTC:-1', assets)).toThrow(/BTC/);
    expect(() => parseAssetAmounts('BTC:0.000000001', assets)).toThrow(/BTC/);
    expect(() => parseAssetAmounts('BTC:1,BTC:2', assets)).toThrow(/twice/);
    expect(() => parseAssetAmounts('BTC:1:2', assets)).toThrow(/BTC:1:2/);
  });
});

describe('verification tiers', () => {
  it('the shipped tiers parse for the default assets', () => {
    const tiers = parseTiers(DEFAULT_TIERS_JSON, assets, false);
    expect([...tiers.keys()]).toEqual(['unverified', 'basic', 'full']);
    expect(tierLimits(tiers, 'unverified', 'BTC')).toEqual({
      perWithdrawal: 1_000_000n,
      daily: 2_000_000n,
      monthly: 10_000_000n,
    });
  });

  it('an asset a tier does not list cannot be withdrawn at that tier; null means no limit', () => {
    const tiers = parseTiers(
      { small: { BTC: { perWithdrawal: '1', daily: null, monthly: null } } },
      assets,
      true,
    );
    expect(tierLimits(tiers, 'small', 'BTC')).toEqual({
      perWithdrawal: 100_000_000n,
      daily: null,
      monthly: null,
    });
    expect(tierLimits(tiers, 'small', 'ETH')).toEqual({ perWithdrawal: 0n, daily: 0n, monthly: 0n });
    expect(tierLimits(tiers, 'nonexistent', 'BTC')).toEqual({ perWithdrawal: 0n, daily: 0n, monthly: 0n });
  });

  it("a platform's own tiers are checked strictly, with the faulty field named", () => {
    expect(() => parseTiers({ t: { DOGE: {} } }, assets, true)).toThrow('t.DOGE: not a configured asset');
    expect(() =>
      parseTiers({ t: { BTC: { perWithdrawal: 1, daily: null, monthly: null } } }, assets, true),
    ).toThrow('t.BTC.perWithdrawal');
    expect(() => parseTiers({ 'Bad Name': {} }, assets, true)).toThrow(/tier name/);
    expect(() => parseTiers({}, assets, true)).toThrow(/at least one/);
    expect(() => parseTiers([], assets, true)).toThrow(/object/);
  });
});
