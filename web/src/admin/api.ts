import { formatUnits } from '../../../src/domain/ledger/amount';
import { ApiError, learnServerTime } from '../api';

/**
 * The admin console's own way to the API: the staff session is a separate cookie (custos_admin)
 * with its own CSRF token, so it never mixes with a customer session open in the same browser.
 */
let adminCsrf: string | null = null;

export function forgetAdminSession(): void {
  adminCsrf = null;
}

export async function adminApi<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && adminCsrf) headers['X-CSRF-Token'] = adminCsrf;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'Custos could not be reached. Check your connection and try again.');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (
      data as {
        error?: {
          code?: string;
          message?: string;
          requestId?: string;
          details?: { path: string; message: string }[];
        };
      } | null
    )?.error;
    throw new ApiError(
      res.status,
      e?.code ?? `HTTP_${res.status}`,
      e?.message ?? `Custos answered with status ${res.status}.`,
      e?.requestId,
      e?.details,
    );
  }
  const d = data as { csrfToken?: unknown; serverTime?: unknown } | null;
  if (typeof d?.csrfToken === 'string' && d.csrfToken) adminCsrf = d.csrfToken;
  if (typeof d?.serverTime === 'string') learnServerTime(d.serverTime);
  return data as T;
}

export const adminGet = <T>(path: string) => adminApi<T>('GET', path);
export const adminPost = <T>(path: string, body: unknown = {}) => adminApi<T>('POST', path, body);
export const adminPut = <T>(path: string, body: unknown) => adminApi<T>('PUT', path, body);

export type Role = 'support' | 'analyst' | 'approver' | 'admin';
export interface Operator {
  id: string;
  email: string;
  role: Role;
}
export interface AdminMe {
  operator: Operator;
  csrfToken: string;
  serverTime: string;
}

/** The roles that may approve or reject a held withdrawal (the server decides; this only explains). */
export const REVIEWER_ROLES: readonly Role[] = ['analyst', 'approver', 'admin'];

export type State =
  | 'in_review'
  | 'awaiting_confirmation'
  | 'cooling_off'
  | 'queued'
  | 'broadcasting'
  | 'broadcast'
  | 'confirmed'
  | 'rejected'
  | 'cancelled'
  | 'expired'
  | 'failed';

export interface HeldWithdrawal {
  id: string;
  accountId: string;
  asset: string;
  /** The asset's decimals, when the server sends them with the withdrawal. */
  decimals?: number;
  network: string;
  address: string;
  amount: string;
  fee: string;
  state: State;
  large: boolean;
  risk: { score: number; decision: string; reasons: string[] };
  confirmExpiresAt: string | null;
  coolingOffUntil: string | null;
  createdAt: string;
  userId: string;
  email: string;
  reviewsRequired: number;
  reviewExpiresAt: string | null;
}
export interface QueueItem extends HeldWithdrawal {
  approvals: number;
}
export interface Review {
  reviewer: string;
  decision: 'approve' | 'reject';
  note: string;
  at: string;
}
export interface Step {
  at: string;
  from: State | null;
  to: State;
  event: string;
  by: 'you' | 'reviewer' | 'system';
  reason: string;
}
export interface ReviewDetail extends HeldWithdrawal {
  reviews: Review[];
  timeline: Step[];
}
export interface Controls {
  pausedAll: boolean;
  pausedAssets: string[];
  reasons: Record<string, string>;
}

interface ConfiguredAsset {
  symbol: string;
  decimals: number;
}

/**
 * The assets the platform holds, when the server writes them into the page's configuration.
 * The asset list of the ledger API needs a customer session, which staff do not have.
 */
export function configuredAssets(): ConfiguredAsset[] | null {
  const raw = document.querySelector('meta[name="custos-config"]')?.getAttribute('content') ?? '{}';
  try {
    const assets = (JSON.parse(raw) as { assets?: unknown }).assets;
    if (!Array.isArray(assets)) return null;
    return assets.filter(
      (a): a is ConfiguredAsset =>
        typeof a === 'object' &&
        a !== null &&
        typeof (a as ConfiguredAsset).symbol === 'string' &&
        Number.isInteger((a as ConfiguredAsset).decimals),
    );
  } catch {
    return null;
  }
}

/**
 * "1.5 ETH", with the decimals the withdrawal carries or the page's configuration; without
 * either, the exact amount in the asset's smallest units (never a guess).
 */
export function showAmount(amount: string | bigint, symbol: string, decimals?: number): string {
  const d = Number.isInteger(decimals)
    ? decimals!
    : configuredAssets()?.find((a) => a.symbol === symbol)?.decimals;
  return d !== undefined
    ? `${formatUnits(BigInt(amount), d)} ${symbol}`
    : `${amount.toString()} (smallest units of ${symbol})`;
}
