import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Row types, one per table. They are not domain types: services map them explicitly. */

type Timestamp = ColumnType<Date, Date, Date>;
type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
type Json<T> = ColumnType<T, string | undefined, string>;
/** bigint columns come back as strings from both drivers; we convert at the repository edge. */
type BigIntColumn = ColumnType<string, string | bigint | number, string | bigint | number>;

export interface UsersTable {
  id: string;
  email: string;
  email_verified_at: NullableTimestamp;
  password_hash: string;
  password_changed_at: Timestamp;
  created_at: Timestamp;
  locked_at: NullableTimestamp;
  lock_reason: string | null;
  failed_attempts: Generated<number>;
  last_failed_at: NullableTimestamp;
  temp_locked_until: NullableTimestamp;
  hard_locked_at: NullableTimestamp;
  anti_phishing_code: string | null;
  totp_secret_enc: string | null;
  totp_pending_secret_enc: string | null;
  totp_enabled_at: NullableTimestamp;
  totp_last_step: ColumnType<string | null, string | bigint | number | null, string | bigint | number | null>;
  withdrawals_frozen_until: NullableTimestamp;
  settings_locked_at: NullableTimestamp;
  settings_unlock_delay_days: number | null;
  settings_unlock_effective_at: NullableTimestamp;
  ip_allowlist: Json<string[]>;
  mfa_since: NullableTimestamp;
  anti_phishing_since: NullableTimestamp;
  withdrawal_lock_on: Generated<boolean>;
  withdrawal_lock_off_effective_at: NullableTimestamp;
  security_changed_at: NullableTimestamp;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  token_hash: Uint8Array;
  name: string;
  user_agent: string;
  approved_at: NullableTimestamp;
  trusted: Generated<boolean>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  last_ip: string;
  removed_at: NullableTimestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  device_id: string | null;
  token_hash: Uint8Array;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_expires_at: Timestamp;
  absolute_expires_at: Timestamp;
  step_up_at: NullableTimestamp;
  ip: string;
  user_agent: string;
  auth_methods: string;
  revoked_at: NullableTimestamp;
  revoke_reason: string | null;
}

export interface SignInChallengesTable {
  id: string;
  user_id: string;
  token_hash: Uint8Array;
  stage: 'second_factor' | 'device_approval';
  methods: string;
  device_id: string | null;
  ip: string;
  user_agent: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  completed_at: NullableTimestamp;
  approved_at: NullableTimestamp;
  denied_at: NullableTimestamp;
}

export interface EmailTokensTable {
  id: string;
  user_id: string;
  purpose: string;
  token_hash: Uint8Array;
  data: Json<Record<string, unknown>>;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
}

export interface BackupCodesTable {
  id: string;
  user_id: string;
  code_hash: Uint8Array;
  created_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: Uint8Array;
  counter: BigIntColumn;
  transports: Json<string[]>;
  device_type: string;
  backed_up: boolean;
  name: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
}

export interface WebauthnChallengesTable {
  id: string;
  user_id: string | null;
  purpose: 'registration' | 'authentication';
  challenge: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  consumed_at: NullableTimestamp;
}

export interface RecoveryRequestsTable {
  id: string;
  user_id: string;
  token_hash: Uint8Array;
  cancel_token_hash: Uint8Array;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
  effective_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  completed_at: NullableTimestamp;
}

export interface OperatorsTable {
  id: string;
  email: string;
  password_hash: string;
  role: 'support' | 'analyst' | 'approver' | 'admin';
  created_at: Timestamp;
  disabled_at: NullableTimestamp;
  totp_secret_enc: string | null;
  totp_last_step: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AuditEventsTable {
  /** The chain position; null until the chainer seals the event. */
  seq: ColumnType<string | null, never, string>;
  /** Insertion order (also of unchained events). */
  ord: ColumnType<string, never, never>;
  /** The inserting transaction (pg_current_xact_id()); orders the chaining. */
  xid: ColumnType<string | null, never, never>;
  id: string;
  at: Timestamp;
  type: string;
  actor: string;
  user_id: string | null;
  ip: string | null;
  device_id: string | null;
  data: Json<Record<string, unknown>>;
  prev_hash: ColumnType<string | null, never, string>;
  hash: ColumnType<string | null, never, string>;
}

export interface AuditHeadTable {
  id: number;
  seq: BigIntColumn;
  hash: string;
}

export interface AuditCheckpointsTable {
  seq: BigIntColumn;
  hash: string;
  at: Timestamp;
  public_key: string;
  signature: string;
}

export interface OutboxTable {
  id: string;
  kind: 'email' | 'webhook' | 'job';
  payload: Json<Record<string, unknown>>;
  created_at: Timestamp;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  sent_at: NullableTimestamp;
  last_error: string | null;
}

export interface DevMailboxTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: Timestamp;
}

