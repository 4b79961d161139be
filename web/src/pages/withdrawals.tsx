import { keepPreviousData, useInfiniteQuery, useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { formatUnits, parseUnits } from '../../../src/domain/ledger/amount';
import { isTerminal, WITHDRAWAL_STATES } from '../../../src/domain/withdrawals/state-machine';
import { api, ApiError, get, post } from '../api';
import { addressesQuery, useAssets, useLedgerAccounts, useRefetch } from '../components/queries';
import { useSensitive } from '../components/step-up';
import {
  Countdown,
  DataTable,
  ErrorNote,
  ExactTime,
  Field,
  Notice,
  onSubmit,
  Page,
  plural,
  SelectField,
  Submit,
} from '../components/ui';
import {
  DestinationFacts,
  formatAmount,
  RiskReasons,
  StateBadge,
  WithdrawalTimeline,
} from '../components/withdrawal-view';
import type { Step, Withdrawal, WithdrawalState } from '../types/withdrawals';

interface Preview {
  fee: string;
  total: string;
  large: boolean;
  coolingOffHours: number;
  emailConfirmation: 'always' | 'risk';
  confirmMinutes: number;
  problems: { code: string; message: string }[];
}
interface Request {
  accountId: string;
  asset: string;
  address: string;
  amount: string;
}

/** What the state means for the person, on the detail page. */
const EXPLAIN: Record<WithdrawalState, string> = {
  in_review:
    'Our security team checks it before it can go on. You can cancel it meanwhile; the funds stay reserved until then.',
  awaiting_confirmation:
    'We emailed you a link. Open it and press “Confirm this withdrawal”: without that, nothing is sent.',
  cooling_off:
    'It is a large withdrawal, so it waits before it is sent. You can cancel it until the wait ends.',
  queued: 'Confirmed. It is sent to the network shortly; until that moment you can still cancel it.',
  broadcasting: 'It is being handed to the network. It can no longer be cancelled.',
  broadcast: 'It is on the network, waiting for confirmations. It can no longer be cancelled.',
  confirmed: 'The network confirmed it. Done.',
  rejected: 'Our security team rejected it. Nothing was sent and the funds are available again.',
  cancelled: 'It was stopped before it was sent. The funds are available again.',
  expired: 'It was not confirmed from the email in time, so nothing was sent. The funds are available again.',
  failed: 'The network did not take it. Nothing was sent and the funds are available again.',
};

const BY: Record<Step['by'], string> = { you: 'you', reviewer: 'a reviewer', system: 'Custos' };

/** The states a withdrawal is still moving on from: the page follows it until it leaves them. */
const OPEN: readonly WithdrawalState[] = WITHDRAWAL_STATES.filter((s) => !isTerminal(s));

const PAGE_SIZE = 20;

// An address that is activating becomes usable while the page is open.
const useAddresses = () => useQuery({ ...addressesQuery, refetchInterval: 60_000 });

/** "1.5 ETH"; without the asset list (signed out) the amount in the asset's smallest units. */
function useShow() {
  const assets = useAssets();
  return (amount: string | bigint, symbol: string) => {
    const asset = assets.data?.items.find((a) => a.symbol === symbol);
    return formatAmount(amount, symbol, asset?.decimals);
  };
}

/** `value`, once it has stayed the same for `ms`: the preview is asked for when typing pauses. */
function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}

/** A refusal lists every reason in plain words (the API's details carry a code in `path`). */
function withReasons(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  if (error.code !== 'WITHDRAWAL_REFUSED' && error.code !== 'WITHDRAWAL_BLOCKED') return error;
  return new ApiError(
    error.status,
    error.code,
    error.code === 'WITHDRAWAL_BLOCKED'
      ? 'Our risk checks blocked this withdrawal; nothing was reserved or sent. We emailed you about it. The reasons:'
      : 'This withdrawal is not allowed now; nothing was reserved or sent. The reasons:',
    error.requestId,
    (error.details ?? []).map((d) => ({ path: '', message: d.message })),
  );
}

