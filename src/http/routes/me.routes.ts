import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  getAccount,
  getSecurityCheckup,
  getSecurityHistory,
  setAntiPhishingCode,
  setIpAllowlist,
} from '../../services/identity/account.js';
import { lockAccount } from '../../services/identity/account-lock.js';
import { regenerateBackupCodes } from '../../services/identity/backup-codes.js';
import { actorOf } from '../../services/identity/context.js';
import { listDevices, removeDevice, updateDevice } from '../../services/identity/devices.js';
import { requestEmailChange } from '../../services/identity/email-change.js';
import { changePassword } from '../../services/identity/password.js';
import { cancelRecoverySignedIn } from '../../services/identity/recovery.js';
import { endSessions, listSessions } from '../../services/identity/session-management.js';
import {
  cancelSettingsUnlock,
  lockSettings,
  requestSettingsUnlock,
  type SettingsLockState,
} from '../../services/identity/settings-lock.js';
import { confirmTotpSetup, disableTotp, startTotpSetup } from '../../services/identity/totp-enrolment.js';
import type { AppEnv } from '../env.js';
import { requireSession } from '../middleware/auth.js';
import { Email, Iso, iso, isoOrNull, jsonBody, ok, Password } from '../openapi.js';
import { clearSession, csrfTokenFor } from '../session-cookies.js';

const Id = z.uuid();
const IdParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' } }) });

const Account = z
  .object({
    id: z.string(),
    email: z.string(),
    emailVerified: z.boolean(),
    createdAt: Iso,
    factors: z.object({
      totp: z.boolean(),
      passkeys: z.number().int(),
      backupCodesRemaining: z.number().int(),
    }),
    antiPhishingCode: z.string().nullable(),
    ipAllowlist: z.array(z.string()),
    withdrawalsFrozenUntil: Iso.nullable(),
    settingsLock: z.object({
      state: z.enum(['off', 'locked', 'unlock_pending']),
      unlockDelayDays: z.number().int().nullable(),
      unlockEffectiveAt: Iso.nullable(),
    }),
    recovery: z
      .object({ id: z.string(), requestedAt: Iso, confirmedAt: Iso.nullable(), effectiveAt: Iso.nullable() })
      .nullable(),
    session: z.object({
      id: z.string(),
      authMethods: z.array(z.string()),
      expiresAt: Iso,
      stepUpFreshUntil: Iso.nullable(),
      csrfToken: z.string().nullable(),
    }),
    serverTime: Iso.openapi({ description: "The server's clock: countdowns to delayed changes use it" }),
  })
  .openapi('Account');

const SettingsLock = z.object({
  state: z.enum(['off', 'locked', 'unlock_pending']),
  unlockDelayDays: z.number().int().nullable(),
  unlockEffectiveAt: Iso.nullable(),
});
const lockJson = (s: SettingsLockState) => ({
  state: s.state,
  unlockDelayDays: s.state === 'off' ? null : s.unlockDelayDays,
  unlockEffectiveAt: s.state === 'unlock_pending' ? iso(s.unlockEffectiveAt) : null,
});

const EndOthers = z
  .boolean()
  .default(false)
  .openapi({ description: 'End every other session of the account' });

