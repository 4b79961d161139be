import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createOperator } from '../../src/services/admin/operators.js';
import { signedInOperator } from '../fixtures/operators.js';
import { checkLedger } from '../../src/services/ledger/ledger-check.js';
import { createServiceCredential } from '../../src/services/ledger/service-credentials.js';
import { processWithdrawals } from '../../src/services/withdrawals/processor.js';
import { totpCodeAt } from '../../src/domain/identity/totp.js';
import { TEST_PASSWORD, useHarness } from '../fixtures/harness.js';
import {
  addAddress,
  balanceOf,
  confirmByEmail,
  type Customer,
  customer,
  fund,
  later,
  newKey,
  runWorker,
  settledCustomer,
  stepUp,
  withdraw,
} from '../fixtures/withdrawals.js';

const h = useHarness({ DEFAULT_TIER: 'basic' });
const ETH = 10n ** 18n;
const FEE = 10n ** 15n; // the default ETH fee, 0.001
const OTHER_ETH = '0x8617E340B3D01FA5F11F306F4090FD50E238070D';

async function platform(method: string, path: string, body: unknown, token: string) {
  const res = await h.app.request(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function refusalCodes(r: {
  status: number;
  body: { error: { code: string; details?: { path: string }[] } };
}) {
  expect(r.status).toBe(422);
  return (r.body.error.details ?? []).map((d) => d.path);
}

const operator = (role: 'admin' | 'analyst' | 'support') => signedInOperator(h, role);

const stateOf = async (u: Customer, id: string) =>
  (await u.c.get(`/v1/withdrawals/${id}`)).body.state as string;

describe('the withdrawal flow (SPEC S3)', () => {
  it('request, email confirmation, broadcast, confirmation and settlement, each on the timeline', async () => {
    const u = await settledCustomer(h);
    const r = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ state: 'awaiting_confirmation', fee: String(FEE), cancellable: true });
    expect(await balanceOf(u, 'ETH')).toMatchObject({ balance: 10n * ETH, held: ETH + FEE });

    const emails = await h.emailsTo(u.email);
    const mail = emails.find((e) => e.subject.startsWith('Confirm your withdrawal of 1 ETH'))!;
    expect(mail.text).toContain(u.address);
    expect(mail.text).toContain('/not-me?token=');

    const confirmed = await confirmByEmail(h, u);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.state).toBe('queued');

    const first = await runWorker(h);
    expect(first.broadcast).toBe(1);
    let detail = await u.c.get(`/v1/withdrawals/${r.body.id}`);
    expect(detail.body.state).toBe('broadcast');
    expect(detail.body.chainTxId).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.body.cancellable).toBe(false);

    h.clock.advance(10_000);
    expect((await runWorker(h)).confirmed).toBe(1);
    detail = await u.c.get(`/v1/withdrawals/${r.body.id}`);
    expect(detail.body.state).toBe('confirmed');
    expect(detail.body.timeline.map((s: { to: string }) => s.to)).toEqual([
      'awaiting_confirmation',
      'queued',
      'broadcasting',
      'broadcast',
      'confirmed',
    ]);
    expect(detail.body.timeline.every((s: { reason: string }) => s.reason.length > 10)).toBe(true);
    expect(await balanceOf(u, 'ETH')).toMatchObject({ balance: 9n * ETH - FEE, held: 0n });
    const subjects = (await h.emailsTo(u.email)).map((e) => e.subject);
    expect(subjects).toContain('Your withdrawal of 1 ETH was sent');
    expect(subjects).toContain('Your withdrawal of 1 ETH is complete');
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });

  it('the preview shows the fee, the total and what would refuse it, and holds nothing', async () => {
    const u = await settledCustomer(h);
    const p = await u.c.post('/v1/withdrawals/preview', {
      asset: 'ETH',
      address: u.address,
      amount: String(ETH),
    });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ fee: String(FEE), total: String(ETH + FEE), large: false, problems: [] });
    const tooMuch = await u.c.post('/v1/withdrawals/preview', {
      asset: 'ETH',
      address: u.address,
      amount: String(10n * ETH),
    });
    expect(tooMuch.body.problems.map((x: { code: string }) => x.code)).toEqual(['INSUFFICIENT_FUNDS']);
    expect((await balanceOf(u, 'ETH')).held).toBe(0n);
  });
});

