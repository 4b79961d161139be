/**
 * How a withdrawal reaches a chain (SPEC S3). Custos never holds keys: an adapter hands the
 * withdrawal to whatever signs and broadcasts it. Every adapter must treat the withdrawal id as
 * an idempotency key (a second broadcast of the same id returns the first result), because after
 * a crash Custos cannot know whether its last call arrived, and sends it again.
 */
export interface ChainWithdrawal {
  readonly withdrawalId: string;
  readonly asset: string;
  readonly network: string;
  readonly address: string;
  readonly amount: bigint;
}

export type BroadcastResult =
  | { readonly status: 'accepted'; readonly txId: string | null }
  | { readonly status: 'refused'; readonly reason: string };

export interface ChainAdapter {
  readonly name: 'simulated' | 'webhook';
  /** Throws when the outcome is unknown (timeout, network error): the call is retried later. */
  broadcast(w: ChainWithdrawal): Promise<BroadcastResult>;
  /**
   * Whether a broadcast of this id already happened: the transaction id, null when it did not,
   * or 'unknown' when the adapter cannot tell (then the idempotent broadcast is sent again).
   */
  lookup(withdrawalId: string): Promise<{ txId: string } | null | 'unknown'>;
  /** For adapters that are polled: whether the broadcast transaction is confirmed. */
  confirmation(withdrawalId: string): Promise<'pending' | 'confirmed' | 'unknown'>;
  /**
   * The balance the chain shows for a platform wallet, in the asset's smallest unit, for the
   * proof-of-reserves wallet registry (S8); absent when the adapter cannot read balances.
   */
  walletBalance?(asset: string, address: string): Promise<bigint>;
}
