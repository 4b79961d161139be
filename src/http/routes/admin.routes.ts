import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { CustosError } from '../../domain/errors.js';
import { authenticateOperator, signInOperator, signOutOperator } from '../../services/admin/operator-auth.js';
import { getWithdrawalControls, setWithdrawalPause } from '../../services/withdrawals/platform-controls.js';
import { reviewDetail, reviewQueue, reviewWithdrawal } from '../../services/withdrawals/reviews.js';
import { setTier, tierHistory } from '../../services/withdrawals/tiers.js';
import type { AppEnv } from '../env.js';
import { authRateLimit } from '../middleware/rate-limit.js';
import { Email, Iso, jsonBody, ok, Password } from '../openapi.js';
import { CSRF_HEADER, csrfTokenFor, csrfTokenMatches } from '../session-cookies.js';
import { Withdrawal } from './withdrawals.routes.js';

export const ADMIN_COOKIE = 'custos_admin';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A live operator session (cookie), with the CSRF token on every change; roles checked per route. */
export function requireOperator(...roles: string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const deps = c.get('deps');
    let op = c.get('operator');
    if (!op) {
      const token = getCookie(c, ADMIN_COOKIE);
      const found = token ? await authenticateOperator(deps, token) : null;
      if (!token || !found)
        throw new CustosError('UNAUTHENTICATED', { message: 'Sign in to the admin console.' });
      if (!SAFE.has(c.req.method) && !csrfTokenMatches(deps, `admin:${token}`, c.req.header(CSRF_HEADER)))
        throw new CustosError('CSRF_REJECTED');
      c.set('operator', found);
      op = found;
    }
    if (roles.length && !roles.includes(op.role)) throw new CustosError('FORBIDDEN');
    await next();
  };
}

const OperatorView = z.object({ id: z.string(), email: z.string(), role: z.string() });
const Id = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const Held = Withdrawal.extend({
  userId: z.string(),
  email: z.string(),
  reviewsRequired: z.number().int(),
  reviewExpiresAt: Iso.nullable(),
});
const Controls = z.object({
  pausedAll: z.boolean(),
  pausedAssets: z.array(z.string()),
  reasons: z.record(z.string(), z.string()),
});
const controlsJson = (c: Awaited<ReturnType<typeof getWithdrawalControls>>) => ({
  pausedAll: c.pausedAll,
  pausedAssets: [...c.pausedAssets],
  reasons: { ...c.reasons },
});

