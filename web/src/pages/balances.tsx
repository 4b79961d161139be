import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { formatUnits, parseUnits } from '../../../src/domain/ledger/amount';
import { api, ApiError, get } from '../api';
import { useAssets, useLedgerAccounts, useRefetch } from '../components/queries';
import { DataTable, ErrorNote, Field, Notice, onSubmit, Page, SelectField, Submit } from '../components/ui';
import type { Asset, LedgerAccount } from '../types/withdrawals';

interface Entry {
  id: string;
  transactionId: string;
  kind: string;
  createdAt: string;
  accountId: string;
  asset: string;
  amount: string;
}

/** One idempotency key per intended change: a double click or a retry after a timeout sends the same key. */
function useIntentKey(): [string, () => void] {
  const [key, setKey] = useState(() => crypto.randomUUID());
  return [key, () => setKey(crypto.randomUUID())];
}

const KIND: Record<string, string> = {
  deposit: 'Deposit',
  transfer: 'Transfer',
  settlement: 'Trade',
  fee: 'Fee',
  reimbursement: 'Reimbursement',
  withdrawal: 'Withdrawal',
};

export function BalancesPage() {
  const assets = useAssets();
  const accounts = useLedgerAccounts();
  const entries = useQuery({
    queryKey: ['ledger-entries'],
    queryFn: () => get<{ items: Entry[]; nextCursor: string | null }>('/v1/ledger/entries?limit=20'),
  });
  const reload = useRefetch('ledger-accounts', 'ledger-entries');
  const decimals = (symbol: string) => assets.data?.items.find((a) => a.symbol === symbol)?.decimals ?? 0;
  const show = (amount: string, symbol: string) =>
    `${formatUnits(BigInt(amount), decimals(symbol))} ${symbol}`;
  const list = accounts.data?.items ?? [];
  const nameOf = (id: string) => list.find((a) => a.id === id)?.name ?? 'account';

  return (
    <Page
      title="Balances and transfers"
      intro="Your main account and sub-accounts. A sub-account keeps funds apart, so a key or bot given access to one cannot reach the others."
    >
      <ErrorNote error={assets.error ?? accounts.error ?? entries.error} />
      {list.map((a) => (
        <div className="card" key={a.id} data-testid="ledger-account">
          <h2>
            {a.name} {a.main ? <span className="badge">main</span> : null}
          </h2>
          <DataTable
            caption={`Balances of ${a.name}`}
            columns={['Asset', 'Balance', 'Reserved', 'Available']}
          >
            {a.balances.length === 0 ? (
              <tr>
                <td colSpan={4}>No funds yet.</td>
              </tr>
            ) : (
              a.balances.map((b) => (
                <tr key={b.asset} data-testid={`balance-${a.name}-${b.asset}`}>
                  <td>{b.asset}</td>
                  <td>{show(b.balance, b.asset)}</td>
                  <td>{show(b.held, b.asset)}</td>
                  <td>
                    <strong>{show(b.available, b.asset)}</strong>
                  </td>
                </tr>
              ))
            )}
          </DataTable>
        </div>
      ))}
      <div className="grid2">
        <TransferForm accounts={list} assets={assets.data?.items ?? []} onDone={reload} />
        <NewSubAccount onDone={reload} />
      </div>
      <h2>Recent activity</h2>
      <DataTable caption="Recent ledger entries" columns={['When', 'What', 'Account', 'Amount']}>
        {(entries.data?.items ?? []).map((e) => (
          <tr key={e.id} data-testid="ledger-entry">
            <td>{new Date(e.createdAt).toLocaleString()}</td>
            <td>{KIND[e.kind] ?? e.kind}</td>
            <td>{nameOf(e.accountId)}</td>
            <td className={e.amount.startsWith('-') ? 'debit' : 'credit'}>
              {e.amount.startsWith('-') ? '' : '+'}
              {show(e.amount, e.asset)}
            </td>
          </tr>
        ))}
      </DataTable>
    </Page>
  );
}

function TransferForm({
  accounts,
  assets,
  onDone,
}: {
  accounts: LedgerAccount[];
  assets: Asset[];
  onDone: () => void;
}) {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [asset, setAsset] = useState('');
  const [amount, setAmount] = useState('');
  const [key, nextKey] = useIntentKey();
  const fromId = from || accounts[0]?.id || '';
  const toId = to || accounts.find((a) => a.id !== fromId)?.id || '';
  const symbol = asset || assets[0]?.symbol || '';
  const decimals = assets.find((a) => a.symbol === symbol)?.decimals ?? 0;
  const transfer = useMutation({
    mutationFn: async () => {
      const units = parseUnits(amount, decimals);
      if (units === null || units <= 0n)
        throw new ApiError(
          400,
          'VALIDATION_FAILED',
          `Enter a positive amount with at most ${decimals} decimals.`,
        );
      return api(
        'POST',
        '/v1/ledger/transfers',
        { fromAccountId: fromId, toAccountId: toId, asset: symbol, amount: units.toString() },
        { 'Idempotency-Key': key },
      );
    },
    onSuccess: () => {
      setAmount('');
      nextKey();
      onDone();
    },
  });
  if (accounts.length < 2)
    return (
      <div className="card">
        <h2>Transfer</h2>
        <p>Create a sub-account to move funds between your accounts.</p>
      </div>
    );
  return (
    <form className="card form" onSubmit={onSubmit(() => !transfer.isPending && transfer.mutate())}>
      <h2>Transfer between your accounts</h2>
      <SelectField
        label="From"
        value={fromId}
        onChange={setFrom}
        options={accounts.map((a) => [a.id, a.name] as const)}
      />
      <SelectField
        label="To"
        value={toId}
        onChange={setTo}
        options={accounts.map((a) => [a.id, a.name] as const)}
      />
      <SelectField
        label="Asset"
        value={symbol}
        onChange={setAsset}
        options={assets.map((a) => [a.symbol, a.symbol] as const)}
      />
      <Field
        label="Amount"
        inputMode="text"
        value={amount}
        onChange={setAmount}
        hint={`In ${symbol}, e.g. 0.25`}
      />
      {transfer.isSuccess ? <Notice kind="ok">Transferred.</Notice> : null}
      <ErrorNote error={transfer.error} />
      <Submit busy={transfer.isPending}>Transfer</Submit>
    </form>
  );
}

function NewSubAccount({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState('');
  const [key, nextKey] = useIntentKey();
  const create = useMutation({
    mutationFn: () => api('POST', '/v1/ledger/accounts', { name: name.trim() }, { 'Idempotency-Key': key }),
    onSuccess: () => {
      setName('');
      nextKey();
      onDone();
    },
  });
  return (
    <form className="card form" onSubmit={onSubmit(() => !create.isPending && create.mutate())}>
      <h2>New sub-account</h2>
      <Field
        label="Sub-account name"
        value={name}
        onChange={setName}
        hint="For example: Trading bot, Savings."
      />
      <ErrorNote error={create.error} />
      <Submit busy={create.isPending}>Create sub-account</Submit>
    </form>
  );
}
