import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { parseUnits } from '../../../src/domain/ledger/amount';
import { ApiError } from '../api';
import { ChoiceGroup, DataTable, Field, fmt, Notice, onSubmit, Page, SelectField } from '../components/ui';
import { adminApi, adminGet, adminPost, adminPut, configuredAssets, showAmount } from './api';
import { AdminError, useOperator } from './layout';

/** `GET /v1/admin/reserves/wallets`: a wallet whose balance counts in the reserves. */
interface Wallet {
  id: string;
  asset: string;
  label: string;
  address: string;
  source: 'manual' | 'chain';
  balance: string | null;
  observedAt: string | null;
  updatedAt: string;
}

/** `GET /v1/admin/reserves/snapshots`: one snapshot and how it went. */
interface Snapshot {
  id: string;
  takenAt: string;
  status: 'building' | 'published' | 'failed';
  trigger: 'schedule' | 'operator';
  requestedBy: string;
  error: string | null;
}

const WALLETS = ['admin', 'reserve-wallets'];
const SNAPSHOTS = ['admin', 'reserve-snapshots'];

const adminDelete = (path: string) => adminApi<unknown>('DELETE', path);

/** The registry refuses what the form cannot catch (unknown asset, a duplicate): say it for staff. */
function explainChange(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.code === 'FORBIDDEN')
    return new ApiError(403, error.code, 'Refused: only admins change the reserves.', error.requestId);
  return error;
}

/** A typed amount in the asset's units, as the API wants it (smallest units); or an error. */
function toUnits(text: string, asset: string): string {
  const decimals = configuredAssets()?.find((a) => a.symbol === asset)?.decimals;
  const units =
    decimals === undefined
      ? /^\d+$/.test(text.trim())
        ? BigInt(text.trim())
        : null
      : parseUnits(text, decimals);
  if (units === null)
    throw new ApiError(
      400,
      'VALIDATION_FAILED',
      decimals === undefined
        ? `Enter the balance in the smallest units of ${asset} (digits only).`
        : `Enter the balance in ${asset}, 0 or more, with at most ${decimals} decimals.`,
    );
  return units.toString();
}

/** A `datetime-local` value (the operator's zone) as the API's ISO time; empty means now. */
function observedAt(local: string): { observedAt?: string } {
  if (!local) return {};
  const at = new Date(local);
  if (Number.isNaN(at.getTime()))
    throw new ApiError(400, 'VALIDATION_FAILED', 'The observed time is not a valid date and time.');
  if (at.getTime() > Date.now() + 60_000)
    throw new ApiError(400, 'VALIDATION_FAILED', 'The observed time is in the future.');
  return { observedAt: at.toISOString() };
}

/** "operator:<id>": the operator, named "you" when it is the signed-in one. */
function requester(by: string, me: string): string {
  if (by === 'system') return 'the schedule';
  const [kind, id] = by.split(':');
  if (kind === 'operator') return id === me ? 'you' : `operator ${id?.slice(0, 8)}…`;
  return by;
}

const STATUS: Record<Snapshot['status'], [string, string]> = {
  published: ['Published', 'state-ok'],
  building: ['Building', 'state-info'],
  failed: ['Failed', 'state-bad'],
};

