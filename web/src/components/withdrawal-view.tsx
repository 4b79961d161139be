import { formatUnits } from '../../../src/domain/ledger/amount';
import type { Step, WithdrawalBase, WithdrawalState } from '../types/withdrawals';
import { ExactTime } from './ui';

/**
 * The parts of a withdrawal's page that the customer's pages and the admin console both show:
 * the state badge, the timeline, the destination facts and the risk reasons.
 */

type Tone = 'info' | 'warn' | 'ok' | 'bad' | 'done';

/** The tone of each state's badge. */
const TONE: Record<WithdrawalState, Tone> = {
  in_review: 'warn',
  awaiting_confirmation: 'warn',
  cooling_off: 'warn',
  queued: 'info',
  broadcasting: 'info',
  broadcast: 'info',
  confirmed: 'ok',
  rejected: 'bad',
  cancelled: 'done',
  expired: 'bad',
  failed: 'bad',
};

/** Each state in the customer's plain words (the admin console words a few of them for staff). */
export const STATE_LABELS: Record<WithdrawalState, string> = {
  in_review: 'Held for review',
  awaiting_confirmation: 'Waiting for your email confirmation',
  cooling_off: 'Cooling-off period',
  queued: 'Queued to be sent',
  broadcasting: 'Being sent',
  broadcast: 'Sent, waiting for the network',
  confirmed: 'Complete',
  rejected: 'Rejected',
  cancelled: 'Cancelled',
  expired: 'Expired: not confirmed in time',
  failed: 'Failed',
};

export type StateLabels = Record<WithdrawalState, string>;

export function StateBadge({
  state,
  labels = STATE_LABELS,
}: {
  state: WithdrawalState;
  labels?: StateLabels;
}) {
  // A state this page does not know yet shows as the API names it.
  const label = labels[state] ?? state;
  const tone = TONE[state] ?? 'info';
  return (
    <span className={`badge state-${tone}`} data-state={state} data-testid="withdrawal-state">
      {label}
    </span>
  );
}

/** Each step of a withdrawal, oldest first, with who took it (`by`, in the reader's words). */
export function WithdrawalTimeline({
  steps,
  by,
  labels,
  intro,
}: {
  steps: Step[];
  by: Record<Step['by'], string>;
  labels?: StateLabels;
  intro?: string;
}) {
  return (
    <div className="card">
      <h2>Timeline</h2>
      {intro ? <p className="small muted">{intro}</p> : null}
      <ol className="timeline">
        {steps.map((s, i) => (
          <li key={`${s.at}-${i}`} data-testid="timeline-step">
            <p>
              <StateBadge state={s.to} labels={labels} /> <span className="small muted">by {by[s.by]}</span>
            </p>
            <p className="small">
              <ExactTime at={s.at} />
            </p>
            <p>{s.reason}</p>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** Where it goes and when it was asked for: entries of a withdrawal's facts list (`dl.facts`). */
export function DestinationFacts({
  withdrawal: w,
}: {
  withdrawal: Pick<WithdrawalBase, 'address' | 'network' | 'createdAt'>;
}) {
  return (
    <>
      <dt>To address</dt>
      <dd>
        <code className="secret">{w.address}</code>
      </dd>
      <dt>Network</dt>
      <dd>{w.network}</dd>
      <dt>Requested</dt>
      <dd>
        <ExactTime at={w.createdAt} />
      </dd>
    </>
  );
}

/** What the risk checks noticed, as written to the customer. */
export function RiskReasons({ reasons }: { reasons: string[] }) {
  return (
    <ul data-testid="risk-reasons">
      {reasons.map((r) => (
        <li key={r}>{r}</li>
      ))}
    </ul>
  );
}

/**
 * "1.5 ETH" with the asset's decimals; without them, the exact amount in the asset's smallest
 * units (never a guess).
 */
export function formatAmount(amount: string | bigint, symbol: string, decimals: number | undefined): string {
  return decimals !== undefined
    ? `${formatUnits(BigInt(amount), decimals)} ${symbol}`
    : `${amount.toString()} (smallest units of ${symbol})`;
}
