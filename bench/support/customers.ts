import { randomBytes } from 'node:crypto';
import type { Clock } from '../../src/deps.js';
import { totpCodeAt, totpStep } from '../../src/domain/identity/totp.js';
import { creditDeposit } from '../../src/services/ledger/platform-operations.js';
import { drainOutbox } from '../../src/services/notifications/outbox-worker.js';
import { appHeaders, BENCH_PASSWORD, type BenchUser, call, expectOk, pool, type System } from './system.js';

/**
 * Customers for the withdrawal and ledger benchmark, prepared the way the integration tests
 * prepare them (test/fixtures/withdrawals.ts): signed up and verified through the API, TOTP
 * enrolled, funded by a deposit credited through the ledger (what the platform's integration API
 * does), an address added and confirmed from its email, then the node's clock moved on days
 * (past the withdrawal freeze after enrolling TOTP, the address's activation delay and the risk
 * engine's new-address, new-device and recent-security-change windows) and signed in again with
 * password and TOTP, which opens a session with a fresh step-up.
 */

/** The node's clock: the system clock plus an offset the benchmark moves forward. */
export class BenchClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advanceHours(hours: number): void {
    this.offsetMs += hours * 3_600_000;
  }
  get offsetHours(): number {
    return this.offsetMs / 3_600_000;
  }
}

export interface Customer extends BenchUser {
  userId: string;
}

const TEST_SERVICE = { credentialId: 'bench', name: 'benchmark platform', scopes: ['deposits'] };
let deposits = 0;

/** Adds each user's id (read from the database by email). */
export async function withIds(sys: System, users: BenchUser[]): Promise<Customer[]> {
  const rows = await sys.deps.db
    .selectFrom('users')
    .select(['id', 'email'])
    .where(
      'email',
      'in',
      users.map((u) => u.email),
    )
    .execute();
  const ids = new Map(rows.map((r) => [r.email, r.id]));
  return users.map((u) => {
    const userId = ids.get(u.email);
    if (!userId) throw new Error(`no user row for ${u.email}`);
    return Object.assign(u, { userId });
  });
}

/** Credits a deposit to each user's main account, through the ledger (one transaction each). */
export async function fund(sys: System, users: Customer[], asset: string, amount: bigint): Promise<void> {
  const network = sys.deps.config.assets.find((a) => a.symbol === asset)!.network;
  const run = randomBytes(4).toString('hex');
  await pool(users, 8, async (u) => {
    await creditDeposit(sys.deps, TEST_SERVICE, {
      userId: u.userId,
      asset,
      amount,
      network,
      txId: `0xbenchfund${run}x${++deposits}`,
      outputIndex: 0,
    });
  });
}

export const authHeaders = (u: BenchUser, extra: Record<string, string> = {}) =>
  appHeaders(u.ip, { 'X-Custos-Device': u.deviceToken, Authorization: `Bearer ${u.sessionToken}`, ...extra });

/** A TOTP code for the node's clock, in a step the user has not used yet (waits for the next step if needed). */
async function freshCode(u: BenchUser, clock: Clock): Promise<string> {
  for (;;) {
    const at = clock.now().getTime();
    if (totpStep(at) > (u.lastStep ?? -1)) {
      u.lastStep = totpStep(at);
      return totpCodeAt(u.totpSecret!, at);
    }
    await new Promise((r) => setTimeout(r, 30_000 - (at % 30_000) + 50));
  }
}

/** A second factor now (TOTP): rotates the session token. */
async function stepUp(sys: System, u: BenchUser, clock: Clock): Promise<void> {
  const r = await call(sys.url, 'POST', '/v1/auth/step-up', authHeaders(u), {
    method: 'totp',
    code: await freshCode(u, clock),
  });
  expectOk('step-up', r, (b) => typeof b.session?.token === 'string');
  u.sessionToken = r.body.session.token;
}

const CONFIRM_LINK = /\/confirm-address\?token=([A-Za-z0-9_-]+)/;

