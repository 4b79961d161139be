import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { drainOutbox } from '../../src/services/notifications/outbox-worker.js';
import { useHarness } from '../fixtures/harness.js';
import { confirmByEmail, runWorker, settledCustomer, withdraw } from '../fixtures/withdrawals.js';

/** The platform's webhook receiver, in this process. */
const hooks: { type: string; data: Record<string, unknown> }[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    hooks.push(JSON.parse(body));
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

const h = useHarness({
  DEFAULT_TIER: 'basic',
  WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
  WEBHOOK_SECRET: 'webhook-secret-for-withdrawal-tests-000',
});

describe('notifications for every address-book change and withdrawal step', () => {
  it('each step is a webhook; the owner is emailed, with the anti-phishing code, about the ones that matter', async () => {
    const u = await settledCustomer(h);
    await h.deps.db
      .updateTable('users')
      .set({ anti_phishing_code: 'blue-heron-42' })
      .where('id', '=', u.userId)
      .execute();
    const r = await withdraw(u, { asset: 'ETH', address: u.address, amount: '500000000000000000' });
    await confirmByEmail(h, u);
    await runWorker(h);
    h.clock.advance(10_000);
    await runWorker(h);
    const b = await withdraw(u, { asset: 'ETH', address: u.address, amount: '100000000000000000' });
    await u.c.post(`/v1/withdrawals/${b.body.id}/cancel`);
    await drainOutbox(h.deps);

    const mine = hooks.filter((x) => x.data.userId === u.userId);
    expect(mine.filter((x) => x.type === 'user.address_book')).toHaveLength(2); // added, confirmed
    const steps = mine
      .filter((x) => x.type === 'user.withdrawal' && x.data.withdrawalId === r.body.id)
      .map((x) => x.data.state);
    // Delivery order is the outbox's, not the steps'; each step once.
    expect(steps.sort()).toEqual([
      'awaiting_confirmation',
      'broadcast',
      'broadcasting',
      'confirmed',
      'queued',
    ]);
    expect(
      mine
        .filter((x) => x.type === 'user.withdrawal' && x.data.withdrawalId === b.body.id)
        .map((x) => x.data.state)
        .sort(),
    ).toEqual(['awaiting_confirmation', 'cancelled']);
    for (const x of mine) expect(JSON.stringify(x)).not.toMatch(/token=|password/i);

    const subjects = (await h.emailsTo(u.email)).map((e) => e.subject);
    expect(subjects).toEqual(
      expect.arrayContaining([
        '[blue-heron-42] Confirm your withdrawal of 0.5 ETH',
        '[blue-heron-42] Your withdrawal of 0.5 ETH was sent',
        '[blue-heron-42] Your withdrawal of 0.5 ETH is complete',
        '[blue-heron-42] Confirm your withdrawal of 0.1 ETH',
        '[blue-heron-42] Your withdrawal of 0.1 ETH was cancelled',
      ]),
    );
    const mails = await h.emailsTo(u.email);
    for (const m of mails.filter((x) => x.subject.includes('withdrawal of')))
      expect(m.text).toContain('blue-heron-42');
  });
});