describe('the list of withdrawals', () => {
  it('pages with an exact cursor, newest first, and refuses a forged one', async () => {
    const u = await settledCustomer(h);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push((await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH / 10n) })).body.id);
    // Two of them at the same instant: the cursor must not skip either.
    await h.deps.db
      .updateTable('withdrawals')
      .set({ created_at: new Date('2026-12-01T00:00:00.000Z') })
      .where('id', 'in', ids.slice(0, 2))
      .execute();
    const first = await u.c.get('/v1/withdrawals?limit=2');
    const second = await u.c.get(
      `/v1/withdrawals?limit=2&before=${encodeURIComponent(first.body.nextBefore)}`,
    );
    const seen = [...first.body.items, ...second.body.items].map((w: { id: string }) => w.id);
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(second.body.nextBefore).toBeNull();
    expect((await u.c.get('/v1/withdrawals?before=yesterday')).status).toBe(400);
  });
});

describe('replayed requests (the 2021 double charge)', () => {
  it('a replayed request with the same idempotency key moves money once, sequentially and 200 at a time', async () => {
    const u = await settledCustomer(h);
    const body = { asset: 'ETH', address: u.address, amount: String(ETH) };
    const key = newKey();
    const a = await withdraw(u, body, key);
    const b = await withdraw(u, body, key);
    expect([a.status, b.status]).toEqual([201, 200]);
    expect(b.headers.get('Idempotency-Replayed')).toBe('true');
    expect(b.body.id).toBe(a.body.id);

    const key2 = newKey();
    const replies = await Promise.all(Array.from({ length: 200 }, () => withdraw(u, body, key2)));
    const statuses = replies.map((r) => r.status).sort((x, y) => x - y);
    expect(statuses).toEqual([...Array(199).fill(200), 201]);
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);

    const changed = await withdraw(u, { ...body, amount: String(2n * ETH) }, key2);
    expect(changed.status).toBe(409);
    expect(changed.body.error.code).toBe('IDEMPOTENCY_CONFLICT');

    const list = await u.c.get('/v1/withdrawals');
    expect(list.body.items).toHaveLength(2);
    expect((await balanceOf(u, 'ETH')).held).toBe(2n * (ETH + FEE));
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });
});

