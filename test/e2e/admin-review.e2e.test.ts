import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  createStaff,
  ETH,
  riskyCustomer,
  signInStaff,
  staffRequest,
  submitStaffSignIn,
} from './support/admin.js';
import { useE2E } from './support/server.js';

// The `full` verification tier allows the 31-ETH withdrawal that needs two reviewers.
const e2e = useE2E({ env: { DEFAULT_TIER: 'full' } });
const DETAIL = /\/admin\/reviews\/[0-9a-f-]{36}$/;
const HELD_REASONS = [
  'The address was added to your address book less than 7 days ago.',
  'This is the first withdrawal of the account.',
  'Your password, email or a second factor changed in the last 3 days.',
];

/**
 * The amount as the console shows it: in ETH with the decimals the withdrawal carries, otherwise
 * exactly, in wei (the admin API gives no asset list).
 */
const amountText = (eth: bigint, item: { decimals?: unknown }) =>
  typeof item.decimals === 'number' ? `${eth} ETH` : `${eth * ETH} (smallest units of ETH)`;

const row = (page: Page, id: string) => page.locator(`[data-testid="review-row"][data-id="${id}"]`);

async function openFromQueue(page: Page, id: string) {
  await page
    .getByRole('navigation', { name: 'Admin console' })
    .getByRole('link', { name: 'Review queue' })
    .click();
  await row(page, id)
    .getByRole('link', { name: /^Review/ })
    .click();
  await page.waitForURL(`**/admin/reviews/${id}`);
  await page.getByTestId('review-status').waitFor();
}

