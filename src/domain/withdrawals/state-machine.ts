/**
 * The life of a withdrawal (SPEC S3) as an explicit state machine. Each event moves a
 * withdrawal from one state to one next state, or is refused; the service applies a transition
 * with a conditional update (`where state = <from>`), so a repeated or concurrent event moves it
 * once. Funds are held from `awaiting_confirmation` on, and the hold is settled only on
 * `confirmed` and released on every way out before broadcast.
 */
export const WITHDRAWAL_STATES = [
  'in_review',
  'awaiting_confirmation',
  'cooling_off',
  'queued',
  'broadcasting',
  'broadcast',
  'confirmed',
  'rejected',
  'cancelled',
  'expired',
  'failed',
] as const;
export type WithdrawalState = (typeof WITHDRAWAL_STATES)[number];

export const WITHDRAWAL_EVENTS = [
  'review_approved',
  'review_rejected',
  'email_confirmed',
  'confirmation_expired',
  'cooling_off_ended',
  'broadcast_started',
  'broadcast_accepted',
  'broadcast_refused',
  'chain_confirmed',
  'cancelled_by_user',
  'stopped_by_platform',
] as const;
export type WithdrawalEvent = (typeof WITHDRAWAL_EVENTS)[number];

/** Where a withdrawal starts, from the risk assessment of its request (the policy passed). */
export function initialState(risk: 'allow' | 'confirm' | 'review', large: boolean): WithdrawalState {
  if (risk === 'review') return 'in_review';
  if (risk === 'confirm') return 'awaiting_confirmation';
  return large ? 'cooling_off' : 'queued';
}

const TRANSITIONS: Partial<Record<WithdrawalState, Partial<Record<WithdrawalEvent, WithdrawalState>>>> = {
  in_review: {
    review_approved: 'awaiting_confirmation',
    review_rejected: 'rejected',
    cancelled_by_user: 'cancelled',
    stopped_by_platform: 'cancelled',
  },
  awaiting_confirmation: {
    email_confirmed: 'queued',
    confirmation_expired: 'expired',
    cancelled_by_user: 'cancelled',
    stopped_by_platform: 'cancelled',
  },
  cooling_off: {
    cooling_off_ended: 'queued',
    cancelled_by_user: 'cancelled',
    stopped_by_platform: 'cancelled',
  },
  queued: {
    broadcast_started: 'broadcasting',
    cancelled_by_user: 'cancelled',
    stopped_by_platform: 'cancelled',
  },
  broadcasting: { broadcast_accepted: 'broadcast', broadcast_refused: 'failed' },
  broadcast: { chain_confirmed: 'confirmed' },
};

/**
 * The state after `event`, or null when the event does not apply (a second confirmation, a
 * cancel after broadcast). `large` sends a confirmed withdrawal through the cooling-off period.
 */
export function transition(
  from: WithdrawalState,
  event: WithdrawalEvent,
  large = false,
): WithdrawalState | null {
  const to = TRANSITIONS[from]?.[event] ?? null;
  if (to === 'queued' && event === 'email_confirmed' && large) return 'cooling_off';
  return to;
}

export const isTerminal = (s: WithdrawalState) => !TRANSITIONS[s];

/** Until the broadcast starts, the owner can still stop it and get the held funds back. */
export const isCancellable = (s: WithdrawalState) => transition(s, 'cancelled_by_user') !== null;

/** What happens to the hold when a withdrawal enters `to`. */
export function holdEffect(to: WithdrawalState): 'keep' | 'settle' | 'release' {
  if (to === 'confirmed') return 'settle';
  if (to === 'rejected' || to === 'cancelled' || to === 'expired' || to === 'failed') return 'release';
  return 'keep';
}
