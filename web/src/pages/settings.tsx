import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { api, get, post, type SettingsLock } from '../api';
import { useAccount } from '../components/layout';
import { NewPasswordField } from '../components/password-field';
import { useRefetch } from '../components/queries';
import { useSensitive } from '../components/step-up';
import {
  DataTable,
  Countdown,
  ErrorNote,
  Field,
  Notice,
  Page,
  Submit,
  onSubmit,
  SelectField,
} from '../components/ui';

export function AntiPhishingPage() {
  const account = useAccount().data!;
  const refresh = useRefetch('me');
  const sensitive = useSensitive();
  const [code, setCode] = useState(account.antiPhishingCode ?? '');
  const save = useMutation({
    mutationFn: (value: string | null) =>
      sensitive(() =>
        api<{ antiPhishingCode: string | null }>('PUT', '/v1/me/anti-phishing-code', { code: value }),
      ),
    onSuccess: refresh,
  });
  return (
    <Page
      title="Anti-phishing code"
      intro="A word only you and Custos know. Every email from us shows it: an email without it, or with the wrong one, is not from us."
    >
      {account.antiPhishingCode ? (
        <Notice kind="ok">
          Your code is <strong data-testid="anti-phishing-current">{account.antiPhishingCode}</strong>.
        </Notice>
      ) : (
        <Notice kind="warn">No code is set.</Notice>
      )}
      <form onSubmit={onSubmit(() => save.mutate(code.trim() || null))} className="form">
        <Field
          label="Code"
          value={code}
          onChange={setCode}
          hint="4 to 20 letters, digits, spaces, - or _; not your password."
        />
        <ErrorNote error={save.error} />
        <div className="actions">
          <Submit busy={save.isPending}>Save</Submit>
          {account.antiPhishingCode ? (
            <button type="button" onClick={() => save.mutate(null)}>
              Remove the code
            </button>
          ) : null}
        </div>
      </form>
    </Page>
  );
}

export function IpAllowlistPage() {
  const account = useAccount().data!;
  const refresh = useRefetch('me');
  const sensitive = useSensitive();
  const [text, setText] = useState(account.ipAllowlist.join('\n'));
  const save = useMutation({
    mutationFn: (cidrs: string[]) => sensitive(() => api('PUT', '/v1/me/ip-allowlist', { cidrs })),
    onSuccess: refresh,
  });
  return (
    <Page
      title="Sign-in IP allow-list"
      intro="Optional. When set, sign-in works only from these addresses or ranges. The address you use now must be on the list."
    >
      <p>
        {account.ipAllowlist.length
          ? `On: ${account.ipAllowlist.length} address(es) or range(s).`
          : 'Off: sign-in works from any address.'}
      </p>
      <form
        onSubmit={onSubmit(() =>
          save.mutate(
            text
              .split(/[\s,]+/)
              .map((s) => s.trim())
              .filter(Boolean),
          ),
        )}
        className="form"
      >
        <div className="field">
          <label htmlFor="cidrs">Addresses and ranges, one per line</label>
          <textarea
            id="cidrs"
            rows={5}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-describedby="cidrs-hint"
          />
          <div className="hint" id="cidrs-hint">
            For example 203.0.113.7 or 203.0.113.0/24 or 2001:db8::/48. Leave empty to turn the list off.
          </div>
        </div>
        <ErrorNote error={save.error} />
        <Submit busy={save.isPending}>Save</Submit>
      </form>
    </Page>
  );
}

export function SettingsLockPage() {
  const account = useAccount().data!;
  const refresh = useRefetch('me');
  const sensitive = useSensitive();
  const lock = account.settingsLock;
  const [days, setDays] = useState('7');
  const enable = useMutation({
    mutationFn: () =>
      sensitive(() => post<SettingsLock>('/v1/me/settings-lock', { unlockDelayDays: Number(days) })),
    onSuccess: refresh,
  });
  const unlock = useMutation({
    mutationFn: () => sensitive(() => post<SettingsLock>('/v1/me/settings-lock/unlock')),
    onSuccess: refresh,
  });
  const cancel = useMutation({
    mutationFn: () => post<SettingsLock>('/v1/me/settings-lock/cancel-unlock'),
    onSuccess: refresh,
  });
  return (
    <Page
      title="Settings lock"
      intro="Freezes every security setting. Unlocking takes effect only after the delay you choose now, announced by email, so someone who gets into your account cannot quietly weaken it."
    >
      {lock.state === 'off' ? (
        <form onSubmit={onSubmit(() => enable.mutate())} className="form">
          <SelectField
            label="Unlock delay (days)"
            value={days}
            onChange={setDays}
            options={[1, 2, 3, 7, 14, 30].map((d) => [String(d), `${d} day${d > 1 ? 's' : ''}`] as const)}
          />
          <ErrorNote error={enable.error} />
          <Submit busy={enable.isPending}>Lock my settings</Submit>
        </form>
      ) : lock.state === 'locked' ? (
        <>
          <Notice kind="ok">
            Your settings are locked. Unlocking takes {lock.unlockDelayDays} day
            {lock.unlockDelayDays === 1 ? '' : 's'}.
          </Notice>
          <ErrorNote error={unlock.error} />
          <button type="button" onClick={() => unlock.mutate()} disabled={unlock.isPending}>
            Ask to unlock
          </button>
        </>
      ) : (
        <>
          <Notice kind="warn">
            <Countdown until={lock.unlockEffectiveAt!} label="Your settings unlock on" />
            <p>Until then every setting stays locked. If you did not ask for this, cancel it.</p>
          </Notice>
          <ErrorNote error={cancel.error} />
          <button
            type="button"
            className="primary"
            onClick={() => cancel.mutate()}
            disabled={cancel.isPending}
          >
            Cancel the unlock: keep my settings locked
          </button>
        </>
      )}
    </Page>
  );
}

