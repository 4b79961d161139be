import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, type Checkup, get } from '../api';
import { useAccount } from '../components/layout';
import { useSensitive } from '../components/step-up';
import { Countdown, ErrorNote, Notice, Page } from '../components/ui';

function ChecklistGroup({ title, items }: { title: string; items: Checkup['items'] }) {
  return (
    <div className="card">
      <h2>{title}</h2>
      <ul className="checklist">
        {items.map((i) => (
          <li key={i.id} className={i.done ? 'done' : ''} data-testid={`checkup-${i.id}`}>
            <span className="mark" aria-hidden="true">
              {i.done ? '✓' : '○'}
            </span>
            <div>
              {i.available ? (
                <Link to={i.settingPath}>{i.title}</Link>
              ) : (
                <span>
                  {i.title} <span className="muted small">(arrives with withdrawals)</span>
                </span>
              )}
              <span className="sr-only">{i.done ? ': done' : ': to do'}</span>
              <p className="small muted">{i.description}</p>
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function OverviewPage() {
  const account = useAccount().data!;
  const checkup = useQuery({ queryKey: ['checkup'], queryFn: () => get<Checkup>('/v1/me/security-checkup') });
  const qc = useQueryClient();
  const c = checkup.data;
  return (
    <Page title="Security overview">
      {account.recovery ? (
        <Notice kind="warn">
          <p>An account recovery is pending.</p>
          {account.recovery.effectiveAt ? (
            <Countdown until={account.recovery.effectiveAt} label="It can reset your account on" />
          ) : (
            <p>It waits for confirmation from the email.</p>
          )}
          <CancelRecovery onDone={() => qc.invalidateQueries({ queryKey: ['me'] })} />
        </Notice>
      ) : null}
      {account.withdrawalsFrozenUntil &&
      Date.parse(account.withdrawalsFrozenUntil) > Date.parse(account.serverTime) ? (
        <Notice kind="warn">
          <Countdown
            until={account.withdrawalsFrozenUntil}
            label="After a security change, withdrawals are frozen until"
          />
        </Notice>
      ) : null}
      {!account.emailVerified ? (
        <Notice kind="warn">Your email address is not verified yet: open the link we sent.</Notice>
      ) : null}
      <ErrorNote error={checkup.error} />
      {c ? (
        <>
          <div className="score card">
            <div
              className="score-value"
              data-testid="checkup-score"
              aria-label={`Security score ${c.score} out of 100`}
            >
              {c.score}
              <span className="small">/100</span>
            </div>
            <div>
              <h2>Security checkup</h2>
              <p>
                {c.score >= 80
                  ? 'Your account is well protected.'
                  : 'Each item below takes a minute or two and makes your account harder to take over.'}
              </p>
              <p className="small">
                Account protection programme:{' '}
                {c.protectionProgramme.eligible ? (
                  <strong>eligible</strong>
                ) : c.protectionProgramme.eligibleFrom ? (
                  <>
                    eligible from{' '}
                    <strong>{new Date(c.protectionProgramme.eligibleFrom).toLocaleString()}</strong>
                  </>
                ) : (
                  <>not yet. {c.protectionProgramme.missing.join(' ')}</>
                )}
              </p>
            </div>
          </div>
          <div className="grid2">
            <ChecklistGroup
              title="The 5-minute essentials"
              items={c.items.filter((i) => i.group === 'essentials')}
            />
            <ChecklistGroup
              title="The 20-minute advanced setup"
              items={c.items.filter((i) => i.group === 'advanced')}
            />
          </div>
        </>
      ) : checkup.isLoading ? (
        <p aria-busy="true">Loading…</p>
      ) : null}
    </Page>
  );
}

function CancelRecovery({ onDone }: { onDone: () => void }) {
  const sensitive = useSensitive();
  const cancel = useMutation({
    mutationFn: () => sensitive(() => api('DELETE', '/v1/me/recovery')),
    onSuccess: onDone,
  });
  return (
    <>
      <ErrorNote error={cancel.error} />
      <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
        It was not me: cancel the recovery
      </button>
    </>
  );
}
