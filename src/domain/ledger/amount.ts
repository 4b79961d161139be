/**
 * Amounts are integers in the asset's smallest unit: `bigint` in code, NUMERIC(78,0) in the
 * database, and canonical decimal strings on the wire ("1500000", never "1.5e6", "01" or "-0").
 * One amount is at most 2^256 − 1 (any token's), which takes 78 digits, so an 18-decimal token
 * cannot overflow and a column of 78 digits holds several of the largest.
 */
export const MAX_AMOUNT_DIGITS = 78;
export const MAX_AMOUNT = 2n ** 256n - 1n;

const CANONICAL = /^(0|[1-9][0-9]*)$/;

/** A non-negative amount from its canonical string, or null. */
export function parseAmount(s: string): bigint | null {
  if (typeof s !== 'string' || s.length > MAX_AMOUNT_DIGITS || !CANONICAL.test(s)) return null;
  const v = BigInt(s);
  return v <= MAX_AMOUNT ? v : null;
}

/** A strictly positive amount (what every operation moves), or null. */
export function parsePositiveAmount(s: string): bigint | null {
  const v = parseAmount(s);
  return v !== null && v > 0n ? v : null;
}

/**
 * Smallest units as a decimal number for people: formatUnits(1500000n, 6) === '1.5'.
 * Never used for arithmetic.
 */
export function formatUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = decimals ? digits.slice(-decimals).replace(/0+$/, '') : '';
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * A decimal number typed by a person into smallest units: parseUnits('1.5', 6) === 1500000n.
 * Null when it has more decimals than the asset or is not a plain decimal.
 */
export function parseUnits(text: string, decimals: number): bigint | null {
  const m = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(text.trim());
  if (!m) return null;
  const fraction = m[2] ?? '';
  if (fraction.length > decimals) return null;
  const v = BigInt(m[1]! + fraction.padEnd(decimals, '0'));
  return v <= MAX_AMOUNT ? v : null;
}
