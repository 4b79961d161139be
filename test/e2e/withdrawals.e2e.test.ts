import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createServiceCredential } from '../../src/services/ledger/service-credentials.js';
import { processWithdrawals } from '../../src/services/withdrawals/processor.js';
import { enrolTotp, signInWithPasswordOnly, signInWithTotp, signUp } from './support/flows.js';
import { newEmail, useE2E } from './support/server.js';

// The `basic` verification tier allows more than 0.3 ETH in one withdrawal.
const e2e = useE2E({ env: { DEFAULT_TIER: 'basic' } });
const ETH_ADDRESS = '0x52908400098527886E0F7030069857D2E4169EE7';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const DETAIL = /\/security\/withdrawals\/[0-9a-f-]{36}$/;

/** The platform credits a deposit through its integration API, as balances.e2e.test.ts does. */
async function fund(page: Page, userId: string, asset: string, amount: string) {
  const { token } = await createServiceCredential(e2e.deps, {
    name: 'e2e',
    scopes: ['deposits'],
    actor: 'system',
  });
  const deposit = await page.request.post('/v1/platform/deposits', {
    headers: { Authorization: `Bearer ${token}` },
    data: { userId, asset, amount, network: 'ethereum', txId: `e2e-withdrawals-${Date.now()}` },
  });
  expect(deposit.status()).toBe(201);
}

/** Answers the step-up dialog with a fresh authenticator code. */
async function stepUp(page: Page, secret: string) {
  const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
  await dialog.waitFor();
  e2e.clock.nextTotpStep();
  await dialog.getByLabel('Code from your authenticator app').fill(e2e.totp(secret));
  await dialog.getByRole('button', { name: 'Confirm' }).click();
}

const withdrawals = async (page: Page) =>
  (await (await page.request.get('/v1/withdrawals')).json()).items as { id: string; state: string }[];

