import { startRegistration } from '@simplewebauthn/browser';
import { useMutation, useQuery } from '@tanstack/react-query';
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { api, ApiError, get, post, webauthnReason } from '../api';
import { useAccount } from '../components/layout';
import { useRefetch } from '../components/queries';
import { useSensitive } from '../components/step-up';
import {
  DataTable,
  ErrorNote,
  Field,
  fmt,
  Notice,
  Page,
  Submit,
  onSubmit,
  RenameRemove,
} from '../components/ui';

function EndOthers({ checked, onChange }: { checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} /> Also end every
      other session of my account
    </label>
  );
}

export function TotpPage() {
  const account = useAccount().data!;
  const refresh = useRefetch('me');
  const sensitive = useSensitive();
  const [setup, setSetup] = useState<{ secret: string; uri: string } | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [endOthers, setEndOthers] = useState(true);
  const start = useMutation({
    mutationFn: () => sensitive(() => post<{ secret: string; uri: string }>('/v1/me/totp/setup')),
    onSuccess: setSetup,
  });
  const confirm = useMutation({
    mutationFn: () =>
      sensitive(() =>
        post<{ enabled: boolean; sessionsEnded: number }>('/v1/me/totp/confirm', {
          code: code.trim(),
          endOtherSessions: endOthers,
        }),
      ),
    onSuccess: () => {
      setSetup(null);
      setCode('');
      refresh();
    },
  });
  const disable = useMutation({
    mutationFn: () => sensitive(() => api('DELETE', '/v1/me/totp')),
    onSuccess: refresh,
  });
  useEffect(() => {
    if (!setup) return setQr(null);
    QRCode.toDataURL(setup.uri, { margin: 1, width: 220 }).then(setQr, () => setQr(null));
  }, [setup]);
  return (
    <Page
      title="Authenticator app"
      intro="A 6-digit code that changes every 30 seconds, from an app on your phone. Each code works once."
    >
      {account.factors.totp && !setup ? (
        <>
          <Notice kind="ok">An authenticator app is set up.</Notice>
          {confirm.data ? (
            <p>
              {confirm.data.sessionsEnded
                ? `${confirm.data.sessionsEnded} other session(s) were ended.`
                : 'No other session was open.'}
            </p>
          ) : null}
          <ErrorNote error={disable.error} />
          <button
            type="button"
            className="danger"
            onClick={() => disable.mutate()}
            disabled={disable.isPending}
          >
            Turn off the authenticator app
          </button>
        </>
      ) : setup ? (
        <form onSubmit={onSubmit(() => confirm.mutate())} className="form">
          <ol className="steps">
            <li>
              Scan this code with your authenticator app.
              <div className="qr">
                {qr ? <img src={qr} alt="QR code of the authenticator key" width={220} height={220} /> : null}
              </div>
            </li>
            <li>
              Or type this key by hand:{' '}
              <code className="secret" data-testid="totp-secret">
                {setup.secret}
              </code>
            </li>
            <li>Enter the code the app shows.</li>
          </ol>
          <Field
            label="6-digit code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onChange={setCode}
          />
          <EndOthers checked={endOthers} onChange={setEndOthers} />
          <ErrorNote error={confirm.error} />
          <Submit busy={confirm.isPending}>Turn on</Submit>
        </form>
      ) : (
        <>
          <ErrorNote error={start.error} />
          <button type="button" className="primary" onClick={() => start.mutate()} disabled={start.isPending}>
            Set up an authenticator app
          </button>
        </>
      )}
    </Page>
  );
}

interface Passkey {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  backedUp?: boolean;
  transports?: string[];
}

const MAX_PASSKEYS = 10;

