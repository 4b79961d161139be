import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { post } from '../api';
import { EmailRequestForm } from '../components/email-request';
import { NewPasswordField } from '../components/password-field';
import { ErrorNote, ExactTime, Notice, Page, Submit, onSubmit } from '../components/ui';

function useToken(): string {
  const [params] = useSearchParams();
  return params.get('token') ?? '';
}

function MissingToken() {
  return <Notice kind="warn">This link is incomplete. Open the link from the email again.</Notice>;
}

/**
 * Landing of the "approve this device" email. Nothing happens on opening the link (mail scanners
 * open links too): the person reads where the sign-in comes from and decides.
 */
export function ApproveDevicePage() {
  const token = useToken();
  const describe = useQuery({
    queryKey: ['device-approval', token],
    queryFn: () =>
      post<{ deviceName: string; ip: string; requestedAt: string; expiresAt: string }>(
        '/v1/auth/device-approval/describe',
        { token },
      ),
    enabled: Boolean(token),
    retry: false,
  });
  const decide = useMutation({
    mutationFn: (decision: 'approve' | 'deny') =>
      post<{ decision: 'approve' | 'deny' }>('/v1/auth/device-approval', { token, decision }),
  });
  if (!token)
    return (
      <Page title="Approve a device">
        <MissingToken />
      </Page>
    );
  return (
    <Page title="Approve a device">
      <ErrorNote error={describe.error} />
      {describe.data && !decide.isSuccess ? (
        <>
          <p>
            Someone signed in to your account with your password and second factor, from a device it has not
            seen:
          </p>
          <dl className="facts">
            <dt>Device</dt>
            <dd data-testid="device-name">{describe.data.deviceName}</dd>
            <dt>IP address</dt>
            <dd>{describe.data.ip}</dd>
            <dt>When</dt>
            <dd>
              <ExactTime at={describe.data.requestedAt} />
            </dd>
          </dl>
          <p>Approve it only if this was you, just now.</p>
          <ErrorNote error={decide.error} />
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={decide.isPending}
              onClick={() => decide.mutate('approve')}
            >
              Yes, it was me: approve
            </button>
            <button
              type="button"
              className="danger"
              disabled={decide.isPending}
              onClick={() => decide.mutate('deny')}
            >
              No, refuse it
            </button>
          </div>
        </>
      ) : null}
      {decide.data?.decision === 'approve' ? (
        <Notice kind="ok">The device is approved. The sign-in continues on that device.</Notice>
      ) : null}
      {decide.data?.decision === 'deny' ? (
        <Notice kind="warn">
          The sign-in was refused. Someone knows your password and second factor: change your password and
          review your devices, or <Link to="/recovery">recover your account</Link>.
        </Notice>
      ) : null}
    </Page>
  );
}

/** Landing of the "this wasn't me" link in every email: one press locks the account. */
export function NotMePage() {
  const token = useToken();
  const lock = useMutation({ mutationFn: () => post<{ locked: boolean }>('/v1/auth/not-me', { token }) });
  if (!token)
    return (
      <Page title="This wasn't me">
        <MissingToken />
      </Page>
    );
  return (
    <Page title="This wasn't me">
      {lock.isSuccess ? (
        <Notice kind="ok">
          Your account is locked: every session has ended and nothing can be signed in to or withdrawn. To
          unlock it, <Link to="/recovery">start account recovery</Link>.
        </Notice>
      ) : (
        <>
          <p>
            If you did not do what the email describes, lock your account now. Every session ends and nothing
            can be withdrawn until you unlock it through account recovery.
          </p>
          <ErrorNote error={lock.error} />
          <button type="button" className="danger" disabled={lock.isPending} onClick={() => lock.mutate()}>
            Lock my account
          </button>
        </>
      )}
    </Page>
  );
}

export function LockedPage() {
  const state = useLocation().state as { sessionsEnded?: number } | null;
  return (
    <Page title="Your account is locked">
      <Notice kind="ok">
        Every session has ended{state?.sessionsEnded ? ` (${state.sessionsEnded})` : ''}, and nothing can be
        signed in to or withdrawn. To unlock it, start account recovery: it takes a waiting period that is
        announced by email.
      </Notice>
      <Link to="/recovery">Start account recovery</Link>
    </Page>
  );
}

/** Request a reset link, or (with a token) set the new password. */
export function ResetPasswordPage() {
  const token = useToken();
  return token ? <SetNewPassword token={token} /> : <RequestReset />;
}

function RequestReset() {
  return (
    <Page title="Reset your password">
      <EmailRequestForm
        endpoint="/v1/auth/password-reset"
        button="Send a reset link"
        sent={(email) => `If an account uses ${email}, a reset link is on its way to it.`}
      />
    </Page>
  );
}

function SetNewPassword({ token }: { token: string }) {
  const [password, setPassword] = useState('');
  const reset = useMutation({
    mutationFn: () => post('/v1/auth/password-reset/confirm', { token, newPassword: password }),
  });
  return (
    <Page title="Choose a new password">
      {reset.isSuccess ? (
        <Notice kind="ok">
          Your password is changed and every session has ended. <Link to="/sign-in">Sign in</Link>.
        </Notice>
      ) : (
        <form onSubmit={onSubmit(() => reset.mutate())} className="form">
          <NewPasswordField value={password} onChange={setPassword} />
          <ErrorNote error={reset.error} />
          <Submit busy={reset.isPending}>Set the new password</Submit>
        </form>
      )}
    </Page>
  );
}

/** Landing of the link sent to a new email address. */
export function ConfirmEmailChangePage() {
  const token = useToken();
  const confirm = useMutation({ mutationFn: () => post('/v1/auth/email-change/confirm', { token }) });
  return (
    <Page title="Confirm your new email">
      {!token ? <MissingToken /> : null}
      {confirm.isSuccess ? (
        <Notice kind="ok">
          Your email address is changed. Withdrawals stay frozen for a while after a security change.
        </Notice>
      ) : token ? (
        <>
          <p>Confirm that this address should become your account's email.</p>
          <ErrorNote error={confirm.error} />
          <button
            type="button"
            className="primary"
            disabled={confirm.isPending}
            onClick={() => confirm.mutate()}
          >
            Confirm the new address
          </button>
        </>
      ) : null}
    </Page>
  );
}
