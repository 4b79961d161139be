import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Trx } from '../../src/db/database.js';
import { CustosError } from '../../src/domain/errors.js';
import { move } from '../../src/domain/ledger/journal.js';
import { ensureMainAccount } from '../../src/services/ledger/accounts.js';
import { placeHold, releaseHold, settleHold } from '../../src/services/ledger/holds.js';
import { checkLedger } from '../../src/services/ledger/ledger-check.js';
import { postTransaction } from '../../src/services/ledger/post-transaction.js';
import { SYSTEM_ACCOUNTS } from '../../src/services/ledger/system-accounts.js';
import { signUp, uniqueEmail, useHarness } from '../fixtures/harness.js';

const h = useHarness();
const ASSETS = ['BTC', 'USDC'] as const;
const assetOf = (i: number): string => ASSETS[i === 0 ? 0 : 1];
let accounts: string[] = [];

beforeAll(async () => {
  // Three customers with a main account and a sub-account each.
  for (let i = 0; i < 3; i++) {
    const c = h.client();
    await signUp(h, c, uniqueEmail());
    const userId = (await c.get('/v1/me')).body.id as string;
    accounts.push(await ensureMainAccount(h.deps.db, h.deps, userId));
    const sub = h.deps.random.uuid();
    await h.deps.db
      .insertInto('ledger_accounts')
      .values({
        id: sub,
        kind: 'customer',
        user_id: userId,
        name: `Sub ${i}`,
        is_main: false,
        created_at: h.clock.now(),
      })
      .execute();
    accounts.push(sub);
  }
  accounts = [...accounts];
});

type Op =
  | { op: 'deposit'; to: number; asset: number; amount: bigint }
  | { op: 'transfer'; from: number; to: number; asset: number; amount: bigint }
  | { op: 'withdraw'; from: number; asset: number; amount: bigint }
  /** Sends out the whole balance: refused exactly when part of it is held. */
  | { op: 'withdrawAll'; from: number; asset: number }
  | { op: 'hold'; from: number; asset: number; amount: bigint }
  | { op: 'release'; hold: number }
  | { op: 'settle'; hold: number };

// Small amounts, so that debits, holds and insufficient funds collide often.
const amount = fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 1n, max: 10n ** 30n }));
// Biased towards one account and asset, so that operations meet on the same balance.
const account = fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 5 }));
const asset = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('deposit' as const), to: account, asset, amount }),
  fc.record({ op: fc.constant('transfer' as const), from: account, to: account, asset, amount }),
  fc.record({ op: fc.constant('withdraw' as const), from: account, asset, amount }),
  fc.record({ op: fc.constant('withdrawAll' as const), from: account, asset }),
  fc.record({ op: fc.constant('hold' as const), from: account, asset, amount }),
  fc.record({ op: fc.constant('release' as const), hold: fc.nat(20) }),
  fc.record({ op: fc.constant('settle' as const), hold: fc.nat(20) }),
);

/** What each operation must do, by the rules alone: the model the database is compared with. */
class Model {
  balance = new Map<string, bigint>();
  held = new Map<string, bigint>();
  holds: { id: string; key: string; amount: bigint; open: boolean }[] = [];
  get = (m: Map<string, bigint>, k: string) => m.get(k) ?? 0n;
  available = (k: string) => this.get(this.balance, k) - this.get(this.held, k);
}

const run = <T>(fn: (trx: Trx) => Promise<T>): Promise<T> => h.deps.db.transaction().execute(fn);

