import { learnServerTime, request } from '../api';
import { formatAmount } from '../components/withdrawal-view';
import type { Step, WithdrawalBase } from '../types/withdrawals';

/**
 * The admin console's own way to the API: the staff session is a separate cookie (custos_admin)
 * with its own CSRF token, so it never mixes with a customer session open in the same browser.
 */
let adminCsrf: string | null = null;

export function forgetAdminSession(): void {
  adminCsrf = null;
}

export async function adminApi<T>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  const data = await request(method, path, { body, csrf: adminCsrf });
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

/** A held withdrawal as staff see it: the customer's withdrawal and who asked for it. */
export interface HeldWithdrawal extends WithdrawalBase {
  /** The asset's decimals, when the server sends them with the withdrawal. */
  decimals?: number;
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
  return formatAmount(amount, symbol, d);
}
