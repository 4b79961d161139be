import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { IdempotentResult } from '../services/ledger/idempotency.js';
import type { AppEnv } from './env.js';

export const IdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .openapi({
      param: { name: 'idempotency-key', in: 'header' },
      description:
        'Required: 8–128 of A–Z a–z 0–9 . _ : -. A repeat returns the first answer and moves nothing.',
      example: 'transfer-2026-11-21-0001',
    }),
});

/** Sends an idempotent result: 201 the first time, 200 with Idempotency-Replayed on a repeat. */
export function sendIdempotent<T>(c: Context<AppEnv>, r: IdempotentResult<T>) {
  if (r.replayed) c.header('Idempotency-Replayed', 'true');
  return c.json(r.body as never, r.replayed ? 200 : 201);
}
