import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  approveDevice,
  enrolTotp,
  score,
  signInWithPasswordOnly,
  signInWithTotp,
  signUp,
} from './support/flows.js';
import { newEmail, useE2E } from './support/server.js';

const e2e = useE2E();

/** Chromium's virtual authenticator (CDP WebAuthn domain): a platform passkey with user verification. */
async function virtualAuthenticator(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return cdp;
}

describe('the whole sign-in journey in Chromium', () => {
  it('register, verify, TOTP, new-device approval, passkey, passkey-only sign-in, lock', async () => {
    const email = newEmail('journey');
    const ctxA = await e2e.newContext();
    const a = await ctxA.newPage();

    // Register and verify the email from the mailbox.
    await signUp(e2e, a, email, { shots: true });
    await a.getByRole('button', { name: 'Sign in' }).click();
    await a.waitForURL('**/sign-in');
    await e2e.shot(a, 'sign-in');
    await signInWithPasswordOnly(a, email);
    const before = await score(a);
    await e2e.shot(a, 'overview');

    // Enrol TOTP: the test computes the codes from the key shown on the page.
    const secret = await enrolTotp(e2e, a, { shots: true });
    await e2e.shot(a, 'totp');
    expect(await score(a)).toBeGreaterThan(before);

    // Sign out, then sign in with the password and a TOTP code.
    await a.getByRole('button', { name: 'Sign out' }).click();
    await a.waitForURL('**/sign-in');
    await signInWithTotp(e2e, a, email, secret);
    await a.waitForURL('**/security');

    // A new browser is a new device: it waits until the device is approved from the email.
    const ctxB = await e2e.newContext({ phone: true });
    const b = await ctxB.newPage();
    await signInWithTotp(e2e, b, email, secret);
    await b.waitForURL('**/sign-in/approve');
    await b.getByText('Waiting for approval').waitFor();
    await e2e.shot(b, 'approve-wait');
    const approver = await ctxA.newPage();
    await approveDevice(e2e, approver, email, { shots: true });
    await b.waitForURL('**/security', { timeout: 15_000 });
    await b.getByRole('heading', { name: 'Security overview' }).waitFor();
    await approver.close();

    // Add a passkey with Chromium's virtual authenticator.
    // WebAuthn only answers the page that has the focus.
    await a.bringToFront();
    await virtualAuthenticator(a);
    await a.goto('/security/passkeys');
    await a.getByLabel('Name of the new passkey').fill('Test laptop');
    await a.getByRole('button', { name: 'Add a passkey' }).click();
    await a.getByRole('cell', { name: 'Test laptop', exact: true }).waitFor();
    expect(await a.getByTestId('passkey-row').count()).toBe(1);
    await e2e.shot(a, 'passkeys');

    // Sign out, then sign in with the passkey alone (no email, no password).
    await a.getByRole('button', { name: 'Sign out' }).click();
    await a.waitForURL('**/sign-in');
    await a.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await a.waitForURL('**/security');
    await a.getByRole('heading', { name: 'Security overview' }).waitFor();

    // The one-button lock, from the header: every session ends, the other browser's too.
    await a.getByRole('button', { name: 'Lock my account' }).first().click();
    await e2e.shot(a, 'lock-dialog');
    await a.getByRole('dialog').getByRole('button', { name: 'Lock my account' }).click();
    await a.waitForURL('**/locked');
    await a.getByRole('heading', { name: 'Your account is locked' }).waitFor();
    await e2e.shot(a, 'locked');
    await b.reload();
    await b.waitForURL('**/sign-in?next=*');
    expect(new URL(b.url()).pathname).toBe('/sign-in');
  });
});