describe('what stops a withdrawal (the policy)', () => {
  it('a withdrawal to an address outside the address book, unconfirmed or still activating fails', async () => {
    const u = await settledCustomer(h);
    const amount = String(ETH / 10n);
    expect(await refusalCodes(await withdraw(u, { asset: 'ETH', address: OTHER_ETH, amount }))).toEqual([
      'ADDRESS_NOT_IN_BOOK',
    ]);
    await stepUp(h, u);
    const added = await u.c.post('/v1/withdrawals/addresses', {
      asset: 'ETH',
      address: OTHER_ETH,
      label: 'New',
    });
    expect(added.status).toBe(200);
    expect(await refusalCodes(await withdraw(u, { asset: 'ETH', address: OTHER_ETH, amount }))).toEqual([
      'ADDRESS_NOT_CONFIRMED',
    ]);
    const token = await h.tokenFromEmail(u.email, '/confirm-address');
    await h.client().post('/v1/auth/address-confirmation', { token });
    expect(await refusalCodes(await withdraw(u, { asset: 'ETH', address: OTHER_ETH, amount }))).toEqual([
      'ADDRESS_NOT_ACTIVE_YET',
    ]);
    expect((await balanceOf(u, 'ETH')).held).toBe(0n);
    const refused = await h.deps.db
      .selectFrom('audit_events')
      .select('data')
      .where('type', '=', 'withdrawal.refused')
      .where('user_id', '=', u.userId)
      .execute();
    expect(refused).toHaveLength(3);
  });

  it('a session without a fresh step-up cannot withdraw', async () => {
    const u = await settledCustomer(h);
    h.clock.advanceMinutes(6);
    const r = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('STEP_UP_REQUIRED');
    expect((await balanceOf(u, 'ETH')).held).toBe(0n);
  });

  it('the withdrawal lock holds until 24 hours after it is turned off', async () => {
    const u = await settledCustomer(h);
    expect((await u.c.post('/v1/withdrawals/lock', {})).status).toBe(200);
    const body = { asset: 'ETH', address: u.address, amount: String(ETH) };
    expect(await refusalCodes(await withdraw(u, body))).toEqual(['WITHDRAWAL_LOCK_ON']);
    await stepUp(h, u);
    expect((await u.c.post('/v1/withdrawals/lock/unlock', {})).status).toBe(200);
    await later(h, u, 23);
    expect(await refusalCodes(await withdraw(u, body))).toEqual(['WITHDRAWAL_LOCK_ON']);
    await later(h, u, 1);
    expect((await withdraw(u, body)).status).toBe(201);
  });

  it('a password change freezes withdrawals for 24 hours', async () => {
    const u = await settledCustomer(h);
    await stepUp(h, u);
    const changed = await u.c.post('/v1/me/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: `${TEST_PASSWORD} renewed`,
      endOtherSessions: false,
    });
    expect(changed.status).toBe(200);
    const r = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    expect(await refusalCodes(r)).toEqual(['SECURITY_FREEZE']);
  });

  it("the user's daily cap holds", async () => {
    const u = await settledCustomer(h);
    expect((await u.c.put('/v1/withdrawals/caps/ETH', { dailyLimit: String(ETH) })).status).toBe(200);
    const body = { asset: 'ETH', address: u.address, amount: String((ETH * 6n) / 10n) };
    expect((await withdraw(u, body)).status).toBe(201);
    expect(await refusalCodes(await withdraw(u, body))).toEqual(['OVER_USER_DAILY_CAP']);
  });

  it('verification tier limits hold, and the tier comes from the KYC provider through the integration API', async () => {
    const { token } = await createServiceCredential(h.deps, {
      name: 'kyc',
      scopes: ['kyc'],
      actor: 'system',
    });
    const u = await settledCustomer(h);
    const set = await platform(
      'PUT',
      `/v1/platform/users/${u.userId}/tier`,
      { tier: 'unverified', reference: 'case-1' },
      token,
    );
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ tier: 'unverified', previous: 'basic' });
    const body = { asset: 'ETH', address: u.address, amount: String(ETH / 2n) };
    expect(await refusalCodes(await withdraw(u, body))).toEqual(['OVER_TIER_PER_WITHDRAWAL']);
    await platform('PUT', `/v1/platform/users/${u.userId}/tier`, { tier: 'basic' }, token);
    expect((await withdraw(u, body)).status).toBe(201);
    const history = await h.deps.db
      .selectFrom('user_tier_history')
      .selectAll()
      .where('user_id', '=', u.userId)
      .execute();
    expect(history.map((x) => x.tier)).toEqual(['unverified', 'basic']);
    // A credential without the kyc scope cannot set tiers.
    const { token: other } = await createServiceCredential(h.deps, {
      name: 'deposits',
      scopes: ['deposits'],
      actor: 'system',
    });
    expect(
      (await platform('PUT', `/v1/platform/users/${u.userId}/tier`, { tier: 'full' }, other)).status,
    ).toBe(403);
  });

  it('the balance must cover the amount and the fee', async () => {
    const u = await settledCustomer(h, { amount: ETH });
    const r = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    expect(await refusalCodes(r)).toEqual(['INSUFFICIENT_FUNDS']);
    expect((await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH - FEE) })).status).toBe(
      201,
    );
  });
});

