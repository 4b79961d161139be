import { describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/services/ledger/ledger-check.js';
import { useHarness } from '../fixtures/harness.js';
import {
  balanceOf,
  confirmByEmail,
  ETH_ADDRESS,
  runWorker,
  settledCustomer,
  withdraw,
} from '../fixtures/withdrawals.js';

const h = useHarness({ DEFAULT_TIER: 'basic' });
const ETH = 10n ** 18n;
const FEE = 10n ** 15n; // the default ETH fee, 0.001

describe('the withdrawal flow (SPEC S3)', () => {
  it('request, email confirmation, broadcast, confirmation and settlement, each on the timeline', async () => {
    const u = await settledCustomer(h);
    const r = await withdraw(u, { asset: 'ETH', address: ETH_ADDRESS, amount: String(ETH) });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ state: 'awaiting_confirmation', fee: String(FEE), cancellable: true });
    expect(await balanceOf(u, 'ETH')).toMatchObject({ balance: 10n * ETH, held: ETH + FEE });

    const confirmed = await confirmByEmail(h, u);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.state).toBe('queued');

    const first = await runWorker(h);
    expect(first.broadcast).toBe(1);
    let detail = await u.c.get(`/v1/withdrawals/${r.body.id}`);
    expect(detail.body.state).toBe('broadcast');
    expect(detail.body.chainTxId).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.body.cancellable).toBe(false);

    h.clock.advance(10_000);
    expect((await runWorker(h)).confirmed).toBe(1);
    detail = await u.c.get(`/v1/withdrawals/${r.body.id}`);
    expect(detail.body.state).toBe('confirmed');
    expect(detail.body.timeline.map((s: { to: string }) => s.to)).toEqual([
      'awaiting_confirmation',
      'queued',
      'broadcasting',
      'broadcast',
      'confirmed',
    ]);
    expect(await balanceOf(u, 'ETH')).toMatchObject({ balance: 9n * ETH - FEE, held: 0n });
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });
});
