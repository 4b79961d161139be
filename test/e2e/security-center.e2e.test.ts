import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  approveDevice,
  enrolTotp,
  enterPassword,
  score,
  signInWithPasswordOnly,
  signInWithTotp,
  signUp,
} from './support/flows.js';
import { newEmail, PASSWORD, useE2E } from './support/server.js';

const e2e = useE2E();

/** A new browser with a verified, signed-in account, and optionally TOTP. */
async function account(tag: string, opts: { totp?: boolean } = {}) {
  const email = newEmail(tag);
  const context = await e2e.newContext();
  const page = await context.newPage();
  await signUp(e2e, page, email);
  await signInWithPasswordOnly(page, email);
  const secret = opts.totp ? await enrolTotp(e2e, page) : null;
  return { email, context, page, secret };
}

const exactTime = async (page: Page) =>
  page.getByTestId('countdown').locator('time').getAttribute('datetime');

describe('backup codes in the browser', () => {
  it('shows them once, downloads them, regenerates after a step-up, and signs in with one', async () => {
    const { email, page, secret } = await account('backup', { totp: true });
    await page.goto('/security/backup-codes');
    await page.getByRole('button', { name: 'Make backup codes' }).click();
    const codes = (await page.getByTestId('backup-codes').locator('code').allTextContents()).map((c) =>
      c.trim(),
    );
    expect(codes).toHaveLength(10);
    await page.getByText('These codes are shown only this once').waitFor();
    await e2e.shot(page, 'backup-codes');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download as a text file' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('custos-backup-codes.txt');
    const text = fs.readFileSync((await download.path())!, 'utf8');
    for (const c of codes) expect(text).toContain(c);

    // Shown once: a reload shows the count, not the codes.
    await page.reload();
    await page.getByTestId('backup-remaining').waitFor();
    expect(await page.getByTestId('backup-codes').count()).toBe(0);

    // Six minutes later the step-up is stale: regenerating opens the step-up dialog.
    e2e.clock.advance(6 * 60_000);
    await page.getByRole('button', { name: /Make new codes/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
    await dialog.waitFor();
    await e2e.shot(page, 'step-up-dialog');
    e2e.clock.nextTotpStep();
    await dialog.getByLabel('Code from your authenticator app').fill(e2e.totp(secret!));
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await page.getByTestId('backup-codes').waitFor();
    const fresh = (await page.getByTestId('backup-codes').locator('code').allTextContents()).map((c) =>
      c.trim(),
    );
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(codes[0]);

    // Sign out, sign in with a backup code.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in');
    await enterPassword(page, email);
    await page.getByRole('heading', { name: 'Second factor' }).waitFor();
    await page.getByRole('radio', { name: 'Backup code' }).check();
    await page.getByLabel('Your backup code').fill(fresh[0]!);
    await e2e.shot(page, 'second-factor');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/security');
    await page.goto('/security/backup-codes');
    expect(await page.getByTestId('backup-remaining').textContent()).toBe('9');
  });
});

describe('sessions and devices in the browser', () => {
  it('ends the session of another browser from the session list', async () => {
    const { email, context, page, secret } = await account('sessions', { totp: true });
    const other = await e2e.newContext();
    const thief = await other.newPage();
    await signInWithTotp(e2e, thief, email, secret!);
    await thief.waitForURL('**/sign-in/approve');
    const approver = await context.newPage();
    await approveDevice(e2e, approver, email);
    await approver.close();
    await thief.waitForURL('**/security', { timeout: 15_000 });

    await page.bringToFront();
    await page.goto('/security/devices');
    await page.getByTestId('session-row').nth(1).waitFor();
    expect(await page.getByTestId('session-row').count()).toBe(2);
    await e2e.shot(page, 'devices');
    const row = page.getByTestId('session-row').filter({ hasNot: page.getByText('this session') });
    await row.getByRole('button', { name: /End/ }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-row"]').length === 1);

    await thief.reload();
    await thief.waitForURL('**/sign-in?next=*');
    expect(new URL(thief.url()).pathname).toBe('/sign-in');

    // Rename and trust this device.
    const mine = page.getByTestId('device-row').filter({ has: page.getByText('this device') });
    page.once('dialog', (d) => void d.accept('Home laptop'));
    await mine.getByRole('button', { name: /Rename/ }).click();
    await mine.getByRole('button', { name: 'Rename Home laptop' }).waitFor();
    await mine.getByRole('checkbox').click(); // it turns on once the server has it
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="device-row"]')].some(
        (r) =>
          r.textContent?.includes('Home laptop') && (r.querySelector('input') as HTMLInputElement).checked,
      ),
    );
    const devices = await (await page.request.get('/v1/me/devices')).json();
    expect(devices.items.find((d: { current: boolean }) => d.current)).toMatchObject({
      name: 'Home laptop',
      trusted: true,
    });
  });
});

