import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { CustosError, ERROR_CODES, type ErrorCode } from '../domain/errors.js';
import type { AppEnv } from './env.js';

/** The one table from error code to HTTP status. */
export const HTTP_STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNAUTHENTICATED: 401,
  INVALID_CREDENTIALS: 401,
  CHALLENGE_EXPIRED: 401,
  STEP_UP_REQUIRED: 403,
  MFA_REQUIRED: 403,
  SCORECARD_UNAVAILABLE: 503,
  CSRF_REJECTED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  WEAK_PASSWORD: 422,
  EMAIL_TOKEN_INVALID: 400,
  EMAIL_NOT_VERIFIED: 403,
  TOTP_ALREADY_ENABLED: 409,
  TOTP_NOT_PENDING: 409,
  TOTP_CODE_INVALID: 400,
  FACTOR_NOT_ENROLLED: 409,
  PASSKEY_LIMIT_REACHED: 409,
  PASSKEY_VERIFICATION_FAILED: 400,
  SETTINGS_LOCKED: 423,
  SETTINGS_LOCK_NOT_ACTIVE: 409,
  RECOVERY_PENDING: 409,
  RECOVERY_NOT_FOUND: 404,
  CONFLICT: 409,
  IP_NOT_ALLOWED: 409,
  IDEMPOTENCY_KEY_REQUIRED: 400,
  IDEMPOTENCY_CONFLICT: 409,
  INSUFFICIENT_FUNDS: 409,
  UNKNOWN_ASSET: 400,
  SUB_ACCOUNT_LIMIT_REACHED: 409,
  WITHDRAWAL_REFUSED: 422,
  WITHDRAWAL_BLOCKED: 422,
  WITHDRAWAL_NOT_CANCELLABLE: 409,
  ALREADY_REVIEWED: 409,
  NOT_READY: 503,
  INTERNAL: 500,
};

export function errorBody(code: ErrorCode, message: string, requestId: string, details?: readonly unknown[]) {
  return { error: { code, message, requestId, ...(details?.length ? { details } : {}) } };
}

/**
 * Every error leaves through here. A CustosError shows its code and user message; a malformed
 * body is a 400; anything else is a 500 that keeps its cause for the log only.
 */
export function handleError(err: Error, c: Context<AppEnv>): Response {
  const requestId = c.get('requestId') ?? 'unknown';
  const log = c.get('deps')?.log;
  if (err instanceof CustosError) {
    if (err.retryAfterSeconds) c.header('Retry-After', String(err.retryAfterSeconds));
    if (err.cause) log?.warn({ requestId, code: err.code, err: err.cause }, 'request failed');
    return c.json(errorBody(err.code, err.message, requestId, err.details), HTTP_STATUS[err.code]);
  }
  if (err instanceof HTTPException && err.status < 500) {
    const code: ErrorCode =
      err.status === 413 ? 'VALIDATION_FAILED' : err.status === 400 ? 'MALFORMED_JSON' : 'VALIDATION_FAILED';
    const message = err.status === 413 ? 'The request body is too large.' : ERROR_CODES[code];
    return c.json(errorBody(code, message, requestId), err.status === 413 ? 413 : 400);
  }
  log?.error({ requestId, err }, 'unhandled error');
  return c.json(errorBody('INTERNAL', ERROR_CODES.INTERNAL, requestId), 500);
}
