import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Deps } from '../deps.js';
import type { AppEnv } from './env.js';

export const SESSION_COOKIE = 'custos_session';
export const DEVICE_COOKIE = 'custos_device';
export const CSRF_HEADER = 'X-CSRF-Token';
export const DEVICE_HEADER = 'X-Custos-Device';
/** Apps (not browsers) send this to get bearer tokens in the body instead of cookies. */
export const CLIENT_HEADER = 'X-Custos-Client';

const DEVICE_COOKIE_DAYS = 400;

/**
 * The CSRF token is an HMAC of the session token: the page learns it from the API, a forging site
 * cannot compute it (the session cookie is HttpOnly), and nothing extra is stored.
 */
export function csrfTokenFor(deps: Pick<Deps, 'kms'>, sessionToken: string): string {
  return createHmac('sha256', deps.kms.deriveSecret('csrf/v1')).update(sessionToken).digest('base64url');
}

export function csrfTokenMatches(
  deps: Pick<Deps, 'kms'>,
  sessionToken: string,
  presented: string | undefined,
): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(deps, sessionToken));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export const isAppClient = (c: Context<AppEnv>) => c.req.header(CLIENT_HEADER) === 'app';

export function readSessionToken(c: Context<AppEnv>): { token: string; via: 'cookie' | 'bearer' } | null {
  const auth = c.req.header('Authorization');
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'bearer' };
  const cookie = getCookie(c, SESSION_COOKIE);
  return cookie ? { token: cookie, via: 'cookie' } : null;
}

export function readDeviceToken(c: Context<AppEnv>): string | null {
  return c.req.header(DEVICE_HEADER) ?? getCookie(c, DEVICE_COOKIE) ?? null;
}

const cookieBase = (deps: Deps) =>
  ({ httpOnly: true, secure: deps.config.secureCookies, sameSite: 'Strict', path: '/' }) as const;

/**
 * Hands a new session to the client: an HttpOnly, Secure, SameSite=Strict cookie for a browser,
 * the token in the body for an app. Returns what the body should carry.
 */
export function issueSession(c: Context<AppEnv>, token: string, expiresAt: Date) {
  const deps = c.get('deps');
  if (isAppClient(c)) return { token, csrfToken: null };
  setCookie(c, SESSION_COOKIE, token, { ...cookieBase(deps), expires: expiresAt });
  return { token: null, csrfToken: csrfTokenFor(deps, token) };
}

export function clearSession(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, cookieBase(c.get('deps')));
}

export function issueDeviceToken(c: Context<AppEnv>, deviceToken: string): string | null {
  if (isAppClient(c)) return deviceToken;
  if (getCookie(c, DEVICE_COOKIE) !== deviceToken) {
    setCookie(c, DEVICE_COOKIE, deviceToken, {
      ...cookieBase(c.get('deps')),
      maxAge: DEVICE_COOKIE_DAYS * 86_400,
    });
  }
  return null;
}