describe('passkeys in the browser', () => {
  it('adds two named passkeys, renames one and removes the other', async () => {
    const { page } = await account('passkeys', { totp: true });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    await page.goto('/security/passkeys');
    // One security key each: a key that already holds a passkey of the account is excluded.
    for (const name of ['Blue key', 'Spare key']) {
      const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
        options: {
          protocol: 'ctap2',
          transport: 'usb',
          hasResidentKey: true,
          hasUserVerification: true,
          isUserVerified: true,
          automaticPresenceSimulation: true,
        },
      });
      await page.getByLabel('Name of the new passkey').fill(name);
      await page.getByRole('button', { name: 'Add a passkey' }).click();
      await page.getByRole('cell', { name, exact: true }).waitFor();
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    }
    expect(await page.getByText('2 of 10').count()).toBe(1);
    page.once('dialog', (d) => void d.accept('Office key'));
    await page.getByRole('button', { name: 'Rename Blue key' }).click();
    await page.getByRole('cell', { name: 'Office key', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Remove Spare key' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="passkey-row"]').length === 1);
    expect(await page.getByRole('cell', { name: 'Office key', exact: true }).count()).toBe(1);
  });
});

describe('settings lock in the browser', () => {
  it('shows the exact time the unlock takes effect, holds until then, and lifts after', async () => {
    const { email, page } = await account('settings-lock');
    await page.goto('/security/settings-lock');
    await page.getByLabel('Unlock delay (days)').selectOption('1');
    await page.getByRole('button', { name: 'Lock my settings' }).click();
    await page.getByText('Your settings are locked').waitFor();
    await page.getByRole('button', { name: 'Ask to unlock' }).click();
    await page.getByTestId('countdown').waitFor();
    const me = await (await page.request.get('/v1/me')).json();
    expect(me.settingsLock.state).toBe('unlock_pending');
    expect(await exactTime(page)).toBe(new Date(me.settingsLock.unlockEffectiveAt).toISOString());
    expect(Date.parse(me.settingsLock.unlockEffectiveAt) - Date.parse(me.serverTime)).toBeGreaterThan(
      23 * 3_600_000,
    );
    await e2e.shot(page, 'settings-lock');

    // Before that time every setting stays locked, and the page shows the API's reason.
    await page.goto('/security/anti-phishing');
    await page.getByLabel('Code', { exact: true }).fill('heron');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/lock/i);

    // After it, the lock is lifted (a day later the session is over too: sign in again).
    e2e.clock.advance(24 * 3_600_000 + 60_000);
    await signInWithPasswordOnly(page, email);
    await page.goto('/security/settings-lock');
    await page.getByRole('button', { name: 'Lock my settings' }).waitFor();
  });
});

describe('recovery in the browser', () => {
  it('counts down to the exact time, can be cancelled from the email, and completes after the wait', async () => {
    const { email, page } = await account('recovery', { totp: true });
    const visitor = await (await e2e.newContext()).newPage();

    const request = async () => {
      await visitor.goto('/recovery');
      await visitor.getByLabel('Email').fill(email);
      await visitor.getByRole('button', { name: 'Start recovery' }).click();
      await visitor.getByText('an email with a confirmation link').waitFor();
      await visitor.goto(await e2e.link(email, '/recovery'));
      await visitor.getByRole('button', { name: 'Confirm recovery' }).click();
      await visitor.getByTestId('countdown').waitFor();
    };
    await request();
    const token = new URL(visitor.url()).searchParams.get('token')!;
    const status = await (await visitor.request.post('/v1/auth/recovery/status', { data: { token } })).json();
    expect(await exactTime(visitor)).toBe(new Date(status.effectiveAt).toISOString());
    await e2e.shot(visitor, 'recovery');

    // The account holder sees it, with the same countdown, while signed in.
    await page.goto('/security');
    const pending = page.locator('.note', { hasText: 'An account recovery is pending' });
    await pending.waitFor();
    expect(await pending.locator('time').getAttribute('datetime')).toBe(
      new Date(status.effectiveAt).toISOString(),
    );

    // Cancelled from the link in the email.
    await visitor.goto(await e2e.link(email, '/recovery/cancel'));
    await e2e.shot(visitor, 'recovery-cancel');
    await visitor.getByRole('button', { name: 'Cancel the recovery' }).click();
    await visitor.getByText('The recovery is cancelled').waitFor();

    // Again, and this time wait it out: before the time, no reset is offered.
    await request();
    expect(await visitor.getByRole('button', { name: 'Recover my account' }).count()).toBe(0);
    e2e.clock.advance(72 * 3_600_000 + 60_000);
    await visitor.reload();
    await visitor.getByLabel('New password', { exact: true }).fill('maple circuit lantern fjord 58');
    await visitor.getByText('Strong enough').waitFor();
    await visitor.getByRole('button', { name: 'Recover my account' }).click();
    await visitor.getByText('Your account is recovered').waitFor();
  });
});

