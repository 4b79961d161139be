import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api';
import { Countdown, DataTable, ExactTime, Notice, Page, plural } from '../components/ui';
import {
  DestinationFacts,
  RiskReasons,
  STATE_LABELS,
  StateBadge,
  type StateLabels,
  WithdrawalTimeline,
} from '../components/withdrawal-view';
import type { Step } from '../types/withdrawals';
import { adminGet, adminPost, type QueueItem, REVIEWER_ROLES, type ReviewDetail, showAmount } from './api';
import { AdminError, useOperator } from './layout';

/** Each state in staff words: the customer's, but for the states that speak to the customer. */
const STAFF_LABELS: StateLabels = {
  ...STATE_LABELS,
  awaiting_confirmation: 'Approved: waiting for the customer to confirm',
  expired: 'Expired: the customer did not confirm in time',
};

const BY: Record<Step['by'], string> = { you: 'the customer', reviewer: 'a reviewer', system: 'Custos' };

/** "0 of 2 approvals", and which approvals the rule asks for. */
function approvalsText(approvals: number, required: number): string {
  const needed = Math.max(1, required);
  return `${approvals} of ${plural(needed, 'approval')}`;
}

export function ReviewQueuePage() {
  // Not polled: every request slides the staff session's idle expiry. Refresh reloads it.
  const queue = useQuery({
    queryKey: ['admin', 'reviews'],
    queryFn: () => adminGet<{ items: QueueItem[] }>('/v1/admin/withdrawals/reviews'),
  });
  const items = queue.data?.items ?? [];
  return (
    <Page
      title="Review queue"
      intro="Withdrawals our risk checks held, oldest first. Each waits for a decision until its deadline; one nobody decides on by then is rejected by itself and the customer's funds are released."
    >
      <div className="actions">
        <button type="button" onClick={() => void queue.refetch()} disabled={queue.isFetching}>
          {queue.isFetching ? 'Refreshing…' : 'Refresh the queue'}
        </button>
        {queue.dataUpdatedAt ? (
          <span className="muted small admin-updated">
            Updated {new Date(queue.dataUpdatedAt).toLocaleTimeString()}
          </span>
        ) : null}
      </div>
      <AdminError error={queue.error} />
      {queue.isLoading ? <p aria-busy="true">Loading…</p> : null}
      {queue.data ? (
        <p data-testid="queue-count">
          {items.length === 0
            ? 'No withdrawal is waiting for a review.'
            : `${plural(items.length, 'withdrawal')} waiting for a review.`}
        </p>
      ) : null}
      {items.length ? (
        <DataTable
          caption="Withdrawals held for review, oldest first"
          columns={['Requested', 'Amount', 'Customer', 'Risk', 'Approvals', 'Deadline']}
          actions
        >
          {items.map((w) => (
            <tr key={w.id} data-testid="review-row" data-id={w.id}>
              <td>
                <span className="admin-cell-label">Requested </span>
                <time dateTime={new Date(w.createdAt).toISOString()}>
                  {new Date(w.createdAt).toLocaleString()}
                </time>
              </td>
              <td>
                <strong data-testid="review-amount">{showAmount(w.amount, w.asset, w.decimals)}</strong>
                <div className="small muted">on {w.network}</div>
                {w.reviewsRequired > 1 ? <span className="badge state-warn">two reviewers</span> : null}
              </td>
              <td data-testid="review-customer" className="admin-wrap">
                {w.email}
              </td>
              <td>
                <span className="admin-cell-label">Risk score </span>
                <strong data-testid="risk-score">{w.risk.score}</strong>
                <span className="muted"> / 100</span>
                <ul className="admin-reasons small">
                  {w.risk.reasons.map((r) => (
                    <li key={r}>{r}</li>
                  ))}
                </ul>
              </td>
              <td data-testid="review-approvals">{approvalsText(w.approvals, w.reviewsRequired)}</td>
              <td className="admin-deadline">
                {w.reviewExpiresAt ? <Countdown until={w.reviewExpiresAt} label="Decide before" /> : '—'}
              </td>
              <td>
                <Link to={`/admin/reviews/${w.id}`} className="admin-open">
                  Review
                  <span className="sr-only">
                    {' '}
                    the withdrawal of {showAmount(w.amount, w.asset, w.decimals)} by {w.email}
                  </span>
                </Link>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : null}
    </Page>
  );
}

/** What happened after the reviewer's decision, in plain words. */
function outcome(decision: 'approve' | 'reject', w: ReviewDetail): { kind: 'ok' | 'info'; text: string } {
  if (decision === 'reject')
    return {
      kind: 'ok',
      text: 'Rejected. Nothing is sent, the reserved funds are available to the customer again, and we emailed them with your note.',
    };
  if (w.state === 'in_review') {
    const approvals = w.reviews.filter((r) => r.decision === 'approve').length;
    return {
      kind: 'info',
      text: `Your approval is recorded (${approvalsText(approvals, w.reviewsRequired)}). It stays held until a different reviewer approves it too.`,
    };
  }
  return {
    kind: 'ok',
    text: 'Approved. We emailed the customer a link to confirm the withdrawal; nothing is sent until they do.',
  };
}

/** One held withdrawal; a fresh page (no result of the previous one) for each withdrawal. */
export function ReviewPage() {
  const { id = '' } = useParams();
  return <ReviewDetailPage key={id} id={id} />;
}

function ReviewDetailPage({ id }: { id: string }) {
  const op = useOperator();
  const qc = useQueryClient();
  const detail = useQuery({
    queryKey: ['admin', 'review', id],
    queryFn: () => adminGet<ReviewDetail>(`/v1/admin/withdrawals/${id}`),
  });
  const [result, setResult] = useState<{ kind: 'ok' | 'info'; text: string } | null>(null);
  const w = detail.data;
  if (!w)
    return (
      <Page title="Held withdrawal">
        <AdminError error={detail.error} />
        {detail.isLoading ? <p aria-busy="true">Loading…</p> : null}
        <p>
          <Link to="/admin/reviews">Back to the review queue</Link>
        </p>
      </Page>
    );

  const total = (BigInt(w.amount) + BigInt(w.fee)).toString();
  const approvals = w.reviews.filter((r) => r.decision === 'approve');
  const required = Math.max(1, w.reviewsRequired);
  const mine = w.reviews.find((r) => r.reviewer === op.email.toLowerCase());
  const canReview = REVIEWER_ROLES.includes(op.role);
  const done = (decision: 'approve' | 'reject', next: ReviewDetail) => {
    qc.setQueryData(['admin', 'review', id], next);
    void qc.invalidateQueries({ queryKey: ['admin', 'reviews'] });
    setResult(outcome(decision, next));
  };

  return (
    <Page title={`Withdrawal of ${showAmount(w.amount, w.asset, w.decimals)}`}>
      <p>
        <Link to="/admin/reviews">Back to the review queue</Link>
      </p>
      <div className="card" data-testid="review-status">
        <h2>
          Status: <StateBadge state={w.state} labels={STAFF_LABELS} />
        </h2>
        {w.state === 'in_review' ? (
          <>
            <p data-testid="approvals">
              <strong>{approvalsText(approvals.length, required)}</strong> so far.
            </p>
            {required > 1 ? (
              <Notice kind="warn">
                This is a large withdrawal: it needs {required} approvals, each from a different reviewer. One
                reviewer cannot approve it alone, and the same reviewer cannot approve it twice.
              </Notice>
            ) : null}
            {w.reviewExpiresAt ? (
              <Countdown until={w.reviewExpiresAt} label="Without a decision it is rejected by itself on" />
            ) : null}
          </>
        ) : null}
        {w.state === 'awaiting_confirmation' ? (
          <>
            <p>The reviews are complete. The customer must now confirm it from the link we emailed them.</p>
            {w.confirmExpiresAt ? (
              <Countdown until={w.confirmExpiresAt} label="The customer's link expires on" />
            ) : null}
          </>
        ) : null}
        {w.coolingOffUntil ? <Countdown until={w.coolingOffUntil} label="It is sent after" /> : null}
        {result ? (
          <Notice kind={result.kind}>
            <span data-testid="review-result">{result.text}</span>
          </Notice>
        ) : null}
      </div>

      {w.state === 'in_review' ? (
        !canReview ? (
          <Notice kind="warn">
            <strong>You cannot approve or reject withdrawals.</strong> You are signed in with the role{' '}
            <em>{op.role}</em>: it can read held withdrawals, for example to answer the customer, but only
            analysts, approvers and admins decide on them.
          </Notice>
        ) : mine && !result ? (
          <Notice>
            You already {mine.decision === 'approve' ? 'approved' : 'rejected'} this withdrawal. It needs{' '}
            {plural(required - approvals.length, 'more approval')} from a different reviewer.
          </Notice>
        ) : mine ? null : (
          <DecisionForm detail={w} onDone={done} onConflict={() => void detail.refetch()} />
        )
      ) : null}

      <div className="grid2 admin-grid">
        <div className="card">
          <h2>Withdrawal</h2>
          <dl className="facts stack">
            <dt>Customer</dt>
            <dd data-testid="customer-email" className="admin-wrap">
              {w.email}
            </dd>
            <dt>Customer id</dt>
            <dd>
              <code className="secret">{w.userId}</code>
            </dd>
            <dt>Amount</dt>
            <dd data-testid="amount">{showAmount(w.amount, w.asset, w.decimals)}</dd>
            <dt>Network fee</dt>
            <dd>{showAmount(w.fee, w.asset, w.decimals)}</dd>
            <dt>Total reserved</dt>
            <dd>
              <strong>{showAmount(total, w.asset, w.decimals)}</strong>
            </dd>
            <DestinationFacts withdrawal={w} />
            <dt>Large</dt>
            <dd>{w.large ? 'Yes: after the customer confirms, it waits the cooling-off period' : 'No'}</dd>
          </dl>
        </div>
        <div className="card">
          <h2>Risk</h2>
          <p>
            Score <strong data-testid="risk-score">{w.risk.score}</strong> of 100: decision{' '}
            <strong>{w.risk.decision}</strong>.
          </p>
          {w.risk.reasons.length ? (
            <RiskReasons reasons={w.risk.reasons} />
          ) : (
            <p>No risk rule noticed anything.</p>
          )}
          <p className="small muted">The reasons are written to the customer: “your” is the customer’s.</p>
        </div>
      </div>

      <div className="card">
        <h2>Reviews so far</h2>
        {w.reviews.length ? (
          <ol className="timeline" data-testid="reviews">
            {w.reviews.map((r) => (
              <li key={`${r.reviewer}-${r.at}`} data-testid="review">
                <p>
                  <span className={`badge state-${r.decision === 'approve' ? 'ok' : 'bad'}`}>
                    {r.decision === 'approve' ? 'Approved' : 'Rejected'}
                  </span>{' '}
                  by <span className="admin-wrap">{r.reviewer}</span>
                  {r.reviewer === op.email.toLowerCase() ? ' (you)' : ''}
                </p>
                <p className="small">
                  <ExactTime at={r.at} />
                </p>
                <p>{r.note}</p>
              </li>
            ))}
          </ol>
        ) : (
          <p>No reviewer has decided yet.</p>
        )}
      </div>

      <WithdrawalTimeline
        steps={w.timeline}
        by={BY}
        labels={STAFF_LABELS}
        intro="What the customer sees on their withdrawal page, oldest first."
      />
    </Page>
  );
}

/** The decision form's buttons; the one pressed names the decision. */
const DECISIONS = [
  { decision: 'approve', label: 'Approve', className: 'primary' },
  { decision: 'reject', label: 'Reject', className: 'danger' },
] as const;

function DecisionForm({
  detail,
  onDone,
  onConflict,
}: {
  detail: ReviewDetail;
  onDone: (decision: 'approve' | 'reject', next: ReviewDetail) => void;
  onConflict: () => void;
}) {
  const noteId = useId();
  const [note, setNote] = useState('');
  const [pending, setPending] = useState<'approve' | 'reject' | null>(null);
  const required = Math.max(1, detail.reviewsRequired);
  const approvals = detail.reviews.filter((r) => r.decision === 'approve').length;
  const review = useMutation({
    mutationFn: async (decision: 'approve' | 'reject') => {
      const text = note.trim();
      if (text.length < 3)
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          'Write a note of at least 3 characters: what you checked and why you decide so.',
        );
      return adminPost<ReviewDetail>(`/v1/admin/withdrawals/${detail.id}/review`, { decision, note: text });
    },
    onMutate: (decision) => setPending(decision),
    onSettled: () => setPending(null),
    onSuccess: (next, decision) => {
      setNote('');
      onDone(decision, next);
    },
    onError: (e) => {
      // Someone else decided, or the customer cancelled: show it as it is now.
      if (e instanceof ApiError && (e.code === 'CONFLICT' || e.code === 'ALREADY_REVIEWED')) onConflict();
    },
  });
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const decision = submitter?.value === 'reject' ? 'reject' : 'approve';
    if (!review.isPending) review.mutate(decision);
  };
  const error =
    review.error instanceof ApiError && review.error.code === 'FORBIDDEN'
      ? new ApiError(
          403,
          'FORBIDDEN',
          'Refused: your role cannot approve or reject withdrawals. Only analysts, approvers and admins can; ask one of them to review it.',
          review.error.requestId,
        )
      : review.error instanceof ApiError && review.error.code === 'ALREADY_REVIEWED'
        ? new ApiError(
            409,
            'ALREADY_REVIEWED',
            'You already reviewed this withdrawal. A second approval must come from a different reviewer.',
            review.error.requestId,
          )
        : review.error;
  return (
    <form className="card form admin-decision" onSubmit={submit} aria-labelledby={`${noteId}-title`}>
      <h2 id={`${noteId}-title`}>Your decision</h2>
      <ul className="admin-explain">
        <li>
          <strong>Approve</strong>:{' '}
          {required > 1
            ? `your approval counts as one of the ${required} needed (${approvals} so far); it goes on only once a different reviewer has approved too. Then `
            : 'it goes on, but '}
          the customer must still confirm it from the link we email them; nothing is sent before that.
          {detail.large
            ? ' After their confirmation, a large withdrawal also waits the cooling-off period.'
            : ''}
        </li>
        <li>
          <strong>Reject</strong>: it ends here. Nothing is sent, the reserved funds are available to the
          customer again, and the customer reads your note in their timeline and in the email.
        </li>
      </ul>
      <div className="field">
        <label htmlFor={noteId}>Note for the record</label>
        <textarea
          id={noteId}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          required
          maxLength={500}
          rows={3}
          aria-describedby={`${noteId}-hint`}
        />
        <div id={`${noteId}-hint`} className="hint">
          Required, 3 to 500 characters: what you checked and why. It is kept with your name in the audit log.
        </div>
      </div>
      <AdminError error={error} />
      <div className="actions">
        {DECISIONS.map(({ decision, label, className }) => (
          <button
            key={decision}
            type="submit"
            name="decision"
            value={decision}
            className={className}
            disabled={review.isPending}
            aria-busy={pending === decision}
          >
            {pending === decision ? 'Working…' : label}
          </button>
        ))}
      </div>
    </form>
  );
}
