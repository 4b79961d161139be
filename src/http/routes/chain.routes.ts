import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { verifyChainCallback } from '../../adapters/chain/webhook-chain.js';
import { WEBHOOK_SIGNATURE_HEADER } from '../../adapters/webhook/webhook-sender.js';
import { CustosError } from '../../domain/errors.js';
import { applyChainReport } from '../../services/withdrawals/processor.js';
import type { AppEnv } from '../env.js';
import { ok } from '../openapi.js';

const Report = z.object({
  withdrawalId: z.uuid(),
  event: z.enum(['accepted', 'confirmed', 'failed']),
  txId: z.string().min(1).max(200).optional(),
  reason: z.string().min(1).max(200).optional(),
});

/**
 * The signer's callback (CHAIN_ADAPTER=webhook): signed with CHAIN_CALLBACK_SECRET over
 * `<t>.<raw body>` in the `Custos-Signature: t=…,v1=…` header, at most 5 minutes old.
 * The signature is checked on the raw bytes before the report is applied.
 */
export function chainRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/chain/events',
      tags: ['Platform integration'],
      summary: "The platform signer's signed report on a broadcast: accepted, confirmed or failed",
      request: {
        headers: z.object({
          'custos-signature': z
            .string()
            .optional()
            .openapi({ param: { name: 'custos-signature', in: 'header' } }),
        }),
        body: { content: { 'application/json': { schema: Report } }, required: true },
      },
      responses: ok(z.object({ applied: z.boolean(), state: z.string() })),
    }),
    async (c) => {
      const deps = c.get('deps');
      const secret = deps.config.CHAIN_ADAPTER === 'webhook' ? deps.config.CHAIN_CALLBACK_SECRET : undefined;
      if (!secret) throw new CustosError('NOT_FOUND');
      const raw = await c.req.text();
      if (!verifyChainCallback(secret, c.req.header(WEBHOOK_SIGNATURE_HEADER), raw, deps.clock.now()))
        throw new CustosError('UNAUTHENTICATED', { message: 'The callback signature is not valid.' });
      const parsed = Report.safeParse(JSON.parse(raw));
      if (!parsed.success) throw new CustosError('VALIDATION_FAILED');
      return c.json(await applyChainReport(deps, parsed.data), 200);
    },
  );
  return app;
}
