import { describe, expect, it } from 'vitest';
import {
  useHarness,
  enrolTotp,
  signUp,
  TEST_PASSWORD,
  type TestClient,
  totpNow,
  uniqueEmail,
} from '../fixtures/harness.js';

const h = useHarness();

/** The attacker's copy of a victim's session cookie (and CSRF token, as an XSS would have). */
function steal(victim: TestClient): TestClient {
  const thief = h.client({ ip: '203.0.113.99' });
  thief.cookies.set('custos_session', victim.cookies.get('custos_session')!);
  thief.csrfToken = victim.csrfToken;
  return thief;
}

async function signedInPair() {
  const email = uniqueEmail();
  const a = h.client();
  await signUp(h, a, email);
  const b = h.client();
  const pending = await b.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
  const token = await h.tokenFromEmail(email, '/approve-device');
  await h.client().post('/v1/auth/device-approval', { token, decision: 'approve' });
  const done = await b.post('/v1/auth/sign-in/status', { challengeToken: pending.body.challengeToken });
  expect(done.body.status).toBe('signed_in');
  return { email, a, b };
}

describe('Security: session fixation', () => {
  it('a token planted before sign-in is never promoted: sign-in issues a new one', async () => {
    const email = uniqueEmail();
    const c = h.client();
    await signUp(h, c, email);
    const planted = 'A'.repeat(43);
    c.cookies.set('custos_session', planted);
    await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(c.cookies.get('custos_session')).not.toBe(planted);
    const fixed = h.client();
    fixed.cookies.set('custos_session', planted);
    expect((await fixed.get('/v1/me')).status).toBe(401);
  });

  it('the token rotates at step-up: the old token stops working', async () => {
    const email = uniqueEmail();
    const c = h.client();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    const before = c.cookies.get('custos_session')!;
    const copy = steal(c);
    h.clock.nextTotpStep();
    const up = await c.post('/v1/auth/step-up', { method: 'totp', code: totpNow(h, secret) });
    expect(up.status).toBe(200);
    expect(c.cookies.get('custos_session')).not.toBe(before);
    expect((await c.get('/v1/me')).status).toBe(200);
    expect((await copy.get('/v1/me')).status).toBe(401);
  });
});

describe('Security: a stolen session is dead', () => {
  it('after the one-button lock', async () => {
    const { a, b } = await signedInPair();
    const stolen = steal(b);
    expect((await stolen.get('/v1/me')).status).toBe(200);
    const lock = await a.post('/v1/me/lock');
    expect(lock.status).toBe(200);
    expect(lock.body.sessionsEnded).toBeGreaterThanOrEqual(2);
    expect((await stolen.get('/v1/me')).status).toBe(401);
    expect((await b.get('/v1/me')).status).toBe(401);
    expect((await a.get('/v1/me')).status).toBe(401);
  });

  it('after a password change that ends other sessions', async () => {
    const { a, b } = await signedInPair();
    const stolen = steal(b);
    await a.post('/v1/auth/step-up', { method: 'password', password: TEST_PASSWORD });
    const change = await a.post('/v1/me/password', {
      currentPassword: TEST_PASSWORD,
      newPassword: 'an entirely new passphrase 31',
      endOtherSessions: true,
    });
    expect(change.status).toBe(200);
    expect(change.body.sessionsEnded).toBe(1);
    expect((await stolen.get('/v1/me')).status).toBe(401);
    expect((await a.get('/v1/me')).status).toBe(200);
    const me = await a.get('/v1/me');
    expect(me.body.withdrawalsFrozenUntil).toBe(
      new Date(h.clock.now().getTime() + 24 * 3_600_000).toISOString(),
    );
  });

  it('after logout', async () => {
    const { b } = await signedInPair();
    const stolen = steal(b);
    expect((await b.post('/v1/auth/sign-out')).status).toBe(200);
    expect(b.cookies.has('custos_session')).toBe(false);
    expect((await stolen.get('/v1/me')).status).toBe(401);
  });

  it('after the owner ends it from the session list', async () => {
    const { a, b } = await signedInPair();
    const list = await a.get('/v1/me/sessions');
    expect(list.body.items).toHaveLength(2);
    const other = list.body.items.find((s: { current: boolean }) => !s.current);
    expect((await a.delete(`/v1/me/sessions/${other.id}`)).status).toBe(200);
    expect((await b.get('/v1/me')).status).toBe(401);
    expect((await a.get('/v1/me/sessions')).body.items).toHaveLength(1);
  });
});

