/**
 * The error catalogue. Every error a caller can see has a stable UPPER_SNAKE code listed here,
 * a message safe to show to the user, and nothing else: details for operators go to the log
 * through `cause`, never to the response.
 *
 * The HTTP status of each code lives in one table in `http/errors.ts`; services never build
 * HTTP errors.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: 'The request is not valid.',
  MALFORMED_JSON: 'The request body is not valid JSON.',
  UNAUTHENTICATED: 'Sign in to continue.',
  INVALID_CREDENTIALS: 'Invalid credentials.',
  CHALLENGE_EXPIRED: 'This sign-in attempt has expired. Start again.',
  STEP_UP_REQUIRED: 'Confirm it is you with your second factor to continue.',
  SCORECARD_UNAVAILABLE: 'The scorecard cannot be computed now.',
  MFA_REQUIRED: 'Set up an authenticator app or a passkey first: moving funds needs a second factor.',
  CSRF_REJECTED: 'The request was refused because it did not come from the Custos web app.',
  FORBIDDEN: 'You are not allowed to do this.',
  NOT_FOUND: 'Not found.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  WEAK_PASSWORD: 'Choose a stronger password.',
  EMAIL_TOKEN_INVALID: 'This link is invalid, has expired or was already used.',
  EMAIL_NOT_VERIFIED: 'Verify your email address first.',
  TOTP_ALREADY_ENABLED: 'An authenticator app is already set up.',
  TOTP_NOT_PENDING: 'Start the authenticator setup first.',
  TOTP_CODE_INVALID: 'The code is not valid.',
  FACTOR_NOT_ENROLLED: 'That second factor is not set up on this account.',
  PASSKEY_LIMIT_REACHED: 'You already have the maximum number of passkeys and security keys.',
  PASSKEY_VERIFICATION_FAILED: 'The passkey could not be verified.',
  SETTINGS_LOCKED: 'Your security settings are locked. Request an unlock and wait for it to take effect.',
  SETTINGS_LOCK_NOT_ACTIVE: 'Your security settings are not locked.',
  RECOVERY_PENDING: 'The recovery waiting period has not ended yet.',
  RECOVERY_NOT_FOUND: 'There is no recovery in progress.',
  CONFLICT: 'The request conflicts with the current state.',
  IP_NOT_ALLOWED: 'Your current address would not be allowed to sign in.',
  IDEMPOTENCY_KEY_REQUIRED: 'Send an Idempotency-Key header with every change of balances.',
  IDEMPOTENCY_CONFLICT: 'This idempotency key was already used for a different request.',
  INSUFFICIENT_FUNDS: 'The account does not have enough available funds.',
  UNKNOWN_ASSET: 'This asset is not supported.',
  SUB_ACCOUNT_LIMIT_REACHED: 'You already have the maximum number of sub-accounts.',
  WITHDRAWAL_REFUSED: 'This withdrawal is not allowed now.',
  WITHDRAWAL_BLOCKED: 'This withdrawal was blocked by our risk checks.',
  WITHDRAWAL_NOT_CANCELLABLE: 'This withdrawal can no longer be cancelled.',
  ALREADY_REVIEWED: 'You already reviewed this withdrawal.',
  NOT_READY: 'The service is not ready.',
  INTERNAL: 'Something went wrong on our side.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorDetail {
  readonly path?: string;
  readonly message: string;
}

/** The one error type services and domain code throw. */
export class CustosError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    options: {
      message?: string;
      details?: readonly ErrorDetail[];
      cause?: unknown;
      retryAfterSeconds?: number;
    } = {},
  ) {
    super(options.message ?? ERROR_CODES[code], { cause: options.cause });
    this.name = 'CustosError';
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const fail = (code: ErrorCode, options?: ConstructorParameters<typeof CustosError>[1]): never => {
  throw new CustosError(code, options);
};
