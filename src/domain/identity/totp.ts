import { timingSafeEqual } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { CustosError } from '../errors.js';

/** RFC 6238 parameters every authenticator app understands (SPEC S1). */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const ALGORITHM = 'SHA1';
const PERIOD_MS = TOTP_PERIOD_SECONDS * 1000;
/** RFC 4226 §4 asks for a shared secret of at least 128 bits and recommends 160. */
const MIN_SECRET_BYTES = 20;
/** A wider window would multiply the chance that a guessed code is accepted. */
const MAX_WINDOW = 10;

/**
 * Encodes fresh random bytes (at least 20, from a CSPRNG) as the base32 secret an authenticator
 * app stores. A shorter buffer is a wiring bug, not user input, so it throws a plain RangeError.
 */
export function newTotpSecret(random20Bytes: Uint8Array): string {
  if (random20Bytes.length < MIN_SECRET_BYTES) {
    throw new RangeError(`a TOTP secret needs at least ${MIN_SECRET_BYTES} random bytes`);
  }
  return new Secret({ buffer: random20Bytes.slice().buffer }).base32;
}

/**
 * The `otpauth://totp/...` URI shown as a QR code during enrolment.
 *
 * @example totpUri({ secret, account: 'jane@example.com', issuer: 'Custos' })
 */
export function totpUri(args: { secret: string; account: string; issuer: string }): string {
  const details = [
    ...(args.account.trim() === '' ? [{ path: 'account', message: 'The account name is required.' }] : []),
    ...(args.issuer.trim() === '' ? [{ path: 'issuer', message: 'The issuer is required.' }] : []),
  ];
  if (details.length > 0) throw new CustosError('VALIDATION_FAILED', { details });
  return new TOTP({
    issuer: args.issuer,
    label: args.account,
    secret: Secret.fromBase32(args.secret),
    algorithm: ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** The code an authenticator app shows at `timeMs` (Unix milliseconds). */
export function totpCodeAt(secretBase32: string, timeMs: number): string {
  return codeForStep(Secret.fromBase32(secretBase32), totpStep(timeMs));
}

/** The RFC 6238 time step (T) that contains `timeMs` (Unix milliseconds). */
export function totpStep(timeMs: number): number {
  return Math.floor(timeMs / PERIOD_MS);
}

function codeForStep(secret: Secret, step: number): string {
  return TOTP.generate({
    secret,
    algorithm: ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    timestamp: step * PERIOD_MS,
  });
}

/**
 * The time step the code matches within ±window steps (default 1), or null. Compares in constant
 * time. Does NOT handle replay: the caller atomically checks-and-sets the last accepted step, so
 * this returns the matching step for the caller to compare.
 *
 * Every step of the window is computed and compared, so the time taken does not tell which step
 * (if any) matched. If two steps share the code, the latest wins: it is the one least likely to be
 * refused as a replay of an earlier sign-in.
 *
 * @example
 * const step = matchTotp(secret, '123 456', now.getTime());
 * // accept only if step !== null && step > lastAcceptedStep, set atomically
 */
export function matchTotp(secretBase32: string, code: string, nowMs: number, window = 1): number | null {
  if (!Number.isInteger(window) || window < 0 || window > MAX_WINDOW) {
    throw new RangeError(`window must be an integer from 0 to ${MAX_WINDOW}`);
  }
  const candidate = code.replace(/\s+/g, '');
  if (!/^[0-9]{6}$/.test(candidate)) return null;
  const secret = Secret.fromBase32(secretBase32);
  const given = Buffer.from(candidate);
  const now = totpStep(nowMs);
  let matched: number | null = null;
  for (let step = now - window; step <= now + window; step++) {
    if (timingSafeEqual(given, Buffer.from(codeForStep(secret, step)))) matched = step;
  }
  return matched;
}
