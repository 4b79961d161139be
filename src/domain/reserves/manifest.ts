import canonicalize from 'canonicalize';
import { fitsLp, isHashHex, MAX_HEIGHT, parseAmount, POR_VERSION, reserveRatio } from './encoding.js';

/** One asset's line of a manifest. Amounts are decimal strings of the smallest unit. */
export interface ManifestAsset {
  readonly asset: string;
  readonly decimals: number;
  readonly height: number;
  /** The number of customers' leaves (before padding to 2^height). */
  readonly leaf_count: number;
  readonly root_hash: string;
  readonly total_liabilities: string;
  readonly reserves: string;
  /** `reserves / total_liabilities`, 4 decimals, rounded down; null when there are no liabilities. */
  readonly reserve_ratio: string | null;
}

export interface UnsignedManifest {
  readonly version: typeof POR_VERSION;
  readonly snapshot_id: string;
  readonly taken_at: string;
  readonly assets: readonly ManifestAsset[];
  readonly public_key: string;
}

export interface Manifest extends UnsignedManifest {
  readonly signature: string;
}

const utf8 = new TextEncoder();

/** The bytes the signature covers: the RFC 8785 (JCS) canonical JSON of the manifest without
 * its `signature` field, as UTF-8. */
export function manifestSigningBytes(manifest: UnsignedManifest | Manifest): Uint8Array {
  const { signature: _signature, ...unsigned } = manifest as Manifest;
  const text = canonicalize(unsigned);
  if (text === undefined) throw new Error('the manifest cannot be canonicalised');
  return utf8.encode(text);
}

