import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLedger } from '../../src/services/ledger/ledger-check.js';
import { useHarness } from '../fixtures/harness.js';
import { confirmByEmail, settledCustomer, withdraw } from '../fixtures/withdrawals.js';

/**
 * Real Custos processes (`custos serve`, with their withdrawal workers) on one PostgreSQL schema:
 * the guarantees of SPEC S3 that no single process can show. PostgreSQL only: an embedded
 * database belongs to one process by design.
 */
const h = useHarness({ DEFAULT_TIER: 'basic' });
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

function startNode(env: Record<string, string>): ChildProcess {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.searchParams.set('options', `-c search_path=${h.deps.database.schema}`);
  const child = spawn(process.execPath, [path.resolve('bin/custos.mjs'), 'serve'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: url.toString(),
      DATA_DIR: h.deps.config.DATA_DIR,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      WITHDRAWAL_WORKER_INTERVAL_MS: '50',
      SIM_CHAIN_CONFIRM_SECONDS: '1',
      ARGON2_MEMORY_KIB: '1024',
      ARGON2_TIME_COST: '1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => process.stderr.write(`[custos ${child.pid}] ${d}`));
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `n` confirmed, queued withdrawals from customers of their own. */
async function queuedWithdrawals(n: number, perCustomer = 5): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < n) {
    const u = await settledCustomer(h);
    for (let i = 0; i < perCustomer && ids.length < n; i++) {
      const r = await withdraw(u, { asset: 'ETH', address: u.address, amount: '10000000000000000' });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect((await confirmByEmail(h, u)).body.state).toBe('queued');
      ids.push(r.body.id);
    }
  }
  return ids;
}

const statesOf = (ids: string[]) =>
  h.deps.db.selectFrom('withdrawals').select(['id', 'state', 'hold_id']).where('id', 'in', ids).execute();

async function callsPer(ids: string[]) {
  const rows = await h.deps.db
    .selectFrom('sim_chain_calls')
    .select(['withdrawal_id', sql<string>`count(*)`.as('n')])
    .where('withdrawal_id', 'in', ids)
    .groupBy('withdrawal_id')
    .execute();
  return new Map(rows.map((r) => [r.withdrawal_id, Number(r.n)]));
}

/** How many of these withdrawals the simulated chain holds a transaction for. */
async function chainTransactions(ids: string[]) {
  const txs = await h.deps.db
    .selectFrom('sim_chain_transactions')
    .select('withdrawal_id')
    .where('withdrawal_id', 'in', ids)
    .execute();
  return txs.length;
}

const allConfirmed = async (ids: string[]) => (await statesOf(ids)).every((w) => w.state === 'confirmed');

describe('broadcast exactly once across processes (SPEC S3)', () => {
  it('two Custos processes on one PostgreSQL racing the same withdrawals broadcast each exactly once', async () => {
    const ids = await queuedWithdrawals(40);
    const a = startNode({});
    const b = startNode({});
    await until('every withdrawal confirmed', () => allConfirmed(ids));
    await Promise.all([stop(a, 'SIGTERM'), stop(b, 'SIGTERM')]);
    const calls = await callsPer(ids);
    expect([...calls.values()].filter((n) => n !== 1)).toEqual([]);
    expect(calls.size).toBe(ids.length);
    expect(await chainTransactions(ids)).toBe(ids.length);
    const nodes = await h.deps.db
      .selectFrom('sim_chain_calls')
      .select('node')
      .where('withdrawal_id', 'in', ids)
      .distinct()
      .execute();
    console.log(
      `two processes: ${ids.length} withdrawals, ${nodes.length} node(s) broadcast, every one exactly once`,
    );
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });

  it('a process killed (SIGKILL) between hold and broadcast, then restarted, neither loses the hold nor broadcasts twice', async () => {
    const ids = await queuedWithdrawals(6, 3);
    // The simulated chain accepts, then answers 5 s later: the worst moment to die.
    const slow = startNode({ SIM_CHAIN_LATENCY_MS: '5000', BROADCAST_LEASE_SECONDS: '2' });
    const inFlight = await until('a withdrawal in flight', async () => {
      const rows = await statesOf(ids);
      const w = rows.find((r) => r.state === 'broadcasting');
      if (!w) return null;
      return (await callsPer([w.id])).get(w.id) === 1 ? w.id : null;
    });
    await stop(slow, 'SIGKILL');

    const afterKill = await statesOf(ids);
    expect(afterKill.find((w) => w.id === inFlight)!.state).toBe('broadcasting');
    expect(afterKill.filter((w) => w.state === 'queued')).toHaveLength(ids.length - 1);
    const holds = await h.deps.db
      .selectFrom('ledger_holds')
      .select('status')
      .where(
        'id',
        'in',
        afterKill.map((w) => w.hold_id!),
      )
      .execute();
    expect(holds.every((x) => x.status === 'active')).toBe(true);

    const restarted = startNode({ BROADCAST_LEASE_SECONDS: '2' });
    await until('every withdrawal confirmed after the restart', () => allConfirmed(ids));
    await stop(restarted, 'SIGTERM');
    const calls = await callsPer(ids);
    // The restarted node found the killed node's broadcast on the chain and did not send it again.
    expect(ids.map((id) => calls.get(id))).toEqual(ids.map(() => 1));
    expect(await chainTransactions(ids)).toBe(ids.length);
    const settled = await h.deps.db
      .selectFrom('ledger_holds')
      .select('status')
      .where(
        'id',
        'in',
        afterKill.map((w) => w.hold_id!),
      )
      .execute();
    expect(settled.every((x) => x.status === 'settled')).toBe(true);
    const events = await h.deps.db
      .selectFrom('withdrawal_events')
      .select(['to_state'])
      .where('withdrawal_id', '=', inFlight)
      .orderBy('id')
      .execute();
    expect(events.map((e) => e.to_state)).toEqual([
      'awaiting_confirmation',
      'queued',
      'broadcasting',
      'broadcast',
      'confirmed',
    ]);
    expect((await checkLedger(h.deps)).ok).toBe(true);
  });
});
