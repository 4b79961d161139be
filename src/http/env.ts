import type { Deps } from '../deps.js';
import type { Principal, RequestContext } from '../services/identity/context.js';

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: Deps;
    ctx: RequestContext;
    principal: Principal;
    /** How the principal authenticated: a browser cookie (CSRF applies) or a bearer token. */
    authVia: 'cookie' | 'bearer';
    sessionToken: string;
  };
}
