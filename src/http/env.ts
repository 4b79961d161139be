import type { Operator } from '../services/admin/operator-auth.js';
import type { Deps } from '../deps.js';
import type { Principal, RequestContext } from '../services/identity/context.js';
import type { ServicePrincipal } from '../services/ledger/platform-operations.js';

export interface AppEnv {
  Variables: {
    requestId: string;
    deps: Deps;
    ctx: RequestContext;
    principal: Principal;
    /** How the principal authenticated: a browser cookie (CSRF applies) or a bearer token. */
    authVia: 'cookie' | 'bearer';
    sessionToken: string;
    /** A platform service (integration API), authenticated by its credential. */
    service: ServicePrincipal;
    /** A staff member of the admin console. */
    operator: Operator;
  };
}
