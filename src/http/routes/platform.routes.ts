import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { CustosError } from '../../domain/errors.js';
import {
  chargeFee,
  creditDeposit,
  type PlatformResult,
  postSettlement,
  reimburse,
} from '../../services/ledger/platform-operations.js';
import { assertScope, authenticateService } from '../../services/ledger/service-credentials.js';
import { setTier } from '../../services/withdrawals/tiers.js';
import type { AppEnv } from '../env.js';
import { Amount, created, ok, SignedAmount } from '../openapi.js';

/** The platform's back end, with a service credential (`custos platform credentials create`). */
function requireService(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.req.header('Authorization');
    const service = auth?.startsWith('Bearer ')
      ? await authenticateService(c.get('deps'), auth.slice(7).trim())
      : null;
    if (!service)
      throw new CustosError('UNAUTHENTICATED', { message: 'A valid service credential is required.' });
    c.set('service', service);
    await next();
  };
}

const UserRef = {
  userId: z.uuid(),
  accountId: z
    .uuid()
    .optional()
    .openapi({ description: 'A sub-account of the user; the main account when absent' }),
};
const Result = z
  .object({
    transactionId: z.string(),
    accountId: z.string(),
    replayed: z
      .boolean()
      .openapi({ description: 'True when this reference was already posted: nothing moved again' }),
  })
  .openapi('PlatformPosting');
const Reference = z.string().min(1).max(200);
const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { 'application/json': { schema } }, required: true },
});

const send = (c: Context<AppEnv>, r: PlatformResult) => c.json(r, r.replayed ? 200 : 201);

export function platformRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/v1/platform/*', requireService());

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/platform/deposits',
      tags: ['Platform integration'],
      summary: 'Credit a confirmed deposit; idempotent by (network, txId, outputIndex)',
      security: [{ serviceCredential: [] }],
      request: jsonBody(
        z.object({
          ...UserRef,
          asset: z.string().min(1).max(12),
          amount: Amount,
          network: z.string().min(1).max(32),
          txId: z.string().min(1).max(200),
          outputIndex: z.number().int().min(0).max(1_000_000).default(0),
        }),
      ),
      responses: created(Result),
    }),
    async (c) => {
      const s = c.get('service');
      assertScope(s, 'deposits');
      const b = c.req.valid('json');
      return send(c, await creditDeposit(c.get('deps'), s, { ...b, amount: BigInt(b.amount) }));
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/platform/settlements',
      tags: ['Platform integration'],
      summary:
        'Post a trade: what the customer received (+) and gave (−), and the fee; idempotent by tradeId',
      security: [{ serviceCredential: [] }],
      request: jsonBody(
        z.object({
          ...UserRef,
          tradeId: Reference,
          legs: z
            .array(z.object({ asset: z.string().min(1).max(12), amount: SignedAmount }))
            .min(1)
            .max(4),
          fee: z.object({ asset: z.string().min(1).max(12), amount: Amount }).optional(),
        }),
      ),
      responses: created(Result),
    }),
    async (c) => {
      const s = c.get('service');
      assertScope(s, 'settlements');
      const b = c.req.valid('json');
      return send(
        c,
        await postSettlement(c.get('deps'), s, {
          userId: b.userId,
          ...(b.accountId ? { accountId: b.accountId } : {}),
          tradeId: b.tradeId,
          legs: b.legs.map((l) => ({ asset: l.asset, amount: BigInt(l.amount) })),
          ...(b.fee ? { fee: { asset: b.fee.asset, amount: BigInt(b.fee.amount) } } : {}),
        }),
      );
    },
  );

  for (const [path, scope, op, summary] of [
    ['/v1/platform/fees', 'fees', chargeFee, 'Charge a fee outside a trade; idempotent by reference'],
    [
      '/v1/platform/reimbursements',
      'reimbursements',
      reimburse,
      'Pay a customer back from the platform; idempotent by reference',
    ],
  ] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path,
        tags: ['Platform integration'],
        summary,
        security: [{ serviceCredential: [] }],
        request: jsonBody(
          z.object({
            ...UserRef,
            asset: z.string().min(1).max(12),
            amount: Amount,
            reference: Reference,
            reason: z.string().min(1).max(200),
          }),
        ),
        responses: created(Result),
      }),
      async (c) => {
        const s = c.get('service');
        assertScope(s, scope);
        const b = c.req.valid('json');
        return send(c, await op(c.get('deps'), s, { ...b, amount: BigInt(b.amount) }));
      },
    );
  }
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/platform/users/{userId}/tier',
      tags: ['Platform integration'],
      summary:
        "Set a user's verification tier from the platform's KYC provider (scope kyc); Custos keeps the tier and its history, never the documents",
      security: [{ serviceCredential: [] }],
      request: {
        params: z.object({ userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }) }),
        ...jsonBody(
          z.object({
            tier: z.string().min(1).max(32),
            reference: z
              .string()
              .min(1)
              .max(200)
              .optional()
              .openapi({ description: "The provider's case id" }),
          }),
        ),
      },
      responses: ok(z.object({ tier: z.string(), previous: z.string() })),
    }),
    async (c) => {
      const s = c.get('service');
      assertScope(s, 'kyc');
      const b = c.req.valid('json');
      const r = await setTier(c.get('deps'), {
        userId: c.req.valid('param').userId,
        tier: b.tier,
        source: 'kyc_provider',
        actor: `service:${s.credentialId}`,
        reference: b.reference ?? null,
      });
      return c.json(r, 200);
    },
  );
  return app;
}
