import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  useHarness,
  type Harness,
  signUp,
  TEST_PASSWORD,
  type TestClient,
  uniqueEmail,
} from '../fixtures/harness.js';
import { SoftAuthenticator } from '../fixtures/soft-authenticator.js';

const h = useHarness();

const WRONG = 'definitely not the password 9';

async function userRow(email: string) {
  return h.deps.db
    .selectFrom('users')
    .select(['id', 'failed_attempts', 'hard_locked_at', 'mfa_since', 'withdrawals_frozen_until'])
    .where('email', '=', email)
    .executeTakeFirstOrThrow();
}

/** Creates a passkey on a client whose step-up is fresh. */
async function addPasskey(c: TestClient, auth: SoftAuthenticator, name = 'Laptop') {
  const options = await c.post('/v1/me/passkeys/registration-options');
  expect(options.status).toBe(200);
  const r = await c.post('/v1/me/passkeys', { name, response: auth.create(options.body) });
  expect(r.status).toBe(200);
  return r.body as { id: string; name: string };
}

/** A signed-up account (its client is an approved device) with one passkey. */
async function accountWithPasskey(options: { harness?: Harness } = {}) {
  const hh = options.harness ?? h;
  const c = hh.client();
  const email = uniqueEmail('passkey');
  await signUp(hh, c, email);
  const up = await c.post('/v1/auth/step-up', { method: 'password', password: TEST_PASSWORD });
  expect(up.status).toBe(200);
  const auth = new SoftAuthenticator();
  const passkey = await addPasskey(c, auth);
  return { c, email, auth, passkey };
}

async function passkeyOnlySignIn(
  c: TestClient,
  auth: SoftAuthenticator,
  override: Parameters<SoftAuthenticator['get']>[1] = {},
) {
  const options = await c.post('/v1/auth/passkey/options', {});
  expect(options.status).toBe(200);
  return c.post('/v1/auth/passkey', { response: auth.get(options.body, override) });
}

async function stepUpWithPasskey(c: TestClient, auth: SoftAuthenticator) {
  const options = await c.post('/v1/auth/step-up/passkey/options');
  expect(options.status).toBe(200);
  return c.post('/v1/auth/step-up/passkey', { response: auth.get(options.body) });
}