describe('the rest of the security center', () => {
  it('the checkup score rises as items are done; anti-phishing, allow-list, history, account pages', async () => {
    const { email, page } = await account('settings');
    const start = await score(page);

    await page.goto('/security/anti-phishing');
    await page.getByLabel('Code', { exact: true }).fill('blue heron');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('anti-phishing-current').waitFor();
    await e2e.shot(page, 'anti-phishing');
    const afterCode = await score(page);
    expect(afterCode).toBeGreaterThan(start);
    expect(await page.getByTestId('checkup-anti-phishing').getAttribute('class')).toContain('done');

    await page.goto('/security/ip-allowlist');
    await page.getByLabel('Addresses and ranges, one per line').fill('127.0.0.0/8\n::1/128');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('On: 2 address(es)').waitFor();
    await e2e.shot(page, 'ip-allowlist');
    expect(await score(page)).toBeGreaterThan(afterCode);

    await page.goto('/security/history');
    await page.getByTestId('history-row').first().waitFor();
    await page.getByLabel('Show').selectOption('sign_in.');
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid="history-row"] code')].every((c) =>
        c.textContent?.startsWith('sign_in.'),
      ),
    );
    expect(await page.getByTestId('history-row').count()).toBeGreaterThan(0);
    await e2e.shot(page, 'history');

    // Email change: the link to the new address lands on its confirmation page.
    await page.goto('/security/account');
    await e2e.shot(page, 'account');
    const newAddress = newEmail('moved');
    await page.getByLabel('New email').fill(newAddress);
    await page.getByRole('button', { name: 'Change email' }).click();
    await page.getByText('A confirmation link is on its way').waitFor();
    await page.goto(await e2e.link(newAddress, '/confirm-email-change'));
    await e2e.shot(page, 'confirm-email-change');
    await page.getByRole('button', { name: 'Confirm the new address' }).click();
    await page.getByText('Your email address is changed').waitFor();

    // "This wasn't me", from the email about that change: one press locks the account.
    await page.goto(await e2e.link(email, '/not-me'));
    await e2e.shot(page, 'not-me');
    await page.getByRole('button', { name: 'Lock my account' }).click();
    await page.getByText('Your account is locked').waitFor();
    await page.goto('/security');
    await page.waitForURL('**/sign-in?next=*');
  });

  it('password reset pages', async () => {
    const email = newEmail('reset');
    const context = await e2e.newContext({ phone: true });
    const page = await context.newPage();
    await signUp(e2e, page, email);
    await page.goto('/reset-password');
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Send a reset link' }).click();
    await page.getByText('a reset link is on its way').waitFor();
    await e2e.shot(page, 'reset-password');
    await page.goto(await e2e.link(email, '/reset-password'));
    await page.getByLabel('New password', { exact: true }).fill('orbit saffron quarry delta 31');
    await page.getByText('Strong enough').waitFor();
    await e2e.shot(page, 'reset-password-new');
    await page.getByRole('button', { name: 'Set the new password' }).click();
    await page.getByText('Your password is changed').waitFor();
  });

  it('every error shows the API message, never a stack', async () => {
    const context = await e2e.newContext();
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(newEmail('nobody'));
    await page.getByLabel('Password').fill('not the password at all 1');
    await page.getByRole('button', { name: 'Continue' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toMatch(/invalid credentials/i);
    expect(text).not.toMatch(/at \w+ \(|Error:|node_modules/);
    await page.goto('/no-such-page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
  });

  it('works by keyboard alone: sign in, then open and close the lock dialog', async () => {
    const email = newEmail('keyboard');
    const context = await e2e.newContext();
    const page = await context.newPage();
    await signUp(e2e, page, email);
    await page.goto('/sign-in');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.keyboard.press('Tab'); // the Custos link
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement).type)).toBe('email');
    await page.keyboard.type(email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/security');
    await page.getByRole('heading', { name: 'Security overview' }).waitFor();
    // The skip link comes first, then the header: the lock button is a few Tabs away on every page.
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    const seen: (string | undefined)[] = [];
    for (let i = 0; i < 8 && seen.at(-1) !== 'Lock my account'; i++) {
      await page.keyboard.press('Tab');
      seen.push(await focused());
    }
    expect(seen[0]).toBe('Skip to content');
    expect(seen.at(-1)).toBe('Lock my account');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Lock your account now?' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
  });
});
