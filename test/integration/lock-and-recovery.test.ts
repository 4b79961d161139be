import { describe, expect, it } from 'vitest';
import {
  useHarness,
  enrolTotp,
  signInWithTotp,
  signUp,
  TEST_PASSWORD,
  totpNow,
  uniqueEmail,
} from '../fixtures/harness.js';

const h = useHarness();

describe('"this wasn\'t me"', () => {
  it('every email carries the anti-phishing code and a single-use "this wasn\'t me" link', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    await c.post('/v1/auth/step-up', { method: 'password', password: TEST_PASSWORD });
    expect((await c.put('/v1/me/anti-phishing-code', { code: 'Otter 77' })).status).toBe(200);
    await c.post('/v1/me/sessions/end-others');
    expect((await c.post('/v1/me/settings-lock', { unlockDelayDays: 2 })).status).toBe(200);
    const emails = await h.emailsTo(email);
    // Emails sent after the code was set (same test-clock instant, so not ordered by time).
    const after = emails.filter((e) =>
      /anti-phishing code was set|security settings lock changed/.test(e.subject),
    );
    expect(after).toHaveLength(2);
    for (const e of after) {
      expect(e.subject, e.subject).toMatch(/^\[Otter 77\] /);
      expect(e.text).toContain('Your anti-phishing code: Otter 77');
      expect(e.html).toContain('Otter 77');
      expect(e.text).toMatch(/This wasn't me: http:\/\/localhost:8080\/not-me\?token=[A-Za-z0-9_-]{43}/);
    }
  });

  it('the "this wasn\'t me" link locks once and only once', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const token = await h.tokenFromEmail(email, '/not-me');
    const first = await h.client().post('/v1/auth/not-me', { token });
    expect(first.body).toEqual({ locked: true });
    const second = await h.client().post('/v1/auth/not-me', { token });
    expect(second.status).toBe(400);
    expect(second.body.error.code).toBe('EMAIL_TOKEN_INVALID');
    expect((await c.get('/v1/me')).status).toBe(401);
    const locks = await h.deps.db
      .selectFrom('audit_events')
      .select('type')
      .where('type', '=', 'account.locked')
      .where(
        'user_id',
        '=',
        (
          await h.deps.db
            .selectFrom('users')
            .select('id')
            .where('email', '=', email)
            .executeTakeFirstOrThrow()
        ).id,
      )
      .execute();
    expect(locks).toHaveLength(1);
  });

  it('a locked account refuses sign-in exactly like a wrong password', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    await c.post('/v1/me/lock');
    const right = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    const unknown = await c.post('/v1/auth/sign-in', { email: uniqueEmail(), password: TEST_PASSWORD });
    expect(right.status).toBe(401);
    expect(right.body.error.code).toBe(unknown.body.error.code);
    expect(right.body.error.message).toBe(unknown.body.error.message);
  });
});

