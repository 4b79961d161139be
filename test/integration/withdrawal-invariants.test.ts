import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CustosError } from '../../src/domain/errors.js';
import type { Principal } from '../../src/services/identity/context.js';
import { checkLedger } from '../../src/services/ledger/ledger-check.js';
import { applyWithdrawalEvent, lockWithdrawal } from '../../src/services/withdrawals/lifecycle.js';
import { processWithdrawals } from '../../src/services/withdrawals/processor.js';
import { cancelWithdrawal, requestWithdrawal } from '../../src/services/withdrawals/withdrawals.js';
import { useHarness } from '../fixtures/harness.js';
import { type Customer, fund, newKey, settledCustomer } from '../fixtures/withdrawals.js';

/**
 * Random sequences of withdrawal operations (requests, cancels, confirmations, deposits, the
 * worker, time passing), checking after each sequence the ledger's invariants (postings sum to
 * zero per asset, no negative balance, what is held equals the active holds and stays within the
 * balance) and that every withdrawal's hold matches its state.
 */
const h = useHarness({ DEFAULT_TIER: 'full', RISK_THRESHOLDS: '95,98,99' });
const ETH = 10n ** 18n;
const CTX = { ip: '198.51.100.7', userAgent: 'property test', deviceToken: null };
let users: Customer[] = [];

const principalOf = (u: Customer): Principal => ({
  sessionId: h.deps.random.uuid(),
  userId: u.userId,
  email: u.email,
  deviceId: null,
  stepUpAt: h.clock.now(),
  authMethods: ['password', 'totp'],
  createdAt: h.clock.now(),
  absoluteExpiresAt: new Date(h.clock.now().getTime() + 3_600_000),
});

type Op =
  | { op: 'request'; user: number; amount: bigint }
  | { op: 'cancel'; user: number; pick: number }
  | { op: 'confirm'; user: number; pick: number }
  | { op: 'deposit'; user: number; amount: bigint }
  | { op: 'tick' }
  | { op: 'advance'; minutes: number };

const user = fc.nat({ max: 2 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('request' as const), user, amount: fc.bigInt(1n, 3n * ETH) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('cancel' as const), user, pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('confirm' as const), user, pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('deposit' as const), user, amount: fc.bigInt(1n, 2n * ETH) }),
  },
  { weight: 3, arbitrary: fc.constant({ op: 'tick' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      minutes: fc.integer({ min: 1, max: 40 * 60 }),
    }),
  },
);

async function openOf(u: Customer, states: string[]) {
  return h.deps.db
    .selectFrom('withdrawals')
    .select('id')
    .where('user_id', '=', u.userId)
    .where('state', 'in', states)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

async function run(op: Op) {
  const u = 'user' in op ? users[op.user]! : undefined;
  try {
    switch (op.op) {
      case 'request':
        await requestWithdrawal(
          h.deps,
          principalOf(u!),
          { asset: 'ETH', address: u!.address, amount: op.amount, idempotencyKey: newKey() },
          CTX,
        );
        break;
      case 'cancel': {
        const open = await openOf(u!, [
          'in_review',
          'awaiting_confirmation',
          'cooling_off',
          'queued',
          'broadcast',
        ]);
        if (open.length)
          await cancelWithdrawal(h.deps, principalOf(u!), open[op.pick % open.length]!.id, CTX);
        break;
      }
      case 'confirm': {
        const waiting = await openOf(u!, ['awaiting_confirmation']);
        if (!waiting.length) break;
        await h.deps.db.transaction().execute(async (trx) => {
          const w = await lockWithdrawal(trx, waiting[op.pick % waiting.length]!.id);
          await applyWithdrawalEvent(trx, h.deps, w!, 'email_confirmed', { actor: `user:${u!.userId}` });
        });
        break;
      }
      case 'deposit':
        await fund(h, u!.userId, 'ETH', op.amount);
        break;
      case 'tick':
        await processWithdrawals(h.deps);
        break;
      case 'advance':
        h.clock.advanceMinutes(op.minutes);
        break;
    }
  } catch (err) {
    // Refusals are answers, not failures; anything else is a bug.
    if (!(err instanceof CustosError)) throw err;
  }
}

beforeAll(async () => {
  for (let i = 0; i < 3; i++) users.push(await settledCustomer(h, { amount: 5n * ETH }));
  users = [...users];
});

describe('withdrawal invariants under random operation sequences', () => {
  it('the ledger stays balanced and every hold matches its withdrawal state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), async (ops) => {
        for (const op of ops) await run(op);
        const check = await checkLedger(h.deps);
        expect(check.problems).toEqual([]);
        const rows = await h.deps.db
          .selectFrom('withdrawals')
          .innerJoin('ledger_holds', 'ledger_holds.id', 'withdrawals.hold_id')
          .select([
            'withdrawals.state',
            'ledger_holds.status',
            'withdrawals.amount',
            'withdrawals.fee',
            'ledger_holds.amount as held',
          ])
          .execute();
        for (const r of rows) {
          const expected =
            r.state === 'confirmed'
              ? 'settled'
              : ['rejected', 'cancelled', 'expired', 'failed'].includes(r.state)
                ? 'released'
                : 'active';
          expect(r.status, r.state).toBe(expected);
          expect(BigInt(r.held)).toBe(BigInt(r.amount) + BigInt(r.fee));
        }
      }),
      { numRuns: 15 },
    );
    // The sequences did reach the states that move money (not only refusals).
    const states = await h.deps.db
      .selectFrom('withdrawal_events')
      .select(['to_state', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('to_state')
      .execute();
    const seen = new Set(states.map((s) => s.to_state));
    console.log(`withdrawal states entered: ${states.map((s) => `${s.to_state} ${s.n}`).join(', ')}`);
    for (const s of ['awaiting_confirmation', 'queued', 'confirmed', 'cancelled'])
      expect(seen, s).toContain(s);
  });
});
