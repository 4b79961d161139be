import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/services/common/tokens.js';
import { type OtherNode, signUp, uniqueEmail, useHarness } from '../fixtures/harness.js';

// A long time to live: whatever ends a cached session below, it is not the entry ageing out.
const h = useHarness({ SESSION_CACHE_MS: '10000' });
let nodeB: OtherNode;

beforeAll(async () => {
  nodeB = await h.otherNode();
  await until(() => nodeB.deps.sessionCache.active && h.deps.sessionCache.active, 5_000);
});
afterAll(() => nodeB?.close());

async function until(condition: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/** The session check on node B with a stolen cookie. */
const checkOnB = (token: string) =>
  nodeB.app.request('/v1/auth/session', {
    headers: { Cookie: `custos_session=${token}`, 'X-Forwarded-For': '203.0.113.77' },
  });

async function victim() {
  const email = uniqueEmail();
  const c = h.client();
  await signUp(h, c, email);
  const token = c.sessionToken!;
  // The thief uses the session on node B: from here on node B serves it from its cache.
  expect((await checkOnB(token)).status).toBe(200);
  expect(nodeB.deps.sessionCache.get(hashToken(token).toString('base64'))).toBeDefined();
  return { c, token };
}

describe('Security: a stolen session served from a node cache', () => {
  it('the one-button lock on node A ends the session on node B well before its cache entry ages', async () => {
    const { c, token } = await victim();
    expect((await c.post('/v1/me/lock')).status).toBe(200);
    expect(await until(async () => (await checkOnB(token)).status === 401, 2_000)).toBe(true);
  });

  it('logout on node A ends the session on node B', async () => {
    const { c, token } = await victim();
    expect((await c.post('/v1/auth/sign-out')).status).toBe(200);
    expect(await until(async () => (await checkOnB(token)).status === 401, 2_000)).toBe(true);
  });

  it('a revocation made outside Custos (an operator SQL statement) reaches every node', async () => {
    const { c, token } = await victim();
    expect((await c.get('/v1/auth/session')).status).toBe(200); // cached on node A too
    await sql`update sessions set revoked_at = now(), revoke_reason = 'operator'
               where token_hash = ${hashToken(token)}`.execute(h.deps.db);
    expect(await until(async () => (await checkOnB(token)).status === 401, 2_000)).toBe(true);
    expect(await until(async () => (await c.get('/v1/auth/session')).status === 401, 2_000)).toBe(true);
  });

  it('on the node that revokes, the very next request is refused (no wait for the notification)', async () => {
    const { c } = await victim();
    const thief = h.client({ ip: '203.0.113.78' });
    thief.cookies.set('custos_session', c.sessionToken!);
    expect((await thief.get('/v1/auth/session')).status).toBe(200);
    expect((await c.post('/v1/auth/sign-out')).status).toBe(200);
    expect((await thief.get('/v1/auth/session')).status).toBe(401);
  });
});
