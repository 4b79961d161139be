import type { MiddlewareHandler } from 'hono';
import { CustosError } from '../../domain/errors.js';
import { subnetKey } from '../../domain/identity/ip-allowlist.js';
import type { AppEnv } from '../env.js';

/** Per-IP and per-subnet limits in front of every unauthenticated authentication endpoint. */
export function authRateLimit(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'POST') {
      const { ip } = c.get('ctx');
      const verdict = await c.get('deps').rateLimiter.consume([
        { name: 'auth-ip', key: ip },
        { name: 'auth-subnet', key: subnetKey(ip) },
      ]);
      if (!verdict.allowed)
        throw new CustosError('RATE_LIMITED', { retryAfterSeconds: verdict.retryAfterSeconds });
    }
    await next();
  };
}
