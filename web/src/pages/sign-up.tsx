import { useMutation } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { post } from '../api';
import { NewPasswordField } from '../components/password-field';
import { ErrorNote, Field, Notice, Page, Submit, onSubmit } from '../components/ui';

export function SignUpPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const register = useMutation({ mutationFn: () => post('/v1/auth/register', { email, password }) });
  if (register.isSuccess) {
    return (
      <Page title="Check your email">
        <Notice kind="ok">
          If <strong>{email}</strong> can be registered, a verification link is on its way to it. Open it to
          activate your account; it works for 24 hours.
        </Notice>
        <p>
          Already verified? <Link to="/sign-in">Sign in</Link>.
        </p>
      </Page>
    );
  }
  return (
    <Page title="Create your account">
      <form onSubmit={onSubmit(() => register.mutate())} className="form">
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          inputMode="email"
          value={email}
          onChange={setEmail}
        />
        <NewPasswordField value={password} onChange={setPassword} email={email} label="Password" />
        <ErrorNote error={register.error} />
        <Submit busy={register.isPending}>Create account</Submit>
      </form>
      <p>
        Have an account? <Link to="/sign-in">Sign in</Link>
      </p>
    </Page>
  );
}

export function VerifyEmailPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const navigate = useNavigate();
  const verify = useMutation({
    mutationFn: () => post<{ verified: boolean }>('/v1/auth/verify-email', { token }),
  });
  // Verifying is what the link is for, and it is harmless to repeat: run it on arrival.
  useEffect(() => {
    if (token) verify.mutate();
  }, [token]);
  return (
    <Page title="Email verification">
      {!token ? (
        <Notice kind="warn">This link is incomplete. Open the link from the email again.</Notice>
      ) : null}
      {verify.isPending ? <p aria-busy="true">Verifying…</p> : null}
      <ErrorNote error={verify.error} />
      {verify.isSuccess ? (
        <>
          <Notice kind="ok">
            Your email address is verified and this browser is remembered as your device.
          </Notice>
          <button type="button" className="primary" onClick={() => navigate('/sign-in')}>
            Sign in
          </button>
        </>
      ) : null}
    </Page>
  );
}
