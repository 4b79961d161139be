import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/services/ledger/ledger-check.js';
import { createServiceCredential } from '../../src/services/ledger/service-credentials.js';
import { signUp, type TestClient, uniqueEmail, useHarness } from '../fixtures/harness.js';

const h = useHarness();
let platformToken: string;

beforeAll(async () => {
  ({ token: platformToken } = await createServiceCredential(h.deps, {
    name: 'test platform',
    scopes: ['deposits', 'settlements', 'fees', 'reimbursements'],
    actor: 'system',
  }));
});

/** The platform's back end calling the integration API. */
function platform(path: string, body: unknown, token = platformToken) {
  return h.app.request(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

let txCounter = 0;
async function customer() {
  const c = h.client();
  await signUp(h, c, uniqueEmail());
  const me = await c.get('/v1/me');
  return { c, userId: me.body.id as string };
}

async function fund(userId: string, asset: string, amount: string) {
  const r = await platform('/v1/platform/deposits', {
    userId,
    asset,
    amount,
    network: asset === 'BTC' ? 'bitcoin' : 'ethereum',
    txId: `0xfund${txCounter++}`,
  });
  expect(r.status).toBe(201);
}

async function balances(c: TestClient) {
  const r = await c.get('/v1/ledger/accounts');
  expect(r.status).toBe(200);
  return r.body.items as {
    id: string;
    name: string;
    main: boolean;
    balances: { asset: string; balance: string; available: string }[];
  }[];
}
const balanceOf = (accounts: Awaited<ReturnType<typeof balances>>, id: string, asset: string) =>
  accounts.find((a) => a.id === id)?.balances.find((b) => b.asset === asset)?.balance ?? '0';

async function withSubAccount(c: TestClient, name = 'Trading') {
  const r = await c.call(
    'POST',
    '/v1/ledger/accounts',
    { name },
    { 'Idempotency-Key': `sub-account-${txCounter++}` },
  );
  expect(r.status).toBe(201);
  const accounts = await balances(c);
  return { main: accounts.find((a) => a.main)!.id, sub: r.body.id as string };
}

const transfer = (c: TestClient, key: string | null, body: Record<string, string>) =>
  c.call('POST', '/v1/ledger/transfers', body, key ? { 'Idempotency-Key': key } : {});

describe('Security: a replayed request moves money once (the 2021 double charge)', () => {
  it('the same idempotency key, sent twice: the first answer again and one movement', async () => {
    const { c, userId } = await customer();
    await fund(userId, 'BTC', '100000000');
    const { main, sub } = await withSubAccount(c);
    const body = { fromAccountId: main, toAccountId: sub, asset: 'BTC', amount: '25000000' };
    const first = await transfer(c, 'key-sequential-1', body);
    const again = await transfer(c, 'key-sequential-1', body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.headers.get('Idempotency-Replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const after = await balances(c);
    expect(balanceOf(after, main, 'BTC')).toBe('75000000');
    expect(balanceOf(after, sub, 'BTC')).toBe('25000000');
  });

  it('200 concurrent requests with one key: exactly one moves money', async () => {
    const { c, userId } = await customer();
    await fund(userId, 'ETH', '1000000000000000000');
    const { main, sub } = await withSubAccount(c);
    const body = { fromAccountId: main, toAccountId: sub, asset: 'ETH', amount: '1000000000000000' };
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => transfer(c, 'key-concurrent-1', body)),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([...Array(199).fill(200), 201]);
    const ids = new Set(replies.map((r) => r.body.transactionId));
    expect(ids.size).toBe(1);
    const after = await balances(c);
    expect(balanceOf(after, sub, 'ETH')).toBe('1000000000000000');
    expect(balanceOf(after, main, 'ETH')).toBe('999000000000000000');
  });

  it('the same key with another body is a conflict, and nothing moves', async () => {
    const { c, userId } = await customer();
    await fund(userId, 'BTC', '1000');
    const { main, sub } = await withSubAccount(c);
    expect(
      (
        await transfer(c, 'key-reuse-1', {
          fromAccountId: main,
          toAccountId: sub,
          asset: 'BTC',
          amount: '10',
        })
      ).status,
    ).toBe(201);
    const other = await transfer(c, 'key-reuse-1', {
      fromAccountId: main,
      toAccountId: sub,
      asset: 'BTC',
      amount: '11',
    });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('IDEMPOTENCY_CONFLICT');
    expect(balanceOf(await balances(c), sub, 'BTC')).toBe('10');
  });

  it('a change without an idempotency key is refused', async () => {
    const { c, userId } = await customer();
    await fund(userId, 'BTC', '1000');
    const { main, sub } = await withSubAccount(c);
    const r = await transfer(c, null, { fromAccountId: main, toAccountId: sub, asset: 'BTC', amount: '10' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('IDEMPOTENCY_KEY_REQUIRED');
  });

  it('a deposit reported twice, or 200 times at once, is credited once', async () => {
    const { c, userId } = await customer();
    const deposit = {
      userId,
      asset: 'USDC',
      amount: '5000000',
      network: 'ethereum',
      txId: '0xdeadbeef01',
      outputIndex: 3,
    };
    const replies = await Promise.all(
      Array.from({ length: 200 }, () => platform('/v1/platform/deposits', deposit)),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(199).fill(200), 201]);
    const accounts = await balances(c);
    expect(balanceOf(accounts, accounts.find((a) => a.main)!.id, 'USDC')).toBe('5000000');
    const changed = await platform('/v1/platform/deposits', { ...deposit, amount: '5000001' });
    expect(changed.status).toBe(409);
    expect((await changed.json()).error.code).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('ledger rules', () => {
  it('an amount above the available balance is refused and moves nothing', async () => {
    const { c, userId } = await customer();
    await fund(userId, 'BTC', '500');
    const { main, sub } = await withSubAccount(c);
    const r = await transfer(c, 'key-too-much', {
      fromAccountId: main,
      toAccountId: sub,
      asset: 'BTC',
      amount: '501',
    });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('INSUFFICIENT_FUNDS');
    expect(balanceOf(await balances(c), main, 'BTC')).toBe('500');
    // The key was not kept: the corrected request may reuse it.
    const ok = await transfer(c, 'key-too-much', {
      fromAccountId: main,
      toAccountId: sub,
      asset: 'BTC',
      amount: '500',
    });
    expect(ok.status).toBe(201);
  });

  it("another user's account can be neither source nor destination", async () => {
    const alice = await customer();
    const bob = await customer();
    await fund(alice.userId, 'BTC', '1000');
    const a = await withSubAccount(alice.c);
    const b = await withSubAccount(bob.c);
    const out = await transfer(alice.c, 'key-theft-1', {
      fromAccountId: a.main,
      toAccountId: b.main,
      asset: 'BTC',
      amount: '1',
    });
    expect(out.status).toBe(404);
    const steal = await transfer(bob.c, 'key-theft-2', {
      fromAccountId: a.main,
      toAccountId: b.main,
      asset: 'BTC',
      amount: '1',
    });
    expect(steal.status).toBe(404);
    expect((await bob.c.get(`/v1/ledger/entries?accountId=${a.main}`)).status).toBe(404);
  });

  it('refuses malformed amounts and unknown assets with a clear error', async () => {
    const { c, userId } = await customer();
    const { main, sub } = await withSubAccount(c);
    for (const amount of ['0', '01', '-5', '1.5', '1e3', (2n ** 256n).toString(), '9'.repeat(79)]) {
      const r = await transfer(c, `key-bad-${amount.length}-${amount.slice(0, 3)}`, {
        fromAccountId: main,
        toAccountId: sub,
        asset: 'BTC',
        amount,
      });
      expect(r.status, amount).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
    }
    const unknown = await transfer(c, 'key-unknown-asset', {
      fromAccountId: main,
      toAccountId: sub,
      asset: 'DOGE',
      amount: '1',
    });
    expect(unknown.body.error.code).toBe('UNKNOWN_ASSET');
    // Any 256-bit amount fits: an 18-decimal token never overflows.
    const huge = (2n ** 256n - 1n).toString();
    const r = await platform('/v1/platform/deposits', {
      userId,
      asset: 'ETH',
      amount: huge,
      network: 'ethereum',
      txId: '0xhuge',
    });
    expect(r.status).toBe(201);
    expect(balanceOf(await balances(c), main, 'ETH')).toBe(huge);
  });

  it('sub-accounts have unique names and a limit', async () => {
    const { c } = await customer();
    await withSubAccount(c, 'Savings');
    const dup = await c.call(
      'POST',
      '/v1/ledger/accounts',
      { name: 'savings' },
      { 'Idempotency-Key': 'sub-dup-1' },
    );
    expect(dup.status).toBe(409);
    for (let i = 1; i < h.deps.config.MAX_SUB_ACCOUNTS; i++) await withSubAccount(c, `Pocket ${i}`);
    const over = await c.call(
      'POST',
      '/v1/ledger/accounts',
      { name: 'One more' },
      { 'Idempotency-Key': 'sub-over-1' },
    );
    expect(over.body.error.code).toBe('SUB_ACCOUNT_LIMIT_REACHED');
  });

  it('settlements, fees and reimbursements post balanced transactions; entries list them', async () => {
    const { c, userId } = await customer();
    await fund(userId, 'USDC', '100000000');
    const trade = {
      userId,
      tradeId: 'trade-1',
      legs: [
        { asset: 'BTC', amount: '100000' },
        { asset: 'USDC', amount: '-60000000' },
      ],
      fee: { asset: 'USDC', amount: '60000' },
    };
    expect((await platform('/v1/platform/settlements', trade)).status).toBe(201);
    expect((await platform('/v1/platform/settlements', trade)).status).toBe(200);
    expect(
      (
        await platform('/v1/platform/fees', {
          userId,
          asset: 'USDC',
          amount: '1000000',
          reference: 'fee-nov',
          reason: 'monthly fee',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await platform('/v1/platform/reimbursements', {
          userId,
          asset: 'USDC',
          amount: '1000000',
          reference: 'refund-1',
          reason: 'incident 12',
        })
      ).status,
    ).toBe(201);
    const accounts = await balances(c);
    const main = accounts.find((a) => a.main)!.id;
    expect(balanceOf(accounts, main, 'BTC')).toBe('100000');
    expect(balanceOf(accounts, main, 'USDC')).toBe(
      String(100_000_000 - 60_000_000 - 60_000 - 1_000_000 + 1_000_000),
    );
    const entries = await c.get('/v1/ledger/entries?limit=10');
    expect(entries.body.items.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['deposit', 'settlement', 'fee', 'reimbursement']),
    );
    // A trade that would leave the customer negative is refused as a whole.
    const broke = await platform('/v1/platform/settlements', {
      userId,
      tradeId: 'trade-2',
      legs: [
        { asset: 'BTC', amount: '1' },
        { asset: 'USDC', amount: '-999999999999' },
      ],
    });
    expect(broke.status).toBe(409);
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });
});

describe('Security: the integration API only answers its credentials', () => {
  it('refuses a missing, malformed, unknown, revoked or under-scoped credential', async () => {
    const { userId } = await customer();
    const deposit = { userId, asset: 'BTC', amount: '1', network: 'bitcoin', txId: 'scope-test' };
    expect(
      (
        await h.app.request('/v1/platform/deposits', {
          method: 'POST',
          body: JSON.stringify(deposit),
          headers: { 'Content-Type': 'application/json' },
        })
      ).status,
    ).toBe(401);
    expect((await platform('/v1/platform/deposits', deposit, 'svc_nope')).status).toBe(401);
    const forged = platformToken.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A'));
    expect((await platform('/v1/platform/deposits', deposit, forged)).status).toBe(401);
    const { token: feesOnly } = await createServiceCredential(h.deps, {
      name: 'fees',
      scopes: ['fees'],
      actor: 'system',
    });
    const r = await platform('/v1/platform/deposits', deposit, feesOnly);
    expect(r.status).toBe(403);
    // A customer's session is not a service credential either.
    const { c } = await customer();
    expect((await c.post('/v1/platform/deposits', deposit)).status).toBe(401);
  });
});

describe('the database refuses what must never happen', () => {
  it('an unbalanced transaction, a negative customer balance, a changed posting', async () => {
    const db = h.deps.db;
    const { userId } = await customer();
    await fund(userId, 'BTC', '10');
    const account = (
      await db
        .selectFrom('ledger_accounts')
        .select('id')
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow()
    ).id;
    await expect(
      db.transaction().execute(async (trx) => {
        await sql`insert into ledger_transactions (id, kind, actor, created_at) values ('11111111-1111-4111-8111-111111111111', 'forged', 'test', now())`.execute(
          trx,
        );
        await sql`insert into ledger_postings (transaction_id, account_id, asset, amount) values ('11111111-1111-4111-8111-111111111111', ${account}, 'BTC', 1000)`.execute(
          trx,
        );
      }),
    ).rejects.toThrow(/not balanced/);
    await expect(
      sql`update ledger_balances set balance = -1 where account_id = ${account}`.execute(db),
    ).rejects.toThrow();
    await expect(sql`update ledger_postings set amount = amount * 2`.execute(db)).rejects.toThrow(
      /append-only/,
    );
  });

  it('ledger check finds a cached balance that no longer matches its postings', async () => {
    expect((await checkLedger(h.deps)).ok).toBe(true);
    const { userId } = await customer();
    await fund(userId, 'BTC', '10');
    await sql`update ledger_balances set balance = balance + 5 where customer and account_id in (select id from ledger_accounts where user_id = ${userId})`.execute(
      h.deps.db,
    );
    const v = await checkLedger(h.deps);
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => p.kind)).toContain('balance_mismatch');
    await sql`update ledger_balances set balance = balance - 5 where customer and account_id in (select id from ledger_accounts where user_id = ${userId})`.execute(
      h.deps.db,
    );
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });
});
