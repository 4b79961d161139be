import { startAuthentication } from '@simplewebauthn/browser';
import { useQueryClient } from '@tanstack/react-query';
import {
  createContext,
  type FormEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useRef,
  useState,
} from 'react';
import { type Account, ApiError, post, webauthnReason } from '../api';
import { ChoiceGroup, ErrorNote, Field, Submit } from './ui';

type Method = 'totp' | 'backup_code' | 'passkey' | 'password';

interface Pending {
  resolve: () => void;
  reject: (e: unknown) => void;
}

const StepUpContext = createContext<(() => Promise<void>) | null>(null);

/**
 * Every sensitive action runs through `useSensitive()`: when the API answers STEP_UP_REQUIRED,
 * this dialog asks for a second factor, then the action is tried once more.
 */
export function StepUpProvider({ account, children }: { account: Account | undefined; children: ReactNode }) {
  const [pending, setPending] = useState<Pending | null>(null);
  const ask = useCallback(
    () =>
      new Promise<void>((resolve, reject) => {
        setPending({ resolve, reject });
      }),
    [],
  );
  return (
    <StepUpContext.Provider value={ask}>
      {children}
      {pending && account ? (
        <StepUpDialog
          account={account}
          onDone={() => {
            pending.resolve();
            setPending(null);
          }}
          onCancel={() => {
            pending.reject(
              new ApiError(403, 'STEP_UP_CANCELLED', 'The change was not made: it needs your second factor.'),
            );
            setPending(null);
          }}
        />
      ) : null}
    </StepUpContext.Provider>
  );
}

export function useSensitive() {
  const ask = useContext(StepUpContext);
  return useCallback(
    async <T,>(action: () => Promise<T>): Promise<T> => {
      try {
        return await action();
      } catch (e) {
        if (!(e instanceof ApiError) || e.code !== 'STEP_UP_REQUIRED' || !ask) throw e;
        await ask();
        return action();
      }
    },
    [ask],
  );
}

function methodsOf(a: Account): Method[] {
  const m: Method[] = [];
  if (a.factors.passkeys > 0) m.push('passkey');
  if (a.factors.totp) m.push('totp');
  if (a.factors.backupCodesRemaining > 0) m.push('backup_code');
  if (m.length === 0) m.push('password');
  return m;
}

/** The choices; the field of each has its own label (a label names one control only). */
const LABEL: Record<Method, string> = {
  totp: 'Authenticator app',
  backup_code: 'Backup code',
  passkey: 'Passkey or security key',
  password: 'Password',
};
const FIELD_LABEL: Record<Exclude<Method, 'passkey'>, string> = {
  totp: 'Code from your authenticator app',
  backup_code: 'Your backup code',
  password: 'Your password',
};

function StepUpDialog({
  account,
  onDone,
  onCancel,
}: {
  account: Account;
  onDone: () => void;
  onCancel: () => void;
}) {
  const methods = methodsOf(account);
  const [method, setMethod] = useState<Method>(methods.includes('totp') ? 'totp' : methods[0]!);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const ref = useRef<HTMLDialogElement>(null);
  const qc = useQueryClient();

  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);

  const finish = async () => {
    await qc.invalidateQueries({ queryKey: ['me'] });
    onDone();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (method === 'passkey') {
        const optionsJSON = await post<Parameters<typeof startAuthentication>[0]['optionsJSON']>(
          '/v1/auth/step-up/passkey/options',
        );
        const response = await startAuthentication({ optionsJSON });
        await post('/v1/auth/step-up/passkey', { response });
      } else if (method === 'password') {
        await post('/v1/auth/step-up', { method, password: value });
      } else {
        await post('/v1/auth/step-up', { method, code: value.trim() });
      }
      await finish();
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err
          : new ApiError(
              0,
              'PASSKEY',
              `The passkey was not used (${webauthnReason(err)}). Try again or pick another method.`,
            ),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <dialog ref={ref} className="dialog" aria-labelledby="step-up-title" onCancel={onCancel}>
      <form onSubmit={submit}>
        <h2 id="step-up-title">Confirm it is you</h2>
        <p>This change needs a second factor given in the last 5 minutes.</p>
        {methods.length > 1 ? (
          <ChoiceGroup
            legend="Confirm with"
            name="step-up-method"
            options={methods}
            labels={LABEL}
            value={method}
            onChange={(m) => {
              setMethod(m);
              setValue('');
            }}
          />
        ) : null}
        {method === 'passkey' ? (
          <p>Your browser will ask for your passkey or security key.</p>
        ) : (
          <Field
            label={FIELD_LABEL[method]}
            type={method === 'password' ? 'password' : 'text'}
            inputMode={method === 'totp' ? 'numeric' : 'text'}
            autoComplete={
              method === 'totp' ? 'one-time-code' : method === 'password' ? 'current-password' : 'off'
            }
            value={value}
            onChange={setValue}
            autoFocus
          />
        )}
        <ErrorNote error={error} />
        <div className="actions">
          <Submit busy={busy}>Confirm</Submit>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
