import type { Executor, Trx } from '../../db/database.js';
import type { Deps } from '../../deps.js';
import { CustosError } from '../../domain/errors.js';
import { appendAudit } from '../audit/append-audit.js';
import { actorOf, type Principal, type RequestContext } from '../identity/context.js';
import { idempotent } from './idempotency.js';

export const MAIN_ACCOUNT_NAME = 'Main';

export interface AccountView {
  readonly id: string;
  readonly name: string;
  readonly main: boolean;
  readonly createdAt: Date;
  readonly balances: readonly { asset: string; balance: bigint; held: bigint }[];
}

/** The user's main account, created on first use (safe under concurrency: the insert does nothing on a race). */
export async function ensureMainAccount(
  db: Executor,
  deps: Pick<Deps, 'clock' | 'random'>,
  userId: string,
): Promise<string> {
  const main = () =>
    db
      .selectFrom('ledger_accounts')
      .select('id')
      .where('user_id', '=', userId)
      .where('is_main', '=', true)
      .executeTakeFirst();
  // Nearly always there: one read. Created on first use otherwise.
  const existing = await main();
  if (existing) return existing.id;
  await db
    .insertInto('ledger_accounts')
    .values({
      id: deps.random.uuid(),
      kind: 'customer',
      user_id: userId,
      name: MAIN_ACCOUNT_NAME,
      is_main: true,
      created_at: deps.clock.now(),
    })
    // The only unique indexes a fresh id can hit are the user's main account and its name.
    .onConflict((oc) => oc.doNothing())
    .execute();
  return (await main())!.id;
}

/** Several accounts of this user, in the order asked, in one statement; NOT_FOUND if any is not theirs. */
export async function ownAccounts(
  db: Executor,
  userId: string,
  accountIds: readonly string[],
): Promise<string[]> {
  const rows = await db
    .selectFrom('ledger_accounts')
    .select('id')
    .where('id', 'in', [...accountIds])
    .where('user_id', '=', userId)
    .execute();
  const found = new Set(rows.map((r) => r.id));
  if (!accountIds.every((id) => found.has(id)))
    throw new CustosError('NOT_FOUND', { message: 'No such account.' });
  return [...accountIds];
}

/** An account of this user (main or sub-account), or NOT_FOUND: never another user's. */
export async function ownAccount(db: Executor, userId: string, accountId: string): Promise<string> {
  const row = await db
    .selectFrom('ledger_accounts')
    .select('id')
    .where('id', '=', accountId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) throw new CustosError('NOT_FOUND', { message: 'No such account.' });
  return row.id;
}

export async function listAccounts(
  deps: Pick<Deps, 'db' | 'clock' | 'random'>,
  userId: string,
): Promise<AccountView[]> {
  const read = () =>
    deps.db
      .selectFrom('ledger_accounts as a')
      .leftJoin('ledger_balances as b', 'b.account_id', 'a.id')
      .select(['a.id', 'a.name', 'a.is_main', 'a.created_at', 'b.asset', 'b.balance', 'b.held'])
      .where('a.user_id', '=', userId)
      .orderBy('a.is_main', 'desc')
      .orderBy('a.created_at')
      .orderBy('b.asset')
      .execute();
  let rows = await read();
  // The main account is created on the first read that finds none, not written on every read.
  if (!rows.some((r) => r.is_main)) {
    await ensureMainAccount(deps.db, deps, userId);
    rows = await read();
  }
  const byId = new Map<
    string,
    AccountView & { balances: { asset: string; balance: bigint; held: bigint }[] }
  >();
  for (const r of rows) {
    let a = byId.get(r.id);
    if (!a)
      byId.set(
        r.id,
        (a = { id: r.id, name: r.name, main: r.is_main, createdAt: r.created_at, balances: [] }),
      );
    if (r.asset && r.balance !== null && r.held !== null)
      a.balances.push({ asset: r.asset, balance: BigInt(r.balance), held: BigInt(r.held) });
  }
  return [...byId.values()];
}

/** A named sub-account with its own balances (S2), at most MAX_SUB_ACCOUNTS per user. */
export function createSubAccount(
  deps: Deps,
  principal: Principal,
  input: { name: string; idempotencyKey: string | undefined },
  ctx: RequestContext,
) {
  return idempotent(
    deps,
    {
      scope: `user:${principal.userId}`,
      key: input.idempotencyKey,
      request: { op: 'create-sub-account', name: input.name },
    },
    async (trx: Trx) => {
      await ensureMainAccount(trx, deps, principal.userId);
      const { count } = await trx
        .selectFrom('ledger_accounts')
        .select((eb) => eb.fn.countAll<string>().as('count'))
        .where('user_id', '=', principal.userId)
        .where('is_main', '=', false)
        .executeTakeFirstOrThrow();
      if (Number(count) >= deps.config.MAX_SUB_ACCOUNTS) throw new CustosError('SUB_ACCOUNT_LIMIT_REACHED');
      const taken = await trx
        .selectFrom('ledger_accounts')
        .select('id')
        .where('user_id', '=', principal.userId)
        .where((eb) => eb(eb.fn('lower', ['name']), '=', input.name.toLowerCase()))
        .executeTakeFirst();
      if (taken)
        throw new CustosError('CONFLICT', { message: 'You already have an account with this name.' });
      const id = deps.random.uuid();
      const now = deps.clock.now();
      await trx
        .insertInto('ledger_accounts')
        .values({
          id,
          kind: 'customer',
          user_id: principal.userId,
          name: input.name,
          is_main: false,
          created_at: now,
        })
        .execute();
      await appendAudit(trx, deps, {
        type: 'ledger.sub_account_created',
        actor: actorOf(principal),
        userId: principal.userId,
        ip: ctx.ip,
        deviceId: principal.deviceId,
        data: { accountId: id, name: input.name },
      });
      return {
        status: 201,
        body: { id, name: input.name, main: false, createdAt: now.toISOString(), balances: [] },
      };
    },
  );
}

export interface Entry {
  readonly id: string;
  readonly transactionId: string;
  readonly kind: string;
  readonly createdAt: Date;
  readonly accountId: string;
  readonly asset: string;
  readonly amount: bigint;
}

/** The user's postings, newest first, paged by posting id. */
export async function listEntries(
  db: Executor,
  userId: string,
  q: { accountId?: string; cursor?: string; limit: number },
): Promise<{ items: Entry[]; nextCursor: string | null }> {
  let query = db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_accounts as a', 'a.id', 'p.account_id')
    .innerJoin('ledger_transactions as t', 't.id', 'p.transaction_id')
    .select(['p.id', 'p.transaction_id', 't.kind', 't.created_at', 'p.account_id', 'p.asset', 'p.amount'])
    .where('a.user_id', '=', userId)
    .orderBy('p.id', 'desc')
    .limit(q.limit + 1);
  if (q.accountId) query = query.where('p.account_id', '=', q.accountId);
  if (q.cursor && /^[0-9]{1,19}$/.test(q.cursor)) query = query.where('p.id', '<', q.cursor);
  const rows = await query.execute();
  const items = rows.slice(0, q.limit).map((r) => ({
    id: String(r.id),
    transactionId: r.transaction_id,
    kind: r.kind,
    createdAt: r.created_at,
    accountId: r.account_id,
    asset: r.asset,
    amount: BigInt(r.amount),
  }));
  return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
}
