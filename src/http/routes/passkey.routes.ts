import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import {
  type AuthenticationResponseJSON,
  listPasskeys,
  type Passkey,
  passkeyAuthenticationOptions,
  passkeyRegistrationOptions,
  type RegistrationResponseJSON,
  registerPasskey,
  removePasskey,
  renamePasskey,
  signInWithPasskey,
  stepUpWithPasskey,
} from '../../services/identity/passkeys.js';
import type { AppEnv } from '../env.js';
import { requireSession } from '../middleware/auth.js';
import { Iso, iso, isoOrNull, jsonBody, ok, Token } from '../openapi.js';
import { issueSession } from '../session-cookies.js';
import { SignInResponse, signInResponse } from './auth.routes.js';

/**
 * WebAuthn JSON as browsers send it (`PublicKeyCredential.toJSON()`), checked loosely: shapes and
 * sizes here, everything that matters (challenge, origin, RP ID, signature, counter) in
 * @simplewebauthn/server.
 */
const B64u = z
  .string()
  .min(1)
  .max(16_384)
  .regex(/^[A-Za-z0-9_-]*={0,2}$/, 'base64url');
const credentialBase = {
  id: B64u.max(1_400),
  rawId: B64u.max(1_400),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults: z.looseObject({}).default({}),
};
const RegistrationCredential = z
  .object({
    ...credentialBase,
    response: z.looseObject({
      clientDataJSON: B64u,
      attestationObject: B64u,
      transports: z.array(z.string().max(32)).max(10).optional(),
    }),
  })
  .openapi('WebAuthnRegistrationResponse');
const AuthenticationCredential = z
  .object({
    ...credentialBase,
    response: z.looseObject({
      clientDataJSON: B64u,
      authenticatorData: B64u,
      signature: B64u,
      userHandle: B64u.max(128).optional(),
    }),
  })
  .openapi('WebAuthnAuthenticationResponse');

const CreationOptions = z
  .looseObject({
    challenge: z.string(),
    rp: z.object({ name: z.string(), id: z.string().optional() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
  })
  .openapi('PasskeyCreationOptions', {
    description: 'Pass to navigator.credentials.create() (PublicKeyCredentialCreationOptionsJSON)',
  });
const RequestOptions = z.looseObject({ challenge: z.string() }).openapi('PasskeyRequestOptions', {
  description: 'Pass to navigator.credentials.get() (PublicKeyCredentialRequestOptionsJSON)',
});

const PasskeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: Iso,
    lastUsedAt: Iso.nullable(),
    deviceType: z.string(),
    backedUp: z.boolean(),
    transports: z.array(z.string()),
  })
  .openapi('Passkey');
const passkeyJson = (p: Passkey) => ({
  id: p.id,
  name: p.name,
  createdAt: iso(p.createdAt),
  lastUsedAt: isoOrNull(p.lastUsedAt),
  deviceType: p.deviceType,
  backedUp: p.backedUp,
  transports: [...p.transports],
});

const Name = z.string().trim().min(1).max(60);
const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const StepUpResult = z.object({
  freshUntil: Iso,
  session: z.object({ csrfToken: z.string().nullable(), token: z.string().nullable() }),
});

// The zod schemas above check the shape loosely; the library verifies the content.
const asRegistration = (r: z.infer<typeof RegistrationCredential>) =>
  r as unknown as RegistrationResponseJSON;
const asAssertion = (r: z.infer<typeof AuthenticationCredential>) =>
  r as unknown as AuthenticationResponseJSON;

