import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../env.js';
import { readDeviceToken } from '../session-cookies.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

function clientIp(c: Context<AppEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header('X-Forwarded-For')?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // No socket (in-process requests in tests).
    return 'unknown';
  }
}

/**
 * First middleware: request id, deps, the request context (IP, user agent, device token), and
 * one JSON log line and one metric per request, labelled by route template (never by raw path).
 */
export function requestContext(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('X-Request-Id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : deps.random.uuid();
    c.set('requestId', requestId);
    c.set('deps', deps);
    c.set('ctx', {
      ip: clientIp(c, deps.config.TRUST_PROXY),
      userAgent: c.req.header('User-Agent') ?? '',
      deviceToken: readDeviceToken(c),
    });
    c.header('X-Request-Id', requestId);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || 'unmatched';
    deps.metrics.httpDuration.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds);
    if (deps.log.isLevelEnabled('info') && !route.startsWith('/healthz') && !route.startsWith('/metrics')) {
      deps.log.info(
        {
          requestId,
          method: c.req.method,
          route,
          status: c.res.status,
          ms: Math.round(seconds * 10_000) / 10,
        },
        'request',
      );
    }
  };
}