describe('property: random sequences of ledger operations keep the invariants', () => {
  it('postings sum to zero per asset, no balance goes negative, holds stay within balances', async () => {
    const model = new Model();
    // Balances before this test (other tests share nothing, but be explicit): start from the database.
    for (const r of await h.deps.db
      .selectFrom('ledger_balances')
      .selectAll()
      .where('customer', '=', true)
      .execute())
      model.balance.set(`${r.account_id}/${r.asset}`, BigInt(r.balance));
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), async (ops) => {
        for (const o of ops) {
          const tag = `${n++}`;
          try {
            if (o.op === 'deposit') {
              const to = accounts[o.to]!;
              await run((trx) =>
                postTransaction(trx, h.deps, {
                  kind: 'deposit',
                  reference: `prop-${tag}`,
                  actor: 'test',
                  postings: move(SYSTEM_ACCOUNTS.chain, to, assetOf(o.asset), o.amount),
                }),
              );
              const k = `${to}/${assetOf(o.asset)}`;
              model.balance.set(k, model.get(model.balance, k) + o.amount);
            } else if (o.op === 'transfer' || o.op === 'withdraw' || o.op === 'withdrawAll') {
              const from = accounts[o.from]!;
              const to = o.op === 'transfer' ? accounts[o.to]! : SYSTEM_ACCOUNTS.chain;
              if (from === to) continue;
              const k = `${from}/${assetOf(o.asset)}`;
              const amount = o.op === 'withdrawAll' ? model.get(model.balance, k) : o.amount;
              if (amount === 0n) continue;
              const expectOk = model.get(model.balance, k) >= amount;
              let ok = true;
              try {
                await run((trx) =>
                  postTransaction(trx, h.deps, {
                    kind: o.op,
                    actor: 'test',
                    postings: move(from, to, assetOf(o.asset), amount),
                  }),
                );
              } catch (e) {
                if (!(e instanceof CustosError && e.code === 'INSUFFICIENT_FUNDS')) throw e;
                ok = false;
              }
              // A debit may not reach into held funds (the holds-within-balance constraint).
              const expected = expectOk && model.get(model.balance, k) - amount >= model.get(model.held, k);
              expect(ok).toBe(expected);
              if (ok) {
                model.balance.set(k, model.get(model.balance, k) - amount);
                const tk = `${to}/${assetOf(o.asset)}`;
                if (o.op === 'transfer') model.balance.set(tk, model.get(model.balance, tk) + amount);
              }
            } else if (o.op === 'hold') {
              const from = accounts[o.from]!;
              const k = `${from}/${assetOf(o.asset)}`;
              const expectOk = model.available(k) >= o.amount;
              let id: string | null = null;
              try {
                id = (
                  await run((trx) =>
                    placeHold(trx, h.deps, {
                      accountId: from,
                      asset: assetOf(o.asset),
                      amount: o.amount,
                      reason: 'test',
                    }),
                  )
                ).id;
              } catch (e) {
                if (!(e instanceof CustosError && e.code === 'INSUFFICIENT_FUNDS')) throw e;
              }
              expect(id !== null).toBe(expectOk);
              if (id) {
                model.held.set(k, model.get(model.held, k) + o.amount);
                model.holds.push({ id, key: k, amount: o.amount, open: true });
              }
            } else {
              const hold = model.holds[o.hold % Math.max(model.holds.length, 1)];
              if (!hold) continue;
              const done =
                o.op === 'release'
                  ? await run((trx) => releaseHold(trx, h.deps, hold.id))
                  : (await run((trx) =>
                      settleHold(trx, h.deps, hold.id, {
                        kind: 'withdrawal',
                        reference: `prop-w-${tag}`,
                        userId: null as never,
                        actor: 'test',
                      }),
                    )) !== null;
              // Closing twice does nothing the second time.
              expect(done).toBe(hold.open);
              if (hold.open) {
                hold.open = false;
                model.held.set(hold.key, model.get(model.held, hold.key) - hold.amount);
                if (o.op === 'settle')
                  model.balance.set(hold.key, model.get(model.balance, hold.key) - hold.amount);
              }
            }
          } catch (e) {
            throw new Error(
              `operation ${JSON.stringify(o, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}: ${e}`,
              { cause: e },
            );
          }
        }
        const check = await checkLedger(h.deps);
        expect(check.problems).toEqual([]);
        const rows = await h.deps.db
          .selectFrom('ledger_balances')
          .selectAll()
          .where('customer', '=', true)
          .execute();
        for (const r of rows) {
          const k = `${r.account_id}/${r.asset}`;
          expect(BigInt(r.balance), k).toBe(model.get(model.balance, k));
          expect(BigInt(r.held), k).toBe(model.get(model.held, k));
          expect(BigInt(r.balance) >= BigInt(r.held)).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });
});
