import type { MiddlewareHandler } from 'hono';
import { CustosError } from '../../domain/errors.js';
import { subnetKey } from '../../domain/identity/ip-allowlist.js';
import type { AppEnv } from '../env.js';

/**
 * Not limited here: polling for a device approval holds a 256-bit challenge token (nothing to
 * guess) and a waiting page polls every few seconds; signing out must always work.
 */
const EXEMPT = new Set(['/v1/auth/sign-in/status', '/v1/auth/sign-out']);
/** Strength feedback is asked as the user types: its own, larger bucket. */
const STRENGTH = '/v1/auth/password-strength';

/** Per-IP and per-subnet limits in front of the authentication endpoints. */
export function authRateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'POST' && !EXEMPT.has(c.req.path)) {
      const { ip } = c.get('ctx');
      const buckets =
        c.req.path === STRENGTH
          ? [{ name: 'strength-ip', key: ip }]
          : [
              { name: 'auth-ip', key: ip },
              { name: 'auth-subnet', key: subnetKey(ip) },
            ];
      const verdict = await c.get('deps').rateLimiter.consume(buckets);
      if (!verdict.allowed)
        throw new CustosError('RATE_LIMITED', { retryAfterSeconds: verdict.retryAfterSeconds });
    }
    await next();
  };
}
