import { describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/services/ledger/ledger-check.js';
import { TEST_PASSWORD, type TestClient, totpNow, useHarness } from '../fixtures/harness.js';
import { type Customer, customer, fund, newKey, randomEthAddress } from '../fixtures/withdrawals.js';

/**
 * The January 2022 incident (seed 002): withdrawals drained 483 accounts whose second factor
 * could be bypassed. Here 100 accounts have their sessions and their second factor in an
 * attacker's hands; the attacker tries to send each account's funds to one of three fresh
 * addresses, and escalates layer by layer (even getting into the victims' inboxes). The test
 * counts which layer stopped each attempt, with the default configuration.
 */
const h = useHarness({ DEFAULT_TIER: 'basic' });
const VICTIMS = 100;
const ETH = 10n ** 18n;

/** Password and a current code on the account's own device (one TOTP step serves every account). */
async function signIn(v: Customer) {
  const s1 = await v.c.post('/v1/auth/sign-in', { email: v.email, password: TEST_PASSWORD });
  const s2 = await v.c.post('/v1/auth/sign-in/factor', {
    challengeToken: s1.body.challengeToken,
    method: 'totp',
    code: totpNow(h, v.secret),
  });
  expect(s2.body.status).toBe('signed_in');
}

interface Attempt {
  readonly layer: string;
  readonly stopped: boolean;
}

describe('seed 002: 100 accounts with stolen sessions and second factors', () => {
  it('every attacker withdrawal to three fresh addresses is stopped, and the report says by which layer', async () => {
    const victims: Customer[] = [];
    for (let i = 0; i < VICTIMS; i++) {
      const u = await customer(h);
      await fund(h, u.userId, 'ETH', 5n * ETH);
      victims.push(u);
    }
    // The accounts are old: their setup's freeze and new-device signals have long passed.
    h.clock.advanceHours(24 * 30);
    h.clock.nextTotpStep();
    for (const v of victims) await signIn(v);

    const drains = [randomEthAddress(), randomEthAddress(), randomEthAddress()];
    const stolen = new Map<Customer, TestClient>();
    for (const v of victims) {
      // The attacker replays the session from elsewhere (cookie and CSRF token).
      const a = h.client({ ip: '203.0.113.66', userAgent: 'Mozilla/5.0 (attacker)' });
      for (const [k, val] of v.c.cookies) a.cookies.set(k, val);
      a.csrfToken = v.c.csrfToken;
      stolen.set(v, a);
    }
    const target = (i: number) => drains[i % 3]!;
    const attempts: Attempt[] = [];
    const record = (r: {
      status: number;
      body: { error?: { code: string; details?: { path: string }[] } };
    }) => {
      const codes = r.body.error?.details?.map((d) => d.path) ?? [];
      // A risk block names every rule that weighed in; the layer is the risk engine.
      const layer = r.body.error?.code === 'WITHDRAWAL_BLOCKED' ? 'RISK_BLOCK' : codes[0];
      attempts.push({ layer: layer ?? `HTTP ${r.status}`, stopped: r.status !== 201 });
    };
    /** The attacker's second factor: a current TOTP code for each account. */
    async function stepUpAll() {
      h.clock.nextTotpStep();
      for (const v of victims) {
        const r = await stolen
          .get(v)!
          .post('/v1/auth/step-up', { method: 'totp', code: totpNow(h, v.secret) });
        expect(r.status).toBe(200);
      }
    }
    const withdrawAll = async () => {
      for (const [i, v] of victims.entries()) {
        const r = await stolen
          .get(v)!
          .call(
            'POST',
            '/v1/withdrawals',
            { asset: 'ETH', address: target(i), amount: String(4n * ETH) },
            { 'Idempotency-Key': newKey() },
          );
        record(r);
      }
    };

    // 1. Straight to the drain addresses.
    await stepUpAll();
    await withdrawAll();
    // 2. Add the drain address to each address book (the attacker has the second factor)...
    for (const [i, v] of victims.entries()) {
      const r = await stolen
        .get(v)!
        .post('/v1/withdrawals/addresses', { asset: 'ETH', address: target(i), label: 'x' });
      expect(r.status).toBe(200);
    }
    await withdrawAll();
    // 3. ...and, worse than in 2022, even reads the victims' email and confirms the addresses.
    for (const v of victims) {
      const token = await h.tokenFromEmail(v.email, '/confirm-address');
      expect((await h.client().post('/v1/auth/address-confirmation', { token })).status).toBe(200);
    }
    await withdrawAll();
    /** The attacker takes a fresh session of each account (its second factor signs in with step-up). */
    async function freshSessionsAndWithdraw() {
      h.clock.nextTotpStep();
      for (const [i, v] of victims.entries()) {
        await signIn(v);
        const a = stolen.get(v)!;
        for (const [k, val] of v.c.cookies) a.cookies.set(k, val);
        a.csrfToken = v.c.csrfToken;
        const r = await a.call(
          'POST',
          '/v1/withdrawals',
          { asset: 'ETH', address: target(i), amount: String(4n * ETH) },
          { 'Idempotency-Key': newKey() },
        );
        record(r);
      }
    }
    // 4. Nobody reacts to the emails for a day: the addresses become usable.
    h.clock.advanceHours(25);
    await freshSessionsAndWithdraw();
    // 5. The attacker waits until the addresses are no longer new (8 days).
    h.clock.advanceHours(8 * 24);
    await freshSessionsAndWithdraw();

    const byLayer = new Map<string, number>();
    for (const a of attempts) if (a.stopped) byLayer.set(a.layer, (byLayer.get(a.layer) ?? 0) + 1);
    const lines = [
      `seed 002 attack: ${VICTIMS} accounts, 3 fresh addresses, ${attempts.length} withdrawal attempts`,
      ...[...byLayer].map(([layer, n]) => `  stopped by ${layer.padEnd(30)} ${n}`),
      `  got through${' '.repeat(30)}${attempts.filter((a) => !a.stopped).length}`,
    ];
    console.log(lines.join('\n'));

    expect(attempts.every((a) => a.stopped)).toBe(true);
    expect(Object.fromEntries(byLayer)).toEqual({
      ADDRESS_NOT_IN_BOOK: VICTIMS,
      ADDRESS_NOT_CONFIRMED: VICTIMS,
      ADDRESS_NOT_ACTIVE_YET: VICTIMS,
      RISK_BLOCK: 2 * VICTIMS,
    });
    const blocked = await h.deps.db
      .selectFrom('audit_events')
      .select('data')
      .where('type', '=', 'withdrawal.blocked')
      .execute();
    expect(blocked).toHaveLength(2 * VICTIMS);
    expect(
      blocked.every((b) => (b.data as { reasons: string[] }).reasons.includes('shared_destination')),
    ).toBe(true);
    const sent = await h.deps.db.selectFrom('withdrawals').select('id').execute();
    expect(sent).toHaveLength(0);
    // Every owner was told: the address added, confirmed, and the blocked withdrawal.
    const mail = await h.emailsTo(victims[0]!.email);
    expect(mail.map((m) => m.subject)).toEqual(
      expect.arrayContaining([
        'Confirm a new withdrawal address',
        'A withdrawal address was confirmed',
        'A withdrawal from your account was blocked',
      ]),
    );
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });
});