/**
 * Adds `addressOf(u)` to each user's address book (stepping up with TOTP first if the session's
 * step-up is not fresh), then confirms it from the email, as its owner would.
 */
export async function addConfirmedAddresses(
  sys: System,
  users: Customer[],
  asset: string,
  addressOf: (u: Customer) => string,
  clock: Clock,
): Promise<void> {
  await pool(users, 8, async (u) => {
    const body = { asset, address: addressOf(u), label: 'Own wallet' };
    let r = await call(sys.url, 'POST', '/v1/withdrawals/addresses', authHeaders(u), body);
    if (r.status !== 200 && r.body?.error?.code === 'STEP_UP_REQUIRED') {
      await stepUp(sys, u, clock);
      r = await call(sys.url, 'POST', '/v1/withdrawals/addresses', authHeaders(u), body);
    }
    expectOk('add address', r, (b) => typeof b.id === 'string');
  });
  await drainOutbox(sys.deps);
  const mails = await sys.deps.db
    .selectFrom('dev_mailbox')
    .select(['to_address', 'text_body'])
    .where(
      'to_address',
      'in',
      users.map((u) => u.email),
    )
    .where('subject', '=', 'Confirm a new withdrawal address')
    .execute();
  const tokens = new Map<string, string>();
  for (const m of mails) {
    const match = CONFIRM_LINK.exec(m.text_body);
    if (match) tokens.set(m.to_address, match[1]!);
  }
  await pool(users, 8, async (u) => {
    const token = tokens.get(u.email);
    if (!token) throw new Error(`no address confirmation email for ${u.email}`);
    const r = await call(sys.url, 'POST', '/v1/auth/address-confirmation', appHeaders(u.ip), { token });
    expectOk('address confirmation', r, (b) => b.status !== 'awaiting_confirmation');
  });
}

/** Signs each user in again (password, then TOTP at the node's clock) on its approved device. */
export async function signInAgain(sys: System, users: Customer[], clock: Clock): Promise<void> {
  await pool(users, 8, async (u) => {
    const device = { 'X-Custos-Device': u.deviceToken };
    const s1 = await call(sys.url, 'POST', '/v1/auth/sign-in', appHeaders(u.ip, device), {
      email: u.email,
      password: BENCH_PASSWORD,
    });
    expectOk('sign-in', s1, (b) => b.status === 'second_factor_required');
    const s2 = await call(sys.url, 'POST', '/v1/auth/sign-in/factor', appHeaders(u.ip, device), {
      challengeToken: s1.body.challengeToken,
      method: 'totp',
      code: await freshCode(u, clock),
    });
    expectOk('sign-in factor', s2, (b) => b.status === 'signed_in' && typeof b.session?.token === 'string');
    u.sessionToken = s2.body.session.token;
  });
}

/** Each user's main account id and a new sub-account (POST /v1/ledger/accounts, with an Idempotency-Key). */
export async function mainAndSubAccounts(
  sys: System,
  users: Customer[],
): Promise<Array<{ main: string; sub: string }>> {
  return pool(users, 8, async (u, i) => {
    const created = await call(
      sys.url,
      'POST',
      '/v1/ledger/accounts',
      authHeaders(u, { 'Idempotency-Key': `bench-sub-${i}-${randomBytes(4).toString('hex')}` }),
      { name: 'Bench sub-account' },
    );
    if (created.status !== 201)
      throw new Error(`create sub-account: ${created.status} ${JSON.stringify(created.body)}`);
    const list = await call(sys.url, 'GET', '/v1/ledger/accounts', authHeaders(u));
    expectOk('list accounts', list);
    const main = (list.body.items as Array<{ id: string; main: boolean }>).find((a) => a.main);
    if (!main) throw new Error(`no main account for ${u.email}`);
    return { main: main.id, sub: created.body.id as string };
  });
}

/** An Ethereum address of its own for each customer: a destination shared by accounts is a risk signal. */
export const randomEthAddress = () => `0x${randomBytes(20).toString('hex')}`;