/** `/admin/reserves`: the wallet registry (the reserves) and the snapshots; changes are admins'. */
export function ReservesAdminPage() {
  const op = useOperator();
  const isAdmin = op.role === 'admin';
  const wallets = useQuery({
    queryKey: WALLETS,
    queryFn: () => adminGet<{ items: Wallet[] }>('/v1/admin/reserves/wallets'),
  });
  const snapshots = useQuery({
    queryKey: SNAPSHOTS,
    queryFn: () => adminGet<{ items: Snapshot[] }>('/v1/admin/reserves/snapshots'),
  });
  const [done, setDone] = useState<string | null>(null);

  return (
    <Page
      title="Proof of reserves"
      intro="The reserves a snapshot publishes are the balances of the wallets registered here: a manual wallet counts the balance staff last recorded, a chain wallet is read from the chain when the snapshot is taken. Customers' liabilities come from the ledger. Every change is kept in the audit log."
    >
      {!isAdmin ? (
        <Notice kind="warn">
          <strong>Read only.</strong> You are signed in with the role <em>{op.role}</em>. Only admins change
          the wallet registry and take snapshots: what they publish is public and signed.
        </Notice>
      ) : null}
      {done ? (
        <Notice kind="ok">
          <span data-testid="reserves-result">{done}</span>
        </Notice>
      ) : null}

      <h2>Wallet registry</h2>
      <AdminError error={wallets.error} />
      {wallets.isLoading ? <p aria-busy="true">Loading…</p> : null}
      {wallets.data ? <WalletTable wallets={wallets.data.items} isAdmin={isAdmin} onDone={setDone} /> : null}
      {isAdmin ? <AddWalletForm onDone={setDone} /> : null}

      <h2>Snapshots</h2>
      {isAdmin ? <TakeSnapshot onDone={setDone} /> : null}
      <AdminError error={snapshots.error} />
      {snapshots.isLoading ? <p aria-busy="true">Loading…</p> : null}
      {snapshots.data ? <SnapshotTable snapshots={snapshots.data.items} me={op.id} /> : null}
    </Page>
  );
}

function WalletTable({
  wallets,
  isAdmin,
  onDone,
}: {
  wallets: Wallet[];
  isAdmin: boolean;
  onDone: (text: string) => void;
}) {
  const [recording, setRecording] = useState<Wallet | null>(null);
  const [removing, setRemoving] = useState<Wallet | null>(null);
  if (wallets.length === 0)
    return (
      <p data-testid="no-wallet">
        No wallet is registered: every asset&apos;s reserves would be published as 0.
      </p>
    );
  return (
    <>
      <DataTable
        caption="Registered reserve wallets"
        columns={['Asset', 'Label', 'Address', 'Source', 'Balance', 'Observed']}
        actions={isAdmin}
      >
        {wallets.map((w) => (
          <tr key={w.id} data-testid="wallet-row" data-address={w.address}>
            <td>
              <strong>{w.asset}</strong>
            </td>
            <td className="admin-wrap">{w.label}</td>
            <td>
              <code className="secret">{w.address}</code>
            </td>
            <td>
              <span className="admin-cell-label">Source </span>
              {w.source === 'manual' ? 'Manual' : 'Chain'}
            </td>
            <td data-testid="wallet-balance">
              <span className="admin-cell-label">Balance </span>
              {w.balance === null ? (
                <span className="muted">read from the chain at each snapshot</span>
              ) : (
                showAmount(w.balance, w.asset)
              )}
            </td>
            <td>
              <span className="admin-cell-label">Observed </span>
              {w.source === 'manual' ? fmt(w.observedAt) : '—'}
            </td>
            {isAdmin ? (
              <td className="row-actions">
                {w.source === 'manual' ? (
                  <button type="button" onClick={() => setRecording(w)}>
                    Record a balance…<span className="sr-only"> of {w.label}</span>
                  </button>
                ) : null}
                <button type="button" className="danger" onClick={() => setRemoving(w)}>
                  Remove…<span className="sr-only"> {w.label}</span>
                </button>
              </td>
            ) : null}
          </tr>
        ))}
      </DataTable>
      <BalanceDialog wallet={recording} onClose={() => setRecording(null)} onDone={onDone} />
      <RemoveDialog wallet={removing} onClose={() => setRemoving(null)} onDone={onDone} />
    </>
  );
}

