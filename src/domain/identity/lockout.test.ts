import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LOCKOUT_POLICY,
  type FailureState,
  gateAttempt,
  type LockoutPolicy,
  minimumTimeToHardLock,
  recordFailure,
  recordSuccess,
} from './lockout.js';

const policy = DEFAULT_LOCKOUT_POLICY;
const t0 = new Date('2025-01-01T00:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const fresh: FailureState = {
  failedAttempts: 0,
  lastFailedAt: null,
  tempLockedUntil: null,
  hardLockedAt: null,
};

/** Fails `n` times at `when`, ignoring the gate (the rules must hold even if a caller forgets it). */
function failTimes(n: number, when: Date, from: FailureState = fresh, p: LockoutPolicy = policy) {
  let state = from;
  const events: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = recordFailure(state, p, when);
    state = r.state;
    events.push(r.event);
  }
  return { state, events };
}

describe('gateAttempt', () => {
  it('allows a fresh account from any source', () => {
    expect(gateAttempt(fresh, policy, t0, 'unknown')).toEqual({ allowed: true });
    expect(gateAttempt(fresh, policy, t0, 'trusted')).toEqual({ allowed: true });
  });

  it('Security: growing delay against rapid guessing, for every source', () => {
    const { state } = failTimes(2, t0);
    expect(gateAttempt(state, policy, t0, 'unknown').allowed).toBe(true);
    for (const [failures, seconds] of [
      [3, 1],
      [4, 2],
      [6, 8],
      [9, 60],
      [15, 60],
    ] as const) {
      const s = { ...fresh, failedAttempts: failures, lastFailedAt: t0 };
      for (const source of ['trusted', 'unknown'] as const) {
        expect(gateAttempt(s, policy, at(seconds - 0.001), source)).toEqual({
          allowed: false,
          reason: 'delayed',
          retryAt: at(seconds),
        });
        expect(gateAttempt(s, policy, at(seconds), source)).toEqual({ allowed: true });
      }
    }
  });

  it('Security: temporary lock refuses unknown sources but lets the trusted device in (lockout DoS)', () => {
    const { state, events } = failTimes(10, t0);
    expect(events.at(-1)).toBe('temp_locked');
    expect(state.tempLockedUntil).toEqual(at(15 * 60));
    expect(gateAttempt(state, policy, at(60), 'unknown')).toEqual({
      allowed: false,
      reason: 'temp_locked',
      retryAt: at(15 * 60),
    });
    expect(gateAttempt(state, policy, at(60), 'trusted')).toEqual({ allowed: true });
    expect(gateAttempt(state, policy, at(15 * 60), 'unknown')).toEqual({ allowed: true });
  });

  it('the trusted device still waits out the delay during a temporary lock', () => {
    const { state } = failTimes(10, t0);
    expect(gateAttempt(state, policy, at(30), 'trusted')).toMatchObject({
      allowed: false,
      reason: 'delayed',
    });
  });

  it('Security: hard lock refuses every source, for ever, with no retry time', () => {
    const { state } = failTimes(100, t0);
    for (const source of ['trusted', 'unknown'] as const) {
      expect(gateAttempt(state, policy, at(10 * 365 * 86400), source)).toEqual({
        allowed: false,
        reason: 'hard_locked',
        retryAt: null,
      });
    }
  });
});

describe('recordFailure', () => {
  it('counts failures and remembers when the last one happened', () => {
    const { state } = failTimes(2, at(5));
    expect(state).toEqual({ ...fresh, failedAttempts: 2, lastFailedAt: at(5) });
  });

  it('doubles each temporary lock, capped at 24 hours', () => {
    const minutes = [15, 30, 60, 120, 240, 480, 960, 1440, 1440];
    let state = fresh;
    for (const [i, expected] of minutes.entries()) {
      const r = failTimes(10, t0, state);
      state = r.state;
      expect(r.events.at(-1)).toBe('temp_locked');
      expect(state.failedAttempts).toBe((i + 1) * 10);
      expect(state.tempLockedUntil).toEqual(at(expected * 60));
    }
  });

  it('Security: hard lock after hardThreshold consecutive failures (NIST SP 800-63B §5.2.2)', () => {
    const { state, events } = failTimes(100, t0);
    expect(events.filter((e) => e === 'hard_locked')).toHaveLength(1);
    expect(events.at(-1)).toBe('hard_locked');
    expect(state.hardLockedAt).toEqual(t0);
    expect(state.failedAttempts).toBe(100);
  });

  it('changes nothing once hard locked, so the counter never passes the threshold', () => {
    const locked = failTimes(100, t0).state;
    expect(recordFailure(locked, policy, at(99))).toEqual({ state: locked, event: 'none' });
  });

  it('never starts a temporary lock at or above the hard threshold', () => {
    const p = { ...policy, tempThreshold: 5, hardThreshold: 10 };
    const { events } = failTimes(10, t0, fresh, p);
    expect(events[4]).toBe('temp_locked');
    expect(events[9]).toBe('hard_locked');
  });
});

describe('recordSuccess', () => {
  it('resets the counter, the delay and a temporary lock', () => {
    const { state } = failTimes(10, t0);
    const reset = recordSuccess(state);
    expect(reset).toEqual(fresh);
    expect(gateAttempt(reset, policy, t0, 'unknown')).toEqual({ allowed: true });
  });

  it('Security: a successful factor never lifts a hard lock (passkey-unlocks-locked-account flaw)', () => {
    const { state } = failTimes(100, t0);
    expect(recordSuccess(state)).toBe(state);
    expect(gateAttempt(recordSuccess(state), policy, at(1), 'trusted').allowed).toBe(false);
  });
});

describe('minimumTimeToHardLock', () => {
  it('Security: an unknown source needs more than 24 hours to hard-lock an account with the defaults', () => {
    expect(minimumTimeToHardLock(policy)).toBeGreaterThan(24 * 3600);
    // The nine temporary locks alone: 15+30+60+120+240+480+960+1440+1440 minutes.
    expect(minimumTimeToHardLock(policy)).toBeGreaterThanOrEqual(4785 * 60);
  });

  it('matches a simulation of an attacker who fails as soon as the gate allows', () => {
    let state = fresh;
    let now = t0;
    while (state.hardLockedAt === null) {
      const gate = gateAttempt(state, policy, now, 'unknown');
      if (!gate.allowed) {
        now = gate.retryAt!;
        continue;
      }
      state = recordFailure(state, policy, now).state;
    }
    expect((now.getTime() - t0.getTime()) / 1000).toBe(minimumTimeToHardLock(policy));
  });
});