export function meRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  app.use('/v1/me', requireSession());
  app.use('/v1/me/*', requireSession());

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me',
      tags: ['Account'],
      summary: 'The signed-in account',
      responses: ok(Account),
    }),
    async (c) => {
      const a = await getAccount(c.get('deps'), c.get('principal'));
      return c.json(
        {
          ...a,
          createdAt: iso(a.createdAt),
          withdrawalsFrozenUntil: isoOrNull(a.withdrawalsFrozenUntil),
          settingsLock: { ...a.settingsLock, unlockEffectiveAt: isoOrNull(a.settingsLock.unlockEffectiveAt) },
          recovery: a.recovery
            ? {
                id: a.recovery.id,
                requestedAt: iso(a.recovery.requestedAt),
                confirmedAt: isoOrNull(a.recovery.confirmedAt),
                effectiveAt: isoOrNull(a.recovery.effectiveAt),
              }
            : null,
          session: {
            ...a.session,
            authMethods: [...a.session.authMethods],
            expiresAt: iso(a.session.expiresAt),
            stepUpFreshUntil: isoOrNull(a.session.stepUpFreshUntil),
            csrfToken:
              c.get('authVia') === 'cookie' ? csrfTokenFor(c.get('deps'), c.get('sessionToken')) : null,
          },
          serverTime: iso(c.get('deps').clock.now()),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/password',
      tags: ['Password'],
      summary: 'Change the password (step-up); optionally end every other session',
      request: jsonBody(
        z.object({ currentPassword: Password, newPassword: Password, endOtherSessions: EndOthers }),
      ),
      responses: ok(z.object({ changed: z.boolean(), sessionsEnded: z.number().int() })),
    }),
    async (c) =>
      c.json(await changePassword(c.get('deps'), c.get('principal'), c.req.valid('json'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/email',
      tags: ['Account'],
      summary: 'Change the email address (step-up); a link to the new address completes it',
      request: jsonBody(z.object({ email: Email })),
      responses: ok(z.object({ status: z.string() })),
    }),
    async (c) => {
      const r = await requestEmailChange(
        c.get('deps'),
        c.get('principal'),
        c.req.valid('json').email,
        c.get('ctx'),
      );
      return c.json({ status: r.status }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/me/anti-phishing-code',
      tags: ['Account'],
      summary: 'Set or remove the anti-phishing code shown in every email (step-up)',
      request: jsonBody(
        z.object({
          code: z
            .string()
            .trim()
            .min(4)
            .max(20)
            .regex(/^[\p{L}\p{N} _-]+$/u, 'letters, digits, spaces, - and _ only')
            .nullable(),
        }),
      ),
      responses: ok(z.object({ antiPhishingCode: z.string().nullable() })),
    }),
    async (c) => {
      const r = await setAntiPhishingCode(
        c.get('deps'),
        c.get('principal'),
        c.req.valid('json').code,
        c.get('ctx'),
      );
      return c.json({ antiPhishingCode: r.antiPhishingCode }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/me/ip-allowlist',
      tags: ['Account'],
      summary: 'Set the sign-in IP allow-list (step-up); an empty list allows every address',
      request: jsonBody(z.object({ cidrs: z.array(z.string().max(64)).max(50) })),
      responses: ok(z.object({ ipAllowlist: z.array(z.string()) })),
    }),
    async (c) => {
      const r = await setIpAllowlist(
        c.get('deps'),
        c.get('principal'),
        c.req.valid('json').cidrs,
        c.get('ctx'),
      );
      return c.json({ ipAllowlist: r.ipAllowlist }, 200);
    },
  );

  const factorTags = ['Second factors'];
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/totp/setup',
      tags: factorTags,
      summary: 'Start authenticator-app setup (step-up): returns the secret and otpauth URI once',
      responses: ok(z.object({ secret: z.string(), uri: z.string() })),
    }),
    async (c) => {
      const r = await startTotpSetup(c.get('deps'), c.get('principal'), c.get('ctx'));
      return c.json({ secret: r.secret, uri: r.uri }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/totp/confirm',
      tags: factorTags,
      summary: 'Confirm authenticator-app setup with a code from the app',
      request: jsonBody(z.object({ code: z.string().min(6).max(12), endOtherSessions: EndOthers })),
      responses: ok(z.object({ enabled: z.boolean(), sessionsEnded: z.number().int() })),
    }),
    async (c) =>
      c.json(
        await confirmTotpSetup(c.get('deps'), c.get('principal'), c.req.valid('json'), c.get('ctx')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/me/totp',
      tags: factorTags,
      summary: 'Turn the authenticator app off (step-up)',
      responses: ok(z.object({ enabled: z.boolean() })),
    }),
    async (c) => {
      const r = await disableTotp(c.get('deps'), c.get('principal'), c.get('ctx'));
      return c.json({ enabled: r.enabled }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/backup-codes',
      tags: factorTags,
      summary: 'Create 10 new backup codes (step-up); shown once, earlier codes stop working',
      responses: ok(z.object({ codes: z.array(z.string()), createdAt: Iso })),
    }),
    async (c) => {
      const r = await regenerateBackupCodes(c.get('deps'), c.get('principal'), c.get('ctx'));
      return c.json({ codes: r.codes, createdAt: iso(r.createdAt) }, 200);
    },
  );

  const sessionTags = ['Sessions'];
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me/sessions',
      tags: sessionTags,
      summary: 'Active sessions of the account',
      responses: ok(
        z.object({
          items: z.array(
            z.object({
              id: z.string(),
              current: z.boolean(),
              device: z.object({ id: z.string(), name: z.string() }).nullable(),
              ip: z.string(),
              userAgent: z.string(),
              createdAt: Iso,
              lastSeenAt: Iso,
              expiresAt: Iso,
            }),
          ),
        }),
      ),
    }),
    async (c) => {
      const p = c.get('principal');
      const rows = await listSessions(c.get('deps'), p);
      return c.json(
        {
          items: rows.map((s) => ({
            id: s.id,
            current: s.id === p.sessionId,
            device: s.device_id ? { id: s.device_id, name: s.device_name ?? 'Unknown device' } : null,
            ip: s.ip,
            userAgent: s.user_agent,
            createdAt: iso(s.created_at),
            lastSeenAt: iso(s.last_seen_at),
            expiresAt: iso(new Date(Math.min(s.idle_expires_at.getTime(), s.absolute_expires_at.getTime()))),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/me/sessions/{id}',
      tags: sessionTags,
      summary: 'End one session',
      request: { params: IdParam },
      responses: ok(z.object({ ended: z.number().int() })),
    }),
    async (c) => {
      const p = c.get('principal');
      const { id } = c.req.valid('param');
      const r = await endSessions(c.get('deps'), p, { only: id, reason: 'ended_by_user' }, c.get('ctx'));
      if (id === p.sessionId) clearSession(c);
      return c.json(r, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/sessions/end-others',
      tags: sessionTags,
      summary: 'End every session but this one',
      responses: ok(z.object({ ended: z.number().int() })),
    }),
    async (c) => {
      const p = c.get('principal');
      return c.json(
        await endSessions(c.get('deps'), p, { except: p.sessionId, reason: 'ended_by_user' }, c.get('ctx')),
        200,
      );
    },
  );

  const Device = z.object({
    id: z.string(),
    name: z.string(),
    trusted: z.boolean(),
    current: z.boolean(),
    approvedAt: Iso.nullable(),
    lastSeenAt: Iso,
    lastIp: z.string(),
    createdAt: Iso,
  });
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me/devices',
      tags: ['Devices'],
      summary: 'Approved devices',
      responses: ok(z.object({ items: z.array(Device) })),
    }),
    async (c) => {
      const p = c.get('principal');
      const rows = await listDevices(c.get('deps').db, p.userId);
      return c.json(
        {
          items: rows.map((d) => ({
            id: d.id,
            name: d.name,
            trusted: d.trusted,
            current: d.id === p.deviceId,
            approvedAt: isoOrNull(d.approved_at),
            lastSeenAt: iso(d.last_seen_at),
            lastIp: d.last_ip,
            createdAt: iso(d.created_at),
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/me/devices/{id}',
      tags: ['Devices'],
      summary: 'Rename a device or mark it trusted',
      request: {
        params: IdParam,
        ...jsonBody(
          z.object({ name: z.string().trim().min(1).max(60).optional(), trusted: z.boolean().optional() }),
        ),
      },
      responses: ok(z.object({ updated: z.boolean() })),
    }),
    async (c) => {
      await updateDevice(
        c.get('deps'),
        c.get('principal'),
        c.req.valid('param').id,
        c.req.valid('json'),
        c.get('ctx'),
      );
      return c.json({ updated: true }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/me/devices/{id}',
      tags: ['Devices'],
      summary: 'Remove a device and end its sessions',
      request: { params: IdParam },
      responses: ok(z.object({ removed: z.boolean() })),
    }),
    async (c) => {
      await removeDevice(c.get('deps'), c.get('principal'), c.req.valid('param').id, c.get('ctx'));
      return c.json({ removed: true }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/lock',
      tags: ['Account lock'],
      summary: 'One-button lock: end every session and block sign-in and withdrawals',
      description:
        'Needs no step-up: locking must be possible in a hurry. Unlocking goes through recovery or an admin review.',
      responses: ok(z.object({ locked: z.boolean(), sessionsEnded: z.number().int() })),
    }),
    async (c) => {
      const p = c.get('principal');
      const r = await lockAccount(c.get('deps'), p.userId, 'security_center', c.get('ctx'), actorOf(p));
      clearSession(c);
      return c.json({ locked: true, sessionsEnded: r.sessionsEnded }, 200);
    },
  );

  const lockTags = ['Settings lock'];
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/settings-lock',
      tags: lockTags,
      summary: 'Lock every security setting; unlocking will take the chosen delay (1 to 30 days)',
      request: jsonBody(z.object({ unlockDelayDays: z.number().int().min(1).max(30) })),
      responses: ok(SettingsLock),
    }),
    async (c) =>
      c.json(
        lockJson(
          await lockSettings(
            c.get('deps'),
            c.get('principal'),
            c.req.valid('json').unlockDelayDays,
            c.get('ctx'),
          ),
        ),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/settings-lock/unlock',
      tags: lockTags,
      summary: 'Ask to lift the settings lock; it takes effect after the chosen delay',
      responses: ok(SettingsLock),
    }),
    async (c) =>
      c.json(lockJson(await requestSettingsUnlock(c.get('deps'), c.get('principal'), c.get('ctx'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/settings-lock/cancel-unlock',
      tags: lockTags,
      summary: 'Cancel a pending unlock: the settings stay locked',
      responses: ok(SettingsLock),
    }),
    async (c) =>
      c.json(lockJson(await cancelSettingsUnlock(c.get('deps'), c.get('principal'), c.get('ctx'))), 200),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/me/recovery',
      tags: ['Recovery'],
      summary: 'Cancel a pending recovery of this account',
      responses: ok(z.object({ cancelled: z.boolean() })),
    }),
    async (c) => c.json(await cancelRecoverySignedIn(c.get('deps'), c.get('principal'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me/security-checkup',
      tags: ['Account'],
      summary: 'Security checkup: score, checklist, protection-programme eligibility',
      responses: ok(
        z.object({
          score: z.number().int(),
          items: z.array(
            z.object({
              id: z.string(),
              group: z.enum(['essentials', 'advanced']),
              title: z.string(),
              description: z.string(),
              done: z.boolean(),
              available: z.boolean(),
              weight: z.number(),
              settingPath: z.string(),
            }),
          ),
          protectionProgramme: z.object({
            eligible: z.boolean(),
            missing: z.array(z.string()),
            eligibleFrom: z.string().nullable(),
          }),
        }),
      ),
    }),
    async (c) => c.json(await getSecurityCheckup(c.get('deps'), c.get('principal')), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me/security-history',
      tags: ['Account'],
      summary: 'Security events of the account, newest first',
      request: {
        query: z.object({
          cursor: z
            .string()
            .regex(/^\d{1,19}$/)
            .optional(),
          limit: z.coerce.number().int().min(1).max(100).default(50),
          type: z
            .string()
            .regex(/^[a-z_.]{1,64}$/)
            .optional(),
        }),
      },
      responses: ok(
        z.object({
          items: z.array(
            z.object({
              id: z.string(),
              at: Iso,
              type: z.string(),
              ip: z.string().nullable(),
              device: z.string().nullable(),
              details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
            }),
          ),
          nextCursor: z.string().nullable(),
        }),
      ),
    }),
    async (c) => {
      const r = await getSecurityHistory(c.get('deps'), c.get('principal'), c.req.valid('query'));
      return c.json({ items: r.items.map((i) => ({ ...i, at: iso(i.at) })), nextCursor: r.nextCursor }, 200);
    },
  );

  return app;
}