export function WithdrawPage() {
  const navigate = useNavigate();
  const sensitive = useSensitive();
  const refresh = useRefetch('withdrawals', 'withdrawal', 'ledger-accounts', 'ledger-entries');
  const assets = useAssets();
  const accounts = useLedgerAccounts();
  const addresses = useAddresses();
  const show = useShow();
  const [accountId, setAccountId] = useState('');
  const [asset, setAsset] = useState('');
  const [address, setAddress] = useState('');
  const [amount, setAmount] = useState('');

  const accountList = accounts.data?.items ?? [];
  const account = accountList.find((a) => a.id === accountId) ?? accountList.find((a) => a.main);
  const assetList = assets.data?.items ?? [];
  // Until one is chosen: the first asset with an address that can receive.
  const symbol =
    asset ||
    assetList.find((a) => addresses.data?.items.some((x) => x.asset === a.symbol && x.status === 'active'))
      ?.symbol ||
    assetList[0]?.symbol ||
    '';
  const assetInfo = assetList.find((a) => a.symbol === symbol);
  const decimals = assetInfo?.decimals ?? 0;
  const book = (addresses.data?.items ?? []).filter((a) => a.asset === symbol);
  const usable = book.filter((a) => a.status === 'active');
  const destination = usable.find((a) => a.address === address)?.address ?? usable[0]?.address ?? '';
  const available = BigInt(account?.balances.find((b) => b.asset === symbol)?.available ?? '0');
  const units = amount.trim() ? parseUnits(amount, decimals) : null;
  const amountInvalid = amount.trim() !== '' && (units === null || units <= 0n);
  const request: Request | null =
    account && destination && units !== null && units > 0n
      ? { accountId: account.id, asset: symbol, address: destination, amount: units.toString() }
      : null;

  // The preview follows the form once typing pauses; nothing is reserved by it.
  const requestKey = JSON.stringify(request);
  const previewKey = useDebounced(requestKey, 300);
  const preview = useQuery({
    queryKey: ['withdrawal-preview', previewKey],
    queryFn: () => post<Preview>('/v1/withdrawals/preview', JSON.parse(previewKey) as Request),
    enabled: previewKey !== 'null',
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
  const previewCurrent = request !== null && previewKey === requestKey && !preview.isPlaceholderData;

  // One idempotency key per intended withdrawal: a double click, or a retry after a timeout or a
  // step-up, sends the same key, so at most one withdrawal is created. Other values, another key.
  const intent = useRef<{ request: string; key: string } | null>(null);
  // Set at once on submit: a second click of a double click cannot start a second request.
  const inFlight = useRef(false);
  const keyFor = (r: string) => {
    if (intent.current?.request !== r) intent.current = { request: r, key: `wd-${crypto.randomUUID()}` };
    return intent.current.key;
  };
  const submit = useMutation({
    // The variable is the request as sent, so an answer is shown only while the form still says it.
    mutationFn: (_sent: string) => {
      if (!destination)
        throw new ApiError(400, 'VALIDATION_FAILED', 'Choose an address from your address book.');
      if (!request)
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          `Enter a positive amount in ${symbol} with at most ${decimals} decimals.`,
        );
      const key = keyFor(JSON.stringify(request));
      return sensitive(() => api<Withdrawal>('POST', '/v1/withdrawals', request, { 'Idempotency-Key': key }));
    },
    onSuccess: (w) => {
      intent.current = null;
      refresh();
      navigate(`/security/withdrawals/${w.id}`);
    },
    onSettled: () => {
      inFlight.current = false;
    },
  });
  const send = () => {
    if (inFlight.current) return;
    inFlight.current = true;
    submit.mutate(requestKey);
  };
  const max = useMutation({
    mutationFn: async () => {
      const p = await post<Preview>('/v1/withdrawals/preview', {
        accountId: account!.id,
        asset: symbol,
        address: destination,
        amount: available.toString(),
      });
      const most = available - BigInt(p.fee);
      if (most <= 0n)
        throw new ApiError(
          0,
          'CLIENT',
          `The available balance does not cover the fee of ${show(p.fee, symbol)}.`,
        );
      return most;
    },
    onSuccess: (most) => setAmount(formatUnits(most, decimals)),
  });

  return (
    <Page
      title="Withdraw"
      intro="Send funds to an address in your address book. Nothing leaves before you confirm it from your email, and you can cancel it until it is sent to the network."
    >
      <ErrorNote error={assets.error ?? accounts.error ?? addresses.error} />
      <form className="card form" onSubmit={onSubmit(send)}>
        <SelectField
          label="From account"
          value={account?.id ?? ''}
          onChange={setAccountId}
          options={accountList.map((a) => [a.id, a.main ? `${a.name} (main account)` : a.name] as const)}
        />
        <SelectField
          label="Asset"
          value={symbol}
          onChange={(v) => {
            setAsset(v);
            setAddress('');
            setAmount('');
          }}
          options={assetList.map((a) => [a.symbol, `${a.symbol} on ${a.network}`] as const)}
        />
        <fieldset className="choices destinations">
          <legend>To address</legend>
          {addresses.data && usable.length === 0 ? (
            <Notice kind="warn">
              <p>
                {book.length === 0
                  ? `You have no ${symbol} address in your address book.`
                  : `None of your ${symbol} addresses can receive withdrawals yet.`}{' '}
                Withdrawals go only to saved addresses; a new one becomes usable a day after you confirm it
                from the email.
              </p>
              <p>
                <Link to="/security/addresses">Open the address book</Link>
              </p>
            </Notice>
          ) : null}
          {book.map((a) => (
            <div key={a.id} className={a.status === 'active' ? 'destination' : 'destination muted'}>
              <label>
                <input
                  type="radio"
                  name="destination"
                  value={a.address}
                  checked={a.address === destination}
                  disabled={a.status !== 'active'}
                  onChange={() => setAddress(a.address)}
                />{' '}
                {a.label} <code className="secret">{a.address}</code>
              </label>
              {a.status === 'activating' && a.activeFrom ? (
                <Countdown until={a.activeFrom} label="Usable from" />
              ) : a.status === 'awaiting_confirmation' ? (
                <p className="small">Not usable yet: waiting for the confirmation from your email.</p>
              ) : null}
            </div>
          ))}
        </fieldset>
        <Field
          label={`Amount in ${symbol}`}
          inputMode="decimal"
          autoComplete="off"
          value={amount}
          onChange={setAmount}
          hint={`In whole ${symbol}, e.g. 0.25. The fee is added on top.`}
        />
        <p className="available" data-testid="available">
          Available in {account?.name ?? 'this account'}: <strong>{show(available, symbol)}</strong>{' '}
          <button
            type="button"
            className="link"
            disabled={!account || !destination || available <= 0n || max.isPending}
            onClick={() => max.mutate()}
          >
            Use the maximum<span className="sr-only"> (available balance minus the fee)</span>
          </button>
        </p>
        {amountInvalid ? (
          <Notice kind="warn">
            Enter a positive amount in {symbol} with at most {decimals} decimals.
          </Notice>
        ) : null}
        <ErrorNote error={max.error ?? preview.error} />
        {request && preview.data ? (
          <PreviewPanel
            preview={preview.data}
            updating={!previewCurrent}
            symbol={symbol}
            network={assetInfo?.network ?? symbol}
            show={show}
          />
        ) : null}
        <ErrorNote error={submit.variables === requestKey ? withReasons(submit.error) : null} />
        <Submit busy={submit.isPending}>Request withdrawal</Submit>
      </form>
      <p>
        <Link to="/security/withdrawals">Your withdrawals</Link>
      </p>
    </Page>
  );
}

function PreviewPanel({
  preview: p,
  updating,
  symbol,
  network,
  show,
}: {
  preview: Preview;
  updating: boolean;
  symbol: string;
  network: string;
  show: (amount: string, symbol: string) => string;
}) {
  return (
    <div className="preview" aria-live="polite" aria-busy={updating} data-testid="withdrawal-preview">
      <h2>Before you send {updating ? <span className="muted small">(updating…)</span> : null}</h2>
      <dl className="facts">
        <dt>Network fee</dt>
        <dd data-testid="preview-fee">{show(p.fee, symbol)}</dd>
        <dt>Total leaving the account</dt>
        <dd data-testid="preview-total">
          <strong>{show(p.total, symbol)}</strong>
        </dd>
      </dl>
      <h3>What happens next</h3>
      <ol className="next-steps">
        <li>
          {p.emailConfirmation === 'always'
            ? `We email you a link to confirm it, valid ${plural(p.confirmMinutes, 'minute')}. Without your confirmation nothing is sent.`
            : `If our risk checks ask for it, we email you a link to confirm it, valid ${plural(p.confirmMinutes, 'minute')}.`}
        </li>
        {p.large ? (
          <li>
            It is a large withdrawal: after your confirmation it waits {plural(p.coolingOffHours, 'hour')} (a
            cooling-off period) before it is sent. You can cancel it meanwhile.
          </li>
        ) : null}
        <li>
          Then it is sent to the {network} network. Until that moment you can cancel it and the funds come
          back.
        </li>
      </ol>
      {p.problems.length ? (
        <Notice kind="warn">
          <p>
            <strong>It would be refused now:</strong>
          </p>
          <ul data-testid="preview-problems">
            {p.problems.map((x) => (
              <li key={x.code}>{x.message}</li>
            ))}
          </ul>
        </Notice>
      ) : null}
    </div>
  );
}

export function WithdrawalsPage() {
  const [filter, setFilter] = useState<'all' | 'open'>('all');
  const show = useShow();
  const addresses = useAddresses();
  const list = useInfiniteQuery({
    queryKey: ['withdrawals', filter],
    queryFn: ({ pageParam }) => {
      const q = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (filter === 'open') q.set('open', 'true');
      if (pageParam) q.set('before', pageParam);
      return get<{ items: Withdrawal[]; nextBefore: string | null }>(`/v1/withdrawals?${q}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextBefore,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const labelOf = (w: Withdrawal) =>
    addresses.data?.items.find((a) => a.asset === w.asset && a.address === w.address)?.label;
  return (
    <Page
      title="Withdrawals"
      intro="Your withdrawals, newest first. Open one to see each step and to cancel it."
    >
      <p>
        <Link to="/security/withdraw">New withdrawal</Link>
      </p>
      <SelectField
        label="Show"
        value={filter}
        onChange={(v) => setFilter(v === 'open' ? 'open' : 'all')}
        options={[
          ['all', 'All withdrawals'],
          ['open', 'Only those not finished yet'],
        ]}
      />
      <ErrorNote error={list.error} />
      <DataTable caption="Withdrawals" columns={['Requested', 'Amount', 'To', 'Status']} actions>
        {items.map((w) => (
          <tr key={w.id} data-testid="withdrawal-row">
            <td>
              <time dateTime={w.createdAt}>{new Date(w.createdAt).toLocaleString()}</time>
            </td>
            <td>
              <strong>{show(w.amount, w.asset)}</strong>
            </td>
            <td>
              {labelOf(w) ? <span>{labelOf(w)} </span> : null}
              <code className="secret">{w.address}</code>
            </td>
            <td>
              <StateBadge state={w.state} />
            </td>
            <td className="row-actions">
              <Link to={`/security/withdrawals/${w.id}`}>
                Details<span className="sr-only"> of the withdrawal of {show(w.amount, w.asset)}</span>
              </Link>
            </td>
          </tr>
        ))}
        {list.data && items.length === 0 ? (
          <tr>
            <td colSpan={5}>{filter === 'open' ? 'No withdrawal in progress.' : 'No withdrawal yet.'}</td>
          </tr>
        ) : null}
      </DataTable>
      {list.hasNextPage ? (
        <div className="actions">
          <button type="button" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
            {list.isFetchingNextPage ? 'Loading…' : 'Show older withdrawals'}
          </button>
        </div>
      ) : null}
    </Page>
  );
}

export function WithdrawalPage() {
  const { id = '' } = useParams();
  const show = useShow();
  const accounts = useLedgerAccounts();
  const refresh = useRefetch('withdrawals', 'withdrawal', 'ledger-accounts', 'ledger-entries');
  const detail = useQuery({
    queryKey: ['withdrawal', id],
    queryFn: () => get<Withdrawal & { timeline: Step[] }>(`/v1/withdrawals/${id}`),
    // Until it is finished, the page follows it (the worker and the chain move it on).
    refetchInterval: (q) => (q.state.data && OPEN.includes(q.state.data.state) ? 5_000 : false),
  });
  const w = detail.data;
  if (!w)
    return (
      <Page title="Withdrawal">
        <ErrorNote error={detail.error} />
        {detail.isLoading ? <p aria-busy="true">Loading…</p> : null}
        <p>
          <Link to="/security/withdrawals">All withdrawals</Link>
        </p>
      </Page>
    );
  const total = (BigInt(w.amount) + BigInt(w.fee)).toString();
  const accountName = accounts.data?.items.find((a) => a.id === w.accountId)?.name;
  return (
    <Page title={`Withdrawal of ${show(w.amount, w.asset)}`}>
      <ErrorNote error={detail.error} />
      <div className="card" data-testid="withdrawal-status">
        <h2>
          Status: <StateBadge state={w.state} />
        </h2>
        <p>{EXPLAIN[w.state]}</p>
        {w.confirmExpiresAt ? (
          <Countdown until={w.confirmExpiresAt} label="Confirm it from the email before" />
        ) : null}
        {w.coolingOffUntil ? <Countdown until={w.coolingOffUntil} label="It is sent after" /> : null}
        {w.cancellable ? (
          <CancelWithdrawal withdrawal={w} total={show(total, w.asset)} onDone={refresh} />
        ) : null}
      </div>
      <div className="card">
        <h2>Details</h2>
        <dl className="facts stack">
          <dt>Amount</dt>
          <dd>{show(w.amount, w.asset)}</dd>
          <dt>Network fee</dt>
          <dd>{show(w.fee, w.asset)}</dd>
          <dt>Total</dt>
          <dd data-testid="withdrawal-total">
            <strong>{show(total, w.asset)}</strong>
          </dd>
          <dt>From account</dt>
          <dd>{accountName ?? '—'}</dd>
          <DestinationFacts withdrawal={w} />
          <dt>Network transaction</dt>
          <dd data-testid="chain-tx">
            {w.chainTxId ? <code className="secret">{w.chainTxId}</code> : 'Not sent yet'}
          </dd>
        </dl>
      </div>
      {w.risk.reasons.length ? (
        <div className="card">
          <h2>What our risk checks noticed</h2>
          <RiskReasons reasons={w.risk.reasons} />
        </div>
      ) : null}
      <WithdrawalTimeline steps={w.timeline} by={BY} />
      <p>
        <Link to="/security/withdrawals">All withdrawals</Link> ·{' '}
        <Link to="/security/withdraw">New withdrawal</Link>
      </p>
    </Page>
  );
}

function CancelWithdrawal({
  withdrawal,
  total,
  onDone,
}: {
  withdrawal: Withdrawal;
  total: string;
  onDone: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancel = useMutation({
    mutationFn: () => post<Withdrawal>(`/v1/withdrawals/${withdrawal.id}/cancel`),
    onSuccess: () => {
      ref.current?.close();
      onDone();
    },
    // It may have left meanwhile: show the answer and the state as it is now.
    onError: onDone,
  });
  return (
    <>
      <div className="actions">
        <button type="button" className="danger" onClick={() => ref.current?.showModal()}>
          Cancel this withdrawal
        </button>
      </div>
      <dialog ref={ref} className="dialog" aria-labelledby="cancel-title">
        <h2 id="cancel-title">Cancel this withdrawal?</h2>
        <p>
          Nothing is sent, and the reserved {total} becomes available again at once. To send it after all, you
          would request a new withdrawal.
        </p>
        <ErrorNote error={cancel.error} />
        <div className="actions">
          <button
            type="button"
            className="danger"
            disabled={cancel.isPending}
            onClick={() => cancel.mutate()}
          >
            {cancel.isPending ? 'Cancelling…' : 'Yes, cancel it'}
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            Keep it
          </button>
        </div>
      </dialog>
    </>
  );
}

/**
 * Landing of the withdrawal confirmation email. Confirming needs a press: mail scanners open
 * links too, and a scanner must never confirm a withdrawal.
 */
export function ConfirmWithdrawalPage() {
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  // The withdrawal carries its asset's decimals: this page works signed out, without the asset list.
  const show = (amount: string, w: Withdrawal) => `${formatUnits(BigInt(amount), w.decimals)} ${w.asset}`;
  // What the link is for, read without using it; confirming needs the press below.
  const pending = useQuery({
    queryKey: ['withdrawal-confirmation', token],
    queryFn: () => post<Withdrawal>('/v1/auth/withdrawal-confirmation/describe', { token }),
    enabled: token !== '',
    retry: false,
  });
  const confirm = useMutation({
    mutationFn: () => post<Withdrawal>('/v1/auth/withdrawal-confirmation', { token }),
  });
  const e = confirm.error ?? pending.error;
  const used = e instanceof ApiError && e.code === 'EMAIL_TOKEN_INVALID';
  const w = confirm.data;
  const ask = pending.data;
  return (
    <Page title="Confirm a withdrawal">
      {!token ? (
        <Notice kind="warn">This link is incomplete. Open the link from the email again.</Notice>
      ) : w ? (
        <Notice kind="ok">
          <p>
            <strong>Confirmed:</strong> {show(w.amount, w)} (fee {show(w.fee, w)}) to
          </p>
          <p>
            <code className="secret">{w.address}</code>
          </p>
          <p>
            Status: <StateBadge state={w.state} />
          </p>
          {w.coolingOffUntil ? (
            <p>
              It is a large withdrawal, so it is sent after <ExactTime at={w.coolingOffUntil} />. You can
              cancel it until then.
            </p>
          ) : (
            <p>It is sent to the {w.network} network shortly.</p>
          )}
        </Notice>
      ) : used ? (
        <div className="note error" role="alert">
          <p>
            This link cannot be used any more: it was already used, it expired (a confirmation link is valid
            for a short time only), or the withdrawal was cancelled. Nothing was confirmed by this page.
          </p>
          <p>Check the withdrawal in the security center; if it expired, request it again.</p>
          {e.requestId ? <p className="muted small">Reference: {e.requestId}</p> : null}
        </div>
      ) : (
        <>
          {ask ? (
            <dl className="facts">
              <dt>Amount</dt>
              <dd>
                {show(ask.amount, ask)} (fee {show(ask.fee, ask)})
              </dd>
              <dt>To</dt>
              <dd>
                <code className="secret">{ask.address}</code> ({ask.network})
              </dd>
              <dt>Requested</dt>
              <dd>
                <ExactTime at={ask.createdAt} />
              </dd>
            </dl>
          ) : null}
          <p>
            Confirm only a withdrawal you asked for yourself, just now: check the amount and the address
            against what you meant to send. If you did not ask for it, do not confirm it; lock your account
            with the link in the email.
          </p>
          <ErrorNote error={e} />
          <button
            type="button"
            className="primary"
            disabled={confirm.isPending}
            onClick={() => confirm.mutate()}
          >
            {confirm.isPending ? 'Confirming…' : 'Confirm this withdrawal'}
          </button>
        </>
      )}
      <p>
        <Link to={w ? `/security/withdrawals/${w.id}` : '/security/withdrawals'}>
          {w ? 'See this withdrawal' : 'Your withdrawals'}
        </Link>
      </p>
    </Page>
  );
}
