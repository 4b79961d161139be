import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  holdEffect,
  initialState,
  isCancellable,
  isTerminal,
  transition,
  WITHDRAWAL_EVENTS,
  WITHDRAWAL_STATES,
  type WithdrawalState,
} from './state-machine.js';

describe('withdrawal state machine', () => {
  it('the usual paths', () => {
    expect(initialState('confirm', false)).toBe('awaiting_confirmation');
    expect(initialState('review', true)).toBe('in_review');
    expect(initialState('allow', true)).toBe('cooling_off');
    expect(transition('awaiting_confirmation', 'email_confirmed')).toBe('queued');
    expect(transition('awaiting_confirmation', 'email_confirmed', true)).toBe('cooling_off');
    expect(transition('cooling_off', 'cooling_off_ended')).toBe('queued');
    expect(transition('queued', 'broadcast_started')).toBe('broadcasting');
    expect(transition('broadcasting', 'broadcast_accepted')).toBe('broadcast');
    expect(transition('broadcast', 'chain_confirmed')).toBe('confirmed');
  });

  it('cancellation works until the broadcast starts, and never after', () => {
    for (const s of ['in_review', 'awaiting_confirmation', 'cooling_off', 'queued'] as const)
      expect(isCancellable(s)).toBe(true);
    for (const s of [
      'broadcasting',
      'broadcast',
      'confirmed',
      'rejected',
      'cancelled',
      'expired',
      'failed',
    ] as const)
      expect(isCancellable(s)).toBe(false);
  });

  it('a repeated event moves nothing the second time (no double broadcast, no double settlement)', () => {
    expect(transition('broadcasting', 'broadcast_started')).toBeNull();
    expect(transition('broadcast', 'broadcast_accepted')).toBeNull();
    expect(transition('confirmed', 'chain_confirmed')).toBeNull();
    expect(transition('queued', 'email_confirmed')).toBeNull();
  });

  it('property: any sequence of events settles the hold at most once, and never after releasing it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'allow' | 'confirm' | 'review'>('allow', 'confirm', 'review'),
        fc.boolean(),
        fc.array(fc.constantFrom(...WITHDRAWAL_EVENTS), { maxLength: 30 }),
        (risk, large, events) => {
          let state: WithdrawalState = initialState(risk, large);
          let settled = 0;
          let released = 0;
          for (const e of events) {
            const next = transition(state, e, large);
            if (next === null) continue;
            expect(isTerminal(state)).toBe(false);
            const effect = holdEffect(next);
            if (effect === 'settle') settled++;
            if (effect === 'release') released++;
            state = next;
          }
          expect(settled + released).toBeLessThanOrEqual(1);
          if (settled) expect(state).toBe('confirmed');
          expect(WITHDRAWAL_STATES).toContain(state);
        },
      ),
    );
  });
});