function AddWalletForm({ onDone }: { onDone: (text: string) => void }) {
  const qc = useQueryClient();
  const assets = configuredAssets() ?? [];
  const [asset, setAsset] = useState('');
  const [label, setLabel] = useState('');
  const [address, setAddress] = useState('');
  const [source, setSource] = useState<'manual' | 'chain'>('manual');
  const [balance, setBalance] = useState('');
  const [observed, setObserved] = useState('');
  const symbol = asset || assets[0]?.symbol || '';
  const add = useMutation({
    mutationFn: () =>
      adminPost<Wallet>('/v1/admin/reserves/wallets', {
        asset: symbol,
        label: label.trim(),
        address: address.trim(),
        source,
        ...(source === 'manual' ? { balance: toUnits(balance, symbol), ...observedAt(observed) } : {}),
      }),
    onSuccess: (w) => {
      void qc.invalidateQueries({ queryKey: WALLETS });
      setLabel('');
      setAddress('');
      setBalance('');
      setObserved('');
      onDone(`The ${w.asset} wallet “${w.label}” is registered.`);
    },
  });
  return (
    <form className="card form" onSubmit={onSubmit(() => !add.isPending && add.mutate())}>
      <h3>Register a wallet</h3>
      {assets.length ? (
        <SelectField
          label="Asset"
          value={symbol}
          onChange={setAsset}
          options={assets.map((a) => [a.symbol, a.symbol] as const)}
        />
      ) : (
        <Field label="Asset" value={asset} onChange={(v) => setAsset(v.toUpperCase())} autoComplete="off" />
      )}
      <Field
        label="Label"
        value={label}
        onChange={setLabel}
        autoComplete="off"
        hint="For example: Cold storage 1."
      />
      <Field label="Address" value={address} onChange={setAddress} autoComplete="off" />
      <ChoiceGroup
        legend="Balance"
        name="wallet-source"
        options={['manual', 'chain'] as const}
        labels={{
          manual: 'Recorded by staff (manual): you enter the balance you observed',
          chain: 'Read from the chain at each snapshot',
        }}
        value={source}
        onChange={setSource}
      />
      {source === 'manual' ? (
        <>
          <Field
            label={`Balance in ${symbol}`}
            value={balance}
            onChange={setBalance}
            inputMode="decimal"
            autoComplete="off"
            hint="As observed, e.g. 12.5"
          />
          <Field
            label="Observed at"
            type="datetime-local"
            value={observed}
            onChange={setObserved}
            required={false}
            hint="In your time zone. Leave empty for now."
          />
        </>
      ) : null}
      <AdminError error={explainChange(add.error)} />
      <div className="actions">
        <button type="submit" className="primary" disabled={add.isPending}>
          {add.isPending ? 'Working…' : 'Register the wallet'}
        </button>
      </div>
    </form>
  );
}

/** A native dialog shown while `open`, closed (and `onClose` called) by Escape or Cancel. */
function Dialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    else if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose}>
      {open ? (
        <>
          <h2 id={titleId}>{title}</h2>
          {children}
        </>
      ) : null}
    </dialog>
  );
}

