import { parseUnits } from '../ledger/amount.js';
import type { Asset } from '../ledger/assets.js';

/** An amount per asset in smallest units, from a setting like `BTC:1,ETH:30,USDC:50000`. */
export type AssetAmounts = ReadonlyMap<string, bigint>;

/**
 * Parses `SYMBOL:AMOUNT` pairs, amounts in whole units with the asset's decimals
 * (`BTC:0.5`). Symbols that are not configured assets are errors (skipped only in the shipped
 * defaults, `strict` false); assets left out have no entry.
 */
export function parseAssetAmounts(spec: string, assets: readonly Asset[], strict = true): AssetAmounts {
  const out = new Map<string, bigint>();
  for (const raw of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [symbol = '', amount = '', ...rest] = raw.split(':');
    const asset = assets.find((a) => a.symbol === symbol);
    if (!asset && !strict && !rest.length) continue;
    if (rest.length || !asset) throw new Error(`"${raw}": not SYMBOL:AMOUNT with a configured asset`);
    const units = parseUnits(amount, asset.decimals);
    if (units === null || units < 0n) throw new Error(`"${raw}": not an amount of ${symbol}`);
    if (out.has(symbol)) throw new Error(`"${symbol}" is listed twice`);
    out.set(symbol, units);
  }
  return out;
}

export interface TierLimits {
  readonly perWithdrawal: bigint | null;
  readonly daily: bigint | null;
  readonly monthly: bigint | null;
}

/** Tier name → asset → limits. An asset missing from a tier cannot be withdrawn at that tier. */
export type Tiers = ReadonlyMap<string, ReadonlyMap<string, TierLimits>>;

/**
 * The shipped tiers, in whole units: `unverified` (no identity check yet), `basic` and `full`.
 * A platform replaces them with WITHDRAWAL_TIERS (same JSON shape) to match its own KYC levels.
 */
export const DEFAULT_TIERS_JSON = {
  unverified: {
    BTC: { perWithdrawal: '0.01', daily: '0.02', monthly: '0.1' },
    ETH: { perWithdrawal: '0.3', daily: '0.6', monthly: '3' },
    USDC: { perWithdrawal: '1000', daily: '2000', monthly: '10000' },
  },
  basic: {
    BTC: { perWithdrawal: '2', daily: '5', monthly: '50' },
    ETH: { perWithdrawal: '60', daily: '150', monthly: '1500' },
    USDC: { perWithdrawal: '100000', daily: '250000', monthly: '2500000' },
  },
  full: {
    BTC: { perWithdrawal: '50', daily: '100', monthly: '1000' },
    ETH: { perWithdrawal: '1500', daily: '3000', monthly: '30000' },
    USDC: { perWithdrawal: '2500000', daily: '5000000', monthly: '50000000' },
  },
} as const;

const TIER_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * Validates tiers given as JSON (`{ tier: { ASSET: { perWithdrawal, daily, monthly } } }`,
 * amounts as whole-unit strings, null for no limit). Assets that are not configured are skipped
 * only when the tiers are the shipped defaults; in a platform's own file they are errors.
 */
export function parseTiers(json: unknown, assets: readonly Asset[], strict: boolean): Tiers {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('must be a JSON object');
  const tiers = new Map<string, Map<string, TierLimits>>();
  for (const [name, perAsset] of Object.entries(json as Record<string, unknown>)) {
    if (!TIER_NAME.test(name))
      throw new Error(`"${name}": a tier name is lowercase letters, digits, - and _`);
    if (!perAsset || typeof perAsset !== 'object') throw new Error(`${name}: must be an object of assets`);
    const limits = new Map<string, TierLimits>();
    for (const [symbol, l] of Object.entries(perAsset as Record<string, unknown>)) {
      const asset = assets.find((a) => a.symbol === symbol);
      if (!asset) {
        if (strict) throw new Error(`${name}.${symbol}: not a configured asset`);
        continue;
      }
      const one = (field: 'perWithdrawal' | 'daily' | 'monthly'): bigint | null => {
        const v = (l as Record<string, unknown> | null)?.[field];
        if (v === null) return null;
        const units = typeof v === 'string' ? parseUnits(v, asset.decimals) : null;
        if (units === null || units < 0n)
          throw new Error(`${name}.${symbol}.${field}: must be an amount string like "0.5", or null`);
        return units;
      };
      limits.set(symbol, {
        perWithdrawal: one('perWithdrawal'),
        daily: one('daily'),
        monthly: one('monthly'),
      });
    }
    tiers.set(name, limits);
  }
  if (!tiers.size) throw new Error('at least one tier is needed');
  return tiers;
}

/** The limits of `tier` for `asset`: an asset the tier does not list may not be withdrawn (0). */
export function tierLimits(tiers: Tiers, tier: string, asset: string): TierLimits {
  return tiers.get(tier)?.get(asset) ?? { perWithdrawal: 0n, daily: 0n, monthly: 0n };
}
