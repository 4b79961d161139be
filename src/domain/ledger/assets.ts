/** An asset the platform holds: from configuration, e.g. `BTC:8:bitcoin`. */
export interface Asset {
  readonly symbol: string;
  readonly decimals: number;
  readonly network: string;
}

const SYMBOL = /^[A-Z][A-Z0-9]{1,11}$/;
const NETWORK = /^[a-z][a-z0-9-]{1,31}$/;

/**
 * Parses the ASSETS setting: comma-separated `SYMBOL:DECIMALS:NETWORK`. Throws a message naming
 * the faulty entry (configuration stops start-up with it).
 */
export function parseAssets(spec: string): readonly Asset[] {
  const assets: Asset[] = [];
  for (const raw of spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [symbol = '', decimals = '', network = '', ...rest] = raw.split(':');
    if (rest.length || !SYMBOL.test(symbol) || !/^[0-9]{1,2}$/.test(decimals) || !NETWORK.test(network)) {
      throw new Error(`"${raw}" is not SYMBOL:DECIMALS:NETWORK (e.g. BTC:8:bitcoin)`);
    }
    const d = Number(decimals);
    if (d > 36) throw new Error(`"${raw}": at most 36 decimals`);
    if (assets.some((a) => a.symbol === symbol)) throw new Error(`"${symbol}" is listed twice`);
    assets.push({ symbol, decimals: d, network });
  }
  if (!assets.length) throw new Error('at least one asset is needed');
  return assets;
}