function BalanceDialog({
  wallet,
  onClose,
  onDone,
}: {
  wallet: Wallet | null;
  onClose: () => void;
  onDone: (text: string) => void;
}) {
  const qc = useQueryClient();
  const [balance, setBalance] = useState('');
  const [observed, setObserved] = useState('');
  const record = useMutation({
    mutationFn: (w: Wallet) =>
      adminPut<Wallet>(`/v1/admin/reserves/wallets/${w.id}/balance`, {
        balance: toUnits(balance, w.asset),
        ...observedAt(observed),
      }),
    onSuccess: (w) => {
      void qc.invalidateQueries({ queryKey: WALLETS });
      onDone(`The balance of “${w.label}” is now ${showAmount(w.balance ?? '0', w.asset)}.`);
      onClose();
    },
  });
  const { reset } = record;
  useEffect(() => {
    setBalance('');
    setObserved('');
    reset();
  }, [wallet, reset]);
  return (
    <Dialog open={wallet !== null} title={`New balance of ${wallet?.label ?? ''}`} onClose={onClose}>
      {wallet ? (
        <form onSubmit={onSubmit(() => !record.isPending && record.mutate(wallet))}>
          <p>
            Now {showAmount(wallet.balance ?? '0', wallet.asset)}, observed {fmt(wallet.observedAt)}. The next
            snapshot publishes the new balance.
          </p>
          <Field
            label={`Balance in ${wallet.asset}`}
            value={balance}
            onChange={setBalance}
            inputMode="decimal"
            autoComplete="off"
          />
          <Field
            label="Observed at"
            type="datetime-local"
            value={observed}
            onChange={setObserved}
            required={false}
            hint="In your time zone. Leave empty for now."
          />
          <AdminError error={explainChange(record.error)} />
          <div className="actions">
            <button type="submit" className="primary" disabled={record.isPending}>
              {record.isPending ? 'Working…' : 'Record the balance'}
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </Dialog>
  );
}

function RemoveDialog({
  wallet,
  onClose,
  onDone,
}: {
  wallet: Wallet | null;
  onClose: () => void;
  onDone: (text: string) => void;
}) {
  const qc = useQueryClient();
  const remove = useMutation({
    mutationFn: (w: Wallet) => adminDelete(`/v1/admin/reserves/wallets/${w.id}`),
    onSuccess: (_r, w) => {
      void qc.invalidateQueries({ queryKey: WALLETS });
      onDone(`“${w.label}” is removed from the registry.`);
      onClose();
    },
  });
  const { reset } = remove;
  useEffect(() => reset(), [wallet, reset]);
  return (
    <Dialog open={wallet !== null} title={`Remove ${wallet?.label ?? ''}?`} onClose={onClose}>
      {wallet ? (
        <>
          <p>
            From the next snapshot on, its balance no longer counts in the {wallet.asset} reserves. Published
            snapshots keep it; its record stays in the audit log.
          </p>
          <AdminError error={explainChange(remove.error)} />
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={remove.isPending}
              onClick={() => remove.mutate(wallet)}
            >
              {remove.isPending ? 'Removing…' : 'Yes, remove it'}
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </>
      ) : null}
    </Dialog>
  );
}

function TakeSnapshot({ onDone }: { onDone: (text: string) => void }) {
  const qc = useQueryClient();
  const [asking, setAsking] = useState(false);
  const take = useMutation({
    mutationFn: () => adminPost<Snapshot>('/v1/admin/reserves/snapshots'),
    onSuccess: (s) => {
      void qc.invalidateQueries({ queryKey: SNAPSHOTS });
      onDone(
        s.status === 'published'
          ? `Snapshot ${s.id} is published.`
          : `Snapshot ${s.id} ${s.status === 'failed' ? `failed: ${s.error ?? 'see the log'}` : 'is being built'}.`,
      );
      setAsking(false);
    },
  });
  const { reset } = take;
  useEffect(() => {
    if (asking) reset();
  }, [asking, reset]);
  return (
    <>
      <div className="actions">
        <button type="button" className="primary" onClick={() => setAsking(true)}>
          Take a snapshot now…
        </button>
      </div>
      <Dialog open={asking} title="Take a snapshot now?" onClose={() => setAsking(false)}>
        <p>
          Every customer&apos;s balance is taken from the ledger and the registered wallets&apos; balances as
          the reserves. The signed manifest is published at once, for anyone to read, and cannot be taken
          back.
        </p>
        <AdminError error={explainChange(take.error)} />
        <div className="actions">
          <button type="button" className="primary" disabled={take.isPending} onClick={() => take.mutate()}>
            {take.isPending ? 'Taking the snapshot…' : 'Yes, take and publish it'}
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}

function SnapshotTable({ snapshots, me }: { snapshots: Snapshot[]; me: string }) {
  if (snapshots.length === 0) return <p data-testid="no-snapshot">No snapshot has been taken yet.</p>;
  return (
    <DataTable
      caption="Snapshots, newest first"
      columns={['Taken', 'Status', 'Trigger', 'Requested by', 'Error']}
      actions
    >
      {snapshots.map((s) => {
        const [label, tone] = STATUS[s.status];
        return (
          <tr key={s.id} data-testid="snapshot-row" data-id={s.id}>
            <td>
              <time dateTime={s.takenAt}>{fmt(s.takenAt)}</time>
              <div className="small muted">
                <code>{s.id}</code>
              </div>
            </td>
            <td>
              <span className={`badge ${tone}`} data-status={s.status}>
                {label}
              </span>
            </td>
            <td>
              <span className="admin-cell-label">Trigger </span>
              {s.trigger === 'schedule' ? 'Schedule' : 'Operator'}
            </td>
            <td data-testid="requested-by">
              <span className="admin-cell-label">Requested by </span>
              {requester(s.requestedBy, me)}
            </td>
            <td className="admin-wrap">
              <span className="admin-cell-label">Error </span>
              {s.error ?? '—'}
            </td>
            <td>
              {s.status === 'published' ? (
                <a href={`/v1/reserves/manifests/${s.id}`}>
                  Manifest<span className="sr-only"> of snapshot {s.id}</span>
                </a>
              ) : null}
            </td>
          </tr>
        );
      })}
    </DataTable>
  );
}
