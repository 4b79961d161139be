import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import type { Asset } from '../../domain/ledger/assets.js';

/** A configured asset by its symbol, or UNKNOWN_ASSET. */
export function assetOf(deps: Pick<Deps, 'config'>, symbol: string): Asset {
  const asset = deps.config.assets.find((a) => a.symbol === symbol);
  if (!asset) throw new CustosError('UNKNOWN_ASSET');
  return asset;
}
