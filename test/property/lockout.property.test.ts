import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AttemptSource,
  type FailureState,
  gateAttempt,
  type LockoutPolicy,
  recordFailure,
  recordSuccess,
} from '../../src/domain/identity/lockout.js';

type Op =
  | { kind: 'fail' }
  | { kind: 'succeed' }
  | { kind: 'advance'; seconds: number }
  | { kind: 'gate'; source: AttemptSource };

const policyArb: fc.Arbitrary<LockoutPolicy> = fc.record({
  delayAfter: fc.integer({ min: 0, max: 20 }),
  maxDelaySeconds: fc.integer({ min: 1, max: 3600 }),
  tempThreshold: fc.integer({ min: 1, max: 50 }),
  tempMinutes: fc.integer({ min: 1, max: 120 }),
  hardThreshold: fc.integer({ min: 1, max: 120 }),
});

// Failures are weighted up so that sequences regularly reach the hard lock.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant({ kind: 'fail' as const }), weight: 12 },
  { arbitrary: fc.constant({ kind: 'succeed' as const }), weight: 1 },
  {
    arbitrary: fc.integer({ min: 0, max: 200_000 }).map((seconds) => ({ kind: 'advance' as const, seconds })),
    weight: 2,
  },
  {
    arbitrary: fc
      .constantFrom<AttemptSource>('trusted', 'unknown')
      .map((source) => ({ kind: 'gate' as const, source })),
    weight: 2,
  },
);

const fresh: FailureState = {
  failedAttempts: 0,
  lastFailedAt: null,
  tempLockedUntil: null,
  hardLockedAt: null,
};

describe('lockout invariants (property)', () => {
  it('Security: brute force cannot outrun or undo the hard lock, whatever the sequence of events', () => {
    fc.assert(
      fc.property(policyArb, fc.array(opArb, { maxLength: 400, size: 'max' }), (policy, ops) => {
        let state = fresh;
        let now = new Date('2025-01-01T00:00:00Z');
        let consecutiveFailures = 0;
        for (const op of ops) {
          const wasHardLocked = state.hardLockedAt;
          if (op.kind === 'fail') {
            state = recordFailure(state, policy, now).state;
            consecutiveFailures++;
          } else if (op.kind === 'succeed') {
            state = recordSuccess(state);
            consecutiveFailures = 0;
          } else if (op.kind === 'advance') {
            now = new Date(now.getTime() + op.seconds * 1000);
          } else {
            const gate = gateAttempt(state, policy, now, op.source);
            // The gate never lets anyone through a hard lock.
            if (state.hardLockedAt !== null)
              expect(gate).toEqual({ allowed: false, reason: 'hard_locked', retryAt: null });
          }
          // The counter never passes the hard threshold.
          expect(state.failedAttempts).toBeLessThanOrEqual(policy.hardThreshold);
          expect(state.failedAttempts).toBeGreaterThanOrEqual(0);
          // A hard lock once set is never cleared or moved.
          if (wasHardLocked !== null) expect(state.hardLockedAt).toBe(wasHardLocked);
          // The hard lock is reached at or before hardThreshold consecutive failures.
          if (consecutiveFailures >= policy.hardThreshold) expect(state.hardLockedAt).not.toBeNull();
          if (state.hardLockedAt !== null) {
            for (const source of ['trusted', 'unknown'] as const) {
              expect(gateAttempt(state, policy, now, source).allowed).toBe(false);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
