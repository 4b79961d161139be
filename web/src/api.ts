/**
 * The one way the security center talks to Custos: JSON over /v1 with the session cookie, the
 * CSRF token on every change, and errors as ApiError carrying the API's code and message.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: readonly { path: string; message: string }[],
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
/** Server time minus browser time, in ms, learned from the API: countdowns use server time. */
let clockSkewMs = 0;

export const serverNow = (): number => Date.now() + clockSkewMs;

/** Keeps the CSRF token a response hands out (sign-in, step-up, session check). */
function absorb(data: unknown): void {
  if (!data || typeof data !== 'object') return;
  const d = data as { csrfToken?: unknown; session?: { csrfToken?: unknown }; serverTime?: unknown };
  const token = d.session?.csrfToken ?? d.csrfToken;
  if (typeof token === 'string' && token) csrfToken = token;
  if (typeof d.serverTime === 'string') clockSkewMs = Date.parse(d.serverTime) - Date.now();
}

export function forgetSession(): void {
  csrfToken = null;
}

/** Learns the server's clock from another client of the API (the admin console's session check). */
export function learnServerTime(serverTime: string): void {
  const at = Date.parse(serverTime);
  if (Number.isFinite(at)) clockSkewMs = at - Date.now();
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One request to the API, for the security center and the admin console alike: JSON in and out,
 * the caller's CSRF token on every change, and errors as ApiError. Answers the parsed body (null
 * when empty); keeping what the answer hands out (tokens, the server's clock) is the caller's.
 */
export async function request(
  method: Method,
  path: string,
  {
    body,
    headers: extraHeaders = {},
    csrf = null,
  }: { body?: unknown; headers?: Record<string, string>; csrf?: string | null } = {},
): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
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
  return data;
}

/** A request of the customer's session: its CSRF token, kept from the answers that hand it out. */
export async function api<T>(
  method: Method,
  path: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const data = await request(method, path, { body, headers: extraHeaders, csrf: csrfToken });
  absorb(data);
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);

// Shapes of the API's responses that the pages read (see /openapi.json).
export interface Account {
  id: string;
  email: string;
  emailVerified: boolean;
  createdAt: string;
  factors: { totp: boolean; passkeys: number; backupCodesRemaining: number };
  antiPhishingCode: string | null;
  ipAllowlist: string[];
  withdrawalsFrozenUntil: string | null;
  settingsLock: SettingsLock;
  recovery: {
    id: string;
    requestedAt: string;
    confirmedAt: string | null;
    effectiveAt: string | null;
  } | null;
  session: {
    id: string;
    authMethods: string[];
    expiresAt: string;
    stepUpFreshUntil: string | null;
    csrfToken: string | null;
  };
  serverTime: string;
}

export interface SettingsLock {
  state: 'off' | 'locked' | 'unlock_pending';
  unlockDelayDays: number | null;
  unlockEffectiveAt: string | null;
}

export interface SignInStep {
  status: 'second_factor_required' | 'device_approval_required' | 'signed_in' | 'pending' | 'denied';
  challengeToken?: string;
  methods?: string[];
  expiresAt?: string;
}

export interface Checkup {
  score: number;
  items: {
    id: string;
    group: 'essentials' | 'advanced';
    title: string;
    description: string;
    done: boolean;
    available: boolean;
    weight: number;
    settingPath: string;
  }[];
  protectionProgramme: { eligible: boolean; missing: string[]; eligibleFrom: string | null };
}

export interface RecoveryStatus {
  id: string;
  requestedAt: string;
  confirmedAt: string | null;
  effectiveAt: string | null;
  ready?: boolean;
}

/** Reads the configuration the server wrote into the page (no request, no inline script). */
export function clientConfig(): { devMailbox: boolean; passwordMinLength: number } {
  const raw = document.querySelector('meta[name="custos-config"]')?.getAttribute('content') ?? '{}';
  try {
    const c = JSON.parse(raw) as { devMailbox?: boolean; passwordMinLength?: number };
    return { devMailbox: c.devMailbox === true, passwordMinLength: c.passwordMinLength ?? 12 };
  } catch {
    return { devMailbox: false, passwordMinLength: 12 };
  }
}

/** The browser's reason a passkey ceremony ended (cancelled, timed out, no matching key…). */
export function webauthnReason(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return 'the browser gave no reason';
}
