/**
 * The withdrawal protections a user sets (SPEC S3), as pure functions of stored timestamps: a
 * delayed change is an "effective at" time evaluated when read, so nothing depends on a job
 * having run. Making an account safer takes effect at once; making it weaker waits.
 */
export const WEAKENING_DELAY_HOURS = 24;

export type WithdrawalLockState =
  { state: 'off' } | { state: 'on' } | { state: 'unlock_pending'; effectiveAt: Date };

export function withdrawalLockState(
  row: { withdrawal_lock_on: boolean; withdrawal_lock_off_effective_at: Date | null },
  now: Date,
): WithdrawalLockState {
  if (!row.withdrawal_lock_on) return { state: 'off' };
  const at = row.withdrawal_lock_off_effective_at;
  if (!at) return { state: 'on' };
  return now >= at ? { state: 'off' } : { state: 'unlock_pending', effectiveAt: at };
}

export interface CapRow {
  daily_limit: string | null;
  pending_limit: string | null;
  pending_unlimited: boolean;
  pending_effective_at: Date | null;
}

/** The daily cap in force now (smallest units), or null for none. */
export function effectiveCap(row: CapRow | undefined, now: Date): bigint | null {
  if (!row) return null;
  if (row.pending_effective_at && now >= row.pending_effective_at)
    return row.pending_unlimited ? null : BigInt(row.pending_limit!);
  return row.daily_limit === null ? null : BigInt(row.daily_limit);
}

/** A change waiting to take effect, if any. */
export function pendingCap(
  row: CapRow | undefined,
  now: Date,
): { limit: bigint | null; effectiveAt: Date } | null {
  if (!row?.pending_effective_at || now >= row.pending_effective_at) return null;
  return {
    limit: row.pending_unlimited ? null : BigInt(row.pending_limit!),
    effectiveAt: row.pending_effective_at,
  };
}

/**
 * How a requested cap applies: lowering it (or setting one where there was none) is immediate;
 * raising or removing it takes effect after the delay.
 */
export function planCapChange(
  current: bigint | null,
  requested: bigint | null,
  now: Date,
  delayHours = WEAKENING_DELAY_HOURS,
): { immediate: true } | { immediate: false; effectiveAt: Date } {
  const lowering = requested !== null && (current === null || requested <= current);
  return lowering
    ? { immediate: true }
    : { immediate: false, effectiveAt: new Date(now.getTime() + delayHours * 3_600_000) };
}

export type AddressStatus = 'awaiting_confirmation' | 'activating' | 'active';

export function addressStatus(
  row: { confirmed_at: Date | null; active_from: Date | null },
  now: Date,
): AddressStatus {
  if (!row.confirmed_at || !row.active_from) return 'awaiting_confirmation';
  return now >= row.active_from ? 'active' : 'activating';
}

const FORMATS: Record<string, RegExp> = {
  // Bech32/Bech32m (segwit, taproot) or Base58 (legacy, script-hash), main and test networks.
  bitcoin: /^(?:(?:bc1|tb1|bcrt1)[02-9ac-hj-np-z]{8,87}|[123mn][1-9A-HJ-NP-Za-km-z]{25,34})$/,
  ethereum: /^0x[0-9a-fA-F]{40}$/,
};
const GENERIC = /^[A-Za-z0-9:._-]{8,128}$/;

/**
 * Whether `address` has the shape of an address on `network`: catches typos and pasted garbage.
 * It does not prove the address is spendable (the platform's signer checks that before broadcast).
 */
export function isPlausibleAddress(network: string, address: string): boolean {
  return (FORMATS[network] ?? GENERIC).test(address);
}
