import { describe, expect, it } from 'vitest';
import {
  useHarness,
  enrolTotp,
  type Harness,
  signInWithTotp,
  signUp,
  TEST_PASSWORD,
  totpNow,
  uniqueEmail,
} from '../fixtures/harness.js';

const h = useHarness();

describe('registration and sign-in', () => {
  it('registers, verifies the email, and signs in on the device that opened the link', async () => {
    const browser = h.client();
    const email = uniqueEmail();
    const s = await signUp(h, browser, email);
    expect(s.body.session.csrfToken).toEqual(expect.any(String));
    expect(s.body.session.token).toBeNull(); // browsers get an HttpOnly cookie, not a token in the body
    expect(s.headers.getSetCookie().join('\n')).toMatch(/custos_session=[^;]+;.*HttpOnly/i);
    expect(s.headers.getSetCookie().join('\n')).toMatch(/SameSite=Strict/i);
    expect(s.headers.getSetCookie().join('\n')).toMatch(/Secure/i);
    const me = await browser.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(email);
    expect(me.body.emailVerified).toBe(true);
  });

  it('refuses sign-in before the email is verified, only to someone who knows the password', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await c.post('/v1/auth/register', { email, password: TEST_PASSWORD });
    const r = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('EMAIL_NOT_VERIFIED');
    const wrong = await c.post('/v1/auth/sign-in', { email, password: 'not the password at all 1' });
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('rejects a weak or common password at registration with feedback', async () => {
    const r = await h.client().post('/v1/auth/register', { email: uniqueEmail(), password: 'password1234' });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('WEAK_PASSWORD');
    expect(r.body.error.details.length).toBeGreaterThan(0);
  });

  it('accepts a 128-character password, pasted as is', async () => {
    const email = uniqueEmail();
    const long = 'a7#Kq9!zR2$wX5^mN8&pL3*tV6(bJ1)cH4-dF7_gS0+eY'.repeat(3).slice(0, 128);
    const c = h.client();
    await signUp(h, c, email, long);
  });
});

describe('new-device approval', () => {
  it('new-device approval required: a new browser gets no session until the emailed link approves it', async () => {
    const home = h.client();
    const email = uniqueEmail();
    await signUp(h, home, email);
    const secret = await enrolTotp(h, home);

    const attacker = h.client({
      ip: '203.0.113.66',
      userAgent: 'Mozilla/5.0 (Windows NT 10.0) Firefox/120.0',
    });
    const s1 = await attacker.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(s1.body.status).toBe('second_factor_required');
    h.clock.nextTotpStep();
    const s2 = await attacker.post('/v1/auth/sign-in/factor', {
      challengeToken: s1.body.challengeToken,
      method: 'totp',
      code: totpNow(h, secret),
    });
    expect(s2.body.status).toBe('device_approval_required');
    expect(attacker.cookies.has('custos_session')).toBe(false);
    expect((await attacker.get('/v1/me')).status).toBe(401);

    const pending = await attacker.post('/v1/auth/sign-in/status', {
      challengeToken: s2.body.challengeToken,
    });
    expect(pending.body.status).toBe('pending');

    // The owner reads the email and denies.
    const token = await h.tokenFromEmail(email, '/approve-device');
    const described = await h.client().post('/v1/auth/device-approval/describe', { token });
    expect(described.body).toMatchObject({ deviceName: 'Firefox on Windows', ip: '203.0.113.66' });
    expect(
      (await h.client().post('/v1/auth/device-approval', { token, decision: 'deny' })).body.decision,
    ).toBe('deny');
    const denied = await attacker.post('/v1/auth/sign-in/status', { challengeToken: s2.body.challengeToken });
    expect(denied.body.status).toBe('denied');
    expect((await attacker.get('/v1/me')).status).toBe(401);
  });

  it('an approved device collects its session once, and only the device that asked can collect it', async () => {
    const home = h.client();
    const email = uniqueEmail();
    await signUp(h, home, email);
    const laptop = h.client();
    const s1 = await laptop.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(s1.body.status).toBe('device_approval_required');
    const token = await h.tokenFromEmail(email, '/approve-device');
    expect((await h.client().post('/v1/auth/device-approval', { token, decision: 'approve' })).status).toBe(
      200,
    );
    // The link is single use.
    expect(
      (await h.client().post('/v1/auth/device-approval', { token, decision: 'approve' })).body.error.code,
    ).toBe('EMAIL_TOKEN_INVALID');
    // Someone holding the challenge token but not the device cookie gets nothing.
    const thief = h.client();
    const stolen = await thief.post('/v1/auth/sign-in/status', { challengeToken: s1.body.challengeToken });
    expect(stolen.status).toBe(401);
    const ok = await laptop.post('/v1/auth/sign-in/status', { challengeToken: s1.body.challengeToken });
    expect(ok.body.status, JSON.stringify(ok.body)).toBe('signed_in');
    expect((await laptop.get('/v1/me')).status).toBe(200);
    const again = await laptop.post('/v1/auth/sign-in/status', { challengeToken: s1.body.challengeToken });
    expect(again.status).toBe(401);
    // The device is now known: the next sign-in needs no approval.
    const next = await laptop.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(next.body.status).toBe('signed_in');
    const emails = await h.emailsTo(email);
    expect(emails.some((e) => e.subject.includes('New device signed in'))).toBe(true);
  });

  it('apps receive bearer and device tokens in the body and use them as headers', async () => {
    const email = uniqueEmail();
    const browser = h.client();
    await signUp(h, browser, email);
    const app = h.client({ app: true });
    const s1 = await app.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(s1.body.status).toBe('device_approval_required');
    expect(s1.body.deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = await h.tokenFromEmail(email, '/approve-device');
    await h.client().post('/v1/auth/device-approval', { token, decision: 'approve' });
    const s2 = await app.post('/v1/auth/sign-in/status', { challengeToken: s1.body.challengeToken });
    expect(s2.body.session.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(s2.headers.getSetCookie()).toEqual([]);
    expect((await app.get('/v1/me')).status).toBe(200);
    // Bearer requests need no CSRF token.
    expect((await app.post('/v1/me/sessions/end-others')).status).toBe(200);
  });
});

describe('risk signals', () => {
  it('a known device signing in from a new network sends an alert', async () => {
    const c = h.client({ ip: '192.0.2.50' });
    const email = uniqueEmail();
    await signUp(h, c, email);
    c.ip = '192.0.2.51'; // same /24: nothing to say
    await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect((await h.emailsTo(email)).some((e) => e.subject.includes('new network'))).toBe(false);
    c.ip = '203.0.113.7';
    expect((await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD })).body.status).toBe(
      'signed_in',
    );
    const alert = (await h.emailsTo(email)).find((e) => e.subject.includes('Sign-in from a new network'));
    expect(alert?.text).toContain('203.0.113.7');
  });
});

describe('TOTP', () => {
  it('TOTP replay: a code accepted once is refused when sent again', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    const first = await signInWithTotp(h, c, email, secret);
    expect(first.body.status).toBe('signed_in');
    const s1 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    const replay = await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s1.body.challengeToken,
      method: 'totp',
      code: totpNow(h, secret),
    });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('TOTP replay: an older code still inside the window is refused after a newer one was used', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    h.clock.nextTotpStep();
    const older = totpNow(h, secret);
    h.clock.nextTotpStep();
    expect((await signInWithTotpCode(c, email, totpNow(h, secret))).body.status).toBe('signed_in');
    expect((await signInWithTotpCode(c, email, older)).status).toBe(401);
  });

  it('TOTP replay: two concurrent requests with the same code, exactly one succeeds', async () => {
    const email = uniqueEmail();
    const c = h.client();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    const a = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    const b = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    h.clock.nextTotpStep();
    const code = totpNow(h, secret);
    const results = await Promise.all([
      c.post('/v1/auth/sign-in/factor', { challengeToken: a.body.challengeToken, method: 'totp', code }),
      c.post('/v1/auth/sign-in/factor', { challengeToken: b.body.challengeToken, method: 'totp', code }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('a wrong code is refused and the challenge cannot be reused after success', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    const s1 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    const wrong = await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s1.body.challengeToken,
      method: 'totp',
      code: '000000',
    });
    expect(wrong.status).toBe(401);
    h.clock.nextTotpStep();
    const good = await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s1.body.challengeToken,
      method: 'totp',
      code: totpNow(h, secret),
    });
    expect(good.body.status).toBe('signed_in');
    h.clock.nextTotpStep();
    const reuse = await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s1.body.challengeToken,
      method: 'totp',
      code: totpNow(h, secret),
    });
    expect(reuse.body.error.code).toBe('CHALLENGE_EXPIRED');
  });

  async function signInWithTotpCode(c: ReturnType<Harness['client']>, email: string, code: string) {
    const s1 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    return c.post('/v1/auth/sign-in/factor', {
      challengeToken: s1.body.challengeToken,
      method: 'totp',
      code,
    });
  }
});