/** The JSON a manifest is published as: its fields in the order of the format, two-space indented. */
export function serializeManifest(manifest: Manifest): string {
  const ordered: Manifest = {
    version: manifest.version,
    snapshot_id: manifest.snapshot_id,
    taken_at: manifest.taken_at,
    assets: manifest.assets.map((a) => ({
      asset: a.asset,
      decimals: a.decimals,
      height: a.height,
      leaf_count: a.leaf_count,
      root_hash: a.root_hash,
      total_liabilities: a.total_liabilities,
      reserves: a.reserves,
      reserve_ratio: a.reserve_ratio,
    })),
    public_key: manifest.public_key,
    signature: manifest.signature,
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** A snapshot id, a taken-at time: an RFC 3339 UTC time to the second, e.g. 2026-11-21T00:00:00Z. */
const UTC_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

export function isUtcSecond(s: unknown): s is string {
  if (typeof s !== 'string' || !UTC_SECOND.test(s)) return false;
  // Engines differ on out-of-range fields (V8 reads 2026-02-31 as 2026-03-03 and 24:00:00 as the
  // next day; the standard says invalid): accept only a time that prints back as itself.
  const ms = Date.parse(s);
  return !Number.isNaN(ms) && utcSecond(new Date(ms)) === s;
}

/** A time as the format writes it: UTC, to the second. */
export function utcSecond(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

export type ManifestProblem = { readonly field: string; readonly message: string };

const MANIFEST_KEYS = ['version', 'snapshot_id', 'taken_at', 'assets', 'public_key', 'signature'];
const ASSET_KEYS = [
  'asset',
  'decimals',
  'height',
  'leaf_count',
  'root_hash',
  'total_liabilities',
  'reserves',
  'reserve_ratio',
];

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function exactKeys(
  x: Record<string, unknown>,
  keys: readonly string[],
  at: string,
  problems: ManifestProblem[],
) {
  for (const k of Object.keys(x))
    if (!keys.includes(k)) problems.push({ field: `${at}${k}`, message: 'unknown field' });
  for (const k of keys) if (!(k in x)) problems.push({ field: `${at}${k}`, message: 'missing' });
}

/**
 * Checks that `x` is a well-formed `custos-por/1` manifest (not its signature): every field present
 * with the one spelling the format allows, no unknown field, and each asset's ratio consistent with
 * its amounts. Returns the problems found; none means the manifest is well formed.
 */
export function manifestProblems(x: unknown): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  if (!isRecord(x)) return [{ field: '', message: 'a manifest is a JSON object' }];
  exactKeys(x, MANIFEST_KEYS, '', problems);
  if (x.version !== POR_VERSION) problems.push({ field: 'version', message: `must be "${POR_VERSION}"` });
  if (typeof x.snapshot_id !== 'string' || !fitsLp(x.snapshot_id)) {
    problems.push({ field: 'snapshot_id', message: 'must be a string of 1 to 255 bytes' });
  }
  if (!isUtcSecond(x.taken_at))
    problems.push({ field: 'taken_at', message: 'must be a UTC time to the second' });
  if (!isHashHex(x.public_key))
    problems.push({ field: 'public_key', message: 'must be 64 lowercase hex characters' });
  if (typeof x.signature !== 'string' || !SIGNATURE_HEX.test(x.signature)) {
    problems.push({ field: 'signature', message: 'must be 128 lowercase hex characters' });
  }
  if (!Array.isArray(x.assets) || x.assets.length === 0) {
    problems.push({ field: 'assets', message: 'must list at least one asset' });
    return problems;
  }
  const seen = new Set<string>();
  x.assets.forEach((a: unknown, i: number) => {
    const at = `assets[${i}].`;
    if (!isRecord(a)) {
      problems.push({ field: `assets[${i}]`, message: 'must be an object' });
      return;
    }
    exactKeys(a, ASSET_KEYS, at, problems);
    if (typeof a.asset !== 'string' || !fitsLp(a.asset)) {
      problems.push({ field: `${at}asset`, message: 'must be a string of 1 to 255 bytes' });
    } else if (seen.has(a.asset)) problems.push({ field: `${at}asset`, message: 'listed twice' });
    else seen.add(a.asset);
    if (!Number.isSafeInteger(a.decimals) || (a.decimals as number) < 0 || (a.decimals as number) > 255) {
      problems.push({ field: `${at}decimals`, message: 'must be an integer from 0 to 255' });
    }
    const height = a.height;
    const heightOk = Number.isInteger(height) && (height as number) >= 1 && (height as number) <= MAX_HEIGHT;
    if (!heightOk)
      problems.push({ field: `${at}height`, message: `must be an integer from 1 to ${MAX_HEIGHT}` });
    const count = a.leaf_count;
    if (
      !Number.isSafeInteger(count) ||
      (count as number) < 0 ||
      (heightOk && (count as number) > 2 ** (height as number))
    ) {
      problems.push({ field: `${at}leaf_count`, message: 'must be an integer from 0 to 2^height' });
    }
    if (!isHashHex(a.root_hash))
      problems.push({ field: `${at}root_hash`, message: 'must be 64 lowercase hex characters' });
    const total = parseAmount(a.total_liabilities);
    const reserves = parseAmount(a.reserves);
    if (total === undefined)
      problems.push({ field: `${at}total_liabilities`, message: 'must be a canonical amount' });
    if (reserves === undefined)
      problems.push({ field: `${at}reserves`, message: 'must be a canonical amount' });
    if (total !== undefined && reserves !== undefined && a.reserve_ratio !== reserveRatio(reserves, total)) {
      problems.push({ field: `${at}reserve_ratio`, message: 'does not match reserves / total_liabilities' });
    }
  });
  return problems;
}

/** Completes a manifest with the publishing key and its signature over the canonical bytes. */
export function signManifest(
  unsigned: Omit<UnsignedManifest, 'public_key'>,
  publicKeyHex: string,
  sign: (message: Uint8Array) => string,
): Manifest {
  const withKey: UnsignedManifest = { ...unsigned, public_key: publicKeyHex };
  return { ...withKey, signature: sign(manifestSigningBytes(withKey)) };
}
