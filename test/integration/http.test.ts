import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildDeps, closeDeps } from '../../src/deps.js';
import { createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/observability/logger.js';
import { useHarness, openTestDatabase, signUp, TEST_PASSWORD, uniqueEmail } from '../fixtures/harness.js';

const h = useHarness();

describe('the error envelope', () => {
  it('a malformed JSON body is a 400 with a stable code, never a 500', async () => {
    const r = await h.client().call('POST', '/v1/auth/sign-in', '{"email": "a@b.c", "password": ', {});
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('MALFORMED_JSON');
    expect(r.body.error.requestId).toEqual(expect.any(String));
  });

  it('a body that fails validation names the fields', async () => {
    const r = await h.client().post('/v1/auth/sign-in', { email: 'not-an-email', password: 7 });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    expect(r.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['email', 'password']);
  });

  it('an oversized body is refused', async () => {
    const r = await h
      .client()
      .post('/v1/auth/sign-in', { email: 'a@example.com', password: 'x'.repeat(70_000) });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('an unknown route is a 404 in the envelope', async () => {
    const r = await h.client().get('/v1/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({
      error: { code: 'NOT_FOUND', message: 'Not found.', requestId: expect.any(String) },
    });
  });

  it('the request id is echoed when well-formed and made up otherwise', async () => {
    const mine = await h.client().call('GET', '/healthz', undefined, { 'X-Request-Id': 'req-1234567890' });
    expect(mine.headers.get('X-Request-Id')).toBe('req-1234567890');
    const bad = await h.client().call('GET', '/healthz', undefined, { 'X-Request-Id': '<script>' });
    expect(bad.headers.get('X-Request-Id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('security headers', () => {
  it('sets CSP, HSTS, frame and referrer policies, and no-store on the API', async () => {
    const r = await h.client().get('/v1/me');
    expect(r.headers.get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
    expect(r.headers.get('Strict-Transport-Security')).toContain('max-age=');
    expect(r.headers.get('X-Frame-Options')).toBe('DENY');
    expect(r.headers.get('Referrer-Policy')).toBe('no-referrer');
    expect(r.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(r.headers.get('Cache-Control')).toBe('no-store');
  });
});

describe('operations endpoints', () => {
  it('health and readiness', async () => {
    expect((await h.client().get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await h.client().get('/readyz')).body).toEqual({ status: 'ready', database: h.dbKind });
  });

  it('Prometheus metrics by route template', async () => {
    await h.client().post('/v1/auth/sign-in', { email: uniqueEmail(), password: 'wrong password here' });
    const r = await h.client().get('/metrics');
    expect(r.status).toBe(200);
    expect(r.body).toContain('custos_http_request_duration_seconds_bucket');
    expect(r.body).toContain('route="/v1/auth/sign-in"');
    expect(r.body).toContain('custos_sign_in_total{outcome="failure_password"}');
  });

  it('OpenAPI 3.1 generated from the schemas, and a reference page that loads nothing from elsewhere', async () => {
    const doc = await h.client().get('/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/v1/auth/sign-in', '/v1/me', '/v1/me/sessions/{id}']),
    );
    expect(
      doc.body.paths['/v1/auth/sign-in'].post.requestBody.content['application/json'].schema,
    ).toBeDefined();
    const docs = await h.client().get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.body).toContain('/v1/auth/sign-in');
    expect(docs.body).not.toMatch(/<script|https?:\/\/(?!localhost)[a-z]/i);
  });

  it('the development mailbox lists emails outside production', async () => {
    const email = uniqueEmail();
    await h.client().post('/v1/auth/register', { email, password: TEST_PASSWORD });
    await h.emailsTo(email);
    const page = await h.client().get('/dev/mailbox');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Confirm your email address');
    const json = await h.client().call('GET', '/dev/mailbox?format=json');
    expect(json.body.items.some((m: { to: string }) => m.to === email)).toBe(true);
  });
});

describe('housekeeping', () => {
  it('purges challenges and links a week after they expired, and nothing younger', async () => {
    const { purgeExpired } = await import('../../src/services/housekeeping.js');
    const c = h.client();
    await c.post('/v1/auth/register', { email: uniqueEmail(), password: TEST_PASSWORD });
    const count = async () =>
      Number(
        (
          await h.deps.db
            .selectFrom('email_tokens')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    expect(await purgeExpired(h.deps)).toBe(0);
    h.clock.advanceHours(24 * 30);
    expect(await purgeExpired(h.deps)).toBeGreaterThanOrEqual(before);
    expect(await count()).toBe(0);
  });
});

describe('logs', () => {
  it('no password, token or code reaches the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'custos-log-'));
    const config = loadConfig({
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      TRUST_PROXY: 'true',
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      LOG_LEVEL: 'debug',
    });
    const { handle, drop } = await openTestDatabase();
    const deps = await buildDeps(config, {
      database: handle,
      log: createLogger('debug', sink),
      defaultMetrics: false,
    });
    const app = createApp(deps);
    const secret = 'Sup3r-Secret-Passphrase-Never-Logged';
    await app.request('/v1/auth/sign-in', {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer abcdefabcdefabcdefabcdefabcdefabcdefabcdefa',
      },
      body: JSON.stringify({ email: 'x@example.com', password: secret }),
    });
    deps.log.info({ password: secret, nested: { token: secret, code: '123456' } }, 'a careless line');
    deps.log.flush();
    await new Promise((r) => setTimeout(r, 50));
    await closeDeps(deps);
    await drop();
    const all = lines.join('');
    expect(all).toContain('"route":"/v1/auth/sign-in"');
    expect(all).not.toContain(secret);
    expect(all).not.toContain('123456');
    expect(all).toContain('[redacted]');
  });
});

describe('security: signed-in pages need a session', () => {
  it('every /v1/me route answers 401 without a session', async () => {
    const c = h.client();
    for (const [m, p] of [
      ['GET', '/v1/me'],
      ['GET', '/v1/me/sessions'],
      ['POST', '/v1/me/lock'],
      ['POST', '/v1/me/totp/setup'],
      ['GET', '/v1/me/security-history'],
    ] as const) {
      const r = await c.call(m, p, m === 'POST' ? {} : undefined);
      expect(r.status, `${m} ${p}`).toBe(401);
    }
    await signUp(h, c, uniqueEmail());
    expect((await c.get('/v1/me')).status).toBe(200);
  });
});
