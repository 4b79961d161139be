import { useEffect, useState } from 'react';
import { clientConfig, post } from '../api';
import { Field } from './ui';

interface Strength {
  ok: boolean;
  score: number;
  problems: { code: string; message: string }[];
  warning: string | null;
  suggestions: string[];
}

/**
 * A new password with the server's strength feedback as the user types (debounced). No
 * composition rules and paste allowed (SPEC S1): the feedback explains, the server decides.
 */
export function NewPasswordField({
  value,
  onChange,
  email,
  label = 'New password',
}: {
  value: string;
  onChange: (v: string) => void;
  email?: string;
  label?: string;
}) {
  const [strength, setStrength] = useState<Strength | null>(null);
  const min = clientConfig().passwordMinLength;
  useEffect(() => {
    if (!value) {
      setStrength(null);
      return;
    }
    const t = setTimeout(() => {
      post<Strength>('/v1/auth/password-strength', { password: value, ...(email ? { email } : {}) })
        .then(setStrength)
        .catch(() => setStrength(null));
    }, 300);
    return () => clearTimeout(t);
  }, [value, email]);
  const meter = strength ? (
    <div aria-live="polite">
      <meter min={0} max={4} value={strength.score} aria-label="Password strength" />{' '}
      <span data-testid="strength">{strength.ok ? 'Strong enough' : 'Not accepted yet'}</span>
      {strength.problems.length || strength.warning || strength.suggestions.length ? (
        <ul className="small">
          {strength.problems.map((p) => (
            <li key={p.code}>{p.message}</li>
          ))}
          {strength.warning ? <li>{strength.warning}</li> : null}
          {strength.suggestions.map((s) => (
            <li key={s}>{s}</li>
          ))}
        </ul>
      ) : null}
    </div>
  ) : (
    <span>At least {min} characters. A long phrase of unrelated words is strong and easy to remember.</span>
  );
  return (
    <Field
      label={label}
      type="password"
      autoComplete="new-password"
      value={value}
      onChange={onChange}
      hint={meter}
    />
  );
}
