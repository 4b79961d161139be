import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { ApiError } from '../api';
import { DataTable, Field, Notice, onSubmit, Page } from '../components/ui';
import { adminGet, adminPut, configuredAssets, type Controls } from './api';
import { AdminError, useOperator } from './layout';

/** A switch to flip: one asset's, or the platform-wide one (asset null). */
interface Flip {
  asset: string | null;
  paused: boolean;
}

const what = (asset: string | null) => (asset ? `${asset} withdrawals` : 'all withdrawals');

function Running({ paused }: { paused: boolean }) {
  return paused ? (
    <span className="badge state-bad" data-paused="true">
      Paused
    </span>
  ) : (
    <span className="badge state-ok" data-paused="false">
      Running
    </span>
  );
}

export function ControlsPage() {
  const op = useOperator();
  const isAdmin = op.role === 'admin';
  const qc = useQueryClient();
  const controls = useQuery({
    queryKey: ['admin', 'controls'],
    queryFn: () => adminGet<Controls>('/v1/admin/controls/withdrawals'),
  });
  const [flip, setFlip] = useState<Flip | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [otherAsset, setOtherAsset] = useState('');
  const c = controls.data;
  // Every asset the platform holds when the page knows them; otherwise the paused ones, and a
  // field for any other symbol (the server refuses one it does not hold).
  const known = configuredAssets()?.map((a) => a.symbol) ?? null;
  const assets = [...new Set([...(known ?? []), ...(c?.pausedAssets ?? [])])].sort();

  return (
    <Page
      title="Withdrawal kill switches"
      intro="A kill switch stops withdrawals at once: customers' new requests are refused, and withdrawals already approved and queued wait. None is cancelled or lost: resuming lets them go on, and nobody has to ask again."
    >
      {!isAdmin ? (
        <Notice kind="warn">
          <strong>Read only.</strong> You are signed in with the role <em>{op.role}</em>. Only admins can
          pause or resume withdrawals: a switch stops every customer&apos;s withdrawals at once. Ask an admin
          if one is needed.
        </Notice>
      ) : null}
      {done ? (
        <Notice kind="ok">
          <span data-testid="controls-result">{done}</span>
        </Notice>
      ) : null}
      <AdminError error={controls.error} />
      {controls.isLoading ? <p aria-busy="true">Loading…</p> : null}
      {c ? (
        <>
          <div className="card" data-testid="switch-all">
            <h2>
              All withdrawals <Running paused={c.pausedAll} />
            </h2>
            {c.pausedAll ? (
              <p>
                Reason: <span data-testid="reason">{c.reasons['*'] ?? '—'}</span>
              </p>
            ) : (
              <p>Customers can request withdrawals of every asset that is not paused below.</p>
            )}
            {isAdmin ? (
              <div className="actions">
                <button
                  type="button"
                  className={c.pausedAll ? 'primary' : 'danger'}
                  onClick={() => setFlip({ asset: null, paused: !c.pausedAll })}
                >
                  {c.pausedAll ? 'Resume all withdrawals…' : 'Pause all withdrawals…'}
                </button>
              </div>
            ) : null}
          </div>

          <div className="card">
            <h2>One asset</h2>
            {c.pausedAll ? (
              <Notice kind="warn">
                Every asset is stopped by the platform-wide switch above, whatever its own switch says.
              </Notice>
            ) : null}
            {assets.length ? (
              <DataTable
                caption="Withdrawal switches per asset"
                columns={['Asset', 'State', 'Reason']}
                actions={isAdmin}
              >
                {assets.map((a) => {
                  const paused = c.pausedAssets.includes(a);
                  return (
                    <tr key={a} data-testid={`switch-${a}`}>
                      <td>
                        <strong>{a}</strong>
                      </td>
                      <td>
                        <Running paused={paused} />
                      </td>
                      <td data-testid="reason">{paused ? (c.reasons[a] ?? '—') : '—'}</td>
                      {isAdmin ? (
                        <td>
                          <button
                            type="button"
                            className={paused ? 'primary' : 'danger'}
                            onClick={() => setFlip({ asset: a, paused: !paused })}
                          >
                            {paused ? 'Resume…' : 'Pause…'}
                            <span className="sr-only"> {a} withdrawals</span>
                          </button>
                        </td>
                      ) : null}
                    </tr>
                  );
                })}
              </DataTable>
            ) : (
              <p data-testid="no-asset-paused">No asset is paused on its own.</p>
            )}
            {isAdmin && !known ? (
              <form
                className="form"
                onSubmit={onSubmit(() => {
                  const symbol = otherAsset.trim().toUpperCase();
                  if (symbol) setFlip({ asset: symbol, paused: true });
                })}
              >
                <h3>Pause another asset</h3>
                <Field
                  label="Asset symbol"
                  value={otherAsset}
                  onChange={setOtherAsset}
                  autoComplete="off"
                  hint="As the platform lists it, for example ETH or BTC. A symbol the platform does not hold is refused."
                />
                <div className="actions">
                  <button type="submit" className="danger">
                    Pause…
                  </button>
                </div>
              </form>
            ) : null}
          </div>
        </>
      ) : null}
      <SwitchDialog
        flip={flip}
        pausedAll={c?.pausedAll ?? false}
        onClose={() => setFlip(null)}
        onDone={(next, f) => {
          qc.setQueryData(['admin', 'controls'], next);
          setFlip(null);
          setOtherAsset('');
          setDone(
            f.paused
              ? `${what(f.asset)[0]!.toUpperCase()}${what(f.asset).slice(1)} are paused.`
              : `${what(f.asset)[0]!.toUpperCase()}${what(f.asset).slice(1)} are running again.`,
          );
        }}
      />
    </Page>
  );
}