/** The admin console's API (SPEC S4 review queue, S9 kill switches, S3 tiers), for staff only. */
export function adminRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/v1/admin/sign-in', authRateLimit());

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/admin/sign-in',
      tags: ['Admin'],
      summary: 'Staff sign-in: password and authenticator code together; one answer for every failure',
      request: jsonBody(z.object({ email: Email, password: Password, code: z.string().min(6).max(10) })),
      responses: ok(z.object({ operator: OperatorView, csrfToken: z.string() })),
    }),
    async (c) => {
      const deps = c.get('deps');
      const r = await signInOperator(deps, c.req.valid('json'), c.get('ctx'));
      setCookie(c, ADMIN_COOKIE, r.token, {
        httpOnly: true,
        secure: deps.config.secureCookies,
        sameSite: 'Strict',
        path: '/',
        expires: r.expiresAt,
      });
      const { sessionId: _s, ...operator } = r.operator;
      return c.json({ operator, csrfToken: csrfTokenFor(deps, `admin:${r.token}`) }, 200);
    },
  );

  app.use('/v1/admin/me', requireOperator());
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/me',
      tags: ['Admin'],
      summary: 'The signed-in operator and the CSRF token for changes',
      responses: ok(z.object({ operator: OperatorView, csrfToken: z.string(), serverTime: Iso })),
    }),
    (c) => {
      const deps = c.get('deps');
      const { sessionId: _s, ...operator } = c.get('operator');
      return c.json(
        {
          operator,
          csrfToken: csrfTokenFor(deps, `admin:${getCookie(c, ADMIN_COOKIE)}`),
          serverTime: deps.clock.now().toISOString(),
        },
        200,
      );
    },
  );

  app.use('/v1/admin/sign-out', requireOperator());
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/admin/sign-out',
      tags: ['Admin'],
      summary: 'End this operator session',
      responses: ok(z.object({ signedOut: z.boolean() })),
    }),
    async (c) => {
      const deps = c.get('deps');
      await signOutOperator(deps, c.get('operator').sessionId);
      deleteCookie(c, ADMIN_COOKIE, { path: '/', secure: deps.config.secureCookies, sameSite: 'Strict' });
      return c.json({ signedOut: true }, 200);
    },
  );

  app.use('/v1/admin/withdrawals/*', requireOperator('support', 'analyst', 'approver', 'admin'));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/withdrawals/reviews',
      tags: ['Admin'],
      summary: 'Withdrawals held for review, oldest first',
      responses: ok(z.object({ items: z.array(Held.extend({ approvals: z.number().int() })) })),
    }),
    async (c) => c.json({ items: await reviewQueue(c.get('deps')) }, 200),
  );

  const Detail = Held.extend({
    reviews: z.array(z.object({ reviewer: z.string(), decision: z.string(), note: z.string(), at: Iso })),
    timeline: z.array(
      z.object({
        at: Iso,
        from: z.string().nullable(),
        to: z.string(),
        event: z.string(),
        by: z.string(),
        reason: z.string(),
      }),
    ),
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/withdrawals/{id}',
      tags: ['Admin'],
      summary: 'One withdrawal with its risk reasons, reviews and timeline',
      request: { params: Id },
      responses: ok(Detail),
    }),
    async (c) => c.json(await reviewDetail(c.get('deps'), c.req.valid('param').id), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/admin/withdrawals/{id}/review',
      tags: ['Admin'],
      summary:
        'Approve or reject a held withdrawal (analyst, approver, admin); large ones need two different reviewers',
      request: {
        params: Id,
        ...jsonBody(
          z.object({ decision: z.enum(['approve', 'reject']), note: z.string().trim().min(3).max(500) }),
        ),
      },
      responses: ok(Detail),
    }),
    async (c) =>
      c.json(
        await reviewWithdrawal(
          c.get('deps'),
          c.get('operator'),
          c.req.valid('param').id,
          c.req.valid('json'),
        ),
        200,
      ),
  );

  app.use('/v1/admin/controls/*', requireOperator('support', 'analyst', 'approver', 'admin'));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/controls/withdrawals',
      tags: ['Admin'],
      summary: 'The withdrawal kill switches',
      responses: ok(Controls),
    }),
    async (c) => c.json(controlsJson(await getWithdrawalControls(c.get('deps').db)), 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/admin/controls/withdrawals',
      tags: ['Admin'],
      summary: 'Pause or resume withdrawals of one asset, or of all (admin); queued ones wait, none is lost',
      request: jsonBody(
        z.object({
          asset: z.string().min(1).max(12).nullable(),
          paused: z.boolean(),
          reason: z.string().trim().min(3).max(500),
        }),
      ),
      responses: ok(Controls),
    }),
    async (c) => {
      const op = c.get('operator');
      if (op.role !== 'admin') throw new CustosError('FORBIDDEN');
      const b = c.req.valid('json');
      return c.json(
        controlsJson(await setWithdrawalPause(c.get('deps'), { ...b, actor: `operator:${op.id}` })),
        200,
      );
    },
  );

  app.use('/v1/admin/users/*', requireOperator('approver', 'admin'));
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/admin/users/{id}/tier',
      tags: ['Admin'],
      summary: 'Set a verification tier after a manual review (approver, admin); kept with its history',
      request: {
        params: Id,
        ...jsonBody(z.object({ tier: z.string().min(1).max(32), reason: z.string().trim().min(3).max(500) })),
      },
      responses: ok(
        z.object({
          tier: z.string(),
          history: z.array(
            z.object({ tier: z.string(), previousTier: z.string().nullable(), source: z.string(), at: Iso }),
          ),
        }),
      ),
    }),
    async (c) => {
      const deps = c.get('deps');
      const { id } = c.req.valid('param');
      const b = c.req.valid('json');
      const r = await setTier(deps, {
        userId: id,
        tier: b.tier,
        source: 'admin',
        actor: `operator:${c.get('operator').id}`,
        reference: b.reason,
      });
      const history = await tierHistory(deps.db, id);
      return c.json(
        {
          tier: r.tier,
          history: history.map((h) => ({
            tier: h.tier,
            previousTier: h.previous_tier,
            source: h.source,
            at: h.at.toISOString(),
          })),
        },
        200,
      );
    },
  );
  return app;
}