describe('one challenge, one session', () => {
  it('a TOTP code and a backup code sent at once on one challenge give one session, and the loser keeps its code', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    const codes = (await c.post('/v1/me/backup-codes')).body.codes as string[];
    const s1 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    h.clock.nextTotpStep();
    const [a, b] = await Promise.all([
      c.post('/v1/auth/sign-in/factor', {
        challengeToken: s1.body.challengeToken,
        method: 'totp',
        code: totpNow(h, secret),
      }),
      c.post('/v1/auth/sign-in/factor', {
        challengeToken: s1.body.challengeToken,
        method: 'backup_code',
        code: codes[0],
      }),
    ]);
    expect([a.body.status, b.body.status].filter((x) => x === 'signed_in')).toHaveLength(1);
    const loser = a.body.status === 'signed_in' ? b : a;
    expect(loser.body.error.code).toBe('CHALLENGE_EXPIRED');
    const remaining = (await c.get('/v1/me')).body.factors.backupCodesRemaining;
    expect(remaining).toBe(b.body.status === 'signed_in' ? 9 : 10);
  });
});

describe('backup codes', () => {
  it('signs in with a backup code once; the same code is refused afterwards', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    await enrolTotp(h, c);
    const codes = await c.post('/v1/me/backup-codes');
    expect(codes.status).toBe(200);
    expect(codes.body.codes).toHaveLength(10);
    const code: string = codes.body.codes[0];
    const s1 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(s1.body.methods).toEqual(['totp', 'backup_code']);
    const ok = await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s1.body.challengeToken,
      method: 'backup_code',
      code: code.toLowerCase().replace(/-/g, ' '),
    });
    expect(ok.body.status, JSON.stringify(ok.body)).toBe('signed_in');
    const s2 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    const again = await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s2.body.challengeToken,
      method: 'backup_code',
      code,
    });
    expect(again.status).toBe(401);
    expect((await c.get('/v1/me')).body.factors.backupCodesRemaining).toBe(9);
  });

  it('regenerating backup codes needs a fresh step-up and voids the old set', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    const first = await c.post('/v1/me/backup-codes');
    h.clock.advanceMinutes(6);
    const stale = await c.post('/v1/me/backup-codes');
    expect(stale.status).toBe(403);
    expect(stale.body.error.code).toBe('STEP_UP_REQUIRED');
    h.clock.nextTotpStep();
    expect((await c.post('/v1/auth/step-up', { method: 'totp', code: totpNow(h, secret) })).status).toBe(200);
    const second = await c.post('/v1/me/backup-codes');
    expect(second.status).toBe(200);
    const s1 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    const old = await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s1.body.challengeToken,
      method: 'backup_code',
      code: first.body.codes[1],
    });
    expect(old.status).toBe(401);
  });
});