export function PasskeysPage() {
  const sensitive = useSensitive();
  const list = useQuery({
    queryKey: ['passkeys'],
    queryFn: () => get<{ items: Passkey[] }>('/v1/me/passkeys'),
  });
  const reload = useRefetch('passkeys', 'me');
  const [name, setName] = useState('');
  const add = useMutation({
    mutationFn: () =>
      sensitive(async () => {
        const optionsJSON = await post<Parameters<typeof startRegistration>[0]['optionsJSON']>(
          '/v1/me/passkeys/registration-options',
        );
        let response;
        try {
          response = await startRegistration({ optionsJSON });
        } catch (e) {
          throw new ApiError(
            0,
            'PASSKEY_CANCELLED',
            `No passkey was created (${webauthnReason(e)}). Try again when your device asks.`,
          );
        }
        return post('/v1/me/passkeys', { name: name.trim() || 'Passkey', response });
      }),
    onSuccess: () => {
      setName('');
      reload();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => sensitive(() => api('DELETE', `/v1/me/passkeys/${id}`)),
    onSuccess: reload,
  });
  const rename = useMutation({
    mutationFn: ({ id, newName }: { id: string; newName: string }) =>
      sensitive(() => api('PATCH', `/v1/me/passkeys/${id}`, { name: newName })),
    onSuccess: reload,
  });
  const items = list.data?.items ?? [];
  return (
    <Page
      title="Passkeys and security keys"
      intro="A passkey signs you in with your device's screen lock or a hardware key, and cannot be phished. A passkey alone can sign you in."
    >
      <ErrorNote error={list.error ?? remove.error ?? rename.error} />
      <DataTable caption="Your passkeys" columns={['Name', 'Added', 'Last used']} actions>
        {items.map((p) => (
          <tr key={p.id} data-testid="passkey-row">
            <td>{p.name}</td>
            <td>{fmt(p.createdAt)}</td>
            <td>{fmt(p.lastUsedAt)}</td>
            <td className="row-actions">
              <RenameRemove
                name={p.name}
                what="passkey"
                onRename={(newName) => rename.mutate({ id: p.id, newName })}
                onRemove={() => remove.mutate(p.id)}
              />
            </td>
          </tr>
        ))}
        {items.length === 0 && !list.isLoading ? (
          <tr>
            <td colSpan={4}>No passkey yet.</td>
          </tr>
        ) : null}
      </DataTable>
      <p className="small muted">
        {items.length} of {MAX_PASSKEYS}
      </p>
      {items.length < MAX_PASSKEYS ? (
        <form onSubmit={onSubmit(() => add.mutate())} className="form">
          <Field
            label="Name of the new passkey"
            value={name}
            onChange={setName}
            required={false}
            hint="For example: work laptop, blue security key."
          />
          <ErrorNote error={add.error} />
          <Submit busy={add.isPending}>Add a passkey</Submit>
        </form>
      ) : (
        <Notice>You have the most passkeys an account can have. Remove one to add another.</Notice>
      )}
    </Page>
  );
}

export function BackupCodesPage() {
  const account = useAccount().data!;
  const refresh = useRefetch('me');
  const sensitive = useSensitive();
  const generate = useMutation({
    mutationFn: () => sensitive(() => post<{ codes: string[]; createdAt: string }>('/v1/me/backup-codes')),
    onSuccess: refresh,
  });
  const codes = generate.data?.codes;
  const download = () => {
    if (!codes) return;
    const text = [
      `Custos backup codes for ${account.email}`,
      `Created ${generate.data!.createdAt}. Each code works once. Keep them offline.`,
      '',
      ...codes,
      '',
    ].join('\n');
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'custos-backup-codes.txt';
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <Page
      title="Backup codes"
      intro="Ten single-use codes for when your phone or passkey is out of reach. Store them offline, like a spare key."
    >
      <p>
        Codes left: <strong data-testid="backup-remaining">{account.factors.backupCodesRemaining}</strong>
      </p>
      {codes ? (
        <>
          <Notice kind="warn">These codes are shown only this once. Save them now.</Notice>
          <ol className="codes" data-testid="backup-codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
          <button type="button" className="primary" onClick={download}>
            Download as a text file
          </button>
        </>
      ) : null}
      <ErrorNote error={generate.error} />
      <button type="button" onClick={() => generate.mutate()} disabled={generate.isPending}>
        {account.factors.backupCodesRemaining > 0 || codes
          ? 'Make new codes (the old ones stop working)'
          : 'Make backup codes'}
      </button>
    </Page>
  );
}