export function passkeyRoutes() {
  const app = new OpenAPIHono<AppEnv>();
  const tags = ['Passkeys'];
  // This router is mounted before meRoutes(), whose /v1/me/* guard would come too late for it.
  app.use('/v1/me/passkeys', requireSession());
  app.use('/v1/me/passkeys/*', requireSession());
  app.use('/v1/auth/step-up/passkey', requireSession());
  app.use('/v1/auth/step-up/passkey/*', requireSession());

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/passkeys/registration-options',
      tags,
      summary: 'Start adding a passkey or security key (step-up): options for navigator.credentials.create()',
      responses: ok(CreationOptions),
    }),
    async (c) =>
      c.json(await passkeyRegistrationOptions(c.get('deps'), c.get('principal'), c.get('ctx')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/me/passkeys',
      tags,
      summary: 'Finish adding a passkey (step-up); withdrawals are paused afterwards',
      request: jsonBody(
        z.object({
          name: Name,
          response: RegistrationCredential,
          endOtherSessions: z
            .boolean()
            .default(false)
            .openapi({ description: 'End every other session of the account' }),
        }),
      ),
      responses: ok(PasskeyView.extend({ sessionsEnded: z.number().int() })),
    }),
    async (c) => {
      const body = c.req.valid('json');
      const r = await registerPasskey(
        c.get('deps'),
        c.get('principal'),
        { name: body.name, response: asRegistration(body.response), endOtherSessions: body.endOtherSessions },
        c.get('ctx'),
      );
      return c.json({ ...passkeyJson(r), sessionsEnded: r.sessionsEnded }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me/passkeys',
      tags,
      summary: 'Passkeys and security keys of the account',
      responses: ok(z.object({ items: z.array(PasskeyView) })),
    }),
    async (c) =>
      c.json({ items: (await listPasskeys(c.get('deps'), c.get('principal'))).map(passkeyJson) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/v1/me/passkeys/{id}',
      tags,
      summary: 'Rename a passkey',
      request: { params: IdParam, ...jsonBody(z.object({ name: Name })) },
      responses: ok(PasskeyView),
    }),
    async (c) => {
      const p = await renamePasskey(
        c.get('deps'),
        c.get('principal'),
        c.req.valid('param').id,
        c.req.valid('json').name,
        c.get('ctx'),
      );
      return c.json(passkeyJson(p), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/me/passkeys/{id}',
      tags,
      summary: 'Remove a passkey (step-up); removing the last second factor also voids the backup codes',
      responses: ok(z.object({ removed: z.boolean(), lastFactor: z.boolean() })),
      request: { params: IdParam },
    }),
    async (c) => {
      const r = await removePasskey(c.get('deps'), c.get('principal'), c.req.valid('param').id, c.get('ctx'));
      return c.json({ removed: r.removed, lastFactor: r.lastFactor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/passkey/options',
      tags,
      summary: 'Sign in with a passkey: options for navigator.credentials.get()',
      description:
        "With the challengeToken of a sign-in whose password step passed: the account's passkeys, as a second factor. Without: any discoverable passkey, with user verification required.",
      request: jsonBody(z.object({ challengeToken: Token.optional() })),
      responses: ok(RequestOptions),
    }),
    async (c) => {
      const { challengeToken } = c.req.valid('json');
      return c.json(await passkeyAuthenticationOptions(c.get('deps'), { challengeToken }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/passkey',
      tags,
      summary: 'Sign in with a passkey: as the second step, or alone',
      description:
        'Any refusal (unknown credential, failed verification, locked account) is the same 401 INVALID_CREDENTIALS.',
      request: jsonBody(z.object({ challengeToken: Token.optional(), response: AuthenticationCredential })),
      responses: ok(SignInResponse),
    }),
    async (c) => {
      const { challengeToken, response } = c.req.valid('json');
      const r = await signInWithPasskey(
        c.get('deps'),
        { challengeToken, response: asAssertion(response) },
        c.get('ctx'),
      );
      return c.json(signInResponse(c, r), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/step-up/passkey/options',
      tags,
      summary: 'Step-up with a passkey: options for navigator.credentials.get()',
      responses: ok(RequestOptions),
    }),
    async (c) =>
      c.json(await passkeyAuthenticationOptions(c.get('deps'), { principal: c.get('principal') }), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/step-up/passkey',
      tags,
      summary: 'Step-up with a passkey; rotates the session token',
      request: jsonBody(z.object({ response: AuthenticationCredential })),
      responses: ok(StepUpResult),
    }),
    async (c) => {
      const principal = c.get('principal');
      const r = await stepUpWithPasskey(
        c.get('deps'),
        principal,
        { response: asAssertion(c.req.valid('json').response) },
        c.get('ctx'),
      );
      return c.json(
        { freshUntil: iso(r.freshUntil), session: issueSession(c, r.token, principal.absoluteExpiresAt) },
        200,
      );
    },
  );

  return app;
}
