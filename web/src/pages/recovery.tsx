import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { post, type RecoveryStatus, serverNow } from '../api';
import { EmailRequestForm } from '../components/email-request';
import { NewPasswordField } from '../components/password-field';
import { Countdown, ErrorNote, Notice, Page, Submit, onSubmit } from '../components/ui';

/** Recovery of a lost factor: request, confirm from the email, wait, then reset. */
export function RecoveryPage() {
  const [params] = useSearchParams();
  const token = params.get('token');
  return token ? <RecoveryByToken token={token} /> : <RequestRecovery />;
}

function RequestRecovery() {
  return (
    <Page
      title="Recover your account"
      intro="For a lost authenticator, passkey or backup codes, or to unlock a locked account. For your safety, recovery always takes a waiting period, announced by email with a link to cancel it."
    >
      <EmailRequestForm
        endpoint="/v1/auth/recovery"
        button="Start recovery"
        sent={(email) =>
          `If an account uses ${email}, an email with a confirmation link is on its way to it.`
        }
      />
    </Page>
  );
}

function RecoveryByToken({ token }: { token: string }) {
  const qc = useQueryClient();
  const key = ['recovery', token];
  const status = useQuery({
    queryKey: key,
    queryFn: () => post<RecoveryStatus>('/v1/auth/recovery/status', { token }),
    retry: false,
    refetchInterval: 30_000,
  });
  const confirm = useMutation({
    mutationFn: () => post<RecoveryStatus>('/v1/auth/recovery/confirm', { token }),
    onSuccess: (s) => qc.setQueryData(key, s),
  });
  const [password, setPassword] = useState('');
  const complete = useMutation({
    mutationFn: () =>
      post<{ recovered: boolean; withdrawalsFrozenUntil: string }>('/v1/auth/recovery/complete', {
        token,
        newPassword: password,
      }),
  });
  const s = status.data;
  const ready = s?.effectiveAt ? Date.parse(s.effectiveAt) <= serverNow() || s.ready === true : false;
  return (
    <Page title="Account recovery">
      <ErrorNote error={status.error} />
      {complete.isSuccess ? (
        <>
          <Notice kind="ok">
            Your account is recovered: the new password is set and your second factors are removed.
            Withdrawals stay frozen until <Countdown until={complete.data.withdrawalsFrozenUntil} label="" />
          </Notice>
          <Link to="/sign-in">Sign in and set up your second factor again</Link>
        </>
      ) : s && !s.confirmedAt ? (
        <>
          <p>Confirm that you asked to recover your account. The waiting period starts when you confirm.</p>
          <ErrorNote error={confirm.error} />
          <button
            type="button"
            className="primary"
            disabled={confirm.isPending}
            onClick={() => confirm.mutate()}
          >
            Confirm recovery
          </button>
        </>
      ) : s?.effectiveAt && !ready ? (
        <>
          <Countdown until={s.effectiveAt} label="You can reset your account on" />
          <p>
            Until then nothing changes. Every sign-in and email reminds you that this recovery is pending;
            anyone with access to your email can cancel it with the link in those emails.
          </p>
        </>
      ) : s?.effectiveAt && ready ? (
        <form onSubmit={onSubmit(() => complete.mutate())} className="form">
          <Notice kind="ok">The waiting period is over. Choose a new password to finish.</Notice>
          <NewPasswordField value={password} onChange={setPassword} />
          <ErrorNote error={complete.error} />
          <Submit busy={complete.isPending}>Recover my account</Submit>
        </form>
      ) : null}
    </Page>
  );
}

export function RecoveryCancelPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const cancel = useMutation({
    mutationFn: () => post<{ cancelled: boolean }>('/v1/auth/recovery/cancel', { token }),
  });
  return (
    <Page title="Cancel account recovery">
      {cancel.isSuccess ? (
        <Notice kind="ok">The recovery is cancelled. Nothing about your account was changed.</Notice>
      ) : (
        <>
          <p>
            Someone asked to recover your account. If it was not you, cancel it now; then change your email
            password, since the request came through your email.
          </p>
          <ErrorNote error={cancel.error} />
          <button
            type="button"
            className="danger"
            disabled={cancel.isPending || !token}
            onClick={() => cancel.mutate()}
          >
            Cancel the recovery
          </button>
        </>
      )}
    </Page>
  );
}
