import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Deps } from '../deps.js';
import { CustosError } from '../domain/errors.js';
import { renderDocsPage } from './docs-page.js';
import type { AppEnv } from './env.js';
import { errorBody, handleError } from './errors.js';
import { sameOrigin } from './middleware/auth.js';
import { authRateLimit } from './middleware/rate-limit.js';
import { requestContext } from './middleware/request-context.js';
import { securityHeaders } from './middleware/security-headers.js';
import { adminRoutes } from './routes/admin.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { chainRoutes } from './routes/chain.routes.js';
import { ledgerRoutes } from './routes/ledger.routes.js';
import { meRoutes } from './routes/me.routes.js';
import { passkeyRoutes } from './routes/passkey.routes.js';
import { platformRoutes } from './routes/platform.routes.js';
import { reservesRoutes } from './routes/reserves.routes.js';
import { scorecardRoutes } from './routes/scorecard.routes.js';
import { systemRoutes } from './routes/system.routes.js';
import { withdrawalSettingsRoutes } from './routes/withdrawal-settings.routes.js';
import { withdrawalRoutes } from './routes/withdrawals.routes.js';
import { mountWebApp } from './web-app.js';

export interface AppOptions {
  /** Set while the server drains at shutdown: readiness answers 503. */
  isDraining?: () => boolean;
  /** The built security center; dist/web by default. */
  webDir?: string;
}

const MAX_BODY_BYTES = 64 * 1024;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The HTTP app, built from deps alone: tests call `app.request()` with no socket. */
export function createApp(deps: Deps, options: AppOptions = {}) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new CustosError('VALIDATION_FAILED', {
          details: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        });
      }
    },
  });

  app.use('*', requestContext(deps));
  app.use('*', securityHeaders());
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new CustosError('VALIDATION_FAILED', { message: 'The request body is too large.' });
    },
  });
  // Only requests that carry a body: reading it on a GET would build the whole Request object.
  app.use('/v1/*', (c, next) => (BODY_METHODS.has(c.req.method) ? limitBody(c, next) : next()));
  app.use('/v1/*', sameOrigin());
  app.use('/v1/auth/*', authRateLimit());

  app.route('/', systemRoutes({ isDraining: options.isDraining ?? (() => false) }));
  app.route('/', authRoutes());
  app.route('/', passkeyRoutes());
  app.route('/', meRoutes());
  app.route('/', ledgerRoutes());
  app.route('/', platformRoutes());
  app.route('/', withdrawalSettingsRoutes());
  // After the settings routes: /v1/withdrawals/{id} must not shadow /v1/withdrawals/addresses.
  app.route('/', withdrawalRoutes());
  app.route('/', adminRoutes());
  app.route('/', chainRoutes());
  app.route('/', reservesRoutes());
  app.route('/', scorecardRoutes());

  app.openAPIRegistry.registerComponent('securitySchemes', 'serviceCredential', {
    type: 'http',
    scheme: 'bearer',
    description: 'A platform service credential, svc_<id>.<secret> (custos platform credentials create)',
  });

  const openApiConfig = {
    openapi: '3.1.0',
    info: {
      title: 'Custos API',
      version: '0.1.0',
      description:
        'The security core of a custodial crypto platform: sign-in protection, sessions, second factors, account lock, recovery and the audit log.',
    },
  };
  app.doc31('/openapi.json', openApiConfig);
  app.get('/docs', (c) =>
    c.html(
      renderDocsPage(
        app.getOpenAPI31Document(openApiConfig) as unknown as Parameters<typeof renderDocsPage>[0],
      ),
    ),
  );
  mountWebApp(app, deps.config, options.webDir);

  app.notFound((c) => c.json(errorBody('NOT_FOUND', 'Not found.', c.get('requestId') ?? 'unknown'), 404));
  app.onError(handleError);
  return app;
}

export type App = ReturnType<typeof createApp>;
