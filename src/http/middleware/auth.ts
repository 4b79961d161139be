import type { MiddlewareHandler } from 'hono';
import { CustosError } from '../../domain/errors.js';
import { authenticateSession } from '../../services/identity/sessions.js';
import type { AppEnv } from '../env.js';
import { CSRF_HEADER, csrfTokenMatches, readSessionToken } from '../session-cookies.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Requires a live session (cookie or bearer). A cookie-authenticated change must also carry the
 * CSRF token: SameSite=Strict already stops cross-site requests in current browsers; the token
 * keeps that true for the others.
 */
export function requireSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Routers overlap (/v1/me and /v1/me/*): authenticate once per request.
    if (c.get('principal')) return next();
    const deps = c.get('deps');
    const presented = readSessionToken(c);
    const principal = presented ? await authenticateSession(deps, presented.token) : null;
    if (!presented || !principal) throw new CustosError('UNAUTHENTICATED');
    if (presented.via === 'cookie' && !SAFE.has(c.req.method)) {
      if (!csrfTokenMatches(deps, presented.token, c.req.header(CSRF_HEADER)))
        throw new CustosError('CSRF_REJECTED');
    }
    c.set('principal', principal);
    c.set('authVia', presented.via);
    c.set('sessionToken', presented.token);
    await next();
  };
}

/** Refuses state-changing requests whose Origin is another site (login CSRF, form posts). */
export function sameOrigin(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!SAFE.has(c.req.method)) {
      const origin = c.req.header('Origin');
      if (origin && origin !== c.get('deps').config.publicOrigin) throw new CustosError('CSRF_REJECTED');
    }
    await next();
  };
}
