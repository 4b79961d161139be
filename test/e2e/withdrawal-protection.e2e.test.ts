import { describe, expect, it } from 'vitest';
import { enrolTotp, signInWithPasswordOnly, signUp } from './support/flows.js';
import { newEmail, useE2E } from './support/server.js';

const e2e = useE2E();
const ETH_ADDRESS = '0x52908400098527886E0F7030069857D2E4169EE7';

describe('withdrawal protection in the browser', () => {
  it('adds an address, confirms it from the email, and counts down to the exact time it becomes usable', async () => {
    const email = newEmail('addresses');
    const page = await (await e2e.newContext()).newPage();
    await signUp(e2e, page, email);
    await signInWithPasswordOnly(page, email);
    await enrolTotp(e2e, page);

    await page.goto('/security/addresses');
    await page.getByLabel('Asset').selectOption('ETH');
    await page.getByLabel('Address', { exact: true }).fill(ETH_ADDRESS);
    await page.getByLabel('Label', { exact: true }).fill('Cold wallet');
    await page.getByRole('button', { name: 'Add address' }).click();
    await page.getByText('Open the link we emailed you').waitFor();
    await page.getByTestId('address-row').getByText('Waiting for the confirmation').waitFor();

    await page.goto(await e2e.link(email, '/confirm-address'));
    await e2e.shot(page, 'confirm-address');
    await page.getByRole('button', { name: 'Confirm this address' }).click();
    await page.getByTestId('countdown').waitFor();

    await page.goto('/security/addresses');
    const row = page.getByTestId('address-row');
    await row.getByTestId('countdown').waitFor();
    const list = await (await page.request.get('/v1/withdrawals/addresses')).json();
    expect(await row.locator('time').getAttribute('datetime')).toBe(
      new Date(list.items[0].activeFrom).toISOString(),
    );
    await e2e.shot(page, 'addresses');

    await row.getByRole('button', { name: /Remove/ }).click();
    await page.getByText('No address yet.').waitFor();
  });

  it('turns the withdrawal lock on at once, shows when an unlock takes effect, and sets a cap', async () => {
    const email = newEmail('lock');
    const page = await (await e2e.newContext()).newPage();
    await signUp(e2e, page, email);
    await signInWithPasswordOnly(page, email);
    const start = Number.parseInt(
      (await (await page.request.get('/v1/me/security-checkup')).json()).score,
      10,
    );

    await page.goto('/security/withdrawal-lock');
    await page.getByRole('button', { name: 'Turn the lock on' }).click();
    await page.getByText('On: nothing can leave your account.').waitFor();
    const score = (await (await page.request.get('/v1/me/security-checkup')).json()).score;
    expect(score).toBeGreaterThan(start);

    await page.getByRole('button', { name: 'Ask to turn it off (takes 24 hours)' }).click();
    await page.getByTestId('countdown').waitFor();
    const p = await (await page.request.get('/v1/withdrawals/protection')).json();
    expect(p.withdrawalLock.state).toBe('unlock_pending');
    expect(await page.getByTestId('countdown').locator('time').getAttribute('datetime')).toBe(
      new Date(p.withdrawalLock.effectiveAt).toISOString(),
    );
    await e2e.shot(page, 'withdrawal-lock');
    await page.getByRole('button', { name: 'Keep the lock on' }).click();
    await page.getByText('On: nothing can leave your account.').waitFor();

    const btc = page.getByTestId('cap-BTC');
    await btc.getByLabel('New daily cap in BTC').fill('0.5');
    await btc.getByRole('button', { name: 'Set cap' }).click();
    await page.getByTestId('cap-BTC-now').getByText('0.5 BTC').waitFor();
  });
});