describe('waiting, cancelling, expiring', () => {
  it('a withdrawal cancelled before broadcast releases its hold; after broadcast it cannot be cancelled', async () => {
    const u = await settledCustomer(h);
    const body = { asset: 'ETH', address: u.address, amount: String(ETH) };
    const a = await withdraw(u, body);
    const cancelled = await u.c.post(`/v1/withdrawals/${a.body.id}/cancel`);
    expect(cancelled.body.state).toBe('cancelled');
    expect((await balanceOf(u, 'ETH')).held).toBe(0n);
    expect((await u.c.post(`/v1/withdrawals/${a.body.id}/cancel`)).body.error.code).toBe(
      'WITHDRAWAL_NOT_CANCELLABLE',
    );

    const b = await withdraw(u, body);
    await confirmByEmail(h, u);
    await runWorker(h);
    expect(await stateOf(u, b.body.id)).toBe('broadcast');
    const late = await u.c.post(`/v1/withdrawals/${b.body.id}/cancel`);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('WITHDRAWAL_NOT_CANCELLABLE');
    // Another user cannot see or cancel it.
    const stranger = await customer(h);
    expect((await stranger.c.post(`/v1/withdrawals/${b.body.id}/cancel`)).status).toBe(404);
    expect((await stranger.c.get(`/v1/withdrawals/${b.body.id}`)).status).toBe(404);
  });

  it('an unconfirmed withdrawal expires after 30 minutes and its link then fails', async () => {
    const u = await settledCustomer(h);
    const a = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    const token = await h.tokenFromEmail(u.email, '/confirm-withdrawal');
    const described = await h.client().post('/v1/auth/withdrawal-confirmation/describe', { token });
    expect(described.body).toMatchObject({ id: a.body.id, decimals: 18, state: 'awaiting_confirmation' });
    h.clock.advanceMinutes(29);
    await runWorker(h);
    expect(await stateOf(u, a.body.id)).toBe('awaiting_confirmation');
    h.clock.advanceMinutes(2);
    expect((await runWorker(h)).expired).toBeGreaterThanOrEqual(1);
    expect((await h.client().post('/v1/auth/withdrawal-confirmation', { token })).status).toBe(400);
    expect((await h.client().post('/v1/auth/withdrawal-confirmation/describe', { token })).status).toBe(400);
    await later(h, u, 0);
    expect(await stateOf(u, a.body.id)).toBe('expired');
    expect((await balanceOf(u, 'ETH')).held).toBe(0n);
  });

  it('a large withdrawal waits the 24-hour cooling-off period after its confirmation, cancellable', async () => {
    const u = await settledCustomer(h, { amount: 100n * ETH });
    await h.deps.db
      .insertInto('user_tiers')
      .values({ user_id: u.userId, tier: 'full', source: 'admin', updated_at: h.clock.now() })
      .execute();
    const a = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(31n * ETH) });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body.large).toBe(true);
    const c = await confirmByEmail(h, u);
    expect(c.body.state).toBe('cooling_off');
    expect(Date.parse(c.body.coolingOffUntil) - h.clock.now().getTime()).toBe(24 * 3_600_000);
    h.clock.advanceHours(23);
    expect((await runWorker(h)).cooledOff).toBe(0);
    h.clock.advanceHours(1);
    const r = await runWorker(h);
    expect(r.cooledOff).toBe(1);
    expect(r.broadcast).toBe(1);
    await later(h, u, 0);
    expect(await stateOf(u, a.body.id)).toBe('broadcast');
  });

  it('the account lock cancels every withdrawal not yet broadcast', async () => {
    const u = await settledCustomer(h);
    const body = { asset: 'ETH', address: u.address, amount: String(ETH) };
    const a = await withdraw(u, body);
    const b = await withdraw(u, body);
    await confirmByEmail(h, u); // confirms b (the newest email)
    expect((await u.c.post('/v1/me/lock')).status).toBe(200);
    const states = await h.deps.db
      .selectFrom('withdrawals')
      .select(['id', 'state'])
      .where('id', 'in', [a.body.id, b.body.id])
      .execute();
    expect(states.map((s) => s.state)).toEqual(['cancelled', 'cancelled']);
    const held = await h.deps.db
      .selectFrom('ledger_balances')
      .innerJoin('ledger_accounts', 'ledger_accounts.id', 'ledger_balances.account_id')
      .select('held')
      .where('ledger_accounts.user_id', '=', u.userId)
      .executeTakeFirstOrThrow();
    expect(held.held).toBe('0');
  });

  it('a withdrawal whose address was removed after its confirmation is stopped before broadcast', async () => {
    const u = await settledCustomer(h);
    const a = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    await confirmByEmail(h, u);
    const book = await u.c.get('/v1/withdrawals/addresses');
    expect((await u.c.delete(`/v1/withdrawals/addresses/${book.body.items[0].id}`)).status).toBe(200);
    expect((await runWorker(h)).stopped).toBe(1);
    expect(await stateOf(u, a.body.id)).toBe('cancelled');
  });
});