describe('withdrawals in the browser', () => {
  it('withdraws to a book address with step-up and email confirmation, follows it to the chain, cancels one and lists every reason of a refusal', async () => {
    const email = newEmail('withdraw');
    const page = await (await e2e.newContext()).newPage();
    await signUp(e2e, page, email);
    await signInWithPasswordOnly(page, email);
    const secret = await enrolTotp(e2e, page);
    const userId = (await (await page.request.get('/v1/me')).json()).id as string;
    await fund(page, userId, 'ETH', (10n * 10n ** 18n).toString());

    // No address yet: the form says where to add one.
    await page.goto('/security/withdraw');
    await page.getByLabel('Asset').selectOption('ETH');
    await page.getByText('You have no ETH address in your address book.').waitFor();
    await page.getByRole('link', { name: 'Open the address book' }).click();
    await page.waitForURL('**/security/addresses');

    await page.getByLabel('Asset').selectOption('ETH');
    await page.getByLabel('Address', { exact: true }).fill(ETH_ADDRESS);
    await page.getByLabel('Label', { exact: true }).fill('Cold wallet');
    await page.getByRole('button', { name: 'Add address' }).click();
    await page.getByText('Open the link we emailed you').waitFor();
    await page.goto(await e2e.link(email, '/confirm-address'));
    await page.getByRole('button', { name: 'Confirm this address' }).click();
    await page.getByTestId('countdown').waitFor();

    // Confirmed but still activating: shown with its countdown, not selectable.
    await page.goto('/security/withdraw');
    await page.getByLabel('Asset').selectOption('ETH');
    const wallet = page.getByRole('radio', { name: /Cold wallet/ });
    await wallet.waitFor();
    expect(await wallet.isDisabled()).toBe(true);
    await page.locator('.destination').getByTestId('countdown').waitFor();
    await page.getByText('None of your ETH addresses can receive withdrawals yet.').waitFor();
    await e2e.shot(page, 'withdraw-activating');

    // Eight days later the address is usable and the freeze and the new-device and new-address
    // risk signals have passed; the session has ended, so sign in again.
    e2e.clock.advance(8 * DAY);
    await signInWithTotp(e2e, page, email, secret);
    await page.getByRole('heading', { name: 'Security overview' }).waitFor();

    await page.getByRole('navigation').getByRole('link', { name: 'Withdraw', exact: true }).click();
    await page.waitForURL('**/security/withdraw');
    await wallet.waitFor();
    expect(await wallet.isChecked()).toBe(true);
    expect(await page.getByLabel('Asset').inputValue()).toBe('ETH');
    await page.getByTestId('available').getByText('10 ETH').waitFor();

    const amount = page.getByLabel('Amount in ETH');
    const preview = page.getByTestId('withdrawal-preview');
    // "Use the maximum" leaves room for the fee.
    await page.getByRole('button', { name: /Use the maximum/ }).click();
    await expect.poll(() => amount.inputValue()).toBe('9.999');
    await preview.getByTestId('preview-total').getByText('10 ETH', { exact: true }).waitFor();

    await amount.fill('1.5');
    await preview.getByTestId('preview-fee').getByText('0.001 ETH', { exact: true }).waitFor();
    await preview.getByTestId('preview-total').getByText('1.501 ETH', { exact: true }).waitFor();
    await preview.getByText('We email you a link to confirm it, valid 30 minutes').waitFor();
    await preview.getByText('Then it is sent to the ethereum network').waitFor();
    expect(await preview.getByText('cooling-off').count()).toBe(0);
    expect(await preview.getByTestId('preview-problems').count()).toBe(0);
    await e2e.shot(page, 'withdraw-form');

    // Six minutes after sign-in the step-up is stale: a double click asks once and creates one.
    e2e.clock.advance(6 * MINUTE);
    await page.getByRole('button', { name: 'Request withdrawal' }).dblclick();
    await stepUp(page, secret);
    await page.waitForURL(DETAIL);
    const first = page.url().split('/').pop()!;
    const status = page.getByTestId('withdrawal-status');
    await status.locator('[data-state="awaiting_confirmation"]').waitFor();
    await status.getByText('Waiting for your email confirmation').waitFor();
    const detail = await (await page.request.get(`/v1/withdrawals/${first}`)).json();
    expect(await status.getByTestId('countdown').locator('time').getAttribute('datetime')).toBe(
      new Date(detail.confirmExpiresAt).toISOString(),
    );
    await page.getByTestId('withdrawal-total').getByText('1.501 ETH').waitFor();
    expect(await withdrawals(page)).toHaveLength(1);
    await e2e.shot(page, 'withdrawal-awaiting-confirmation');

    // The email's landing confirms only on a press (mail scanners open links too).
    const confirmLink = await e2e.link(email, '/confirm-withdrawal');
    await page.goto(confirmLink);
    await page.getByRole('heading', { name: 'Confirm a withdrawal' }).waitFor();
    // It shows what the link is for before anything is confirmed.
    await page.getByText('1.5 ETH (fee 0.001 ETH)').waitFor();
    await e2e.shot(page, 'confirm-withdrawal');
    expect((await withdrawals(page))[0]!.state).toBe('awaiting_confirmation');
    await page.getByRole('button', { name: 'Confirm this withdrawal' }).click();
    await page.locator('[data-state="queued"]').getByText('Queued to be sent').waitFor();
    await page.getByText('1.5 ETH (fee 0.001 ETH) to').waitFor();
    await page.getByText(ETH_ADDRESS).waitFor();
    await e2e.shot(page, 'confirm-withdrawal-done');

    // The link works once: opened again, it says so and offers nothing to press.
    await page.goto(confirmLink);
    await page.getByRole('alert').getByText('This link cannot be used any more').waitFor();
    expect(await page.getByRole('button', { name: 'Confirm this withdrawal' }).count()).toBe(0);
    await e2e.shot(page, 'confirm-withdrawal-used');
    // The landing is public: signed out (say, the email opened on a phone) it answers the same.
    const phone = await (await e2e.newContext({ phone: true })).newPage();
    await phone.goto(confirmLink);
    await phone.getByRole('alert').getByText('This link cannot be used any more').waitFor();

    // The worker sends it; the simulated chain confirms it a few seconds later.
    await page.getByRole('link', { name: 'Your withdrawals' }).click();
    await page
      .getByTestId('withdrawal-row')
      .getByRole('link', { name: /Details/ })
      .click();
    await page.waitForURL(`**/security/withdrawals/${first}`);
    await status.locator('[data-state="queued"]').waitFor();
    await page.getByTestId('chain-tx').getByText('Not sent yet').waitFor();
    await processWithdrawals(e2e.deps);
    // The page follows an open withdrawal by itself.
    await status.locator('[data-state="broadcast"]').waitFor();
    await page.getByTestId('chain-tx').locator('code').waitFor();
    e2e.clock.advance(10_000);
    await processWithdrawals(e2e.deps);
    await status.locator('[data-state="confirmed"]').waitFor();
    await status.getByText('Complete').waitFor();
    const after = await (await page.request.get(`/v1/withdrawals/${first}`)).json();
    expect(await page.getByTestId('chain-tx').textContent()).toBe(after.chainTxId);
    const steps = page.getByTestId('timeline-step');
    expect(
      await steps.locator('[data-state]').evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))),
    ).toEqual(['awaiting_confirmation', 'queued', 'broadcasting', 'broadcast', 'confirmed']);
    expect(
      await steps.locator('time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime'))),
    ).toEqual(after.timeline.map((s: { at: string }) => new Date(s.at).toISOString()));
    await steps.nth(1).getByText('Confirmed by you from the email link').waitFor();
    await steps.nth(1).getByText('by you', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Cancel this withdrawal' }).count()).toBe(0);
    await e2e.shot(page, 'withdrawal-confirmed');

    // A second one is cancelled from its page; the reserved funds come back.
    await page.goto('/security/withdraw');
    await page.getByTestId('available').getByText('8.499 ETH').waitFor();
    await amount.fill('2');
    await preview.getByTestId('preview-total').getByText('2.001 ETH', { exact: true }).waitFor();
    // The answer to the request is lost on the way back: the retry sends the same idempotency key
    // and gets the first answer again instead of a second withdrawal.
    let lost = false;
    await page.route('**/v1/withdrawals', async (route) => {
      if (route.request().method() !== 'POST' || lost) return route.fallback();
      const response = await route.fetch();
      if (response.status() !== 201) return route.fulfill({ response });
      lost = true;
      return route.abort('connectionreset');
    });
    e2e.clock.advance(6 * MINUTE);
    await page.getByRole('button', { name: 'Request withdrawal' }).click();
    await stepUp(page, secret);
    await page.getByRole('alert').getByText('Custos could not be reached').waitFor();
    expect(lost).toBe(true);
    expect(await withdrawals(page)).toHaveLength(2);
    const replay = page.waitForResponse(
      (r) => r.url().endsWith('/v1/withdrawals') && r.request().method() === 'POST',
    );
    await page.getByRole('button', { name: 'Request withdrawal' }).click();
    expect((await replay).headers()['idempotency-replayed']).toBe('true');
    await page.unroute('**/v1/withdrawals');
    await page.waitForURL((url) => DETAIL.test(url.pathname) && !url.pathname.endsWith(first));
    expect(await withdrawals(page)).toHaveLength(2);
    await status.locator('[data-state="awaiting_confirmation"]').waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Withdraw', exact: true }).click();
    await page.getByTestId('available').getByText('6.498 ETH').waitFor();
    await page.goBack();
    await status.getByRole('button', { name: 'Cancel this withdrawal' }).click();
    const cancel = page.getByRole('dialog', { name: 'Cancel this withdrawal?' });
    await cancel.getByText('the reserved 2.001 ETH becomes available again').waitFor();
    await e2e.shot(page, 'withdrawal-cancel-dialog');
    await cancel.getByRole('button', { name: 'Yes, cancel it' }).click();
    await status.locator('[data-state="cancelled"]').waitFor();
    expect(await status.getByRole('button', { name: 'Cancel this withdrawal' }).count()).toBe(0);
    await page.getByTestId('timeline-step').last().getByText('Cancelled by you.').waitFor();
    await e2e.shot(page, 'withdrawal-cancelled');
    await page.goto('/security/withdraw');
    await page.getByTestId('available').getByText('8.499 ETH').waitFor();

    // More than the balance and the tier allow: the preview warns, and the refusal lists every reason.
    await amount.fill('100');
    const problems = page.getByTestId('preview-problems');
    await problems.getByText('more than your available balance').waitFor();
    await problems.getByText('more than your verification level allows in one withdrawal').waitFor();
    await preview.getByText('it waits 24 hours').waitFor();
    // A stale step-up is not asked for first: a second factor would not change the answer.
    e2e.clock.advance(6 * MINUTE);
    await page.getByRole('button', { name: 'Request withdrawal' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'This withdrawal is not allowed now' });
    await refusal.waitFor();
    expect((await refusal.locator('li').allTextContents()).sort()).toEqual([
      'The amount is more than your available balance.',
      'This is more than your verification level allows in one withdrawal.',
    ]);
    await e2e.shot(page, 'withdraw-refused');
    // The answer belongs to those values: changing the amount clears it.
    await amount.fill('99');
    await refusal.waitFor({ state: 'detached' });
    expect(await withdrawals(page)).toHaveLength(2);

    // The list: newest first, state in plain words; the filter hides finished ones.
    await page.getByRole('navigation').getByRole('link', { name: 'Withdrawals', exact: true }).click();
    const rows = page.getByTestId('withdrawal-row');
    await expect.poll(() => rows.count()).toBe(2);
    await rows.nth(0).locator('[data-state="cancelled"]').waitFor();
    await rows.nth(0).getByText('2 ETH', { exact: true }).waitFor();
    await rows.nth(1).locator('[data-state="confirmed"]').waitFor();
    await rows.nth(1).getByText('1.5 ETH', { exact: true }).waitFor();
    await rows.nth(1).getByText('Cold wallet').waitFor();
    await e2e.shot(page, 'withdrawals');
    await page.getByLabel('Show').selectOption('open');
    await page.getByText('No withdrawal in progress.').waitFor();
    await page.getByLabel('Show').selectOption('all');
    await rows
      .nth(1)
      .getByRole('link', { name: /Details/ })
      .click();
    await page.waitForURL(`**/security/withdrawals/${first}`);
  });
});
