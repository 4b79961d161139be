import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

/**
 * The policy of a page that must work as one self-contained file (the proof-of-reserves
 * verifier): its inline scripts and styles allowed by their hashes only (`'sha256-…'`, base64 of
 * the SHA-256 of each element's exact text), and no fetch, form, frame or base change at all.
 */
export function inlinePageCsp(hashes: { scripts: readonly string[]; styles: readonly string[] }): string {
  const sources = (list: readonly string[]) =>
    list.length ? list.map((h) => `'sha256-${h}'`).join(' ') : "'none'";
  return [
    "default-src 'none'",
    `script-src ${sources(hashes.scripts)}`,
    `style-src ${sources(hashes.styles)}`,
    'img-src data:',
    "connect-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Sent on every response; a handler may still replace one (it sets its own after these). */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['Content-Security-Policy', CSP],
  ['Strict-Transport-Security', 'max-age=63072000; includeSubDomains'],
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'no-referrer'],
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  ['Origin-Agent-Cluster', '?1'],
  ['Permissions-Policy', 'camera=(), microphone=(), geolocation=()'],
  ['X-DNS-Prefetch-Control', 'off'],
  ['X-Download-Options', 'noopen'],
  ['X-Permitted-Cross-Domain-Policies', 'none'],
  ['X-XSS-Protection', '0'],
];

/**
 * The security headers, set before the handler runs. Setting a header after a response exists
 * makes Hono rebuild that response around a body stream, the costliest step of a small request;
 * set beforehand they travel in the headers every response is built with, errors included.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    for (const [name, value] of SECURITY_HEADERS) c.header(name, value);
    if (c.req.path.startsWith('/v1/')) c.header('Cache-Control', 'no-store');
    await next();
  };
}