/** The confirmation before a switch changes, with the reason kept in the audit log. */
function SwitchDialog({
  flip,
  pausedAll,
  onClose,
  onDone,
}: {
  flip: Flip | null;
  pausedAll: boolean;
  onClose: () => void;
  onDone: (next: Controls, flip: Flip) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const reasonId = useId();
  const [reason, setReason] = useState('');
  const change = useMutation({
    mutationFn: async (f: Flip) => {
      const text = reason.trim();
      if (text.length < 3)
        throw new ApiError(400, 'VALIDATION_FAILED', 'Write a reason of at least 3 characters.');
      return adminPut<Controls>('/v1/admin/controls/withdrawals', {
        asset: f.asset,
        paused: f.paused,
        reason: text,
      });
    },
    onSuccess: (next, f) => onDone(next, f),
  });
  const { reset } = change;
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (flip) {
      setReason('');
      reset();
      if (!d.open) d.showModal();
    } else if (d.open) d.close();
  }, [flip, reset]);

  const subject = flip ? what(flip.asset) : '';
  const error =
    change.error instanceof ApiError && change.error.code === 'UNKNOWN_ASSET'
      ? new ApiError(
          400,
          'UNKNOWN_ASSET',
          `The platform holds no asset called ${flip?.asset ?? ''}. Check the symbol.`,
          change.error.requestId,
        )
      : change.error instanceof ApiError && change.error.code === 'FORBIDDEN'
        ? new ApiError(
            403,
            'FORBIDDEN',
            'Refused: only admins can change the kill switches.',
            change.error.requestId,
          )
        : change.error;
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose}>
      {flip ? (
        <form onSubmit={onSubmit(() => !change.isPending && change.mutate(flip))}>
          <h2 id={titleId}>{flip.paused ? `Pause ${subject}?` : `Resume ${subject}?`}</h2>
          {flip.paused ? (
            <p>
              From now on customers cannot request {subject}, and those already queued wait: none is cancelled
              or lost. It stays paused until an admin resumes it.
            </p>
          ) : (
            <p>
              Customers can request {subject} again, and the queued ones are sent.
              {flip.asset && pausedAll
                ? ' All withdrawals stay paused by the platform-wide switch, though.'
                : ''}
            </p>
          )}
          <div className="field">
            <label htmlFor={reasonId}>{flip.paused ? 'Reason for pausing' : 'Reason for resuming'}</label>
            <textarea
              id={reasonId}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              required
              maxLength={500}
              rows={3}
              aria-describedby={`${reasonId}-hint`}
            />
            <div id={`${reasonId}-hint`} className="hint">
              Required, 3 to 500 characters. Other staff see it here; it is kept with your name in the audit
              log.
            </div>
          </div>
          <AdminError error={error} />
          <div className="actions">
            <button type="submit" className={flip.paused ? 'danger' : 'primary'} disabled={change.isPending}>
              {change.isPending
                ? 'Working…'
                : flip.paused
                  ? `Yes, pause ${subject}`
                  : `Yes, resume ${subject}`}
            </button>
            <button type="button" onClick={onClose}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </dialog>
  );
}
