/**
 * Shapes of the ledger and withdrawal answers of the API (see /openapi.json), read by the
 * customer's pages and the admin console alike. The withdrawal states are the domain's own list.
 */
import type { WithdrawalState } from '../../../src/domain/withdrawals/state-machine';

export type { WithdrawalState };

export interface Asset {
  symbol: string;
  decimals: number;
  network: string;
}

export interface LedgerAccount {
  id: string;
  name: string;
  main: boolean;
  createdAt: string;
  balances: { asset: string; balance: string; held: string; available: string }[];
}

/** An address of the customer's address book. */
export interface Address {
  id: string;
  asset: string;
  network: string;
  address: string;
  label: string;
  status: 'awaiting_confirmation' | 'activating' | 'active';
  createdAt: string;
  activeFrom: string | null;
}

/** What the customer's and the staff's views of a withdrawal both carry. */
export interface WithdrawalBase {
  id: string;
  accountId: string;
  asset: string;
  network: string;
  address: string;
  amount: string;
  fee: string;
  state: WithdrawalState;
  large: boolean;
  risk: { score: number; decision: string; reasons: string[] };
  confirmExpiresAt: string | null;
  coolingOffUntil: string | null;
  createdAt: string;
}

/** A withdrawal as its owner sees it. */
export interface Withdrawal extends WithdrawalBase {
  decimals: number;
  cancellable: boolean;
  chainTxId: string | null;
  updatedAt: string;
}

/** One step of a withdrawal's timeline. */
export interface Step {
  at: string;
  from: WithdrawalState | null;
  to: WithdrawalState;
  event: string;
  by: 'you' | 'reviewer' | 'system';
  reason: string;
}
