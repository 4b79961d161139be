import { startAuthentication } from '@simplewebauthn/browser';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { ApiError, post, type SignInStep, webauthnReason } from '../api';
import { ChoiceGroup, Countdown, ErrorNote, Field, Notice, onSubmit, Page, Submit } from '../components/ui';

const WAIT_KEY = 'custos.signInWait';

type Options = Parameters<typeof startAuthentication>[0]['optionsJSON'];

/** Runs a passkey ceremony; the challenge token ties it to a password step when there is one. */
async function passkeyStep(challengeToken?: string): Promise<SignInStep> {
  const optionsJSON = await post<Options>(
    '/v1/auth/passkey/options',
    challengeToken ? { challengeToken } : {},
  );
  let response;
  try {
    response = await startAuthentication({ optionsJSON });
  } catch (e) {
    throw new ApiError(
      0,
      'PASSKEY_CANCELLED',
      `No passkey was used (${webauthnReason(e)}). Try again, or use another way to sign in.`,
    );
  }
  return post<SignInStep>('/v1/auth/passkey', { ...(challengeToken ? { challengeToken } : {}), response });
}

function safeNext(next: string | null): string {
  return next && next.startsWith('/security') ? next : '/security';
}

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [step, setStep] = useState<SignInStep | null>(null);

  const follow = (s: SignInStep) => {
    if (s.status === 'signed_in') {
      void qc.invalidateQueries();
      navigate(next, { replace: true });
    } else if (s.status === 'device_approval_required' && s.challengeToken) {
      sessionStorage.setItem(
        WAIT_KEY,
        JSON.stringify({ challengeToken: s.challengeToken, expiresAt: s.expiresAt, next }),
      );
      navigate('/sign-in/approve');
    } else {
      setStep(s);
    }
  };

  const passwordStep = useMutation({
    mutationFn: () => post<SignInStep>('/v1/auth/sign-in', { email, password }),
    onSuccess: follow,
  });
  const passkeyOnly = useMutation({ mutationFn: () => passkeyStep(), onSuccess: follow });

  if (step?.status === 'second_factor_required' && step.challengeToken) {
    return <SecondFactor step={step} onStep={follow} onRestart={() => setStep(null)} />;
  }
  return (
    <Page title="Sign in">
      <form onSubmit={onSubmit(() => passwordStep.mutate())} className="form">
        <Field
          label="Email"
          type="email"
          inputMode="email"
          autoComplete="username webauthn"
          value={email}
          onChange={setEmail}
        />
        <Field
          label="Password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={setPassword}
        />
        <ErrorNote error={passwordStep.error} />
        <Submit busy={passwordStep.isPending}>Continue</Submit>
      </form>
      <div className="or">or</div>
      <button type="button" onClick={() => passkeyOnly.mutate()} disabled={passkeyOnly.isPending}>
        Sign in with a passkey
      </button>
      <ErrorNote error={passkeyOnly.error} />
      <ul className="links">
        <li>
          <Link to="/sign-up">Create an account</Link>
        </li>
        <li>
          <Link to="/reset-password">Forgot your password?</Link>
        </li>
        <li>
          <Link to="/recovery">Lost your authenticator or passkey?</Link>
        </li>
      </ul>
    </Page>
  );
}

type Factor = 'totp' | 'passkey' | 'backup_code';
const FACTOR_LABEL: Record<Factor, string> = {
  totp: 'Authenticator app',
  passkey: 'Passkey or security key',
  backup_code: 'Backup code',
};

function SecondFactor({
  step,
  onStep,
  onRestart,
}: {
  step: SignInStep;
  onStep: (s: SignInStep) => void;
  onRestart: () => void;
}) {
  const methods = (step.methods ?? []).filter((m): m is Factor => m in FACTOR_LABEL);
  const [method, setMethod] = useState<Factor>(methods.includes('totp') ? 'totp' : (methods[0] ?? 'totp'));
  const [code, setCode] = useState('');
  const submit = useMutation({
    mutationFn: () =>
      method === 'passkey'
        ? passkeyStep(step.challengeToken)
        : post<SignInStep>('/v1/auth/sign-in/factor', {
            challengeToken: step.challengeToken,
            method,
            code: code.trim(),
          }),
    onSuccess: onStep,
    onError: (e) => {
      if (e instanceof ApiError && e.code === 'CHALLENGE_EXPIRED') onRestart();
    },
  });
  return (
    <Page title="Second factor">
      <form onSubmit={onSubmit(() => submit.mutate())} className="form">
        {methods.length > 1 ? (
          <ChoiceGroup
            legend="Confirm with"
            name="factor"
            options={methods}
            labels={FACTOR_LABEL}
            value={method}
            onChange={(m) => {
              setMethod(m);
              setCode('');
            }}
          />
        ) : null}
        {method === 'passkey' ? (
          <p>Your browser will ask for your passkey or security key.</p>
        ) : method === 'totp' ? (
          <Field
            label="6-digit code from your authenticator app"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={setCode}
            autoFocus
          />
        ) : (
          <Field
            label="Your backup code"
            autoComplete="off"
            value={code}
            onChange={setCode}
            autoFocus
            hint="Each backup code works once."
          />
        )}
        <ErrorNote error={submit.error} />
        <Submit busy={submit.isPending}>Sign in</Submit>
      </form>
      <p>
        <button type="button" className="link" onClick={onRestart}>
          Start again
        </button>
      </p>
    </Page>
  );
}

/** The waiting screen: the session starts here once the device is approved from the email. */
export function ApproveWaitPage() {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const saved = JSON.parse(sessionStorage.getItem(WAIT_KEY) ?? 'null') as {
    challengeToken: string;
    expiresAt?: string;
    next: string;
  } | null;
  const [status, setStatus] = useState<SignInStep['status']>('pending');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!saved) return;
    let stop = false;
    const poll = async () => {
      try {
        const s = await post<SignInStep>('/v1/auth/sign-in/status', { challengeToken: saved.challengeToken });
        if (stop) return;
        setStatus(s.status);
        if (s.status === 'signed_in') {
          sessionStorage.removeItem(WAIT_KEY);
          void qc.invalidateQueries();
          navigate(safeNext(saved.next), { replace: true });
          return;
        }
        if (s.status === 'denied') return;
      } catch (e) {
        if (stop) return;
        setError(e);
        return;
      }
      setTimeout(() => void poll(), 2_000);
    };
    void poll();
    return () => {
      stop = true;
    };
    // The saved challenge is read once per visit.
  }, []);
  if (!saved) {
    return (
      <Page title="Approve this device">
        <Notice kind="warn">There is no sign-in waiting in this browser.</Notice>
        <Link to="/sign-in">Sign in</Link>
      </Page>
    );
  }
  return (
    <Page title="Approve this device">
      {status === 'denied' ? (
        <Notice kind="warn">
          This sign-in was refused from the email. If that was not you, change your password now.
        </Notice>
      ) : (
        <>
          <Notice>
            This browser is new to your account. We sent you an email: open the link in it and approve this
            device. This page continues by itself once you have.
          </Notice>
          <p aria-live="polite" aria-busy="true">
            Waiting for approval…
          </p>
          {saved.expiresAt ? <Countdown until={saved.expiresAt} label="The request expires on" /> : null}
        </>
      )}
      <ErrorNote error={error} />
      <Link to="/sign-in">Start again</Link>
    </Page>
  );
}
