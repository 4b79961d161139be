/** SPEC S1: ten single-use backup codes. */
export const BACKUP_CODE_COUNT = 10;

/** Crockford base32: no I, L, O or U, so a code read aloud or copied by hand survives. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 12;
/** 12 characters of 5 bits each; SPEC S1 asks for at least 50. */
export const BACKUP_CODE_BITS = CODE_CHARS * 5;
/** Bounds the work spent on input that cannot be a code. */
const MAX_INPUT_LENGTH = 64;

const format = (chars: string) => `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;

/**
 * Fresh distinct codes such as `7Q2M-K9DX-4HTR`, 60 random bits each. `randomBytes` must be a
 * CSPRNG (node:crypto `randomBytes` in production). The codes are shown once and stored hashed.
 */
export function generateBackupCodes(
  randomBytes: (n: number) => Uint8Array,
  count: number = BACKUP_CODE_COUNT,
): string[] {
  if (!Number.isInteger(count) || count < 1 || count > 100) {
    throw new RangeError('count must be an integer from 1 to 100');
  }
  const codes = new Set<string>();
  // Duplicates come only from a broken random source (chance ~ count² / 2^61); stop rather than spin.
  for (let attempt = 0; codes.size < count; attempt++) {
    if (attempt >= count * 2) throw new Error('the random source keeps repeating itself');
    const bytes = randomBytes(CODE_CHARS);
    if (bytes.length !== CODE_CHARS) throw new RangeError(`randomBytes returned ${bytes.length} bytes`);
    // 256 is a multiple of 32, so taking 5 bits of each byte is unbiased.
    codes.add(format(Array.from(bytes, (b) => ALPHABET[b & 31]).join('')));
  }
  return [...codes];
}

/**
 * The canonical `XXXX-XXXX-XXXX` form of what a user typed, or null if it cannot be a backup
 * code. Forgiving as Crockford intends: any case, spaces and dashes anywhere, O read as 0 and
 * I or L read as 1.
 *
 * @example normalizeBackupCode(' 7q2m k9dx 4htr ') === '7Q2M-K9DX-4HTR'
 */
export function normalizeBackupCode(input: string): string | null {
  if (input.length > MAX_INPUT_LENGTH) return null;
  const chars = input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-\u2010-\u2015]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (chars.length !== CODE_CHARS) return null;
  for (const c of chars) if (!ALPHABET.includes(c)) return null;
  return format(chars);
}