describe('passkey registration and management', () => {
  it('registers a passkey after a step-up: listed, audited, withdrawals frozen, MFA on', async () => {
    const { c, email, passkey } = await accountWithPasskey();
    const list = await c.get('/v1/me/passkeys');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      {
        id: passkey.id,
        name: 'Laptop',
        createdAt: h.clock.now().toISOString(),
        lastUsedAt: null,
        deviceType: 'singleDevice',
        backedUp: false,
        transports: ['internal', 'hybrid'],
      },
    ]);
    const me = await c.get('/v1/me');
    expect(me.body.factors.passkeys).toBe(1);
    const u = await userRow(email);
    expect(u.mfa_since).not.toBeNull();
    expect(u.withdrawals_frozen_until!.getTime()).toBeGreaterThan(h.clock.now().getTime());
    const audit = await h.deps.db
      .selectFrom('audit_events')
      .select('type')
      .where('user_id', '=', u.id)
      .where('type', '=', 'passkey.added')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('Security: registration without a fresh step-up is refused with 403 STEP_UP_REQUIRED', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail('passkey'));
    // The sign-in itself counts as a step-up; a little later it no longer does.
    const options = await c.post('/v1/me/passkeys/registration-options');
    expect(options.status).toBe(200);
    h.clock.advanceMinutes(6);
    const late = await c.post('/v1/me/passkeys', {
      name: 'Late',
      response: new SoftAuthenticator().create(options.body),
    });
    expect(late.status).toBe(403);
    expect(late.body.error.code).toBe('STEP_UP_REQUIRED');
    const again = await c.post('/v1/me/passkeys/registration-options');
    expect(again.status).toBe(403);
    expect(again.body.error.code).toBe('STEP_UP_REQUIRED');
    expect((await c.get('/v1/me/passkeys')).body.items).toEqual([]);
  });

  it('allows at most 10 passkeys: options and, inside the transaction, registration refuse the 11th', async () => {
    const { c, auth } = await accountWithPasskey();
    expect(auth.credentials).toHaveLength(1);
    for (let i = 2; i <= 9; i++) await addPasskey(c, new SoftAuthenticator(), `Key ${i}`);
    // Two ceremonies started at 9 passkeys: the first makes 10, the second must not make 11.
    const first = await c.post('/v1/me/passkeys/registration-options');
    const second = await c.post('/v1/me/passkeys/registration-options');
    expect(
      (
        await c.post('/v1/me/passkeys', {
          name: 'Key 10',
          response: new SoftAuthenticator().create(first.body),
        })
      ).status,
    ).toBe(200);
    const over = await c.post('/v1/me/passkeys', {
      name: 'Key 11',
      response: new SoftAuthenticator().create(second.body),
    });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('PASSKEY_LIMIT_REACHED');
    const options = await c.post('/v1/me/passkeys/registration-options');
    expect(options.status).toBe(409);
    expect(options.body.error.code).toBe('PASSKEY_LIMIT_REACHED');
    expect((await c.get('/v1/me/passkeys')).body.items).toHaveLength(10);
  });

  it('excludes credentials the account already has, and refuses a registration challenge used twice', async () => {
    const { c, auth } = await accountWithPasskey();
    const options = await c.post('/v1/me/passkeys/registration-options');
    expect(options.body.excludeCredentials).toHaveLength(1);
    expect(() => auth.create(options.body)).toThrow(/InvalidStateError/);
    const other = new SoftAuthenticator();
    const response = other.create(options.body);
    expect((await c.post('/v1/me/passkeys', { name: 'Phone', response })).status).toBe(200);
    const replay = await c.post('/v1/me/passkeys', { name: 'Phone again', response });
    expect(replay.status).toBe(400);
    expect(replay.body.error.code).toBe('PASSKEY_VERIFICATION_FAILED');
  });

  it('Security: a registration from another origin fails verification', async () => {
    const c = h.client();
    await signUp(h, c, uniqueEmail('passkey'));
    const options = await c.post('/v1/me/passkeys/registration-options');
    const response = new SoftAuthenticator({ origin: 'https://custos.evil.example' }).create(options.body);
    const r = await c.post('/v1/me/passkeys', { name: 'Evil', response });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('PASSKEY_VERIFICATION_FAILED');
  });

  it('renames a passkey without step-up', async () => {
    const { c, passkey } = await accountWithPasskey();
    h.clock.advanceMinutes(10);
    const r = await c.patch(`/v1/me/passkeys/${passkey.id}`, { name: 'Work laptop' });
    expect(r.status).toBe(200);
    expect(r.body.name).toBe('Work laptop');
    expect((await c.get('/v1/me/passkeys')).body.items[0].name).toBe('Work laptop');
  });

  it('removing a passkey needs a step-up; removing the last factor voids backup codes and MFA', async () => {
    const { c, email, auth, passkey } = await accountWithPasskey();
    expect((await c.post('/v1/me/backup-codes')).status).toBe(200);
    h.clock.advanceMinutes(6);
    const refused = await c.delete(`/v1/me/passkeys/${passkey.id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('STEP_UP_REQUIRED');
    expect((await stepUpWithPasskey(c, auth)).status).toBe(200);
    const removed = await c.delete(`/v1/me/passkeys/${passkey.id}`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({ removed: true, lastFactor: true });
    const me = await c.get('/v1/me');
    expect(me.body.factors).toEqual({ totp: false, passkeys: 0, backupCodesRemaining: 0 });
    expect((await userRow(email)).mfa_since).toBeNull();
    expect((await c.delete(`/v1/me/passkeys/${passkey.id}`)).status).toBe(404);
  });
});

describe('sign-in with a passkey', () => {
  it('password, then the passkey as second factor: signed in', async () => {
    const { c, email, auth, passkey } = await accountWithPasskey();
    await c.post('/v1/auth/sign-out');
    const s1 = await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD });
    expect(s1.body.status).toBe('second_factor_required');
    expect(s1.body.methods).toContain('passkey');
    const options = await c.post('/v1/auth/passkey/options', { challengeToken: s1.body.challengeToken });
    expect(options.status).toBe(200);
    expect(options.body.userVerification).toBe('preferred');
    expect(options.body.allowCredentials.map((a: { id: string }) => a.id)).toEqual([auth.credentials[0]!.id]);
    // As a second factor, a security key without a PIN is enough.
    const response = auth.get(options.body, { userVerified: false });
    const s2 = await c.post('/v1/auth/passkey', { challengeToken: s1.body.challengeToken, response });
    expect(s2.status).toBe(200);
    expect(s2.body.status).toBe('signed_in');
    const me = await c.refresh();
    expect(me.status).toBe(200);
    expect(me.body.session.authMethods).toEqual(['password', 'passkey']);
    const list = await c.get('/v1/me/passkeys');
    expect(list.body.items.find((p: { id: string }) => p.id === passkey.id).lastUsedAt).toBe(
      h.clock.now().toISOString(),
    );
  });

  it('a discoverable passkey alone (no challengeToken, user verified) signs in', async () => {
    const { c, email, auth } = await accountWithPasskey();
    await c.post('/v1/auth/sign-out');
    const options = await c.post('/v1/auth/passkey/options', {});
    expect(options.body.allowCredentials).toEqual([]);
    expect(options.body.userVerification).toBe('required');
    const r = await c.post('/v1/auth/passkey', { response: auth.get(options.body) });
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('signed_in');
    const me = await c.refresh();
    expect(me.body.email).toBe(email);
    expect(me.body.session.authMethods).toEqual(['passkey', 'user_verification']);
  });

  it('Security: a passkey alone without user verification is refused with 401', async () => {
    const { c, auth } = await accountWithPasskey();
    await c.post('/v1/auth/sign-out');
    const r = await passkeyOnlySignIn(c, auth, { userVerified: false });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('Security: Replayed assertion — the same assertion twice is rejected', async () => {
    const { c, auth } = await accountWithPasskey();
    await c.post('/v1/auth/sign-out');
    const options = await c.post('/v1/auth/passkey/options', {});
    const response = auth.get(options.body);
    expect((await c.post('/v1/auth/passkey', { response })).body.status).toBe('signed_in');
    const replay = await c.post('/v1/auth/passkey', { response });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('Security: Replayed assertion — two simultaneous submissions, exactly one signs in', async () => {
    const { c, auth } = await accountWithPasskey();
    await c.post('/v1/auth/sign-out');
    const options = await c.post('/v1/auth/passkey/options', {});
    const response = auth.get(options.body);
    const results = await Promise.all([
      c.post('/v1/auth/passkey', { response }),
      c.post('/v1/auth/passkey', { response }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('Security: Wrong origin — an assertion made for a phishing site is rejected', async () => {
    const { c, auth } = await accountWithPasskey();
    await c.post('/v1/auth/sign-out');
    const r = await passkeyOnlySignIn(c, auth, { origin: 'https://custos-login.evil.example' });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('Security: Cloned authenticator — a signature counter that goes backwards is rejected', async () => {
    const { c, auth } = await accountWithPasskey();
    const clone = auth.clone(); // the keys, copied at counter 0
    await c.post('/v1/auth/sign-out');
    expect((await passkeyOnlySignIn(c, auth)).body.status).toBe('signed_in'); // counter 1
    await c.post('/v1/auth/sign-out');
    expect((await passkeyOnlySignIn(c, auth)).body.status).toBe('signed_in'); // counter 2
    await c.post('/v1/auth/sign-out');
    const cloned = await passkeyOnlySignIn(c, clone); // counter 1 < 2
    expect(cloned.status).toBe(401);
    expect(cloned.body.error.code).toBe('INVALID_CREDENTIALS');
    const same = await passkeyOnlySignIn(c, auth, { signCount: 2 }); // equal is not an increase
    expect(same.status).toBe(401);
  });

  it('Security: an unknown credential and a challenge issued to another account are refused', async () => {
    const a = await accountWithPasskey();
    const b = await accountWithPasskey();
    await a.c.post('/v1/auth/sign-out');
    const stranger = new SoftAuthenticator();
    const options = await a.c.post('/v1/auth/passkey/options', {});
    stranger.create({
      rp: { name: 'Custos', id: 'localhost' },
      user: { id: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'x', displayName: 'x' },
      challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    });
    expect((await a.c.post('/v1/auth/passkey', { response: stranger.get(options.body) })).status).toBe(401);

    // B's password step passed; A's passkey cannot finish B's sign-in.
    await b.c.post('/v1/auth/sign-out');
    const s1 = await b.c.post('/v1/auth/sign-in', { email: b.email, password: TEST_PASSWORD });
    const bOptions = await b.c.post('/v1/auth/passkey/options', { challengeToken: s1.body.challengeToken });
    const r = await b.c.post('/v1/auth/passkey', {
      challengeToken: s1.body.challengeToken,
      response: a.auth.get(bOptions.body, { credentialId: a.auth.credentials[0]!.id }),
    });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('Security: a passkey alone does not bypass the sign-in IP allow-list', async () => {
    const { c, email, auth } = await accountWithPasskey();
    expect((await c.put('/v1/me/ip-allowlist', { cidrs: [`${c.ip}/32`] })).status).toBe(200);
    await c.post('/v1/auth/sign-out');
    c.ip = '203.0.113.77';
    const r = await passkeyOnlySignIn(c, auth);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
    const refusal = await h.deps.db
      .selectFrom('audit_events')
      .select('data')
      .where('user_id', '=', (await userRow(email)).id)
      .where('type', '=', 'sign_in.refused')
      .executeTakeFirstOrThrow();
    expect(refusal.data).toMatchObject({ factor: 'passkey', reason: 'ip_not_allowed' });
  });

  it('Security: failed passkey assertions count on the shared failure counter', async () => {
    const { c, email, auth } = await accountWithPasskey();
    await c.post('/v1/auth/sign-out');
    expect((await userRow(email)).failed_attempts).toBe(0);
    expect((await passkeyOnlySignIn(c, auth, { origin: 'https://evil.example' })).status).toBe(401);
    expect((await userRow(email)).failed_attempts).toBe(1);
    expect((await passkeyOnlySignIn(c, auth, { userVerified: false })).status).toBe(401);
    expect((await userRow(email)).failed_attempts).toBe(2);
    // ... and with the password, on the same counter.
    expect((await c.post('/v1/auth/sign-in', { email, password: WRONG })).status).toBe(401);
    expect((await userRow(email)).failed_attempts).toBe(3);
    // A success resets it.
    h.clock.advanceMinutes(2);
    expect((await passkeyOnlySignIn(c, auth)).body.status).toBe('signed_in');
    expect((await userRow(email)).failed_attempts).toBe(0);
  });
});

describe('Security: a passkey never lifts a hard lock', () => {
  let h10: Harness;
  beforeAll(async () => {
    h10 = await createHarness({ LOCKOUT_HARD_THRESHOLD: '10' });
  });
  afterAll(() => h10.close());

  it('after 10 failed passwords the account is hard locked, and a valid passkey answers 401 INVALID_CREDENTIALS', async () => {
    const { c, email, auth } = await accountWithPasskey({ harness: h10 });
    await c.post('/v1/auth/sign-out');
    const row = () =>
      h10.deps.db
        .selectFrom('users')
        .select(['failed_attempts', 'hard_locked_at'])
        .where('email', '=', email)
        .executeTakeFirstOrThrow();
    for (let i = 1; i <= 10; i++) {
      h10.clock.advanceMinutes(20); // past every delay and temporary lock
      expect((await c.post('/v1/auth/sign-in', { email, password: `${WRONG} ${i}` })).status).toBe(401);
    }
    const locked = await row();
    expect(locked.hard_locked_at).not.toBeNull();
    h10.clock.advanceHours(48);

    const r = await passkeyOnlySignIn(c, auth);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('INVALID_CREDENTIALS');
    const after = await row();
    expect(after.hard_locked_at).toEqual(locked.hard_locked_at);
    expect(after.failed_attempts).toBe(locked.failed_attempts);
    // Nor does the password + passkey path get anywhere.
    expect((await c.post('/v1/auth/sign-in', { email, password: TEST_PASSWORD })).status).toBe(401);
  });
});

describe('step-up with a passkey', () => {
  it('rotates the session token: the old cookie is dead afterwards', async () => {
    const { c, auth } = await accountWithPasskey();
    const oldToken = c.sessionToken!;
    h.clock.advanceMinutes(6);
    const r = await stepUpWithPasskey(c, auth);
    expect(r.status).toBe(200);
    expect(Date.parse(r.body.freshUntil)).toBe(h.clock.now().getTime() + 5 * 60_000);
    expect(c.sessionToken).not.toBe(oldToken);
    expect((await c.get('/v1/me')).status).toBe(200);
    const stale = h.client();
    stale.cookies.set('custos_session', oldToken);
    expect((await stale.get('/v1/me')).status).toBe(401);
    // The fresh step-up now allows a factor change.
    expect((await c.post('/v1/me/passkeys/registration-options')).status).toBe(200);
  });

  it('Security: a failed step-up assertion counts, and a sign-in challenge cannot be used for step-up', async () => {
    const { c, email, auth } = await accountWithPasskey();
    const options = await c.post('/v1/auth/step-up/passkey/options');
    const bad = await c.post('/v1/auth/step-up/passkey', {
      response: auth.get(options.body, { origin: 'https://evil.example' }),
    });
    expect(bad.status).toBe(401);
    expect((await userRow(email)).failed_attempts).toBe(1);
    const signInOptions = await c.post('/v1/auth/passkey/options', {});
    const wrongPurpose = await c.post('/v1/auth/step-up/passkey', { response: auth.get(signInOptions.body) });
    expect(wrongPurpose.status).toBe(401);
    expect((await userRow(email)).failed_attempts).toBe(2);
  });

  it('needs a session', async () => {
    const r = await h.client().post('/v1/auth/step-up/passkey/options');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHENTICATED');
    expect((await h.client().get('/v1/me/passkeys')).status).toBe(401);
  });
});
