import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { formatUnits, parseUnits } from '../../../src/domain/ledger/amount';
import { api, ApiError, get, post } from '../api';
import { addressesQuery, useAssets, useRefetch } from '../components/queries';
import { useSensitive } from '../components/step-up';
import {
  Countdown,
  DataTable,
  ErrorNote,
  Field,
  Notice,
  onSubmit,
  Page,
  SelectField,
  Submit,
} from '../components/ui';
import type { Address, Asset } from '../types/withdrawals';

interface Protection {
  withdrawalLock: { state: 'off' | 'on' | 'unlock_pending'; effectiveAt: string | null };
  caps: {
    asset: string;
    dailyLimit: string | null;
    pending: { dailyLimit: string | null; effectiveAt: string } | null;
  }[];
}

export function AddressBookPage() {
  const assets = useAssets();
  const sensitive = useSensitive();
  const refresh = useRefetch('addresses');
  const list = useQuery(addressesQuery);
  const [asset, setAsset] = useState('');
  const [address, setAddress] = useState('');
  const [label, setLabel] = useState('');
  const symbol = asset || assets.data?.items[0]?.symbol || '';
  const add = useMutation({
    mutationFn: () =>
      sensitive(() =>
        post<Address>('/v1/withdrawals/addresses', {
          asset: symbol,
          address: address.trim(),
          label: label.trim(),
        }),
      ),
    onSuccess: () => {
      setAddress('');
      setLabel('');
      refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => api('DELETE', `/v1/withdrawals/addresses/${id}`),
    onSuccess: refresh,
  });
  return (
    <Page
      title="Address book"
      intro="Withdrawals can go only to addresses saved here. A new address needs your second factor and a confirmation from your email, and becomes usable a day after that, so a thief cannot add one and empty your account in the meantime."
    >
      <ErrorNote error={list.error ?? remove.error} />
      <DataTable caption="Saved addresses" columns={['Label', 'Asset', 'Address', 'Status']} actions>
        {(list.data?.items ?? []).map((a) => (
          <tr key={a.id} data-testid="address-row">
            <td>{a.label}</td>
            <td>
              {a.asset} <span className="small muted">({a.network})</span>
            </td>
            <td>
              <code className="secret">{a.address}</code>
            </td>
            <td>
              {a.status === 'active' ? (
                'Usable'
              ) : a.status === 'activating' && a.activeFrom ? (
                <Countdown until={a.activeFrom} label="Usable from" />
              ) : (
                'Waiting for the confirmation from your email'
              )}
            </td>
            <td className="row-actions">
              <button type="button" className="danger" onClick={() => remove.mutate(a.id)}>
                Remove<span className="sr-only"> {a.label}</span>
              </button>
            </td>
          </tr>
        ))}
        {list.data && list.data.items.length === 0 ? (
          <tr>
            <td colSpan={5}>No address yet.</td>
          </tr>
        ) : null}
      </DataTable>
      <form className="card form" onSubmit={onSubmit(() => !add.isPending && add.mutate())}>
        <h2>Add an address</h2>
        <SelectField
          label="Asset"
          value={symbol}
          onChange={setAsset}
          options={(assets.data?.items ?? []).map((a) => [a.symbol, `${a.symbol} on ${a.network}`] as const)}
        />
        <Field
          label="Address"
          value={address}
          onChange={setAddress}
          hint="Paste it; check the first and last characters against the source."
        />
        <Field label="Label" value={label} onChange={setLabel} hint="For example: my hardware wallet." />
        {add.isSuccess ? (
          <Notice kind="ok">
            Saved. Open the link we emailed you to confirm it; it becomes usable a day after that.
          </Notice>
        ) : null}
        <ErrorNote error={add.error} />
        <Submit busy={add.isPending}>Add address</Submit>
      </form>
    </Page>
  );
}

/** Landing of the address confirmation email: confirming needs a press (mail scanners open links). */
export function ConfirmAddressPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const confirm = useMutation({
    mutationFn: () => post<Address>('/v1/auth/address-confirmation', { token }),
  });
  return (
    <Page title="Confirm a withdrawal address">
      {confirm.data ? (
        <Notice kind="ok">
          <p>
            “{confirm.data.label}” ({confirm.data.asset}) is confirmed:
          </p>
          <p>
            <code className="secret">{confirm.data.address}</code>
          </p>
          {confirm.data.activeFrom ? (
            <Countdown until={confirm.data.activeFrom} label="It can receive withdrawals from" />
          ) : null}
        </Notice>
      ) : (
        <>
          <p>
            Confirm only an address you added yourself, just now. If you did not, lock your account with the
            link in the email.
          </p>
          <ErrorNote error={confirm.error} />
          <button
            type="button"
            className="primary"
            disabled={confirm.isPending || !token}
            onClick={() => confirm.mutate()}
          >
            Confirm this address
          </button>
        </>
      )}
      <p>
        <Link to="/security/addresses">Address book</Link>
      </p>
    </Page>
  );
}

