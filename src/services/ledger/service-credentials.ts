import { timingSafeEqual } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';
import { hashToken, newToken } from '../common/tokens.js';
import type { ServicePrincipal } from './platform-operations.js';

/** What a platform service may post; a credential gets only the scopes it needs. */
export const SERVICE_SCOPES = ['deposits', 'settlements', 'fees', 'reimbursements', 'kyc'] as const;
export type ServiceScope = (typeof SERVICE_SCOPES)[number];

const TOKEN = /^svc_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;
const TOUCH_INTERVAL_MS = 60_000;

/**
 * A credential for the platform's back end (its deposit watcher, its matching engine): a bearer
 * token `svc_<id>.<secret>` shown once; only the secret's SHA-256 is stored (256 random bits, so
 * a plain hash is enough).
 */
export async function createServiceCredential(
  deps: Deps,
  input: { name: string; scopes: readonly ServiceScope[]; actor: string },
): Promise<{ id: string; token: string }> {
  const id = deps.random.uuid();
  const secret = newToken(deps.random);
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('service_credentials')
      .values({
        id,
        name: input.name,
        secret_hash: hashToken(secret),
        scopes: [...new Set(input.scopes)].join(','),
        created_at: deps.clock.now(),
      })
      .execute();
    await appendAudit(trx, deps, {
      type: 'service_credential.created',
      actor: input.actor,
      data: { credentialId: id, name: input.name, scopes: input.scopes },
    });
  });
  return { id, token: `svc_${id}.${secret}` };
}

export async function revokeServiceCredential(deps: Deps, id: string, actor: string): Promise<boolean> {
  return deps.db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('service_credentials')
      .set({ revoked_at: deps.clock.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!Number(r.numUpdatedRows)) return false;
    await appendAudit(trx, deps, { type: 'service_credential.revoked', actor, data: { credentialId: id } });
    return true;
  });
}

export function listServiceCredentials(deps: Pick<Deps, 'db'>) {
  return deps.db
    .selectFrom('service_credentials')
    .select(['id', 'name', 'scopes', 'created_at', 'revoked_at', 'last_used_at'])
    .orderBy('created_at')
    .execute();
}

/** The service behind a bearer token, or null (unknown, revoked or wrong secret: all alike). */
export async function authenticateService(
  deps: Pick<Deps, 'db' | 'clock'>,
  token: string,
): Promise<ServicePrincipal | null> {
  const m = TOKEN.exec(token);
  if (!m) return null;
  const row = await deps.db
    .selectFrom('service_credentials')
    .select(['id', 'name', 'scopes', 'secret_hash', 'last_used_at'])
    .where('id', '=', m[1]!)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const presented = hashToken(m[2]!);
  if (!row || !timingSafeEqual(Buffer.from(row.secret_hash), presented)) return null;
  const now = deps.clock.now();
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= TOUCH_INTERVAL_MS) {
    await deps.db
      .updateTable('service_credentials')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .execute();
  }
  return { credentialId: row.id, name: row.name, scopes: row.scopes.split(',').filter(Boolean) };
}

export function assertScope(service: ServicePrincipal, scope: ServiceScope): void {
  if (!service.scopes.includes(scope))
    throw new CustosError('FORBIDDEN', { message: `This credential lacks the "${scope}" scope.` });
}
