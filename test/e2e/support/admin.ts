import { randomBytes } from 'node:crypto';
import type { APIRequestContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { createOperator, type OperatorRole } from '../../../src/services/admin/operators.js';
import { creditDeposit } from '../../../src/services/ledger/platform-operations.js';
import { type E2E, newEmail, PASSWORD } from './server.js';

export const ETH = 10n ** 18n;
const HOUR = 3_600_000;

/** A staff account as the `custos admin create` command makes it: one-time password and TOTP key. */
export interface Staff {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly totpSecret: string;
  readonly role: OperatorRole;
}

export async function createStaff(e2e: E2E, role: OperatorRole): Promise<Staff> {
  const r = await createOperator(e2e.deps, { email: newEmail(`staff-${role}`), role });
  return { id: r.id, email: r.email, password: r.generatedPassword!, totpSecret: r.totpSecret, role };
}

/** Fills the console's sign-in form with a fresh authenticator code (or the one given) and sends it. */
export async function submitStaffSignIn(e2e: E2E, page: Page, staff: Staff, code?: string) {
  await page.getByRole('heading', { name: 'Staff sign-in' }).waitFor();
  await page.getByLabel('Email').fill(staff.email);
  await page.getByLabel('Password').fill(staff.password);
  e2e.clock.nextTotpStep();
  await page.getByLabel('6-digit code from your authenticator app').fill(code ?? e2e.totp(staff.totpSecret));
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in on /admin/sign-in and lands on the review queue. */
export async function signInStaff(e2e: E2E, page: Page, staff: Staff) {
  await page.goto('/admin/sign-in');
  await submitStaffSignIn(e2e, page, staff);
  await page.getByRole('heading', { name: 'Review queue' }).waitFor();
}

/** A change through the admin API in the page's staff session (its CSRF token from /v1/admin/me). */
export async function staffRequest(page: Page, method: 'POST' | 'PUT', path: string, data: unknown) {
  const me = await page.request.get('/v1/admin/me');
  expect(me.status()).toBe(200);
  const { csrfToken } = (await me.json()) as { csrfToken: string };
  return page.request.fetch(path, { method, data, headers: { 'X-CSRF-Token': csrfToken } });
}

export interface HeldWithdrawal {
  id: string;
  state: string;
  reviewsRequired?: number;
  risk: { score: number; reasons: string[] };
}

/**
 * A customer talking to the API from their own browser (cookies, CSRF header), set up the way the
 * integration tests' riskyCustomer is: TOTP enrolled, funded, an address added and confirmed,
 * and a day later signed in again. Their withdrawals then score 60 (new address, first
 * withdrawal, recent security change) and are held for review.
 */
export class Customer {
  private csrf: string | null = null;
  userId = '';
  secret = '';
  readonly address = `0x${randomBytes(20).toString('hex')}`;
  private keys = 0;

  constructor(
    private readonly e2e: E2E,
    readonly request: APIRequestContext,
    readonly email: string,
  ) {}

  async call(method: string, path: string, data?: unknown, headers: Record<string, string> = {}) {
    const res = await this.request.fetch(path, {
      method,
      ...(data !== undefined ? { data } : {}),
      headers: { ...headers, ...(this.csrf && method !== 'GET' ? { 'X-CSRF-Token': this.csrf } : {}) },
    });
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    if (body?.session?.csrfToken) this.csrf = body.session.csrfToken;
    return { status: res.status(), body };
  }

  async ok(method: string, path: string, data?: unknown, headers: Record<string, string> = {}) {
    const r = await this.call(method, path, data, headers);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBeLessThan(300);
    return r.body;
  }

  async stepUp() {
    this.e2e.clock.nextTotpStep();
    await this.ok('POST', '/v1/auth/step-up', { method: 'totp', code: this.e2e.totp(this.secret) });
  }

  /** Requests an ETH withdrawal to the customer's own address (with a fresh step-up). */
  async withdraw(amount: bigint): Promise<HeldWithdrawal> {
    await this.stepUp();
    return this.ok(
      'POST',
      '/v1/withdrawals',
      { asset: 'ETH', address: this.address, amount: amount.toString() },
      { 'Idempotency-Key': `e2e-admin-${this.userId}-${++this.keys}` },
    );
  }

  /** What the withdraw form would say now (the kill switches among the problems). */
  async previewProblems(): Promise<string[]> {
    const p = await this.ok('POST', '/v1/withdrawals/preview', {
      asset: 'ETH',
      address: this.address,
      amount: ETH.toString(),
    });
    return (p.problems as { code: string }[]).map((x) => x.code);
  }

  withdrawal(id: string) {
    return this.ok('GET', `/v1/withdrawals/${id}`);
  }

  /** Opens the newest withdrawal email's link: the customer's own confirmation. */
  async confirmByEmail() {
    const token = new URL(await this.e2e.link(this.email, '/confirm-withdrawal')).searchParams.get('token');
    return this.ok('POST', '/v1/auth/withdrawal-confirmation', { token });
  }
}

const tokenOf = async (e2e: E2E, email: string, linkPath: string) =>
  new URL(await e2e.link(email, linkPath)).searchParams.get('token');

/** See Customer. Moves the server's clock 26 hours on: sign staff in after this. */
export async function riskyCustomer(e2e: E2E, funds = 100n * ETH): Promise<Customer> {
  const context = await e2e.newContext();
  const u = new Customer(e2e, context.request, newEmail('held'));
  await u.ok('POST', '/v1/auth/register', { email: u.email, password: PASSWORD });
  await u.ok('POST', '/v1/auth/verify-email', { token: await tokenOf(e2e, u.email, '/verify-email') });
  const signedIn = await u.ok('POST', '/v1/auth/sign-in', { email: u.email, password: PASSWORD });
  expect(signedIn.status).toBe('signed_in');
  u.userId = (await u.ok('GET', '/v1/me')).id;

  await u.ok('POST', '/v1/auth/step-up', { method: 'password', password: PASSWORD });
  u.secret = (await u.ok('POST', '/v1/me/totp/setup')).secret;
  e2e.clock.nextTotpStep();
  await u.ok('POST', '/v1/me/totp/confirm', { code: e2e.totp(u.secret) });

  await creditDeposit(
    e2e.deps,
    { credentialId: 'e2e', name: 'e2e platform', scopes: ['deposits'] },
    {
      userId: u.userId,
      asset: 'ETH',
      amount: funds,
      network: 'ethereum',
      txId: `0xe2eadmin${u.userId.replace(/-/g, '')}`,
      outputIndex: 0,
    },
  );

  await u.stepUp();
  await u.ok('POST', '/v1/withdrawals/addresses', { asset: 'ETH', address: u.address, label: 'Own wallet' });
  await u.ok('POST', '/v1/auth/address-confirmation', {
    token: await tokenOf(e2e, u.email, '/confirm-address'),
  });

  // A day later: the address is usable and the freeze after the TOTP enrolment is over, but both
  // are recent enough to count as risk signals.
  e2e.clock.advance(26 * HOUR);
  const first = await u.ok('POST', '/v1/auth/sign-in', { email: u.email, password: PASSWORD });
  expect(first.status).toBe('second_factor_required');
  e2e.clock.nextTotpStep();
  const second = await u.ok('POST', '/v1/auth/sign-in/factor', {
    challengeToken: first.challengeToken,
    method: 'totp',
    code: e2e.totp(u.secret),
  });
  expect(second.status).toBe('signed_in');
  return u;
}