describe('platform kill switch (SPEC S9)', () => {
  it('pausing an asset refuses new withdrawals and holds queued ones until it is resumed', async () => {
    const u = await settledCustomer(h);
    const admin = await operator('admin');
    const a = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    await confirmByEmail(h, u);
    const paused = await admin.put('/v1/admin/controls/withdrawals', {
      asset: 'ETH',
      paused: true,
      reason: 'drill',
    });
    expect(paused.status).toBe(200);
    expect(paused.body.pausedAssets).toEqual(['ETH']);
    expect(
      await refusalCodes(await withdraw(u, { asset: 'ETH', address: u.address, amount: '1000' })),
    ).toEqual(['ASSET_PAUSED']);
    await runWorker(h);
    expect(await stateOf(u, a.body.id)).toBe('queued');
    await admin.put('/v1/admin/controls/withdrawals', { asset: 'ETH', paused: false, reason: 'drill over' });
    await runWorker(h);
    expect(await stateOf(u, a.body.id)).toBe('broadcast');
    // The platform-wide switch, and a role that may not flip it.
    await admin.put('/v1/admin/controls/withdrawals', { asset: null, paused: true, reason: 'incident' });
    expect(
      await refusalCodes(await withdraw(u, { asset: 'ETH', address: u.address, amount: '1000' })),
    ).toContain('WITHDRAWALS_PAUSED');
    await admin.put('/v1/admin/controls/withdrawals', { asset: null, paused: false, reason: 'resolved' });
    const types = await h.deps.db
      .selectFrom('audit_events')
      .select('type')
      .where('type', 'like', 'platform.withdrawals_%')
      .execute();
    expect(types).toHaveLength(4);
  });
});

