import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  cancelWithdrawal,
  confirmWithdrawal,
  getWithdrawal,
  describeWithdrawalConfirmation,
  listWithdrawals,
  parseWithdrawalCursor,
  previewWithdrawal,
  requestWithdrawal,
} from '../../services/withdrawals/withdrawals.js';
import { CustosError } from '../../domain/errors.js';
import { WITHDRAWAL_STATES } from '../../domain/withdrawals/state-machine.js';
import type { AppEnv } from '../env.js';
import { IdempotencyHeader, sendIdempotent } from '../idempotency.js';
import { requireSession } from '../middleware/auth.js';
import { Amount, created, Iso, jsonBody, ok, Token } from '../openapi.js';

export const Withdrawal = z
  .object({
    id: z.string(),
    accountId: z.string(),
    asset: z.string(),
    decimals: z.number().int(),
    network: z.string(),
    address: z.string(),
    amount: z.string(),
    fee: z.string(),
    state: z.enum(WITHDRAWAL_STATES),
    large: z
      .boolean()
      .openapi({ description: 'Over the large-withdrawal value: it waits the cooling-off period' }),
    cancellable: z.boolean(),
    risk: z.object({ score: z.number().int(), decision: z.string(), reasons: z.array(z.string()) }),
    confirmExpiresAt: Iso.nullable(),
    coolingOffUntil: Iso.nullable(),
    chainTxId: z.string().nullable(),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .openapi('Withdrawal');

const Step = z.object({
  at: Iso,
  from: z.string().nullable(),
  to: z.string(),
  event: z.string(),
  by: z.enum(['you', 'reviewer', 'system']),
  reason: z.string().openapi({ description: 'What happened, in plain words' }),
});

const Request = z.object({
  accountId: z.uuid().optional().openapi({ description: 'Default: your main account' }),
  asset: z.string().min(1).max(12),
  address: z.string().trim().min(1).max(128),
  amount: Amount,
});

const Id = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

export function withdrawalRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/v1/withdrawals', requireSession());
  app.use('/v1/withdrawals/*', requireSession());

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/withdrawals',
      tags: ['Withdrawals'],
      summary: 'Your withdrawals, newest first',
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(25),
          before: z
            .string()
            .max(80)
            .optional()
            .openapi({ description: 'The nextBefore of the previous page' }),
          open: z.enum(['true', 'false']).optional(),
        }),
      },
      responses: ok(z.object({ items: z.array(Withdrawal), nextBefore: Iso.nullable() })),
    }),
    async (c) => {
      const q = c.req.valid('query');
      const before = q.before ? parseWithdrawalCursor(q.before) : undefined;
      if (before === null) throw new CustosError('VALIDATION_FAILED', { message: 'Not a page cursor.' });
      const page = await listWithdrawals(c.get('deps'), c.get('principal').userId, {
        limit: q.limit,
        before,
        open: q.open === 'true',
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals',
      tags: ['Withdrawals'],
      summary:
        'Request a withdrawal (step-up): policy, hold, risk, then email confirmation, cooling-off if large, broadcast',
      request: { headers: IdempotencyHeader, ...jsonBody(Request) },
      responses: {
        ...created(Withdrawal),
        422: {
          content: { 'application/json': { schema: z.object({ error: z.object({ code: z.string() }) }) } },
          description:
            'WITHDRAWAL_REFUSED (policy) or WITHDRAWAL_BLOCKED (risk); details list every reason in plain words',
        },
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const r = await requestWithdrawal(
        c.get('deps'),
        c.get('principal'),
        { ...body, amount: BigInt(body.amount), idempotencyKey: c.req.valid('header')['idempotency-key'] },
        c.get('ctx'),
      );
      return sendIdempotent(c, r);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals/preview',
      tags: ['Withdrawals'],
      summary: 'What a withdrawal would cost and go through, and what would refuse it now (nothing is held)',
      request: jsonBody(Request),
      responses: ok(
        z.object({
          fee: z.string(),
          total: z.string(),
          large: z.boolean(),
          coolingOffHours: z.number().int(),
          emailConfirmation: z.enum(['always', 'risk']),
          confirmMinutes: z.number().int(),
          problems: z.array(z.object({ code: z.string(), message: z.string() })),
        }),
      ),
    }),
    async (c) => {
      const body = c.req.valid('json');
      const p = await previewWithdrawal(c.get('deps'), c.get('principal'), {
        ...body,
        amount: BigInt(body.amount),
      });
      return c.json(
        { ...p, fee: p.fee.toString(), total: p.total.toString(), problems: [...p.problems] },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/withdrawals/{id}',
      tags: ['Withdrawals'],
      summary: 'One withdrawal with its status timeline',
      request: { params: Id },
      responses: ok(Withdrawal.extend({ timeline: z.array(Step) })),
    }),
    async (c) =>
      c.json(await getWithdrawal(c.get('deps'), c.get('principal').userId, c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals/{id}/cancel',
      tags: ['Withdrawals'],
      summary: 'Cancel a withdrawal before it is broadcast; the held funds are released',
      request: { params: Id },
      responses: ok(Withdrawal),
    }),
    async (c) =>
      c.json(
        await cancelWithdrawal(c.get('deps'), c.get('principal'), c.req.valid('param').id, c.get('ctx')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/withdrawal-confirmation',
      tags: ['Withdrawals'],
      summary: 'The email link that confirms a withdrawal (valid 30 minutes, once)',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(Withdrawal),
    }),
    async (c) => c.json(await confirmWithdrawal(c.get('deps'), c.req.valid('json').token, c.get('ctx')), 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/withdrawal-confirmation/describe',
      tags: ['Withdrawals'],
      summary: 'What a confirmation link is for, without using it (the landing page shows it first)',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(Withdrawal),
    }),
    async (c) => c.json(await describeWithdrawalConfirmation(c.get('deps'), c.req.valid('json').token), 200),
  );
  return app;
}
