import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { reportNotMe } from '../../services/identity/account-lock.js';
import { confirmEmailChange } from '../../services/identity/email-change.js';
import { confirmPasswordReset, requestPasswordReset } from '../../services/identity/password.js';
import {
  cancelRecoveryByToken,
  completeRecovery,
  confirmRecovery,
  recoveryStatus,
  requestRecovery,
} from '../../services/identity/recovery.js';
import { passwordVerdict, register, verifyEmail } from '../../services/identity/register.js';
import { endSessions } from '../../services/identity/session-management.js';
import {
  decideDeviceApproval,
  describeDeviceApproval,
  pollDeviceApproval,
  type SignInResult,
  startSignIn,
  submitCodeFactor,
} from '../../services/identity/sign-in.js';
import { stepUp } from '../../services/identity/step-up.js';
import type { AppEnv } from '../env.js';
import { requireSession } from '../middleware/auth.js';
import { Email, Iso, iso, isoOrNull, jsonBody, ok, Password, Token } from '../openapi.js';
import { clearSession, csrfTokenFor, issueDeviceToken, issueSession } from '../session-cookies.js';

export const SignInResponse = z
  .object({
    status: z.enum(['second_factor_required', 'device_approval_required', 'signed_in', 'pending', 'denied']),
    challengeToken: z.string().optional(),
    methods: z.array(z.string()).optional(),
    expiresAt: Iso.optional(),
    session: z
      .object({ expiresAt: Iso, csrfToken: z.string().nullable(), token: z.string().nullable() })
      .optional(),
    deviceToken: z.string().nullable().optional(),
  })
  .openapi('SignInStep');

/** Maps a sign-in step to the response, setting the cookies a browser needs. */
export function signInResponse(
  c: Context<AppEnv>,
  r: SignInResult | { status: 'pending'; expiresAt: Date } | { status: 'denied' },
) {
  if (r.status === 'pending') return { status: r.status, expiresAt: iso(r.expiresAt) };
  if (r.status === 'denied') return { status: r.status };
  const deviceToken = issueDeviceToken(c, r.deviceToken);
  switch (r.status) {
    case 'second_factor_required':
      return { status: r.status, challengeToken: r.challengeToken, methods: r.methods, deviceToken };
    case 'device_approval_required':
      return { status: r.status, challengeToken: r.challengeToken, expiresAt: iso(r.expiresAt), deviceToken };
    case 'signed_in': {
      const s = issueSession(c, r.session.token, r.session.absoluteExpiresAt);
      return {
        status: r.status,
        session: { expiresAt: iso(r.session.absoluteExpiresAt), ...s },
        deviceToken,
      };
    }
  }
}

const Accepted = z.object({ status: z.string() });