describe('risk rules and the review queue (SPEC S4)', () => {
  /** A day after setting up: the TOTP enrolment (a security change) and the new address still weigh. */
  async function riskyCustomer(amount = 100n * ETH) {
    const u = await customer(h);
    await fund(h, u.userId, 'ETH', amount);
    await h.deps.db
      .insertInto('user_tiers')
      .values({ user_id: u.userId, tier: 'full', source: 'admin', updated_at: h.clock.now() })
      .execute();
    await addAddress(h, u, 'ETH', u.address);
    await later(h, u, 26);
    await stepUp(h, u);
    return u;
  }

  it('a risky withdrawal is held for review with its reasons; one analyst approves, then the owner confirms', async () => {
    const u = await riskyCustomer();
    const [analystA, support] = [await operator('analyst'), await operator('support')];
    const a = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    expect(a.status, JSON.stringify(a.body)).toBe(201);
    expect(a.body.state, JSON.stringify(a.body)).toBe('in_review');
    expect(a.body.risk.reasons).toEqual([
      'The address was added to your address book less than 7 days ago.',
      'This is the first withdrawal of the account.',
      'Your password, email or a second factor changed in the last 3 days.',
    ]);
    const queue = await analystA.get('/v1/admin/withdrawals/reviews');
    expect(queue.body.items.map((w: { id: string }) => w.id)).toContain(a.body.id);
    const forbidden = await support.post(`/v1/admin/withdrawals/${a.body.id}/review`, {
      decision: 'approve',
      note: 'looks fine',
    });
    expect(forbidden.status).toBe(403);
    const ok = await analystA.post(`/v1/admin/withdrawals/${a.body.id}/review`, {
      decision: 'approve',
      note: 'called the customer',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('awaiting_confirmation');
    expect((await confirmByEmail(h, u)).body.state).toBe('queued');
  });

  it('a large held withdrawal needs two different reviewers; a rejection releases the funds', async () => {
    const u = await riskyCustomer();
    const [analystA, analystB] = [await operator('analyst'), await operator('analyst')];
    const a = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(31n * ETH) });
    expect(a.body.state, JSON.stringify(a.body)).toBe('in_review');
    const first = await analystA.post(`/v1/admin/withdrawals/${a.body.id}/review`, {
      decision: 'approve',
      note: 'looks right',
    });
    expect(first.body.state, JSON.stringify(first.body)).toBe('in_review');
    expect(first.body.reviews).toHaveLength(1);
    const again = await analystA.post(`/v1/admin/withdrawals/${a.body.id}/review`, {
      decision: 'approve',
      note: 'looks right again',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('ALREADY_REVIEWED');
    const second = await analystB.post(`/v1/admin/withdrawals/${a.body.id}/review`, {
      decision: 'approve',
      note: 'agreed',
    });
    expect(second.body.state).toBe('awaiting_confirmation');

    const b = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(2n * ETH) });
    expect(b.body.state, JSON.stringify(b.body)).toBe('in_review');
    const rejected = await analystB.post(`/v1/admin/withdrawals/${b.body.id}/review`, {
      decision: 'reject',
      note: 'the customer did not recognise it',
    });
    expect(rejected.body.state).toBe('rejected');
    expect((await balanceOf(u, 'ETH')).held).toBe(31n * ETH + FEE);
    const timeline = (await u.c.get(`/v1/withdrawals/${b.body.id}`)).body.timeline;
    expect(timeline.at(-1)).toMatchObject({ to: 'rejected', by: 'reviewer' });
  });

  it('a held withdrawal nobody reviews is rejected when the review period ends', async () => {
    const u = await riskyCustomer();
    const a = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH) });
    expect(a.body.state, JSON.stringify(a.body)).toBe('in_review');
    h.clock.advanceHours(72);
    expect((await runWorker(h)).reviewsExpired).toBeGreaterThanOrEqual(1);
    await later(h, u, 0);
    expect(await stateOf(u, a.body.id)).toBe('rejected');
  });

  it('operator sign-in refuses a wrong or replayed code with the same answer as a wrong password', async () => {
    const op = await createOperator(h.deps, {
      email: `ops.replay.${Date.now()}@example.com`,
      role: 'analyst',
    });
    h.clock.nextTotpStep();
    const code = totpCodeAt(op.totpSecret, h.clock.now().getTime());
    const good = await h
      .client()
      .post('/v1/admin/sign-in', { email: op.email, password: op.generatedPassword, code });
    expect(good.status).toBe(200);
    const replay = await h
      .client()
      .post('/v1/admin/sign-in', { email: op.email, password: op.generatedPassword, code });
    const wrongPassword = await h
      .client()
      .post('/v1/admin/sign-in', { email: op.email, password: 'not the password at all', code });
    const unknown = await h
      .client()
      .post('/v1/admin/sign-in', { email: 'nobody@example.com', password: 'whatever it is', code });
    for (const r of [replay, wrongPassword, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
    }
    // A customer session is not an operator session.
    const u = await customer(h);
    expect((await u.c.get('/v1/admin/withdrawals/reviews')).status).toBe(401);
  });
});

describe('broadcast exactly once', () => {
  it('two nodes racing the same queued withdrawals broadcast each exactly once', async () => {
    const other = await h.otherNode();
    try {
      const ids: string[] = [];
      for (let n = 0; n < 4; n++) {
        const u = await settledCustomer(h);
        for (let i = 0; i < 5; i++) {
          const r = await withdraw(u, { asset: 'ETH', address: u.address, amount: String(ETH / 10n) });
          expect(r.status, JSON.stringify(r.body)).toBe(201);
          ids.push(r.body.id);
          expect((await confirmByEmail(h, u)).body.state).toBe('queued');
        }
      }
      await Promise.all([
        processWithdrawals(h.deps),
        processWithdrawals(other.deps),
        processWithdrawals(h.deps),
        processWithdrawals(other.deps),
      ]);
      const calls = await h.deps.db
        .selectFrom('sim_chain_calls')
        .select(['withdrawal_id', sql<string>`count(*)`.as('n')])
        .where('withdrawal_id', 'in', ids)
        .groupBy('withdrawal_id')
        .execute();
      expect(calls).toHaveLength(ids.length);
      expect(calls.every((c) => Number(c.n) === 1)).toBe(true);
      const states = await h.deps.db
        .selectFrom('withdrawals')
        .select('state')
        .where('id', 'in', ids)
        .execute();
      expect(states.every((s) => s.state === 'broadcast')).toBe(true);
    } finally {
      await other.close();
    }
  });
});
