import { z } from '@hono/zod-openapi';
import { parsePositiveAmount } from '../domain/ledger/amount.js';

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'INVALID_CREDENTIALS' }),
      message: z.string(),
      requestId: z.string(),
      details: z.array(z.object({ path: z.string().optional(), message: z.string() })).optional(),
    }),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({
  content: { 'application/json': { schema: ErrorEnvelope } },
  description,
});

export const errors = {
  400: errorResponse('Invalid request'),
  401: errorResponse('Not signed in, or invalid credentials'),
  403: errorResponse('Step-up or CSRF token required, or forbidden'),
  409: errorResponse('Conflicts with the current state'),
  423: errorResponse('Security settings are locked'),
  429: errorResponse('Rate limited'),
} as const;

export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

export const ok = <T extends z.ZodType>(schema: T, description = 'OK') => ({
  200: { content: { 'application/json': { schema } }, description },
  ...errors,
});

export const Email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email().max(254))
  .openapi({ example: 'alice@example.com' });
/** Length limits are the password policy's; this only bounds the work a request can cause. */
export const Password = z.string().min(1).max(1024).openapi({ format: 'password' });
export const Token = z.string().min(1).max(200);
export const Iso = z.string().openapi({ format: 'date-time' });
export const iso = (d: Date) => d.toISOString();
export const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export const created = <T extends z.ZodType>(schema: T, description = 'Created') => ({
  201: { content: { 'application/json': { schema } }, description },
  ...ok(schema, 'An earlier request with the same idempotency key: its answer, nothing done again'),
});

/** Smallest units as a canonical decimal string: bigint-safe, never a JSON number. */
export const Amount = z
  .string()
  .regex(/^[1-9][0-9]{0,77}$/, 'a positive integer in smallest units, as a string')
  .refine((s) => !/^[0-9]+$/.test(s) || parsePositiveAmount(s) !== null, 'at most 2^256 - 1')
  .openapi({
    example: '150000000',
    description: 'Positive integer in the asset’s smallest unit, at most 2^256 − 1',
  });
export const SignedAmount = z
  .string()
  .regex(/^-?[1-9][0-9]{0,77}$/, 'a non-zero integer in smallest units, as a string')
  .refine(
    (s) => !/^-?[0-9]+$/.test(s) || parsePositiveAmount(s.replace('-', '')) !== null,
    'at most 2^256 - 1 either way',
  )
  .openapi({ example: '-6000000' });
export const Balance = z.string().openapi({ example: '0', description: 'Integer in smallest units' });