export function AccountPage() {
  const account = useAccount().data!;
  const sensitive = useSensitive();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [endOthers, setEndOthers] = useState(true);
  const [email, setEmail] = useState('');
  const change = useMutation({
    mutationFn: () =>
      sensitive(() =>
        post<{ changed: boolean; sessionsEnded: number }>('/v1/me/password', {
          currentPassword: current,
          newPassword: next,
          endOtherSessions: endOthers,
        }),
      ),
    onSuccess: () => {
      setCurrent('');
      setNext('');
    },
  });
  const changeEmail = useMutation({ mutationFn: () => sensitive(() => post('/v1/me/email', { email })) });
  return (
    <Page title="Password and email">
      <div className="card">
        <h2>Password</h2>
        <form className="form" onSubmit={onSubmit(() => change.mutate())}>
          <Field
            label="Current password"
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={setCurrent}
          />
          <NewPasswordField value={next} onChange={setNext} email={account.email} />
          <label className="check">
            <input type="checkbox" checked={endOthers} onChange={(e) => setEndOthers(e.target.checked)} />{' '}
            Also end every other session of my account
          </label>
          {change.data ? (
            <Notice kind="ok">Password changed; {change.data.sessionsEnded} other session(s) ended.</Notice>
          ) : null}
          <ErrorNote error={change.error} />
          <Submit busy={change.isPending}>Change password</Submit>
        </form>
      </div>
      <div className="card">
        <h2>Email</h2>
        <p>
          Now: <strong>{account.email}</strong>
        </p>
        <form className="form" onSubmit={onSubmit(() => changeEmail.mutate())}>
          <Field
            label="New email"
            type="email"
            inputMode="email"
            autoComplete="email"
            value={email}
            onChange={setEmail}
          />
          {changeEmail.isSuccess ? (
            <Notice kind="ok">
              A confirmation link is on its way to {email}; the change happens when it is opened.
            </Notice>
          ) : null}
          <ErrorNote error={changeEmail.error} />
          <Submit busy={changeEmail.isPending}>Change email</Submit>
        </form>
      </div>
      <p className="small">
        Lost a factor? <Link to="/recovery">Account recovery</Link>.
      </p>
    </Page>
  );
}

interface HistoryItem {
  id: string;
  at: string;
  type: string;
  ip: string | null;
  device: string | null;
  details: Record<string, unknown>;
}

const HISTORY_FILTERS: [string, string][] = [
  ['', 'Everything'],
  ['sign_in.', 'Sign-ins'],
  ['session.', 'Sessions and step-up'],
  ['password.', 'Password'],
  ['totp.', 'Authenticator app'],
  ['passkey.', 'Passkeys'],
  ['backup_codes.', 'Backup codes'],
  ['device.', 'Devices'],
  ['email.', 'Email'],
  ['account.', 'Account lock'],
  ['recovery.', 'Recovery'],
  ['settings_lock.', 'Settings lock'],
  ['ip_allowlist.', 'IP allow-list'],
];

export function HistoryPage() {
  const [type, setType] = useState('');
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const history = useQuery({
    queryKey: ['history', type, cursor],
    queryFn: () => {
      const q = new URLSearchParams({ limit: '25' });
      if (type) q.set('type', type);
      if (cursor) q.set('cursor', cursor);
      return get<{ items: HistoryItem[]; nextCursor: string | null }>(`/v1/me/security-history?${q}`);
    },
  });
  return (
    <Page title="Security history" intro="Every security event of your account, newest first.">
      <SelectField
        label="Show"
        value={type}
        onChange={(v) => {
          setType(v);
          setCursors([null]);
        }}
        options={HISTORY_FILTERS}
      />
      <ErrorNote error={history.error} />
      <DataTable caption="Security events" columns={['When', 'Event', 'IP address', 'Device']}>
        {(history.data?.items ?? []).map((h) => (
          <tr key={h.id} data-testid="history-row">
            <td>{new Date(h.at).toLocaleString()}</td>
            <td>
              <code>{h.type}</code>
            </td>
            <td>{h.ip ?? '—'}</td>
            <td>{h.device ?? '—'}</td>
          </tr>
        ))}
        {history.data && history.data.items.length === 0 ? (
          <tr>
            <td colSpan={4}>No event of this kind.</td>
          </tr>
        ) : null}
      </DataTable>
      <div className="actions">
        {cursors.length > 1 ? (
          <button type="button" onClick={() => setCursors((c) => c.slice(0, -1))}>
            Newer
          </button>
        ) : null}
        {history.data?.nextCursor ? (
          <button type="button" onClick={() => setCursors((c) => [...c, history.data!.nextCursor])}>
            Older
          </button>
        ) : null}
      </div>
    </Page>
  );
}
