import type { Page } from 'playwright-core';
import { type E2E, PASSWORD } from './server.js';

/** Sign-up through the page, then the verification link from the mailbox, in the same browser. */
export async function signUp(e2e: E2E, page: Page, email: string, opts: { shots?: boolean } = {}) {
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByText('Strong enough').waitFor();
  if (opts.shots) await e2e.shot(page, 'sign-up');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
  await page.goto(await e2e.link(email, '/verify-email'));
  await page.getByText('Your email address is verified').waitFor();
  if (opts.shots) await e2e.shot(page, 'verify-email');
}

/** The password step of the sign-in page. */
export async function enterPassword(page: Page, email: string) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Continue' }).click();
}

export async function signInWithPasswordOnly(page: Page, email: string) {
  await enterPassword(page, email);
  await page.waitForURL('**/security');
  await page.getByRole('heading', { name: 'Security overview' }).waitFor();
}

/** Password, then a fresh TOTP code. */
export async function signInWithTotp(e2e: E2E, page: Page, email: string, secret: string) {
  await enterPassword(page, email);
  await page.getByRole('heading', { name: 'Second factor' }).waitFor();
  e2e.clock.nextTotpStep();
  await page.getByLabel('6-digit code from your authenticator app').fill(e2e.totp(secret));
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Enrols an authenticator app on the TOTP page; returns its secret. */
export async function enrolTotp(e2e: E2E, page: Page, opts: { shots?: boolean } = {}): Promise<string> {
  await page.goto('/security/totp');
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
  await page.getByRole('img', { name: 'QR code of the authenticator key' }).waitFor();
  if (opts.shots) await e2e.shot(page, 'totp-enrol');
  e2e.clock.nextTotpStep();
  await page.getByLabel('6-digit code').fill(e2e.totp(secret));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByText('An authenticator app is set up.').waitFor();
  return secret;
}

/** Opens the device-approval link of the newest email in `approver` and approves. */
export async function approveDevice(e2e: E2E, approver: Page, email: string, opts: { shots?: boolean } = {}) {
  await approver.goto(await e2e.link(email, '/approve-device'));
  await approver.getByTestId('device-name').waitFor();
  if (opts.shots) await e2e.shot(approver, 'approve-device');
  await approver.getByRole('button', { name: 'Yes, it was me: approve' }).click();
  await approver.getByText('The device is approved').waitFor();
}

export async function score(page: Page): Promise<number> {
  await page.goto('/security');
  const text = await page.getByTestId('checkup-score').textContent();
  return Number.parseInt(text ?? '', 10);
}
