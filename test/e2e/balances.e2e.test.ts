import { describe, expect, it } from 'vitest';
import { createServiceCredential } from '../../src/services/ledger/service-credentials.js';
import { signInWithPasswordOnly, signUp } from './support/flows.js';
import { newEmail, useE2E } from './support/server.js';

const e2e = useE2E();

describe('balances, sub-accounts and transfers in the browser', () => {
  it('shows a deposit, creates a sub-account, and a double-clicked transfer moves money once', async () => {
    const email = newEmail('balances');
    const context = await e2e.newContext();
    const page = await context.newPage();
    await signUp(e2e, page, email);
    await signInWithPasswordOnly(page, email);
    const userId = (await (await page.request.get('/v1/me')).json()).id as string;

    // The platform credits a deposit of 1.5 BTC through the integration API.
    const { token } = await createServiceCredential(e2e.deps, {
      name: 'e2e',
      scopes: ['deposits'],
      actor: 'system',
    });
    const deposit = await page.request.post('/v1/platform/deposits', {
      headers: { Authorization: `Bearer ${token}` },
      data: { userId, asset: 'BTC', amount: '150000000', network: 'bitcoin', txId: 'e2e-deposit-1' },
    });
    expect(deposit.status()).toBe(201);

    await page.goto('/security/balances');
    await page.getByTestId('balance-Main-BTC').getByText('1.5 BTC').first().waitFor();

    await page.getByLabel('Sub-account name').fill('Trading bot');
    await page.getByRole('button', { name: 'Create sub-account' }).click();
    await page.getByRole('heading', { name: 'Trading bot' }).waitFor();

    await page.getByLabel('From').selectOption({ label: 'Main' });
    await page.getByLabel('To').selectOption({ label: 'Trading bot' });
    await page.getByLabel('Asset').selectOption('BTC');
    await page.getByLabel('Amount').fill('0.25');
    const button = page.getByRole('button', { name: 'Transfer' });
    await button.dblclick();
    await page.getByText('Transferred.').waitFor();
    await page.getByTestId('balance-Trading bot-BTC').waitFor();
    expect(await page.getByTestId('balance-Trading bot-BTC').locator('td').nth(1).textContent()).toBe(
      '0.25 BTC',
    );
    expect(await page.getByTestId('balance-Main-BTC').locator('td').nth(1).textContent()).toBe('1.25 BTC');
    const transfers = await page.getByTestId('ledger-entry').filter({ hasText: 'Transfer' }).count();
    expect(transfers).toBe(2); // one transfer: its debit and its credit
    await e2e.shot(page, 'balances');

    // More than is available: the API's reason, nothing moves.
    await page.getByLabel('Amount').fill('5');
    await page.getByRole('button', { name: 'Transfer' }).click();
    await page.getByRole('alert').getByText('enough available funds').waitFor();
  });
});
