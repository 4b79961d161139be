import { queryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { get } from '../api';
import type { Address, Asset, LedgerAccount } from '../types/withdrawals';

/**
 * After a change: reload the given queries and the security checkup (almost every change moves
 * its score; a query no page shows is only marked stale).
 */
export function useRefetch(...keys: string[]) {
  const qc = useQueryClient();
  return () => {
    for (const key of [...keys, 'checkup']) void qc.invalidateQueries({ queryKey: [key] });
  };
}

/** The assets of the platform, with their decimals and networks. */
export const useAssets = () =>
  useQuery({ queryKey: ['assets'], queryFn: () => get<{ items: Asset[] }>('/v1/ledger/assets') });

/** The customer's main account and sub-accounts, with their balances. */
export const useLedgerAccounts = () =>
  useQuery({
    queryKey: ['ledger-accounts'],
    queryFn: () => get<{ items: LedgerAccount[] }>('/v1/ledger/accounts'),
  });

/** The customer's address book (a page that waits for an address to activate adds a refetch). */
export const addressesQuery = queryOptions({
  queryKey: ['addresses'],
  queryFn: () => get<{ items: Address[] }>('/v1/withdrawals/addresses'),
});