describe('the admin console in the browser', () => {
  it('an analyst signs in with the authenticator code, finds the held withdrawal and approves it; the customer then confirms it', async () => {
    const customer = await riskyCustomer(e2e);
    const held = await customer.withdraw(ETH);
    expect(held.state).toBe('in_review');
    expect(held.risk.score).toBe(60);
    expect(held.risk.reasons).toEqual(HELD_REASONS);
    const analyst = await createStaff(e2e, 'analyst');

    const page = await (await e2e.newContext()).newPage();
    // Signed out, a console page leads to the sign-in page, and back after it.
    await page.goto('/admin/reviews');
    await page.waitForURL('**/admin/sign-in?next=%2Fadmin%2Freviews');
    await e2e.shot(page, 'admin-sign-in');

    // A wrong code gets the one answer for every failure, and the code field is emptied.
    e2e.clock.nextTotpStep();
    const good = e2e.totp(analyst.totpSecret);
    const wrong = String((Number(good) + 1) % 1_000_000).padStart(6, '0');
    await submitStaffSignIn(e2e, page, analyst, wrong);
    await page
      .getByRole('alert')
      .getByText('The email, password or authenticator code is not right')
      .waitFor();
    expect(await page.getByLabel('6-digit code from your authenticator app').inputValue()).toBe('');
    await e2e.shot(page, 'admin-sign-in-refused');

    await submitStaffSignIn(e2e, page, analyst);
    await page.waitForURL('**/admin/reviews');
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();
    const who = page.getByTestId('operator');
    await who.getByText(analyst.email).waitFor();
    await who.getByText('analyst', { exact: true }).waitFor();

    // The queue: amount, customer, risk with its reasons, approvals, and the review deadline.
    const r = row(page, held.id);
    await r.waitFor();
    await r.getByTestId('review-customer').getByText(customer.email).waitFor();
    expect(await r.getByTestId('risk-score').textContent()).toBe('60');
    expect(await r.locator('li').allTextContents()).toEqual(HELD_REASONS);
    expect(await r.getByTestId('review-approvals').textContent()).toBe('0 of 1 approval');
    const queue = await (await page.request.get('/v1/admin/withdrawals/reviews')).json();
    const item = queue.items.find((w: { id: string }) => w.id === held.id);
    expect(await r.getByTestId('review-amount').textContent()).toBe(amountText(1n, item));
    expect(await r.getByTestId('countdown').locator('time').getAttribute('datetime')).toBe(
      new Date(item.reviewExpiresAt).toISOString(),
    );
    await r
      .getByTestId('countdown')
      .getByText(/\(in 2 d 2\d h/)
      .waitFor();
    await e2e.shot(page, 'admin-review-queue');

    // The detail: risk reasons, the customer's timeline, no review yet, and the decision form.
    await r.getByRole('link', { name: /^Review/ }).click();
    await page.waitForURL(DETAIL);
    await page.getByRole('heading', { name: /^Withdrawal of / }).waitFor();
    expect(await page.getByTestId('risk-reasons').locator('li').allTextContents()).toEqual(HELD_REASONS);
    await page.getByTestId('customer-email').getByText(customer.email).waitFor();
    await page.getByText('No reviewer has decided yet.').waitFor();
    await page.getByTestId('timeline-step').first().locator('[data-state="in_review"]').waitFor();
    await page.getByText('the customer must still confirm it from the link we email them').waitFor();
    await e2e.shot(page, 'admin-review-detail');

    // A note is required.
    const note = page.getByLabel('Note for the record');
    await note.fill('ok');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('alert').getByText('Write a note of at least 3 characters').waitFor();
    expect((await customer.withdrawal(held.id)).state).toBe('in_review');

    await note.fill('Called the customer on the phone number on file; they confirmed the request.');
    await page.getByRole('button', { name: 'Approve' }).click();
    const status = page.getByTestId('review-status');
    await status.getByTestId('review-result').getByText('Approved. We emailed the customer a link').waitFor();
    await status.locator('[data-state="awaiting_confirmation"]').waitFor();
    await status.getByText("The customer's link expires on").waitFor();
    const review = page.getByTestId('review');
    await review.getByText('Called the customer on the phone number on file').waitFor();
    await review.getByText('(you)').waitFor();
    expect(await page.getByLabel('Note for the record').count()).toBe(0);
    await e2e.shot(page, 'admin-review-approved');

    // Nothing leaves before the customer confirms from the email.
    expect((await customer.withdrawal(held.id)).state).toBe('awaiting_confirmation');
    expect((await customer.confirmByEmail()).state).toBe('queued');
    await expectGoneFromQueue(page, held.id);
  });

  it('a large withdrawal waits for a second, different reviewer; another is rejected with a note the customer reads', async () => {
    const customer = await riskyCustomer(e2e);
    const large = await customer.withdraw(31n * ETH);
    const small = await customer.withdraw(2n * ETH);
    expect([large.state, small.state]).toEqual(['in_review', 'in_review']);
    const [first, second] = [await createStaff(e2e, 'analyst'), await createStaff(e2e, 'approver')];

    const page = await (await e2e.newContext()).newPage();
    await signInStaff(e2e, page, first);
    const r = row(page, large.id);
    expect(await r.getByTestId('review-approvals').textContent()).toBe('0 of 2 approvals');
    await r.getByText('two reviewers').waitFor();
    await openFromQueue(page, large.id);
    await page.getByText('it needs 2 approvals, each from a different reviewer').waitFor();
    await page
      .getByLabel('Note for the record')
      .fill('Matches the deposit history; the address is their own.');
    await page.getByRole('button', { name: 'Approve' }).click();
    const status = page.getByTestId('review-status');
    await status
      .getByTestId('review-result')
      .getByText('Your approval is recorded (1 of 2 approvals). It stays held until a different reviewer')
      .waitFor();
    await status.locator('[data-state="in_review"]').waitFor();
    await page.getByTestId('approvals').getByText('1 of 2 approvals').waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await e2e.shot(page, 'admin-review-first-of-two');
    // Coming back later, the page says why there is nothing left to do.
    await page.reload();
    await page
      .getByText('You already approved this withdrawal. It needs 1 more approval from a different reviewer.')
      .waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    // The server holds the rule too: the same reviewer's second approval is refused.
    const again = await staffRequest(page, 'POST', `/v1/admin/withdrawals/${large.id}/review`, {
      decision: 'approve',
      note: 'approving once more',
    });
    expect(again.status()).toBe(409);
    expect((await again.json()).error.code).toBe('ALREADY_REVIEWED');
    expect((await customer.withdrawal(large.id)).state).toBe('in_review');

    // A second reviewer on a phone follows a link to the withdrawal: sign-in, then the page.
    const phone = await (await e2e.newContext({ phone: true })).newPage();
    await phone.goto(`/admin/reviews/${large.id}`);
    await phone.waitForURL(`**/admin/sign-in?next=${encodeURIComponent(`/admin/reviews/${large.id}`)}`);
    await submitStaffSignIn(e2e, phone, second);
    await phone.waitForURL(`**/admin/reviews/${large.id}`);
    await phone.getByTestId('review').getByText(first.email).waitFor();
    await phone.getByLabel('Note for the record').fill('Second review: agreed with the first reviewer.');
    await e2e.shot(phone, 'admin-review-second-reviewer');
    await phone.getByRole('button', { name: 'Approve' }).click();
    await phone.getByTestId('review-result').getByText('Approved. We emailed the customer a link').waitFor();
    await phone.locator('[data-testid="review-status"] [data-state="awaiting_confirmation"]').waitFor();
    expect(await phone.getByTestId('review').count()).toBe(2);
    expect((await customer.withdrawal(large.id)).state).toBe('awaiting_confirmation');

    // The other one is rejected: nothing is sent and the customer reads the note.
    await openFromQueue(phone, small.id);
    expect(await phone.getByTestId('review-result').count()).toBe(0);
    await phone.getByLabel('Note for the record').fill('The customer did not recognise this withdrawal.');
    await phone.getByRole('button', { name: 'Reject' }).click();
    await phone.getByTestId('review-result').getByText('Rejected. Nothing is sent').waitFor();
    await phone.locator('[data-testid="review-status"] [data-state="rejected"]').waitFor();
    await phone
      .getByTestId('timeline-step')
      .last()
      .getByText('Rejected: The customer did not recognise this withdrawal.')
      .waitFor();
    await e2e.shot(phone, 'admin-review-rejected');
    const seen = await customer.withdrawal(small.id);
    expect(seen.state).toBe('rejected');
    expect(seen.timeline.at(-1)).toMatchObject({ to: 'rejected', by: 'reviewer' });
    expect(seen.timeline.at(-1).reason).toContain('The customer did not recognise this withdrawal.');
  });

  it('support staff see the queue but cannot decide, and a reviewer whose role was taken away is refused', async () => {
    const customer = await riskyCustomer(e2e);
    const held = await customer.withdraw(ETH);
    const [support, analyst] = [await createStaff(e2e, 'support'), await createStaff(e2e, 'analyst')];

    const page = await (await e2e.newContext()).newPage();
    await signInStaff(e2e, page, support);
    await page.getByTestId('operator').getByText('support', { exact: true }).waitFor();
    await openFromQueue(page, held.id);
    await page.getByText('You cannot approve or reject withdrawals.').waitFor();
    await page.getByText('only analysts, approvers and admins decide on them').waitFor();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.getByLabel('Note for the record').count()).toBe(0);
    await e2e.shot(page, 'admin-review-support');
    const refused = await staffRequest(page, 'POST', `/v1/admin/withdrawals/${held.id}/review`, {
      decision: 'approve',
      note: 'looks fine to me',
    });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.code).toBe('FORBIDDEN');

    // An analyst has the page open when their role is changed to support: the approval is refused.
    const other = await (await e2e.newContext()).newPage();
    await signInStaff(e2e, other, analyst);
    await openFromQueue(other, held.id);
    await e2e.deps.db
      .updateTable('operators')
      .set({ role: 'support' })
      .where('id', '=', analyst.id)
      .execute();
    await other.getByLabel('Note for the record').fill('Looks fine to me.');
    await other.getByRole('button', { name: 'Approve' }).click();
    await other
      .getByRole('alert')
      .getByText('Refused: your role cannot approve or reject withdrawals.')
      .waitFor();
    expect((await customer.withdrawal(held.id)).state).toBe('in_review');
  });

  it('an admin pauses ETH withdrawals after a confirmation and resumes them; other roles see the switches read-only', async () => {
    const customer = await riskyCustomer(e2e);
    expect(await customer.previewProblems()).not.toContain('ASSET_PAUSED');
    const [admin, analyst] = [await createStaff(e2e, 'admin'), await createStaff(e2e, 'analyst')];
    const controls = async (page: Page) =>
      (await (await page.request.get('/v1/admin/controls/withdrawals')).json()) as {
        pausedAll: boolean;
        pausedAssets: string[];
        reasons: Record<string, string>;
      };

    const page = await (await e2e.newContext()).newPage();
    await signInStaff(e2e, page, admin);
    await page
      .getByRole('navigation', { name: 'Admin console' })
      .getByRole('link', { name: 'Withdrawal kill switches' })
      .click();
    await page.getByRole('heading', { name: 'Withdrawal kill switches' }).waitFor();
    await page.getByTestId('switch-all').locator('[data-paused="false"]').waitFor();

    // The confirmation comes first; cancelling it changes nothing.
    // Every asset the platform holds has its own switch.
    const pauseEth = page.getByTestId('switch-ETH').getByRole('button', { name: /Pause/ });
    await pauseEth.click();
    const dialog = page.getByRole('dialog', { name: 'Pause ETH withdrawals?' });
    await dialog.getByText('none is cancelled or lost').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await controls(page)).pausedAssets).toEqual([]);

    await pauseEth.click();
    await dialog.getByLabel('Reason for pausing').fill('Node provider incident: ETH broadcasts failing.');
    await e2e.shot(page, 'admin-controls-confirm');
    await dialog.getByRole('button', { name: 'Yes, pause ETH withdrawals' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('controls-result').getByText('ETH withdrawals are paused.').waitFor();
    const eth = page.getByTestId('switch-ETH');
    await eth.locator('[data-paused="true"]').waitFor();
    await eth.getByText('Node provider incident: ETH broadcasts failing.').waitFor();
    expect(await controls(page)).toMatchObject({ pausedAll: false, pausedAssets: ['ETH'] });
    expect(await customer.previewProblems()).toContain('ASSET_PAUSED');
    await e2e.shot(page, 'admin-controls-paused');

    // A symbol the platform does not hold is refused by the server.
    const doge = await staffRequest(page, 'PUT', '/v1/admin/controls/withdrawals', {
      asset: 'DOGE',
      paused: true,
      reason: 'Trying an unknown asset.',
    });
    expect(doge.status()).toBe(400);

    // Read-only for other roles, with the reason why.
    const phone = await (await e2e.newContext({ phone: true })).newPage();
    await signInStaff(e2e, phone, analyst);
    await phone.goto('/admin/controls');
    await phone.getByText('Only admins can pause or resume withdrawals').waitFor();
    await phone.getByTestId('switch-ETH').locator('[data-paused="true"]').waitFor();
    expect(await phone.getByRole('button', { name: /Pause|Resume/ }).count()).toBe(0);
    await e2e.shot(phone, 'admin-controls-read-only');
    const forbidden = await staffRequest(phone, 'PUT', '/v1/admin/controls/withdrawals', {
      asset: 'ETH',
      paused: false,
      reason: 'not my call',
    });
    expect(forbidden.status()).toBe(403);

    // Resumed: the switch is off again and the customer can withdraw ETH.
    await eth.getByRole('button', { name: 'Resume… ETH withdrawals' }).click();
    const resume = page.getByRole('dialog', { name: 'Resume ETH withdrawals?' });
    await resume.getByLabel('Reason for resuming').fill('Provider recovered; broadcasts verified.');
    await resume.getByRole('button', { name: 'Yes, resume ETH withdrawals' }).click();
    await page.getByTestId('controls-result').getByText('ETH withdrawals are running again.').waitFor();
    await eth.locator('[data-paused="false"]').waitFor();
    expect((await controls(page)).pausedAssets).toEqual([]);
    expect(await customer.previewProblems()).not.toContain('ASSET_PAUSED');

    // Signing out ends the staff session: the console asks for a sign-in again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/admin/sign-in');
    await page.getByText('You are signed out.').waitFor();
    expect((await page.request.get('/v1/admin/me')).status()).toBe(401);
    await page.goto('/admin/controls');
    await page.waitForURL('**/admin/sign-in?next=%2Fadmin%2Fcontrols');
  });
});

/** After its decision, a withdrawal leaves the queue. */
async function expectGoneFromQueue(page: Page, id: string) {
  await page
    .getByRole('navigation', { name: 'Admin console' })
    .getByRole('link', { name: 'Review queue' })
    .click();
  await page.getByRole('heading', { name: 'Review queue' }).waitFor();
  await page.getByTestId('queue-count').waitFor();
  expect(await row(page, id).count()).toBe(0);
}
