import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChainCallback } from '../../src/adapters/chain/webhook-chain.js';
import { signWebhook } from '../../src/adapters/webhook/webhook-sender.js';
import { useHarness } from '../fixtures/harness.js';
import { confirmByEmail, runWorker, settledCustomer, withdraw } from '../fixtures/withdrawals.js';

const SIGNER_SECRET = 'signer-secret-for-tests-0123456789abcdef';
const CALLBACK_SECRET = 'callback-secret-for-tests-0123456789abcd';

/** The platform's signer: checks Custos's signature, deduplicates by withdrawal id, answers. */
const received: { body: Record<string, string>; signatureOk: boolean }[] = [];
let mode: 'accept' | 'refuse' | 'fail' = 'accept';
const signer = createServer((req, res) => {
  let raw = '';
  req.on('data', (d) => (raw += d));
  req.on('end', () => {
    const signatureOk = verifyChainCallback(
      SIGNER_SECRET,
      req.headers['custos-signature'] as string,
      raw,
      h.clock.now(),
    );
    received.push({ body: JSON.parse(raw), signatureOk });
    if (!signatureOk) return void res.writeHead(401).end();
    if (mode === 'fail') return void res.writeHead(503).end();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        mode === 'accept'
          ? { status: 'accepted', txId: `0xsigned${received.length}` }
          : { status: 'refused', reason: 'address on a sanctions list' },
      ),
    );
  });
});
await new Promise<void>((r) => signer.listen(0, '127.0.0.1', r));
afterAll(() => new Promise<void>((r) => signer.close(() => r())));

const h = useHarness({
  DEFAULT_TIER: 'basic',
  CHAIN_ADAPTER: 'webhook',
  CHAIN_SIGNER_URL: `http://127.0.0.1:${(signer.address() as AddressInfo).port}/broadcast`,
  CHAIN_SIGNER_SECRET: SIGNER_SECRET,
  CHAIN_CALLBACK_SECRET: CALLBACK_SECRET,
  BROADCAST_LEASE_SECONDS: '30',
});

/** The signer's callback, signed (or not) as it would be. */
async function callback(body: unknown, secret = CALLBACK_SECRET, at = h.clock.now()) {
  const raw = JSON.stringify(body);
  const res = await h.app.request('/v1/chain/events', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Custos-Signature': signWebhook(secret, Math.floor(at.getTime() / 1000), raw),
    },
    body: raw,
  });
  return { status: res.status, body: await res.json() };
}

async function queued() {
  const u = await settledCustomer(h);
  const r = await withdraw(u, { asset: 'ETH', address: u.address, amount: '100000000000000000' });
  expect(r.status).toBe(201);
  expect((await confirmByEmail(h, u)).body.state).toBe('queued');
  return { u, id: r.body.id as string };
}

describe('the webhook chain adapter (a signed call to the platform signer, a signed callback)', () => {
  it('sends a signed broadcast request and settles on the signed confirmation callback', async () => {
    mode = 'accept';
    const { u, id } = await queued();
    await runWorker(h);
    const call = received.at(-1)!;
    expect(call.signatureOk).toBe(true);
    expect(call.body).toMatchObject({ type: 'withdrawal.broadcast', withdrawalId: id, address: u.address });
    expect((await u.c.get(`/v1/withdrawals/${id}`)).body.state).toBe('broadcast');
    const confirmed = await callback({ withdrawalId: id, event: 'confirmed' });
    expect(confirmed).toMatchObject({ status: 200, body: { applied: true, state: 'confirmed' } });
    // A repeated callback changes nothing.
    expect((await callback({ withdrawalId: id, event: 'confirmed' })).body).toEqual({
      applied: false,
      state: 'confirmed',
    });
  });

  it('a refusal by the signer fails the withdrawal and releases its funds', async () => {
    mode = 'refuse';
    const { u, id } = await queued();
    expect((await runWorker(h)).failed).toBe(1);
    const w = (await u.c.get(`/v1/withdrawals/${id}`)).body;
    expect(w.state).toBe('failed');
    expect(w.timeline.at(-1).reason).toContain('address on a sanctions list');
  });

  it('an unanswered broadcast is sent again under the same id after its lease, never as a second withdrawal', async () => {
    mode = 'fail';
    const { id } = await queued();
    const before = received.length;
    await runWorker(h);
    expect(received.length).toBe(before + 1);
    await runWorker(h); // the lease still runs: nothing is sent
    expect(received.length).toBe(before + 1);
    mode = 'accept';
    h.clock.advance(31_000);
    expect((await runWorker(h)).recovered).toBe(1);
    const calls = received.slice(before).map((r) => r.body.withdrawalId);
    expect(calls).toEqual([id, id]);
    const row = await h.deps.db
      .selectFrom('withdrawals')
      .select(['state', 'broadcast_attempts'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'broadcast', broadcast_attempts: 2 });
  });

  it('forged, stale and unsigned callbacks are refused', async () => {
    mode = 'accept';
    const { id } = await queued();
    await runWorker(h);
    expect(
      (await callback({ withdrawalId: id, event: 'confirmed' }, 'not-the-callback-secret-000000000000'))
        .status,
    ).toBe(401);
    const stale = new Date(h.clock.now().getTime() - 10 * 60_000);
    expect((await callback({ withdrawalId: id, event: 'confirmed' }, CALLBACK_SECRET, stale)).status).toBe(
      401,
    );
    const unsigned = await h.app.request('/v1/chain/events', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ withdrawalId: id, event: 'confirmed' }),
    });
    expect(unsigned.status).toBe(401);
    const state = await h.deps.db
      .selectFrom('withdrawals')
      .select('state')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(state.state).toBe('broadcast');
  });
});
