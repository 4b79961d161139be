/**
 * The per-account failure counter shared by every factor (password, TOTP, backup code, passkey,
 * email codes), SPEC S1 "Brute force". Three brakes, from mildest to strongest:
 *
 * 1. a growing delay after `delayAfter` failures, for every source;
 * 2. a temporary lock at every `tempThreshold` failures, doubling each time (capped at 24 h), that
 *    refuses only sources the account does not know, so the owner's trusted device still gets in;
 * 3. a hard lock at `hardThreshold` failures (NIST SP 800-63B §5.2.2: at most 100), which nothing
 *    here lifts: only an email-verified reset, elsewhere, clears it.
 *
 * The brakes 1 and 2 are what keep the hard lock from being a cheap denial of service: see
 * {@link minimumTimeToHardLock}.
 *
 * Concurrency: these are pure functions over one row. The caller reads the row `FOR UPDATE`,
 * gates, verifies the factor, records the outcome and writes the row in one transaction, so two
 * parallel guesses cannot both pass the gate on the same state.
 */

export interface LockoutPolicy {
  delayAfter: number;
  maxDelaySeconds: number;
  tempThreshold: number;
  tempMinutes: number;
  hardThreshold: number;
}

export interface FailureState {
  failedAttempts: number;
  lastFailedAt: Date | null;
  tempLockedUntil: Date | null;
  hardLockedAt: Date | null;
}

/** `trusted` = an approved device of this account; anything else is `unknown`. */
export type AttemptSource = 'trusted' | 'unknown';

export type AttemptGate =
  | { allowed: true }
  | { allowed: false; reason: 'hard_locked' | 'temp_locked' | 'delayed'; retryAt: Date | null };

export const DEFAULT_LOCKOUT_POLICY: Readonly<LockoutPolicy> = Object.freeze({
  delayAfter: 3,
  maxDelaySeconds: 60,
  tempThreshold: 10,
  tempMinutes: 15,
  hardThreshold: 100,
});

/** No single temporary lock lasts longer than a day. */
const MAX_TEMP_LOCK_MINUTES = 24 * 60;

/** Seconds to wait after the `failedAttempts`-th failure before any source may try again. */
function delaySeconds(failedAttempts: number, policy: LockoutPolicy): number {
  if (failedAttempts < policy.delayAfter) return 0;
  return Math.min(2 ** (failedAttempts - policy.delayAfter), policy.maxDelaySeconds);
}

/** Minutes of temporary lock that the `failedAttempts`-th failure starts (0 if none). */
function tempLockMinutes(failedAttempts: number, policy: LockoutPolicy): number {
  if (failedAttempts === 0 || failedAttempts >= policy.hardThreshold) return 0;
  if (failedAttempts % policy.tempThreshold !== 0) return 0;
  const k = failedAttempts / policy.tempThreshold;
  return Math.min(policy.tempMinutes * 2 ** (k - 1), MAX_TEMP_LOCK_MINUTES);
}

const addSeconds = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000);

/**
 * Whether an attempt may be verified at all. A refused attempt is not a failure: the caller
 * answers it like a wrong password (so the lock reveals nothing) and does not record it.
 *
 * `retryAt` is the earliest time the same source could be allowed; null when hard locked.
 */
export function gateAttempt(
  state: FailureState,
  policy: LockoutPolicy,
  now: Date,
  source: AttemptSource,
): AttemptGate {
  if (state.hardLockedAt !== null) return { allowed: false, reason: 'hard_locked', retryAt: null };
  const delay = delaySeconds(state.failedAttempts, policy);
  const delayedUntil =
    state.lastFailedAt !== null && delay > 0 ? addSeconds(state.lastFailedAt, delay) : null;
  const delayed = delayedUntil !== null && now < delayedUntil;
  const tempUntil = source === 'unknown' ? state.tempLockedUntil : null;
  if (tempUntil !== null && now < tempUntil) {
    const retryAt = delayed && delayedUntil > tempUntil ? delayedUntil : tempUntil;
    return { allowed: false, reason: 'temp_locked', retryAt };
  }
  if (delayed) return { allowed: false, reason: 'delayed', retryAt: delayedUntil };
  return { allowed: true };
}

/**
 * Counts one failed factor. `event` tells the caller which notification to send. Once hard
 * locked, further calls change nothing, so the counter never passes `hardThreshold`.
 */
export function recordFailure(
  state: FailureState,
  policy: LockoutPolicy,
  now: Date,
): { state: FailureState; event: 'none' | 'temp_locked' | 'hard_locked' } {
  if (state.hardLockedAt !== null) return { state, event: 'none' };
  const failedAttempts = state.failedAttempts + 1;
  if (failedAttempts >= policy.hardThreshold) {
    return {
      state: { ...state, failedAttempts: policy.hardThreshold, lastFailedAt: now, hardLockedAt: now },
      event: 'hard_locked',
    };
  }
  const minutes = tempLockMinutes(failedAttempts, policy);
  if (minutes > 0) {
    return {
      state: { ...state, failedAttempts, lastFailedAt: now, tempLockedUntil: addSeconds(now, minutes * 60) },
      event: 'temp_locked',
    };
  }
  return { state: { ...state, failedAttempts, lastFailedAt: now }, event: 'none' };
}

/**
 * Resets the counter, the delay and any temporary lock; NEVER lifts a hard lock (a factor that
 * unlocks a locked account is a known flaw elsewhere), and leaves a hard-locked state untouched.
 *
 * Call it only when the whole sign-in or step-up has succeeded, not after the first factor:
 * otherwise an attacker who knows the password resets the counter before every TOTP guess.
 */
export function recordSuccess(state: FailureState): FailureState {
  if (state.hardLockedAt !== null) return state;
  return { failedAttempts: 0, lastFailedAt: null, tempLockedUntil: null, hardLockedAt: null };
}

/**
 * The least time, in seconds, a source the account does not know needs to drive a fresh account
 * from zero to the hard lock, failing as soon as the gate allows: after each failure it waits out
 * the longer of the delay and any temporary lock it started. With the defaults this is over three
 * days, every temporary lock sends the owner an alert, and one successful sign-in by the owner
 * starts the attacker from zero again.
 */
export function minimumTimeToHardLock(policy: LockoutPolicy): number {
  let seconds = 0;
  for (let n = 1; n < policy.hardThreshold; n++) {
    seconds += Math.max(delaySeconds(n, policy), tempLockMinutes(n, policy) * 60);
  }
  return seconds;
}