describe('session lifetime', () => {
  it('ends after 30 idle minutes, and activity keeps it alive', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail());
    h.clock.advanceMinutes(20);
    expect((await c.get('/v1/me')).status).toBe(200);
    h.clock.advanceMinutes(20);
    expect((await c.get('/v1/me')).status).toBe(200);
    h.clock.advanceMinutes(31);
    expect((await c.get('/v1/me')).status).toBe(401);
  });

  it('ends after 12 hours however active it is', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail());
    for (let i = 0; i < 24; i++) {
      h.clock.advanceMinutes(29);
      await c.get('/v1/me');
    }
    h.clock.advanceMinutes(29);
    expect((await c.get('/v1/me')).status).toBe(401);
  });

  it('step-up expires after 5 minutes', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail());
    const secret = await enrolTotp(h, c);
    h.clock.nextTotpStep();
    await c.post('/v1/auth/step-up', { method: 'totp', code: totpNow(h, secret) });
    h.clock.advanceMinutes(4);
    expect((await c.put('/v1/me/anti-phishing-code', { code: 'blue-falcon' })).status).toBe(200);
    h.clock.advance(61_000);
    const late = await c.put('/v1/me/anti-phishing-code', { code: 'red-falcon' });
    expect(late.status).toBe(403);
    expect(late.body.error.code).toBe('STEP_UP_REQUIRED');
  });
});

describe('Security: cross-site request forgery', () => {
  it('a cookie-authenticated change without the CSRF token is refused', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail());
    const token = c.csrfToken;
    c.csrfToken = null;
    const r = await c.post('/v1/me/lock');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('CSRF_REJECTED');
    c.csrfToken = 'x'.repeat(43);
    expect((await c.post('/v1/me/lock')).status).toBe(403);
    c.csrfToken = token;
    expect((await c.get('/v1/me')).status).toBe(200);
  });

  it('a request from another origin is refused', async () => {
    const c = h.client();
    const r = await c.call(
      'POST',
      '/v1/auth/sign-in',
      { email: uniqueEmail(), password: 'x' },
      { Origin: 'https://evil.example' },
    );
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('CSRF_REJECTED');
  });
});

describe('devices', () => {
  it('lists, renames, trusts and removes devices; removal ends the device sessions', async () => {
    const { a, b } = await signedInPair();
    const list = await a.get('/v1/me/devices');
    expect(list.body.items).toHaveLength(2);
    const other = list.body.items.find((d: { current: boolean }) => !d.current);
    expect((await a.patch(`/v1/me/devices/${other.id}`, { name: 'Work laptop', trusted: true })).status).toBe(
      200,
    );
    const renamed = (await a.get('/v1/me/devices')).body.items.find((d: { id: string }) => d.id === other.id);
    expect(renamed).toMatchObject({ name: 'Work laptop', trusted: true });
    expect((await a.delete(`/v1/me/devices/${other.id}`)).status).toBe(200);
    expect((await b.get('/v1/me')).status).toBe(401);
    // The removed device must be approved again.
    const again = await b.post('/v1/auth/sign-in', {
      email: (await a.get('/v1/me')).body.email,
      password: TEST_PASSWORD,
    });
    expect(again.body.status).toBe('device_approval_required');
  });
});
