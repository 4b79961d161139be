import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  addAddress,
  type AddressView,
  confirmAddress,
  listAddresses,
  removeAddress,
} from '../../services/withdrawals/address-book.js';
import {
  enableWithdrawalLock,
  getProtection,
  type ProtectionView,
  requestWithdrawalUnlock,
  setDailyCap,
} from '../../services/withdrawals/protection.js';
import type { AppEnv } from '../env.js';
import { requireSession } from '../middleware/auth.js';
import { Amount, Iso, iso, isoOrNull, jsonBody, ok, Token } from '../openapi.js';

const Address = z
  .object({
    id: z.string(),
    asset: z.string(),
    network: z.string(),
    address: z.string(),
    label: z.string(),
    status: z.enum(['awaiting_confirmation', 'activating', 'active']),
    createdAt: Iso,
    confirmedAt: Iso.nullable(),
    activeFrom: Iso.nullable().openapi({ description: 'When the address can receive withdrawals' }),
  })
  .openapi('WithdrawalAddress');

const addressJson = (a: AddressView) => ({
  ...a,
  createdAt: iso(a.createdAt),
  confirmedAt: isoOrNull(a.confirmedAt),
  activeFrom: isoOrNull(a.activeFrom),
});

const Protection = z
  .object({
    withdrawalLock: z.object({
      state: z.enum(['off', 'on', 'unlock_pending']),
      effectiveAt: Iso.nullable().openapi({ description: 'When a requested unlock takes effect' }),
    }),
    caps: z.array(
      z.object({
        asset: z.string(),
        dailyLimit: z.string().nullable(),
        pending: z.object({ dailyLimit: z.string().nullable(), effectiveAt: Iso }).nullable(),
      }),
    ),
  })
  .openapi('WithdrawalProtection');

const protectionJson = (p: ProtectionView) => ({
  withdrawalLock: {
    state: p.withdrawalLock.state,
    effectiveAt: p.withdrawalLock.state === 'unlock_pending' ? iso(p.withdrawalLock.effectiveAt) : null,
  },
  caps: p.caps.map((c) => ({
    asset: c.asset,
    dailyLimit: c.dailyLimit === null ? null : c.dailyLimit.toString(),
    pending: c.pending
      ? {
          dailyLimit: c.pending.limit === null ? null : c.pending.limit.toString(),
          effectiveAt: iso(c.pending.effectiveAt),
        }
      : null,
  })),
});

export function withdrawalSettingsRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/v1/withdrawals/*', requireSession());

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/withdrawals/addresses',
      tags: ['Withdrawal protection'],
      summary: 'Your address book',
      responses: ok(z.object({ items: z.array(Address) })),
    }),
    async (c) => {
      const items = await listAddresses(c.get('deps'), c.get('principal').userId);
      return c.json({ items: items.map(addressJson) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals/addresses',
      tags: ['Withdrawal protection'],
      summary: 'Add an address (step-up); usable 24 h after its email confirmation',
      request: jsonBody(
        z.object({
          asset: z.string().min(1).max(12),
          address: z.string().trim().min(1).max(128),
          label: z.string().trim().min(1).max(60),
        }),
      ),
      responses: ok(Address),
    }),
    async (c) =>
      c.json(
        addressJson(await addAddress(c.get('deps'), c.get('principal'), c.req.valid('json'), c.get('ctx'))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/withdrawals/addresses/{id}',
      tags: ['Withdrawal protection'],
      summary: 'Remove an address at once (also cancels one waiting to become usable)',
      request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
      responses: ok(z.object({ removed: z.boolean() })),
    }),
    async (c) => {
      await removeAddress(c.get('deps'), c.get('principal'), c.req.valid('param').id, c.get('ctx'));
      return c.json({ removed: true }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/address-confirmation',
      tags: ['Withdrawal protection'],
      summary: 'The email link that confirms a new address and starts its waiting period',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(Address),
    }),
    async (c) =>
      c.json(addressJson(await confirmAddress(c.get('deps'), c.req.valid('json').token, c.get('ctx'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/withdrawals/protection',
      tags: ['Withdrawal protection'],
      summary: 'Your withdrawal lock and daily caps, with any change waiting to take effect',
      responses: ok(Protection),
    }),
    async (c) => c.json(protectionJson(await getProtection(c.get('deps'), c.get('principal').userId)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals/lock',
      tags: ['Withdrawal protection'],
      summary: 'Turn the withdrawal lock on, at once (cancels a pending unlock)',
      responses: ok(Protection),
    }),
    async (c) =>
      c.json(
        protectionJson(await enableWithdrawalLock(c.get('deps'), c.get('principal'), c.get('ctx'))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/withdrawals/lock/unlock',
      tags: ['Withdrawal protection'],
      summary: 'Ask to turn the withdrawal lock off (step-up): it turns off 24 h later',
      responses: ok(Protection),
    }),
    async (c) =>
      c.json(
        protectionJson(await requestWithdrawalUnlock(c.get('deps'), c.get('principal'), c.get('ctx'))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/withdrawals/caps/{asset}',
      tags: ['Withdrawal protection'],
      summary:
        'Set a daily cap: lowering is immediate; raising or removing (null) needs step-up and waits 24 h',
      request: {
        params: z.object({
          asset: z
            .string()
            .min(1)
            .max(12)
            .openapi({ param: { name: 'asset', in: 'path' } }),
        }),
        ...jsonBody(z.object({ dailyLimit: Amount.nullable() })),
      },
      responses: ok(Protection),
    }),
    async (c) => {
      const { dailyLimit } = c.req.valid('json');
      const p = await setDailyCap(
        c.get('deps'),
        c.get('principal'),
        { asset: c.req.valid('param').asset, dailyLimit: dailyLimit === null ? null : BigInt(dailyLimit) },
        c.get('ctx'),
      );
      return c.json(protectionJson(p), 200);
    },
  );
  return app;
}