describe('recovery of a lost factor', () => {
  async function startRecovery(email: string) {
    await h.client().post('/v1/auth/recovery', { email });
    const token = await h.tokenFromEmail(email, '/recovery');
    const confirmed = await h.client().post('/v1/auth/recovery/confirm', { token });
    expect(confirmed.status).toBe(200);
    return { token, effectiveAt: confirmed.body.effectiveAt as string };
  }

  it('recovery cannot skip its wait, then removes the factors, unlocks, and freezes withdrawals for 48 h', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    await enrolTotp(h, c);
    await c.post('/v1/me/lock');
    const { token, effectiveAt } = await startRecovery(email);
    expect(effectiveAt).toBe(new Date(h.clock.now().getTime() + 72 * 3_600_000).toISOString());
    const newPassword = 'recovered passphrase for 2027';

    // Every way to ask early is refused.
    for (const advanceHours of [0, 24, 71]) {
      h.clock.advanceHours(advanceHours);
      const early = await h.client().post('/v1/auth/recovery/complete', { token, newPassword });
      expect(early.status).toBe(409);
      expect(early.body.error.code).toBe('RECOVERY_PENDING');
      h.clock.advanceHours(-advanceHours);
    }
    // Confirming again does not restart or shorten anything.
    expect((await h.client().post('/v1/auth/recovery/confirm', { token })).body.effectiveAt).toBe(
      effectiveAt,
    );
    // A second recovery request cannot finish sooner than the first.
    const emailsBefore = await h.emailsTo(email);
    expect(emailsBefore.some((e) => e.subject.includes('Account recovery scheduled'))).toBe(true);

    h.clock.advanceHours(72);
    h.clock.advance(1000);
    const status = await h.client().post('/v1/auth/recovery/status', { token });
    expect(status.body.ready).toBe(true);
    const done = await h.client().post('/v1/auth/recovery/complete', { token, newPassword });
    expect(done.status).toBe(200);
    expect(done.body.withdrawalsFrozenUntil).toBe(
      new Date(h.clock.now().getTime() + 48 * 3_600_000).toISOString(),
    );
    // The link is spent.
    expect((await h.client().post('/v1/auth/recovery/complete', { token, newPassword })).status).toBe(400);

    const s = await c.post('/v1/auth/sign-in', { email, password: newPassword });
    expect(s.body.status).toBe('signed_in'); // no factor left; the device was already approved
    const me = await c.get('/v1/me');
    expect(me.body.factors).toEqual({ totp: false, passkeys: 0, backupCodesRemaining: 0 });
  });

  it('the cancel link stops a pending recovery', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const { token } = await startRecovery(email);
    const cancelToken = await h.tokenFromEmail(email, '/recovery/cancel');
    expect((await h.client().post('/v1/auth/recovery/cancel', { token: cancelToken })).body).toEqual({
      cancelled: true,
    });
    h.clock.advanceHours(73);
    const late = await h
      .client()
      .post('/v1/auth/recovery/complete', { token, newPassword: 'whatever passphrase 2099' });
    expect(late.body.error.code).toBe('EMAIL_TOKEN_INVALID');
  });

  it('the signed-in owner sees the countdown and can cancel', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const { effectiveAt } = await startRecovery(email);
    const me = await c.get('/v1/me');
    expect(me.body.recovery.effectiveAt).toBe(effectiveAt);
    expect((await c.delete('/v1/me/recovery')).body).toEqual({ cancelled: true });
    expect((await c.get('/v1/me')).body.recovery).toBeNull();
  });

  it('answers the same for unknown emails', async () => {
    const known = uniqueEmail();
    await signUp(h, h.client(), known);
    const a = await h.client().post('/v1/auth/recovery', { email: known });
    const b = await h.client().post('/v1/auth/recovery', { email: uniqueEmail('nobody') });
    expect(a.status).toBe(b.status);
    expect(a.body).toEqual(b.body);
  });
});

describe('settings lock', () => {
  it('settings lock cannot be lifted early: changes are refused until the chosen delay has passed', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const secret = await enrolTotp(h, c);
    const locked = await c.post('/v1/me/settings-lock', { unlockDelayDays: 3 });
    expect(locked.body).toEqual({ state: 'locked', unlockDelayDays: 3, unlockEffectiveAt: null });
    const stepUp = async () => {
      h.clock.nextTotpStep();
      expect((await c.post('/v1/auth/step-up', { method: 'totp', code: totpNow(h, secret) })).status).toBe(
        200,
      );
    };
    await stepUp();
    const refused = await c.put('/v1/me/anti-phishing-code', { code: 'heron' });
    expect(refused.status).toBe(423);
    expect(refused.body.error.code).toBe('SETTINGS_LOCKED');
    expect((await c.delete('/v1/me/totp')).body.error.code).toBe('SETTINGS_LOCKED');

    const unlock = await c.post('/v1/me/settings-lock/unlock');
    const effectiveAt = new Date(h.clock.now().getTime() + 3 * 86_400_000).toISOString();
    expect(unlock.body).toEqual({
      state: 'unlock_pending',
      unlockDelayDays: 3,
      unlockEffectiveAt: effectiveAt,
    });
    // Asking again, or re-locking with a shorter delay, cannot bring it forward.
    expect((await c.post('/v1/me/settings-lock/unlock')).status).toBe(409);
    expect((await c.post('/v1/me/settings-lock', { unlockDelayDays: 1 })).status).toBe(409);
    // Sessions do not last days: sign in again (a fresh sign-in counts as a step-up).
    h.clock.advanceHours(71);
    expect((await signInWithTotp(h, c, email, secret)).body.status).toBe('signed_in');
    expect((await c.put('/v1/me/anti-phishing-code', { code: 'heron' })).status).toBe(423);
    h.clock.advanceHours(1);
    h.clock.advance(1000);
    expect((await signInWithTotp(h, c, email, secret)).body.status).toBe('signed_in');
    expect((await c.put('/v1/me/anti-phishing-code', { code: 'heron' })).status).toBe(200);
    await stepUp();
    const emails = await h.emailsTo(email);
    expect(emails.some((e) => e.text.includes(`The unlock takes effect at ${effectiveAt}`))).toBe(true);
  });

  it('asking to lift the lock is turning a protection off: it needs a fresh step-up', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail());
    await c.post('/v1/me/settings-lock', { unlockDelayDays: 7 });
    h.clock.advanceMinutes(6);
    await c.refresh();
    const r = await c.post('/v1/me/settings-lock/unlock');
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('STEP_UP_REQUIRED');
    expect((await c.get('/v1/me')).body.settingsLock.state).toBe('locked');
  });

  it('a cancelled unlock keeps the settings locked', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    await c.post('/v1/me/settings-lock', { unlockDelayDays: 1 });
    await c.post('/v1/me/settings-lock/unlock');
    expect((await c.post('/v1/me/settings-lock/cancel-unlock')).body.state).toBe('locked');
    h.clock.advanceHours(25);
    expect((await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD })).body.status).toBe(
      'signed_in',
    );
    expect((await c.get('/v1/me')).body.settingsLock.state).toBe('locked');
  });
});