export function WithdrawalLockPage() {
  const assets = useAssets();
  const sensitive = useSensitive();
  const refresh = useRefetch('protection');
  const protection = useQuery({
    queryKey: ['protection'],
    queryFn: () => get<Protection>('/v1/withdrawals/protection'),
  });
  const lock = useMutation({
    mutationFn: () => post<Protection>('/v1/withdrawals/lock'),
    onSuccess: refresh,
  });
  const unlock = useMutation({
    mutationFn: () => sensitive(() => post<Protection>('/v1/withdrawals/lock/unlock')),
    onSuccess: refresh,
  });
  const p = protection.data;
  const state = p?.withdrawalLock.state;
  return (
    <Page
      title="Withdrawal lock and daily caps"
      intro="Safer settings apply at once; weaker ones take 24 hours and are announced by email, so someone who gets into your account cannot quickly undo them."
    >
      <ErrorNote error={protection.error ?? lock.error ?? unlock.error} />
      <div className="card">
        <h2>Withdrawal lock</h2>
        {state === 'off' ? (
          <>
            <p>Off: withdrawals follow your other protections.</p>
            <button type="button" className="primary" onClick={() => lock.mutate()} disabled={lock.isPending}>
              Turn the lock on
            </button>
          </>
        ) : state === 'on' ? (
          <>
            <Notice kind="ok">On: nothing can leave your account.</Notice>
            <button type="button" onClick={() => unlock.mutate()} disabled={unlock.isPending}>
              Ask to turn it off (takes 24 hours)
            </button>
          </>
        ) : state === 'unlock_pending' && p?.withdrawalLock.effectiveAt ? (
          <>
            <Notice kind="warn">
              <Countdown until={p.withdrawalLock.effectiveAt} label="The lock turns off on" />
              <p>Until then nothing can leave your account. If you did not ask for this, keep it on.</p>
            </Notice>
            <button type="button" className="primary" onClick={() => lock.mutate()} disabled={lock.isPending}>
              Keep the lock on
            </button>
          </>
        ) : null}
      </div>
      <div className="card">
        <h2>Daily caps</h2>
        <p className="small muted">
          The most that can leave per asset in 24 hours. Lowering applies at once; raising or removing waits
          24 hours.
        </p>
        {(assets.data?.items ?? []).map((a) => (
          <CapRow key={a.symbol} asset={a} cap={p?.caps.find((c) => c.asset === a.symbol)} onDone={refresh} />
        ))}
      </div>
    </Page>
  );
}

function CapRow({
  asset,
  cap,
  onDone,
}: {
  asset: Asset;
  cap: Protection['caps'][number] | undefined;
  onDone: () => void;
}) {
  const sensitive = useSensitive();
  const [value, setValue] = useState('');
  const show = (v: string | null) =>
    v === null ? 'no cap' : `${formatUnits(BigInt(v), asset.decimals)} ${asset.symbol}`;
  const save = useMutation({
    mutationFn: (dailyLimit: string | null) =>
      sensitive(() => api<Protection>('PUT', `/v1/withdrawals/caps/${asset.symbol}`, { dailyLimit })),
    onSuccess: () => {
      setValue('');
      onDone();
    },
  });
  const [invalid, setInvalid] = useState<ApiError | null>(null);
  const submit = () => {
    const units = parseUnits(value, asset.decimals);
    if (units === null || units <= 0n) {
      setInvalid(
        new ApiError(
          400,
          'VALIDATION_FAILED',
          `Enter a positive amount with at most ${asset.decimals} decimals.`,
        ),
      );
      return;
    }
    setInvalid(null);
    save.mutate(units.toString());
  };
  return (
    <form
      className="cap"
      data-testid={`cap-${asset.symbol}`}
      onSubmit={onSubmit(() => value.trim() && submit())}
    >
      <p>
        <strong>{asset.symbol}</strong>:{' '}
        <span data-testid={`cap-${asset.symbol}-now`}>{show(cap?.dailyLimit ?? null)}</span>
      </p>
      {cap?.pending ? (
        <Countdown until={cap.pending.effectiveAt} label={`Changes to ${show(cap.pending.dailyLimit)} on`} />
      ) : null}
      <Field label={`New daily cap in ${asset.symbol}`} value={value} onChange={setValue} required={false} />
      <ErrorNote error={invalid ?? save.error} />
      <div className="actions">
        <Submit busy={save.isPending}>Set cap</Submit>
        {cap?.dailyLimit ? (
          <button type="button" onClick={() => save.mutate(null)} disabled={save.isPending}>
            Remove the cap
          </button>
        ) : null}
      </div>
    </form>
  );
}
