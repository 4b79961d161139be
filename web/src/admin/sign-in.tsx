import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { Field, Notice, onSubmit, Page, Submit } from '../components/ui';
import { adminPost, type Operator } from './api';
import { AdminError, useAdminMe } from './layout';

/** Only a page of the console itself, never the sign-in page or another site. */
function safeNext(next: string | null): string {
  return next && /^\/admin\/[a-z]/.test(next) && !next.startsWith('/admin/sign-in') ? next : '/admin/reviews';
}

/** Staff sign-in: password and authenticator code in one step, one answer for every failure. */
export function AdminSignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const location = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const me = useAdminMe();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const signIn = useMutation({
    mutationFn: () =>
      adminPost<{ operator: Operator; csrfToken: string }>('/v1/admin/sign-in', {
        email: email.trim(),
        password,
        code: code.replace(/\s/g, ''),
      }),
    onSuccess: () => {
      qc.removeQueries({ queryKey: ['admin'] });
      navigate(next, { replace: true });
    },
    // A code works once: the next attempt needs the next one.
    onError: () => setCode(''),
  });

  if (me.data && !signIn.isPending) return <Navigate to={next} replace />;
  const signedOut = (location.state as { signedOut?: boolean } | null)?.signedOut === true;
  return (
    <Page
      title="Staff sign-in"
      intro="The admin console is for Custos staff. Sign in with your password and the code your authenticator app shows for the admin console."
    >
      {signedOut && !signIn.isError ? <Notice kind="ok">You are signed out.</Notice> : null}
      <form className="form" onSubmit={onSubmit(() => !signIn.isPending && signIn.mutate())}>
        <Field
          label="Email"
          type="email"
          inputMode="email"
          autoComplete="username"
          value={email}
          onChange={setEmail}
          autoFocus
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <Field
          label="6-digit code from your authenticator app"
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={setCode}
        />
        <AdminError error={signIn.error} />
        <Submit busy={signIn.isPending}>Sign in</Submit>
      </form>
      <p className="muted small">
        Lost your authenticator app or password? Ask an administrator of the console: staff accounts have no
        reset by email.
      </p>
    </Page>
  );
}
