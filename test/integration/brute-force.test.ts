import { describe, expect, it } from 'vitest';
import {
  createHarness,
  useHarness,
  enrolTotp,
  signUp,
  TEST_PASSWORD,
  totpNow,
  uniqueEmail,
} from '../fixtures/harness.js';

const h = useHarness();

const WRONG = 'definitely not the password 9';

async function failedAttempts(email: string) {
  const u = await h.deps.db
    .selectFrom('users')
    .select(['failed_attempts', 'hard_locked_at', 'temp_locked_until'])
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
  return u;
}

/** Waits out the growing delay and any temporary lock, the way a patient attacker would. */
async function waitOut(email: string) {
  const u = await failedAttempts(email);
  const now = h.clock.now().getTime();
  const until = Math.max(u.temp_locked_until?.getTime() ?? 0, now + 61_000);
  h.clock.advance(until - now + 1000);
}

describe('Security: brute force across factors', () => {
  it('switching factor or endpoint never resets the counter', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    await enrolTotp(h, c);
    await c.post('/v1/me/backup-codes');
    await waitOut(email);

    // 1: wrong password at sign-in
    expect((await c.post('/v1/auth/sign-in', { email, password: WRONG })).status).toBe(401);
    await waitOut(email);
    // 2: wrong TOTP code after a right password
    const s = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(s.body.status).toBe('second_factor_required');
    await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s.body.challengeToken,
      method: 'totp',
      code: '123456',
    });
    await waitOut(email);
    // 3: wrong backup code
    const s2 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    await c.post('/v1/auth/sign-in/factor', {
      challengeToken: s2.body.challengeToken,
      method: 'backup_code',
      code: 'AAAA-BBBB-CCCC',
    });
    await waitOut(email);
    // 4: wrong code at step-up (another endpoint)
    expect((await c.post('/v1/auth/step-up', { method: 'totp', code: '654321' })).status).toBe(401);
    // 5: wrong backup code at step-up
    await waitOut(email);
    expect((await c.post('/v1/auth/step-up', { method: 'backup_code', code: 'ZZZZ-ZZZZ-ZZZZ' })).status).toBe(
      401,
    );

    expect((await failedAttempts(email)).failed_attempts).toBe(5);
  });

  it('the hard lock comes at or before 100 failures, and then even the right password and code are refused', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    let lockedAt = -1;
    for (let i = 1; i <= 100; i++) {
      await waitOut(email);
      const r = await h.client().post('/v1/auth/sign-in', { email, password: `${WRONG} ${i}` });
      expect(r.status).toBe(401);
      if ((await failedAttempts(email)).hard_locked_at) {
        lockedAt = i;
        break;
      }
    }
    expect(lockedAt).toBeGreaterThan(0);
    expect(lockedAt).toBeLessThanOrEqual(100);

    // A locked account answers exactly like a wrong password, even to the owner's device.
    await waitOut(email);
    const right = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    const wrong = await c.post('/v1/auth/sign-in', { email, password: WRONG });
    expect(right.status).toBe(wrong.status);
    expect(Object.keys(right.body.error).sort()).toEqual(Object.keys(wrong.body.error).sort());
    expect(right.body.error.code).toBe(wrong.body.error.code);
    expect(right.body.error.message).toBe(wrong.body.error.message);
    // Refused attempts are not counted (the lock is already there) and nothing lifts it but a reset.
    h.clock.advanceHours(24 * 30);
    h.clock.nextTotpStep();
    expect((await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD })).status).toBe(401);
    expect(totpNow(h, secret)).toMatch(/^\d{6}$/);
    const emails = await h.emailsTo(email);
    expect(emails.some((e) => e.subject.includes('locked after too many failed sign-ins'))).toBe(true);

    // Only an email-verified password reset clears the hard lock.
    await h.client().post('/v1/auth/password-reset', { email });
    const token = await h.tokenFromEmail(email, '/reset-password');
    const newPassword = 'a brand new passphrase 2026';
    expect((await h.client().post('/v1/auth/password-reset/confirm', { token, newPassword })).status).toBe(
      200,
    );
    expect((await failedAttempts(email)).hard_locked_at).toBeNull();
    const after = await c.post('/v1/auth/sign-in', { email, password: newPassword });
    expect(after.body.status).toBe('second_factor_required');
  });

  it('a correct password during the growing delay is refused like a wrong one and not counted', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    await waitOut(email);
    for (let i = 0; i < 3; i++) await c.post('/v1/auth/sign-in', { email, password: WRONG });
    const before = (await failedAttempts(email)).failed_attempts;
    const r = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
    expect((await failedAttempts(email)).failed_attempts).toBe(before);
    await waitOut(email);
    expect((await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD })).body.status).toBe(
      'signed_in',
    );
    expect((await failedAttempts(email)).failed_attempts).toBe(0);
  });

  it('failures from unknown sources are throttled and cannot lock the owner out of a trusted device', async () => {
    const owner = h.client();
    const email = uniqueEmail();
    await signUp(h, owner, email);
    // Ten failures from devices the account does not know: a temporary lock for unknown sources.
    for (let i = 0; i < 10; i++) {
      await waitOut(email);
      await h.client().post('/v1/auth/sign-in', { email, password: WRONG });
    }
    const state = await failedAttempts(email);
    expect(state.temp_locked_until).not.toBeNull();
    h.clock.advance(61_000);
    // An unknown device is refused even with the right password...
    expect((await h.client().post('/v1/auth/sign-in', { email, password: TEST_PASSWORD })).status).toBe(401);
    // ...while the owner's approved device still gets in.
    expect((await owner.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD })).body.status).toBe(
      'signed_in',
    );
    const emails = await h.emailsTo(email);
    expect(emails.some((e) => e.subject.includes('Sign-in to your account was paused'))).toBe(true);
  });

  it('unknown emails are counted nowhere and answered the same', async () => {
    const r = await h.client().post('/v1/auth/sign-in', { email: uniqueEmail('nobody'), password: WRONG });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('Security: per-IP and per-subnet rate limits', () => {
  it('an address that sends too many authentication requests is refused with 429 and Retry-After', async () => {
    const limited = await createHarness({ RATE_LIMIT_IP_PER_MINUTE: '5', RATE_LIMIT_SUBNET_PER_MINUTE: '8' });
    try {
      const c = limited.client({ ip: '192.0.2.10' });
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++)
        statuses.push((await c.post('/v1/auth/sign-in', { email: uniqueEmail(), password: WRONG })).status);
      expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
      const refused = await c.post('/v1/auth/sign-in', { email: uniqueEmail(), password: WRONG });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
      // Polling for a device approval is not limited: a waiting page must not lock its user out.
      const poll = await c.post('/v1/auth/sign-in/status', { challengeToken: 'A'.repeat(43) });
      expect(poll.body.error.code).toBe('CHALLENGE_EXPIRED');
      // Another address of the same /24 is limited by the subnet bucket.
      const neighbour = limited.client({ ip: '192.0.2.77' });
      const n: number[] = [];
      for (let i = 0; i < 3; i++)
        n.push((await neighbour.post('/v1/auth/password-reset', { email: uniqueEmail() })).status);
      expect(n).toContain(429);
      // A different subnet is not affected.
      expect(
        (
          await limited
            .client({ ip: '198.51.100.200' })
            .post('/v1/auth/password-reset', { email: uniqueEmail() })
        ).status,
      ).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