export function authRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ['Sign-in'];

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/register',
      tags,
      summary: 'Register with email and password',
      description:
        'Answers the same whether the email is new or taken. A verification email is sent (or, for a taken address, a notice to its owner).',
      request: jsonBody(z.object({ email: Email, password: Password })),
      responses: ok(Accepted, 'Verification email sent'),
    }),
    async (c) => c.json(await register(c.get('deps'), c.req.valid('json'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/password-strength',
      tags,
      summary: 'Strength feedback for a candidate password',
      request: jsonBody(z.object({ password: Password, email: z.string().max(254).optional() })),
      responses: ok(
        z.object({
          ok: z.boolean(),
          score: z.number().int(),
          problems: z.array(z.object({ code: z.string(), message: z.string() })),
          warning: z.string().nullable(),
          suggestions: z.array(z.string()),
        }),
      ),
    }),
    (c) => {
      const { password, email } = c.req.valid('json');
      return c.json(passwordVerdict(c.get('deps'), password, email ? [email] : []), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/verify-email',
      tags,
      summary: 'Confirm an email address from the emailed link',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(z.object({ verified: z.boolean(), deviceToken: z.string().nullable() })),
    }),
    async (c) => {
      const r = await verifyEmail(c.get('deps'), c.req.valid('json'), c.get('ctx'));
      return c.json({ verified: r.verified, deviceToken: issueDeviceToken(c, r.deviceToken) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/email-change/confirm',
      tags: ['Account'],
      summary: 'Complete an email change from the link sent to the new address',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(z.object({ changed: z.boolean() })),
    }),
    async (c) => c.json(await confirmEmailChange(c.get('deps'), c.req.valid('json'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/sign-in',
      tags,
      summary: 'Sign in, step 1: email and password',
      description:
        'Any refusal (unknown email, wrong password, locked account, throttled source, address not on the allow-list) is the same 401 INVALID_CREDENTIALS.',
      request: jsonBody(z.object({ email: Email, password: Password })),
      responses: ok(SignInResponse),
    }),
    async (c) =>
      c.json(signInResponse(c, await startSignIn(c.get('deps'), c.req.valid('json'), c.get('ctx'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/sign-in/factor',
      tags,
      summary: 'Sign in, step 2: a TOTP or backup code',
      request: jsonBody(
        z.object({
          challengeToken: Token,
          method: z.enum(['totp', 'backup_code']),
          code: z.string().min(1).max(64),
        }),
      ),
      responses: ok(SignInResponse),
    }),
    async (c) =>
      c.json(
        signInResponse(c, await submitCodeFactor(c.get('deps'), c.req.valid('json'), c.get('ctx'))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/sign-in/status',
      tags,
      summary: 'Sign in, step 3: has the new device been approved from the email?',
      request: jsonBody(z.object({ challengeToken: Token })),
      responses: ok(SignInResponse),
    }),
    async (c) =>
      c.json(
        signInResponse(c, await pollDeviceApproval(c.get('deps'), c.req.valid('json'), c.get('ctx'))),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/device-approval/describe',
      tags,
      summary: 'What a device-approval link is about (does not use the link up)',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(z.object({ deviceName: z.string(), ip: z.string(), requestedAt: Iso, expiresAt: Iso })),
    }),
    async (c) => {
      const d = await describeDeviceApproval(c.get('deps'), c.req.valid('json').token);
      return c.json(
        { deviceName: d.deviceName, ip: d.ip, requestedAt: iso(d.requestedAt), expiresAt: iso(d.expiresAt) },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/device-approval',
      tags,
      summary: 'Approve or deny a new device from the emailed link',
      request: jsonBody(z.object({ token: Token, decision: z.enum(['approve', 'deny']) })),
      responses: ok(z.object({ decision: z.enum(['approve', 'deny']) })),
    }),
    async (c) => c.json(await decideDeviceApproval(c.get('deps'), c.req.valid('json'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/not-me',
      tags: ['Account lock'],
      summary: '"This wasn\'t me": the single-use link in every email; locks the account',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(z.object({ locked: z.boolean() })),
    }),
    async (c) => c.json(await reportNotMe(c.get('deps'), c.req.valid('json'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/password-reset',
      tags: ['Password'],
      summary: 'Ask for a password-reset link (same answer for every email)',
      request: jsonBody(z.object({ email: Email })),
      responses: ok(Accepted),
    }),
    async (c) => c.json(await requestPasswordReset(c.get('deps'), c.req.valid('json'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/password-reset/confirm',
      tags: ['Password'],
      summary: 'Set a new password from the emailed link; clears a hard lock; ends every session',
      request: jsonBody(z.object({ token: Token, newPassword: Password })),
      responses: ok(z.object({ reset: z.boolean() })),
    }),
    async (c) => c.json(await confirmPasswordReset(c.get('deps'), c.req.valid('json'), c.get('ctx')), 200),
  );

  const RecoveryView = z.object({
    id: z.string(),
    requestedAt: Iso,
    confirmedAt: Iso.nullable(),
    effectiveAt: Iso.nullable(),
    ready: z.boolean().optional(),
  });
  const recoveryJson = (r: {
    id: string;
    requestedAt: Date;
    confirmedAt: Date | null;
    effectiveAt: Date | null;
    ready?: boolean;
  }) => ({
    id: r.id,
    requestedAt: iso(r.requestedAt),
    confirmedAt: isoOrNull(r.confirmedAt),
    effectiveAt: isoOrNull(r.effectiveAt),
    ...(r.ready !== undefined ? { ready: r.ready } : {}),
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/recovery',
      tags: ['Recovery'],
      summary: 'Start recovery of a lost second factor (same answer for every email)',
      request: jsonBody(z.object({ email: Email })),
      responses: ok(Accepted),
    }),
    async (c) => c.json(await requestRecovery(c.get('deps'), c.req.valid('json'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/recovery/confirm',
      tags: ['Recovery'],
      summary: 'Confirm the recovery from the email: starts the waiting period',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(RecoveryView),
    }),
    async (c) =>
      c.json(recoveryJson(await confirmRecovery(c.get('deps'), c.req.valid('json'), c.get('ctx'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/recovery/status',
      tags: ['Recovery'],
      summary: 'Where a recovery stands (for its countdown)',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(RecoveryView),
    }),
    async (c) => c.json(recoveryJson(await recoveryStatus(c.get('deps'), c.req.valid('json'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/recovery/cancel',
      tags: ['Recovery'],
      summary: 'Cancel a pending recovery from the emailed cancel link',
      request: jsonBody(z.object({ token: Token })),
      responses: ok(z.object({ cancelled: z.boolean() })),
    }),
    async (c) => c.json(await cancelRecoveryByToken(c.get('deps'), c.req.valid('json'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/recovery/complete',
      tags: ['Recovery'],
      summary: 'Finish a recovery once its waiting period is over',
      request: jsonBody(z.object({ token: Token, newPassword: Password })),
      responses: ok(z.object({ recovered: z.boolean(), withdrawalsFrozenUntil: Iso })),
    }),
    async (c) => {
      const r = await completeRecovery(c.get('deps'), c.req.valid('json'), c.get('ctx'));
      return c.json({ recovered: r.recovered, withdrawalsFrozenUntil: iso(r.withdrawalsFrozenUntil) }, 200);
    },
  );

  // Signed-in routes of the auth family.
  app.use('/v1/auth/step-up', requireSession());
  app.use('/v1/auth/sign-out', requireSession());
  app.use('/v1/auth/session', requireSession());

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/auth/session',
      tags: ['Sessions'],
      summary: 'The current session: the lightest authenticated check (one indexed read)',
      responses: ok(
        z.object({
          sessionId: z.string(),
          userId: z.string(),
          email: z.string(),
          authMethods: z.array(z.string()),
          expiresAt: Iso,
          stepUpFreshUntil: Iso.nullable(),
          csrfToken: z.string().nullable(),
        }),
      ),
    }),
    (c) => {
      const p = c.get('principal');
      const deps = c.get('deps');
      const freshUntil = p.stepUpAt
        ? new Date(p.stepUpAt.getTime() + deps.config.STEP_UP_MINUTES * 60_000)
        : null;
      return c.json(
        {
          sessionId: p.sessionId,
          userId: p.userId,
          email: p.email,
          authMethods: [...p.authMethods],
          expiresAt: iso(p.absoluteExpiresAt),
          stepUpFreshUntil: freshUntil && freshUntil > deps.clock.now() ? iso(freshUntil) : null,
          csrfToken: c.get('authVia') === 'cookie' ? csrfTokenFor(deps, c.get('sessionToken')) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/step-up',
      tags: ['Sessions'],
      summary: 'Confirm a second factor before a sensitive action; rotates the session token',
      request: jsonBody(
        z.discriminatedUnion('method', [
          z.object({ method: z.enum(['totp', 'backup_code']), code: z.string().min(1).max(64) }),
          z.object({ method: z.literal('password'), password: Password }),
        ]),
      ),
      responses: ok(
        z.object({
          freshUntil: Iso,
          session: z.object({ csrfToken: z.string().nullable(), token: z.string().nullable() }),
        }),
      ),
    }),
    async (c) => {
      const r = await stepUp(c.get('deps'), c.get('principal'), c.req.valid('json'), c.get('ctx'));
      return c.json(
        {
          freshUntil: iso(r.freshUntil),
          session: issueSession(c, r.token, c.get('principal').absoluteExpiresAt),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/sign-out',
      tags: ['Sessions'],
      summary: 'End this session',
      responses: ok(z.object({ signedOut: z.boolean() })),
    }),
    async (c) => {
      const p = c.get('principal');
      await endSessions(c.get('deps'), p, { only: p.sessionId, reason: 'sign_out' }, c.get('ctx'));
      clearSession(c);
      return c.json({ signedOut: true }, 200);
    },
  );

  return app;
}
