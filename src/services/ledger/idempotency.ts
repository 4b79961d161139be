import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

export interface IdempotentResult<T> {
  readonly status: number;
  readonly body: T;
  /** True when this is the stored answer to an earlier request with the same key. */
  readonly replayed: boolean;
}

export const requestHash = (request: unknown): Buffer =>
  createHash('sha256')
    .update(canonicalize(request) ?? 'null')
    .digest();

/**
 * Runs `work` once per (scope, key), in one transaction with the key's row: the first request
 * inserts the key and does the work; a repeat (even concurrent: it waits on the key's row until
 * the first commits) returns the stored answer and moves nothing; a repeat whose request differs
 * is IDEMPOTENCY_CONFLICT. When the work fails, the key is not kept, so the request may be retried.
 */
export async function idempotent<T>(
  deps: Pick<Deps, 'db' | 'clock'>,
  args: { scope: string; key: string | undefined; request: unknown },
  work: (trx: Trx) => Promise<{ status: number; body: T }>,
): Promise<IdempotentResult<T>> {
  if (!args.key || !IDEMPOTENCY_KEY.test(args.key)) throw new CustosError('IDEMPOTENCY_KEY_REQUIRED');
  const hash = requestHash(args.request);
  return deps.db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('idempotency_keys')
      .values({
        scope: args.scope,
        key: args.key!,
        request_hash: hash,
        status: 0,
        response: 'null',
        created_at: deps.clock.now(),
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) {
      const stored = await trx
        .selectFrom('idempotency_keys')
        .select(['status', 'response', 'request_hash'])
        .where('scope', '=', args.scope)
        .where('key', '=', args.key!)
        .executeTakeFirstOrThrow();
      if (!Buffer.from(stored.request_hash).equals(hash)) throw new CustosError('IDEMPOTENCY_CONFLICT');
      return { status: stored.status, body: stored.response as T, replayed: true };
    }
    const result = await work(trx);
    await trx
      .updateTable('idempotency_keys')
      .set({ status: result.status, response: JSON.stringify(result.body) })
      .where('scope', '=', args.scope)
      .where('key', '=', args.key!)
      .execute();
    return { ...result, replayed: false };
  });
}
