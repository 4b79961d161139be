import { describe, expect, it } from 'vitest';
import { signUp, TEST_PASSWORD, uniqueEmail, useHarness } from '../fixtures/harness.js';
import { fund, newKey, randomEthAddress } from '../fixtures/withdrawals.js';

const h = useHarness();

/**
 * SPEC S1: multi-factor authentication is mandatory before any movement of funds. An account
 * that never enrolled a second factor can sign in and enrol one (its password stands in for the
 * step-up enrolment needs), but it can neither add a withdrawal address nor withdraw: with a
 * stolen password alone, nothing leaves.
 */
describe('MFA bypass: an account without a second factor cannot move funds', () => {
  it('a password-only step-up adds no withdrawal address and sends no withdrawal', async () => {
    const c = h.client();
    const email = uniqueEmail();
    await signUp(h, c, email);
    const me = await c.get('/v1/me');
    await fund(h, me.body.id, 'ETH', 10n ** 18n);
    expect((await c.post('/v1/auth/step-up', { method: 'password', password: TEST_PASSWORD })).status).toBe(
      200,
    );

    const address = randomEthAddress();
    const added = await c.post('/v1/withdrawals/addresses', { asset: 'ETH', address, label: 'Mine' });
    expect(added.status).toBe(403);
    expect(added.body.error.code).toBe('MFA_REQUIRED');
    expect((await c.get('/v1/withdrawals/addresses')).body.items ?? []).toHaveLength(0);

    const sent = await c.call(
      'POST',
      '/v1/withdrawals',
      { asset: 'ETH', address, amount: '100000000000000000' },
      { 'Idempotency-Key': newKey() },
    );
    expect(sent.status).toBe(422);
    expect(sent.body.error.code).toBe('WITHDRAWAL_REFUSED');
    expect(JSON.stringify(sent.body.error.details)).toContain('MFA_REQUIRED');
    const list = await c.get('/v1/withdrawals');
    expect(list.body.items).toHaveLength(0);
    const balances = await c.get('/v1/me/balances');
    expect(JSON.stringify(balances.body)).not.toContain('"held":"1');
  });
});
