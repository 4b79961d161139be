import { z } from '@hono/zod-openapi';

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