/** NUMERIC(78,0) amounts travel as strings; repositories convert to bigint. */
type NumericColumn = ColumnType<string, string | bigint, string | bigint>;

export interface AssetsTable {
  symbol: string;
  decimals: number;
  network: string;
  created_at: Timestamp;
}

export interface LedgerAccountsTable {
  id: string;
  kind: 'customer' | 'system';
  user_id: string | null;
  name: string;
  is_main: Generated<boolean>;
  created_at: Timestamp;
}

export interface LedgerBalancesTable {
  account_id: string;
  asset: string;
  balance: NumericColumn;
  held: NumericColumn;
  customer: boolean;
  updated_at: Timestamp;
}

export interface LedgerTransactionsTable {
  id: string;
  kind: string;
  reference: string | null;
  user_id: string | null;
  actor: string;
  memo: string | null;
  created_at: Timestamp;
}

export interface LedgerPostingsTable {
  id: Generated<string>;
  transaction_id: string;
  account_id: string;
  asset: string;
  amount: NumericColumn;
}

export interface LedgerHoldsTable {
  id: string;
  account_id: string;
  asset: string;
  amount: NumericColumn;
  status: 'active' | 'settled' | 'released';
  reason: string;
  reference: string | null;
  created_at: Timestamp;
  closed_at: NullableTimestamp;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: Uint8Array;
  status: number;
  response: Json<unknown>;
  created_at: Timestamp;
}

export interface ServiceCredentialsTable {
  id: string;
  name: string;
  secret_hash: Uint8Array;
  scopes: string;
  created_at: Timestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
}

export interface WithdrawalAddressesTable {
  id: string;
  user_id: string;
  asset: string;
  network: string;
  address: string;
  label: string;
  created_at: Timestamp;
  confirmed_at: NullableTimestamp;
  active_from: NullableTimestamp;
  removed_at: NullableTimestamp;
  removed_reason: string | null;
}

export interface WithdrawalCapsTable {
  user_id: string;
  asset: string;
  daily_limit: ColumnType<string | null, string | null, string | null>;
  pending_limit: ColumnType<string | null, string | null, string | null>;
  pending_unlimited: Generated<boolean>;
  pending_effective_at: NullableTimestamp;
  updated_at: Timestamp;
}

