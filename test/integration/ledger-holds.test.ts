import { beforeAll, describe, expect, it } from 'vitest';
import type { Trx } from '../../src/db/database.js';
import { move } from '../../src/domain/ledger/journal.js';
import { ensureMainAccount } from '../../src/services/ledger/accounts.js';
import { placeHold, releaseHold, settleHold } from '../../src/services/ledger/holds.js';
import { checkLedger } from '../../src/services/ledger/ledger-check.js';
import { postTransaction } from '../../src/services/ledger/post-transaction.js';
import { SYSTEM_ACCOUNTS } from '../../src/services/ledger/system-accounts.js';
import { signUp, uniqueEmail, useHarness } from '../fixtures/harness.js';

const h = useHarness();
let account: string;
let userId: string;

beforeAll(async () => {
  const c = h.client();
  await signUp(h, c, uniqueEmail());
  userId = (await c.get('/v1/me')).body.id;
  account = await ensureMainAccount(h.deps.db, h.deps, userId);
  await h.deps.db.transaction().execute((trx) =>
    postTransaction(trx, h.deps, {
      kind: 'deposit',
      reference: 'holds-1',
      actor: 'test',
      postings: move(SYSTEM_ACCOUNTS.chain, account, 'BTC', 100n),
    }),
  );
});

const run = <T>(fn: (trx: Trx) => Promise<T>): Promise<T> => h.deps.db.transaction().execute(fn);
const balance = async () =>
  h.deps.db
    .selectFrom('ledger_balances')
    .select(['balance', 'held'])
    .where('account_id', '=', account)
    .where('asset', '=', 'BTC')
    .executeTakeFirstOrThrow();

describe('holds', () => {
  it('held funds cannot be spent twice: not by a second hold, not by a transfer', async () => {
    const hold = await run((trx) =>
      placeHold(trx, h.deps, { accountId: account, asset: 'BTC', amount: 60n, reason: 'withdrawal' }),
    );
    await expect(
      run((trx) =>
        placeHold(trx, h.deps, { accountId: account, asset: 'BTC', amount: 41n, reason: 'withdrawal' }),
      ),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    await expect(
      run((trx) =>
        postTransaction(trx, h.deps, {
          kind: 'transfer',
          actor: 'test',
          postings: move(account, SYSTEM_ACCOUNTS.fees, 'BTC', 50n),
        }),
      ),
    ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
    expect(await balance()).toEqual({ balance: '100', held: '60' });

    // Settled once: the funds leave; a second settlement or a release moves nothing.
    expect(
      await run((trx) =>
        settleHold(trx, h.deps, hold.id, { kind: 'withdrawal', reference: 'w-1', userId, actor: 'test' }),
      ),
    ).not.toBeNull();
    expect(
      await run((trx) =>
        settleHold(trx, h.deps, hold.id, { kind: 'withdrawal', reference: 'w-2', userId, actor: 'test' }),
      ),
    ).toBeNull();
    expect(await run((trx) => releaseHold(trx, h.deps, hold.id))).toBe(false);
    expect(await balance()).toEqual({ balance: '40', held: '0' });

    const second = await run((trx) =>
      placeHold(trx, h.deps, { accountId: account, asset: 'BTC', amount: 40n, reason: 'withdrawal' }),
    );
    expect(await run((trx) => releaseHold(trx, h.deps, second.id))).toBe(true);
    expect(await balance()).toEqual({ balance: '40', held: '0' });
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });
});
