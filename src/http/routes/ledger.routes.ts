import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { createSubAccount, listAccounts, listEntries, ownAccount } from '../../services/ledger/accounts.js';
import { transferBetweenOwnAccounts } from '../../services/ledger/transfers.js';
import type { AppEnv } from '../env.js';
import { IdempotencyHeader, sendIdempotent } from '../idempotency.js';
import { requireSession } from '../middleware/auth.js';
import { Amount, Balance, created, Iso, iso, jsonBody, ok } from '../openapi.js';

const Id = z.uuid();
const AccountView = z
  .object({
    id: z.string(),
    name: z.string(),
    main: z.boolean(),
    createdAt: Iso,
    balances: z.array(z.object({ asset: z.string(), balance: Balance, held: Balance, available: Balance })),
  })
  .openapi('LedgerAccount');

const accountJson = (a: Awaited<ReturnType<typeof listAccounts>>[number]) => ({
  id: a.id,
  name: a.name,
  main: a.main,
  createdAt: iso(a.createdAt),
  balances: a.balances.map((b) => ({
    asset: b.asset,
    balance: b.balance.toString(),
    held: b.held.toString(),
    available: (b.balance - b.held).toString(),
  })),
});

export function ledgerRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/v1/ledger/*', requireSession());

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ledger/assets',
      tags: ['Ledger'],
      summary: 'The assets the platform holds',
      responses: ok(
        z.object({
          items: z.array(z.object({ symbol: z.string(), decimals: z.number().int(), network: z.string() })),
        }),
      ),
    }),
    (c) => c.json({ items: c.get('deps').config.assets.map((a) => ({ ...a })) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ledger/accounts',
      tags: ['Ledger'],
      summary:
        'Your main account and sub-accounts, with their balances (held: reserved by pending withdrawals)',
      responses: ok(z.object({ items: z.array(AccountView) })),
    }),
    async (c) => {
      const deps = c.get('deps');
      const items = await listAccounts(deps, c.get('principal').userId);
      return c.json({ items: items.map(accountJson) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/ledger/accounts',
      tags: ['Ledger'],
      summary: 'Create a sub-account: separate balances that limit what a leaked key of it can reach',
      request: {
        headers: IdempotencyHeader,
        ...jsonBody(z.object({ name: z.string().trim().min(1).max(40) })),
      },
      responses: created(AccountView),
    }),
    async (c) => {
      const r = await createSubAccount(
        c.get('deps'),
        c.get('principal'),
        { name: c.req.valid('json').name, idempotencyKey: c.req.valid('header')['idempotency-key'] },
        c.get('ctx'),
      );
      return sendIdempotent(c, r);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/ledger/transfers',
      tags: ['Ledger'],
      summary: 'Move funds between two of your accounts',
      request: {
        headers: IdempotencyHeader,
        ...jsonBody(
          z.object({
            fromAccountId: Id,
            toAccountId: Id,
            asset: z.string().min(1).max(12),
            amount: Amount,
          }),
        ),
      },
      responses: created(
        z.object({
          transactionId: z.string(),
          fromAccountId: z.string(),
          toAccountId: z.string(),
          asset: z.string(),
          amount: Amount,
        }),
      ),
    }),
    async (c) => {
      const body = c.req.valid('json');
      const r = await transferBetweenOwnAccounts(
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
      method: 'get',
      path: '/v1/ledger/entries',
      tags: ['Ledger'],
      summary: 'Your ledger entries, newest first (cursor pagination)',
      request: {
        query: z.object({
          accountId: Id.optional(),
          cursor: z.string().max(20).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(50),
        }),
      },
      responses: ok(
        z.object({
          items: z.array(
            z.object({
              id: z.string(),
              transactionId: z.string(),
              kind: z.string(),
              createdAt: Iso,
              accountId: z.string(),
              asset: z.string(),
              amount: z.string().openapi({ description: 'Signed integer in smallest units' }),
            }),
          ),
          nextCursor: z.string().nullable(),
        }),
      ),
    }),
    async (c) => {
      const deps = c.get('deps');
      const q = c.req.valid('query');
      const userId = c.get('principal').userId;
      if (q.accountId) await ownAccount(deps.db, userId, q.accountId);
      const page = await listEntries(deps.db, userId, q);
      return c.json(
        {
          items: page.items.map((e) => ({ ...e, createdAt: iso(e.createdAt), amount: e.amount.toString() })),
          nextCursor: page.nextCursor,
        },
        200,
      );
    },
  );
  return app;
}