export interface WithdrawalsTable {
  id: string;
  user_id: string;
  account_id: string;
  asset: string;
  network: string;
  address: string;
  address_id: string | null;
  amount: NumericColumn;
  fee: NumericColumn;
  state: string;
  large: boolean;
  reviews_required: Generated<number>;
  risk_score: number;
  risk_decision: string;
  risk_reasons: Json<{ rule: string; weight: number; reason: string }[]>;
  hold_id: string | null;
  session_id: string | null;
  confirm_expires_at: NullableTimestamp;
  cooling_off_until: NullableTimestamp;
  review_expires_at: NullableTimestamp;
  lease_until: NullableTimestamp;
  broadcast_attempts: Generated<number>;
  chain_tx_id: string | null;
  failure_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface WithdrawalEventsTable {
  id: Generated<string>;
  withdrawal_id: string;
  at: Timestamp;
  from_state: string | null;
  to_state: string;
  event: string;
  actor: string;
  reason: string;
  data: Json<Record<string, unknown>>;
}

export interface WithdrawalReviewsTable {
  withdrawal_id: string;
  operator_id: string;
  decision: 'approve' | 'reject';
  note: string;
  at: Timestamp;
}

export interface UserTiersTable {
  user_id: string;
  tier: string;
  source: string;
  updated_at: Timestamp;
}

export interface UserTierHistoryTable {
  id: Generated<string>;
  user_id: string;
  tier: string;
  previous_tier: string | null;
  source: string;
  actor: string;
  reference: string | null;
  at: Timestamp;
}

export interface PlatformControlsTable {
  key: string;
  value: Json<unknown>;
  reason: string;
  updated_by: string;
  updated_at: Timestamp;
}

export interface OperatorSessionsTable {
  id: string;
  operator_id: string;
  token_hash: Uint8Array;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_expires_at: Timestamp;
  absolute_expires_at: Timestamp;
  revoked_at: NullableTimestamp;
}

export interface SimChainTransactionsTable {
  withdrawal_id: string;
  tx_id: string;
  asset: string;
  address: string;
  amount: NumericColumn;
  broadcast_at: Timestamp;
  confirm_at: Timestamp;
}

export interface SimChainCallsTable {
  id: Generated<string>;
  withdrawal_id: string;
  node: string;
  at: Timestamp;
}

export interface ReserveWalletsTable {
  id: string;
  asset: string;
  label: string;
  address: string;
  source: 'manual' | 'chain';
  balance: ColumnType<string | null, string | bigint | null, string | bigint | null>;
  observed_at: NullableTimestamp;
  active: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PorSnapshotsTable {
  id: string;
  taken_at: Timestamp;
  status: 'building' | 'published' | 'failed';
  trigger: 'schedule' | 'operator';
  requested_by: string;
  manifest: string | null;
  error: string | null;
  created_at: Timestamp;
  published_at: NullableTimestamp;
}

export interface PorSnapshotLeavesTable {
  snapshot_id: string;
  asset: string;
  user_id: string;
  position: BigIntColumn;
  value: NumericColumn;
}

export interface PorTreeChunksTable {
  snapshot_id: string;
  asset: string;
  level: number;
  chunk: number;
  nodes: Uint8Array;
}

export interface SimChainBalancesTable {
  asset: string;
  address: string;
  balance: NumericColumn;
}

export interface Database {
  users: UsersTable;
  devices: DevicesTable;
  sessions: SessionsTable;
  sign_in_challenges: SignInChallengesTable;
  email_tokens: EmailTokensTable;
  backup_codes: BackupCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  recovery_requests: RecoveryRequestsTable;
  operators: OperatorsTable;
  audit_events: AuditEventsTable;
  audit_head: AuditHeadTable;
  audit_checkpoints: AuditCheckpointsTable;
  outbox: OutboxTable;
  dev_mailbox: DevMailboxTable;
  assets: AssetsTable;
  ledger_accounts: LedgerAccountsTable;
  ledger_balances: LedgerBalancesTable;
  ledger_transactions: LedgerTransactionsTable;
  ledger_postings: LedgerPostingsTable;
  ledger_holds: LedgerHoldsTable;
  idempotency_keys: IdempotencyKeysTable;
  service_credentials: ServiceCredentialsTable;
  withdrawal_addresses: WithdrawalAddressesTable;
  withdrawal_caps: WithdrawalCapsTable;
  withdrawals: WithdrawalsTable;
  withdrawal_events: WithdrawalEventsTable;
  withdrawal_reviews: WithdrawalReviewsTable;
  user_tiers: UserTiersTable;
  user_tier_history: UserTierHistoryTable;
  platform_controls: PlatformControlsTable;
  operator_sessions: OperatorSessionsTable;
  sim_chain_transactions: SimChainTransactionsTable;
  sim_chain_calls: SimChainCallsTable;
  sim_chain_balances: SimChainBalancesTable;
  reserve_wallets: ReserveWalletsTable;
  por_snapshots: PorSnapshotsTable;
  por_snapshot_leaves: PorSnapshotLeavesTable;
  por_tree_chunks: PorTreeChunksTable;
}

export type WithdrawalRow = Selectable<WithdrawalsTable>;

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type DeviceRow = Selectable<DevicesTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type PasskeyRow = Selectable<PasskeysTable>;