describe('security-change freeze and IP allow-list', () => {
  it('turning TOTP on freezes withdrawals for 24 hours (recorded for the withdrawal policy)', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail());
    await enrolTotp(h, c);
    const me = await c.get('/v1/me');
    expect(me.body.withdrawalsFrozenUntil).toBe(
      new Date(h.clock.now().getTime() + 24 * 3_600_000).toISOString(),
    );
    h.clock.advanceHours(24);
    h.clock.advance(1000);
    const c2 = await c.get('/v1/me');
    expect(c2.status === 401 || c2.body.withdrawalsFrozenUntil === null).toBe(true);
  });

  it('sign-in from an address outside the allow-list is refused like a wrong password', async () => {
    const c = h.client({ ip: '192.0.2.44' });
    const email = uniqueEmail();
    await signUp(h, c, email);
    await c.post('/v1/auth/step-up', { method: 'password', password: TEST_PASSWORD });
    const bad = await c.put('/v1/me/ip-allowlist', { cidrs: ['10.0.0.0/8'] });
    expect(bad.body.error.code).toBe('IP_NOT_ALLOWED');
    const set = await c.put('/v1/me/ip-allowlist', { cidrs: ['192.0.2.0/24', '2001:db8::/32'] });
    expect(set.body.ipAllowlist).toEqual(['192.0.2.0/24', '2001:db8::/32']);
    expect((await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD })).body.status).toBe(
      'signed_in',
    );
    c.ip = '198.51.100.9';
    const outside = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(outside.status).toBe(401);
    expect(outside.body.error.code).toBe('INVALID_CREDENTIALS');
    const invalid = await c.put('/v1/me/ip-allowlist', { cidrs: ['not-an-ip'] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('security checkup and history', () => {
  it('the checkup score rises as items are done, and history lists what happened', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const before = (await c.get('/v1/me/security-checkup')).body;
    const secret = await enrolTotp(h, c);
    await c.put('/v1/me/anti-phishing-code', { code: 'kestrel' });
    await c.post('/v1/me/backup-codes');
    const after = (await c.get('/v1/me/security-checkup')).body;
    expect(after.score).toBeGreaterThan(before.score);
    expect(after.items.find((i: { id: string }) => i.id === 'totp').done).toBe(true);
    expect(after.protectionProgramme.eligible).toBe(false);
    // 21 days later the account meets the protection programme's conditions.
    h.clock.advanceHours(21 * 24 + 1);
    expect((await signInWithTotp(h, c, email, secret)).body.status).toBe('signed_in');
    const later = (await c.get('/v1/me/security-checkup')).body;
    expect(later.protectionProgramme.eligible).toBe(true);
  });

  it('history pages by cursor and filters by type', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail());
    await enrolTotp(h, c);
    await c.put('/v1/me/anti-phishing-code', { code: 'plover' });
    const page1 = await c.get('/v1/me/security-history?limit=2');
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.nextCursor).toMatch(/^\d+$/);
    const page2 = await c.get(`/v1/me/security-history?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].id).not.toBe(page1.body.items[1].id);
    const totp = await c.get('/v1/me/security-history?type=totp.');
    expect(totp.body.items.map((i: { type: string }) => i.type)).toEqual([
      'totp.enabled',
      'totp.setup_started',
    ]);
    for (const item of page1.body.items) expect(JSON.stringify(item)).not.toMatch(/token|secret/i);
  });
});
