import { describe, expect, it } from 'vitest';
import {
  enrolTotp,
  signInWithTotp,
  signUp,
  type TestClient,
  totpNow,
  uniqueEmail,
  useHarness,
} from '../fixtures/harness.js';

const h = useHarness();
const ETH_ADDRESS = '0x52908400098527886E0F7030069857D2E4169EE7';
const BTC_ADDRESS = 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq';

async function customer() {
  const c = h.client();
  const email = uniqueEmail();
  await signUp(h, c, email);
  const secret = await enrolTotp(h, c);
  return { c, email, secret };
}

/** Hours later the session is over: sign in again (the device is known). */
async function later(c: TestClient, email: string, secret: string, hours: number) {
  h.clock.advanceHours(hours);
  const r = await signInWithTotp(h, c, email, secret);
  expect(r.body.status).toBe('signed_in');
}

async function stepUp(c: TestClient, secret: string) {
  h.clock.nextTotpStep();
  const r = await c.post('/v1/auth/step-up', { method: 'totp', code: totpNow(h, secret) });
  expect(r.status).toBe(200);
}

describe('address book (SPEC S3)', () => {
  it('a new address needs step-up, then email confirmation, then 24 hours before it is usable', async () => {
    const { c, email, secret } = await customer();
    h.clock.advanceMinutes(6); // the sign-in step-up has gone stale
    const stale = await c.post('/v1/withdrawals/addresses', {
      asset: 'ETH',
      address: ETH_ADDRESS,
      label: 'Cold wallet',
    });
    expect(stale.status).toBe(403);
    expect(stale.body.error.code).toBe('STEP_UP_REQUIRED');

    await stepUp(c, secret);
    const added = await c.post('/v1/withdrawals/addresses', {
      asset: 'ETH',
      address: ETH_ADDRESS,
      label: 'Cold wallet',
    });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({
      status: 'awaiting_confirmation',
      network: 'ethereum',
      activeFrom: null,
    });

    const token = await h.tokenFromEmail(email, '/confirm-address');
    const confirmed = await h.client().post('/v1/auth/address-confirmation', { token });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.status).toBe('activating');
    expect(Date.parse(confirmed.body.activeFrom) - h.clock.now().getTime()).toBe(24 * 3_600_000);
    // The link works once.
    expect((await h.client().post('/v1/auth/address-confirmation', { token })).status).toBe(400);

    await later(c, email, secret, 23);
    const addresses = await c.get('/v1/withdrawals/addresses');
    expect(addresses.body.items[0].status).toBe('activating');
    h.clock.advance(Date.parse(addresses.body.items[0].activeFrom) - h.clock.now().getTime());
    await later(c, email, secret, 0);
    expect((await c.get('/v1/withdrawals/addresses')).body.items[0].status).toBe('active');

    const emails = await h.emailsTo(email);
    expect(
      emails.some((e) => e.subject === 'Confirm a new withdrawal address' && e.text.includes(ETH_ADDRESS)),
    ).toBe(true);
    expect(emails.some((e) => e.subject === 'A withdrawal address was confirmed')).toBe(true);
  });

  it('removal is immediate and needs no step-up; a removed address cannot be confirmed', async () => {
    const { c, email } = await customer();
    const added = await c.post('/v1/withdrawals/addresses', {
      asset: 'BTC',
      address: BTC_ADDRESS,
      label: 'Hardware wallet',
    });
    expect(added.status).toBe(200);
    h.clock.advanceMinutes(6);
    await c.refresh();
    expect((await c.delete(`/v1/withdrawals/addresses/${added.body.id}`)).status).toBe(200);
    expect((await c.get('/v1/withdrawals/addresses')).body.items).toEqual([]);
    const token = await h.tokenFromEmail(email, '/confirm-address');
    expect((await h.client().post('/v1/auth/address-confirmation', { token })).status).toBe(400);
  });

  it('refuses an address of the wrong shape, a duplicate, and changes while the settings are locked', async () => {
    const { c } = await customer();
    const bad = await c.post('/v1/withdrawals/addresses', {
      asset: 'BTC',
      address: ETH_ADDRESS,
      label: 'Oops',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('bitcoin');
    expect(
      (await c.post('/v1/withdrawals/addresses', { asset: 'ETH', address: ETH_ADDRESS, label: 'A' })).status,
    ).toBe(200);
    expect(
      (await c.post('/v1/withdrawals/addresses', { asset: 'ETH', address: ETH_ADDRESS, label: 'B' })).status,
    ).toBe(409);
    expect((await c.post('/v1/me/settings-lock', { unlockDelayDays: 1 })).status).toBe(200);
    const locked = await c.post('/v1/withdrawals/addresses', {
      asset: 'USDC',
      address: ETH_ADDRESS,
      label: 'C',
    });
    expect(locked.body.error.code).toBe('SETTINGS_LOCKED');
  });

  it("another user's address cannot be removed", async () => {
    const alice = await customer();
    const bob = await customer();
    const a = await alice.c.post('/v1/withdrawals/addresses', {
      asset: 'ETH',
      address: ETH_ADDRESS,
      label: 'A',
    });
    expect((await bob.c.delete(`/v1/withdrawals/addresses/${a.body.id}`)).status).toBe(404);
    expect((await alice.c.get('/v1/withdrawals/addresses')).body.items).toHaveLength(1);
  });
});

describe('withdrawal lock and daily caps (SPEC S3)', () => {
  it('the lock turns on at once; turning it off needs step-up and waits 24 hours', async () => {
    const { c, email, secret } = await customer();
    const before = (await c.get('/v1/me/security-checkup')).body.score;
    const on = await c.post('/v1/withdrawals/lock');
    expect(on.body.withdrawalLock).toEqual({ state: 'on', effectiveAt: null });
    expect((await c.get('/v1/me/security-checkup')).body.score).toBeGreaterThan(before);

    h.clock.advanceMinutes(6);
    await c.refresh();
    expect((await c.post('/v1/withdrawals/lock/unlock')).body.error.code).toBe('STEP_UP_REQUIRED');
    await stepUp(c, secret);
    const pending = await c.post('/v1/withdrawals/lock/unlock');
    expect(pending.body.withdrawalLock.state).toBe('unlock_pending');
    expect(Date.parse(pending.body.withdrawalLock.effectiveAt) - h.clock.now().getTime()).toBe(
      24 * 3_600_000,
    );
    expect((await h.emailsTo(email)).some((e) => e.subject === 'Your withdrawal lock will turn off')).toBe(
      true,
    );

    // The unlock cannot be hurried: still on until the exact time.
    await later(c, email, secret, 23);
    expect((await c.get('/v1/withdrawals/protection')).body.withdrawalLock.state).toBe('unlock_pending');
    // Turning it on again cancels the pending unlock.
    expect((await c.post('/v1/withdrawals/lock')).body.withdrawalLock.state).toBe('on');
    await later(c, email, secret, 2);
    expect((await c.get('/v1/withdrawals/protection')).body.withdrawalLock.state).toBe('on');
  });

  it('lowering a cap is immediate; raising or removing it needs step-up and waits 24 hours', async () => {
    const { c, email, secret } = await customer();
    const set = await c.put('/v1/withdrawals/caps/BTC', { dailyLimit: '100000000' });
    expect(set.status).toBe(200);
    expect(set.body.caps).toEqual([{ asset: 'BTC', dailyLimit: '100000000', pending: null }]);
    h.clock.advanceMinutes(6);
    await c.refresh();
    expect(
      (await c.put('/v1/withdrawals/caps/BTC', { dailyLimit: '50000000' })).body.caps[0].dailyLimit,
    ).toBe('50000000');
    expect((await c.put('/v1/withdrawals/caps/BTC', { dailyLimit: '900000000' })).body.error.code).toBe(
      'STEP_UP_REQUIRED',
    );
    await stepUp(c, secret);
    const raised = await c.put('/v1/withdrawals/caps/BTC', { dailyLimit: '900000000' });
    expect(raised.body.caps[0].dailyLimit).toBe('50000000');
    expect(raised.body.caps[0].pending.dailyLimit).toBe('900000000');
    await later(c, email, secret, 24);
    expect((await c.get('/v1/withdrawals/protection')).body.caps[0]).toEqual({
      asset: 'BTC',
      dailyLimit: '900000000',
      pending: null,
    });
    // Removing the cap is a raise too.
    await stepUp(c, secret);
    const removing = await c.put('/v1/withdrawals/caps/BTC', { dailyLimit: null });
    expect(removing.body.caps[0].pending).toMatchObject({ dailyLimit: null });
    expect((await c.put('/v1/withdrawals/caps/DOGE', { dailyLimit: '1' })).body.error.code).toBe(
      'UNKNOWN_ASSET',
    );
  });
});
