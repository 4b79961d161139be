/**
 * The byte encodings of `custos-por/1` (docs/por-format.md). Pure and free of Node-only APIs:
 * the browser verifier runs this same code.
 */

export const POR_VERSION = 'custos-por/1';

/** Domain-separation prefixes: a leaf, an inner node, a padding leaf and a user commitment can
 * never hash the same bytes, so one can never stand in for another. */
export const PREFIX_LEAF = 0x00;
export const PREFIX_INNER = 0x01;
export const PREFIX_PADDING = 0x02;
export const PREFIX_USER = 0x03;

export const HASH_BYTES = 32;
export const MAX_HEIGHT = 32;
export const U128_MAX = (1n << 128n) - 1n;
const U64_MASK = (1n << 64n) - 1n;

/** SHA-256, one-shot. The server passes node:crypto, the browser a bundled implementation. */
export type Sha256 = (data: Uint8Array) => Uint8Array;

const utf8 = new TextEncoder();

/** Thrown for a value the format cannot encode; the message names what is wrong. */
export class PorEncodingError extends Error {
  override readonly name = 'PorEncodingError';
}

/** `lp(s)`: one length byte (1 to 255) and the UTF-8 bytes of `s`. */
export function lp(s: string): Uint8Array {
  const bytes = utf8.encode(s);
  if (bytes.length < 1 || bytes.length > 255) {
    throw new PorEncodingError(`a length-prefixed string must be 1 to 255 UTF-8 bytes, got ${bytes.length}`);
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

/** Whether `s` fits `lp()`: 1 to 255 UTF-8 bytes. */
export function fitsLp(s: string): boolean {
  const n = utf8.encode(s).length;
  return n >= 1 && n <= 255;
}

export function writeU32(target: Uint8Array, offset: number, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new PorEncodingError(`not a u32: ${n}`);
  new DataView(target.buffer, target.byteOffset, target.byteLength).setUint32(offset, n, false);
}

/** Writes `v` as 16 bytes big-endian; a negative value or one of 2^128 or more is refused. */
export function writeU128(target: Uint8Array, offset: number, v: bigint): void {
  if (v < 0n || v > U128_MAX) throw new PorEncodingError('a value must be an unsigned 128-bit integer');
  const view = new DataView(target.buffer, target.byteOffset, target.byteLength);
  view.setBigUint64(offset, v >> 64n, false);
  view.setBigUint64(offset + 8, v & U64_MASK, false);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]!];
  return s;
}

const HASH_HEX = /^[0-9a-f]{64}$/;
const LOWER_HEX = /^(?:[0-9a-f]{2})*$/;

/** Lowercase hex only: the format has exactly one spelling of every hash. */
export function fromHex(hex: string): Uint8Array {
  if (!LOWER_HEX.test(hex)) throw new PorEncodingError('not lowercase hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function isHashHex(s: unknown): s is string {
  return typeof s === 'string' && HASH_HEX.test(s);
}

const CANONICAL_AMOUNT = /^(?:0|[1-9][0-9]*)$/;

/**
 * Parses an amount in the asset's smallest unit as the format writes it: digits only, no sign, no
 * exponent, no leading zero (except "0" itself), and below 2^128. Returns undefined otherwise.
 */
export function parseAmount(s: unknown): bigint | undefined {
  if (typeof s !== 'string' || s.length > 39 || !CANONICAL_AMOUNT.test(s)) return undefined;
  const v = BigInt(s);
  return v <= U128_MAX ? v : undefined;
}

/**
 * `reserves / liabilities` with four decimals, rounded down, e.g. "1.0312". With no liabilities
 * the ratio is undefined and the manifest carries `null`.
 */
export function reserveRatio(reserves: bigint, liabilities: bigint): string | null {
  if (liabilities === 0n) return null;
  const scaled = (reserves * 10_000n) / liabilities;
  const whole = scaled / 10_000n;
  const fraction = (scaled % 10_000n).toString().padStart(4, '0');
  return `${whole.toString()}.${fraction}`;
}

/** The tree height for `leafCount` leaves: the smallest with 2^height >= max(2, leafCount), or
 * `minimum` when that is larger. */
export function treeHeight(leafCount: number, minimum = 1): number {
  if (!Number.isInteger(leafCount) || leafCount < 0)
    throw new PorEncodingError(`bad leaf count ${leafCount}`);
  if (!Number.isInteger(minimum) || minimum < 1 || minimum > MAX_HEIGHT) {
    throw new PorEncodingError(`a configured height must be 1 to ${MAX_HEIGHT}`);
  }
  let height = 1;
  while (2 ** height < leafCount) height++;
  height = Math.max(height, minimum);
  if (height > MAX_HEIGHT)
    throw new PorEncodingError(`${leafCount} leaves need a tree higher than ${MAX_HEIGHT}`);
  return height;
}
