import { describe, expect, it } from 'vitest';
import { useHarness, signUp, TEST_PASSWORD, uniqueEmail } from '../fixtures/harness.js';

const h = useHarness();

describe('email change', () => {
  it('needs step-up, completes from the link sent to the new address, tells both, and freezes withdrawals', async () => {
    const c = h.client();
    const oldEmail = uniqueEmail();
    const newEmail = uniqueEmail('new');
    await signUp(h, c, oldEmail);
    h.clock.advanceMinutes(6);
    await c.refresh();
    expect((await c.post('/v1/me/email', { email: newEmail })).body.error.code).toBe('STEP_UP_REQUIRED');
    await c.post('/v1/auth/step-up', { method: 'password', password: TEST_PASSWORD });
    expect((await c.post('/v1/me/email', { email: newEmail })).body).toEqual({ status: 'confirmation_sent' });
    // Nothing changes until the new address confirms.
    expect((await c.get('/v1/me')).body.email).toBe(oldEmail);
    const warned = await h.emailsTo(oldEmail);
    expect(warned.some((e) => e.subject.includes('change of your email address was requested'))).toBe(true);

    const token = await h.tokenFromEmail(newEmail, '/confirm-email-change');
    expect((await h.client().post('/v1/auth/email-change/confirm', { token })).body).toEqual({
      changed: true,
    });
    const me = await c.get('/v1/me');
    expect(me.body.email).toBe(newEmail);
    expect(me.body.withdrawalsFrozenUntil).not.toBeNull();
    expect(
      (await h.emailsTo(oldEmail)).some((e) => e.subject.includes('Your email address was changed')),
    ).toBe(true);
    // The old address can still sign in? No: the account now answers to the new one only.
    expect((await c.post('/v1/auth/sign-in', { email: oldEmail, password: TEST_PASSWORD })).status).toBe(401);
    expect((await c.post('/v1/auth/sign-in', { email: newEmail, password: TEST_PASSWORD })).body.status).toBe(
      'signed_in',
    );
    // The link is single use.
    expect((await h.client().post('/v1/auth/email-change/confirm', { token })).status).toBe(400);
  });

  it('answers the same when the new address belongs to another account, and sends it nothing', async () => {
    const c = h.client();
    const mine = uniqueEmail();
    const theirs = uniqueEmail('other');
    await signUp(h, c, mine);
    await signUp(h, h.client(), theirs);
    const before = (await h.emailsTo(theirs)).length;
    await c.post('/v1/auth/step-up', { method: 'password', password: TEST_PASSWORD });
    expect((await c.post('/v1/me/email', { email: theirs })).body).toEqual({ status: 'confirmation_sent' });
    expect((await h.emailsTo(theirs)).length).toBe(before);
  });
});
