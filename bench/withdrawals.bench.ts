/**
 * `npm run bench:withdrawals` — the withdrawal decision and ledger transfers, measured against a
 * real Custos node.
 *
 * For PostgreSQL (a fresh schema, dropped afterwards) and PGlite (the embedded default, in a temp
 * DATA_DIR), one in-process Custos node serves HTTP on 127.0.0.1 (bench/support/system.ts), with
 * customers prepared through the API as the integration tests prepare them
 * (bench/support/customers.ts). The load comes from a child process (bench/support/ledger-loadgen.ts):
 *   1. the withdrawal decision POST /v1/withdrawals (policy, 7 risk rules, ledger hold, commit) at a
 *      constant arrival rate (open loop, default 200 requests/s), warm-up then 30 s measured, each
 *      latency counted from the time the request was due; target p99 < 25 ms, and more than 1% of
 *      answers other than 201 makes the run invalid (and the command fail);
 *   2. ledger transfers POST /v1/ledger/transfers between each user's main and sub-account, closed
 *      loop at 32 and 64 in flight spread over many users (target ≥ 2,000 committed/s), then all on
 *      one user (hot rows, secondary); then the withdrawal decision in a closed loop at 32 in flight
 *      (its capacity, secondary);
 *   3. diagnostics, not measured figures: the statements behind one request of each kind (one at a
 *      time), and V8 CPU profiles of the server during a withdrawal run and a transfer run.
 * During each measured run: the CPU split between the server, PostgreSQL, the load generator and
 * the rest of the machine, and (PostgreSQL) samples of what the node's connections were doing.
 * Results: tables on stdout, bench/results/withdrawals-<date>.json and a section of
 * bench/results/withdrawals.md.
 *
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * BENCH_DBS (default "postgres,pglite"), BENCH_WITHDRAWAL_RATE (default 200),
 * BENCH_WITHDRAWAL_USERS (default 400), BENCH_TRANSFER_USERS (default 256),
 * BENCH_TRANSFER_CONCURRENCY (default "32,64"), BENCH_DIAGNOSTICS=0 to skip the probes and
 * profiles, BENCH_QUICK=1 for a short smoke run (its results go to the temp directory).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chainAuditEvents } from '../src/services/audit/chain-events.js';
import { AUDIT_CHAIN_INTERVAL_MS, type ChainerStats, startAuditChainer } from './support/audit-chainer.js';
import { runJob } from './support/child.js';
import {
  addConfirmedAddresses,
  authHeaders,
  BenchClock,
  type Customer,
  fund,
  mainAndSubAccounts,
  randomEthAddress,
  signInAgain,
  withIds,
} from './support/customers.js';
import type {
  ClosedLoopJob,
  LedgerJob,
  LoadResult,
  OpenLoopJob,
  PostClient,
} from './support/ledger-loadgen.js';
import { type HotRowFigures, measureHotRow } from './support/hot-row.js';
import {
  type ActivitySummary,
  backendPercent,
  backendTicks,
  startActivitySampler,
} from './support/pg-activity.js';
import {
  type CpuFigures,
  type CpuReading,
  cpuBetween,
  cpuReading,
  probeQueries,
  type QueryProbe,
} from './support/probe.js';
import { type ProfileSummary, profileDuring } from './support/profile.js';
import { type QuietCheck, waitForQuiet } from './support/quiet.js';
import { createUsers, type DbKind, type System, startSystem } from './support/system.js';
import { machine, round, saveResults, sourceState } from './support/environment.js';

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const LOADGEN = fileURLToPath(new URL('./support/ledger-loadgen.ts', import.meta.url));
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DBS = (process.env.BENCH_DBS ?? 'postgres,pglite').split(',').map((s) => s.trim()) as DbKind[];
const QUICK = process.env.BENCH_QUICK === '1';
/** Before each measured run, wait up to this long for the rest of the machine to be quiet. */
const QUIET_WAIT_S = Number(process.env.BENCH_QUIET_WAIT_S ?? (QUICK ? 0 : 600));
const DIAGNOSTICS = process.env.BENCH_DIAGNOSTICS !== '0';
const CORES = os.cpus().length;
const positiveInt = (name: string, fallback: number) => {
  const v = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
};

const PLAN = {
  withdrawal: {
    ratePerSecond: positiveInt('BENCH_WITHDRAWAL_RATE', 200),
    users: positiveInt('BENCH_WITHDRAWAL_USERS', QUICK ? 60 : 400),
    warmupS: QUICK ? 2 : 5,
    durationS: QUICK ? 4 : 30,
    asset: 'ETH',
    /** 0.01 ETH (the fee, 0.001 ETH, is held with it). */
    amount: 10n ** 16n,
    /** 100 ETH per customer. */
    funding: 100n * 10n ** 18n,
    /** Secondary open-loop runs at lower rates: where the latency target is met, if anywhere. */
    sweepRates: (process.env.BENCH_WITHDRAWAL_SWEEP ?? '50,100')
      .split(',')
      .filter((s) => s.trim() !== '')
      .map((s) => {
        const n = Number(s.trim());
        if (!Number.isInteger(n) || n < 1) throw new Error('BENCH_WITHDRAWAL_SWEEP: positive integers');
        return n;
      }),
    sweepWarmupS: QUICK ? 1 : 3,
    sweepDurationS: QUICK ? 3 : 15,
    /** The secondary closed-loop run (capacity). */
    capacityConcurrency: 32,
    capacityWarmupS: QUICK ? 1 : 2,
    capacityDurationS: QUICK ? 3 : 10,
  },
  transfer: {
    users: positiveInt('BENCH_TRANSFER_USERS', QUICK ? 40 : 256),
    concurrencies: (process.env.BENCH_TRANSFER_CONCURRENCY ?? '32,64').split(',').map((s) => {
      const n = Number(s.trim());
      if (!Number.isInteger(n) || n < 1) throw new Error('BENCH_TRANSFER_CONCURRENCY: positive integers');
      return n;
    }),
    hotConcurrency: 32,
    warmupS: QUICK ? 1 : 3,
    durationS: QUICK ? 3 : 15,
    asset: 'USDC',
    /** One smallest unit (0.000001 USDC) per transfer, main → sub-account. */
    amount: '1',
    /** 1,000,000 USDC per customer. */
    funding: 10n ** 12n,
  },
  diagnostics: {
    probeRequests: QUICK ? 10 : 50,
    profileS: QUICK ? 3 : 10,
    hotRowConcurrency: 32,
    hotRowS: QUICK ? 2 : 5,
  },
  /** How far the node's clock moves after the addresses were confirmed (as settledCustomer does: 8 days). */
  clockAdvanceHours: 8 * 24,
  /** Long enough that an overloaded server's backlog is still answered (its latency counts). */
  requestTimeoutMs: 120_000,
} as const;

/**
 * What the bench node changes from benchEnv's settings (system.ts), and why. The clock moves on
 * 8 days instead of shortening ADDRESS_ACTIVATION_HOURS or SECURITY_CHANGE_FREEZE_HOURS, so those
 * keep their production defaults (24 h each).
 */
const NODE_SETTINGS = {
  STEP_UP_MINUTES: '60',
  DEFAULT_TIER: 'full',
  WITHDRAWAL_WORKER: 'false',
} as const;
const SETTING_REASONS: Record<keyof typeof NODE_SETTINGS, string> = {
  STEP_UP_MINUTES:
    'default 5: the customers step up once (at their sign-in) before the runs, which with setup can take longer than 5 minutes; a stale step-up would be refused (403), not decided',
  DEFAULT_TIER:
    "default unverified (0.6 ETH a day): the 'full' tier's limits (3,000 ETH a day) so that no request is refused by its tier limit",
  WITHDRAWAL_WORKER:
    'the worker that sends queued withdrawals is not started by the in-process node in any case (only `custos serve` starts it); said explicitly',
};

const TARGETS = {
  decisionP99Ms: 25,
  decisionRate: PLAN.withdrawal.ratePerSecond,
  /** More answers than this share other than 201 make a decision run invalid. */
  maxNon201Share: 0.01,
  transfersPerSecond: 2000,
  /** Tazama's published target: 35 ms per transaction for 31 rules. Published, not measured here. */
  tazama: 'Tazama targets 35 ms per transaction for 31 rules',
  custosRules: 7,
} as const;

/** A phase during which other processes used more CPU than this (% of a core) is marked disturbed. */
const NOISE_LIMIT_PERCENT = 20;
/** pg_stat_activity sampling period during measured runs (each sample costs PostgreSQL some CPU). */
const SAMPLE_EVERY_MS = 100;
/** A disturbed measured run is repeated at most this many times. */
const MAX_REPEATS = Number(process.env.BENCH_REPEATS ?? (QUICK ? 0 : 2));
/** A measured run starts once the rest of the machine uses less than this (% of a core) for 2 s. */
const QUIET_LIMIT_PERCENT = 15;

interface CpuSplit {
  server: number;
  postgres: number | null;
  loadgen: number;
  other: number | null;
  machine: number | null;
}

interface Phase extends LoadResult {
  /** Earlier attempts discarded because other processes disturbed them (see measured()). */
  discardedAttempts: Array<{ otherPercent: number | null }>;
  /** What the node's audit sealer did during the run (warm-up included), and the events left unsealed right after. */
  auditChain: ChainerStats & { backlogAfter: number };
  label: string;
  cpu: CpuFigures;
  /** µs of CPU per answered request. */
  cpuMicrosPerRequest: CpuSplit;
  /** The node's own PostgreSQL backends during the phase, % of a core (null: PGlite). */
  nodePostgresPercent: number | null;
  /** Other processes' CPU during the phase, % of a core (noise; other PostgreSQL work included). */
  otherPercent: number | null;
  loadAverageBefore: number[];
  /** The wait for a quiet machine before the run. */
  quietBefore: QuietCheck;
  activity: ActivitySummary | null;
  /** Rows the phase committed (counted in the database) = 201 answers, warm-up included. */
  committedRows: number;
  committedMatches: boolean;
}

interface DbFigures {
  kind: DbKind;
  databasePoolSize: number;
  setup: { withdrawalUsers: number; transferUsers: number; seconds: number; clockOffsetHours: number };
  decision: Phase;
  transfers: Phase[];
  hot: Phase;
  decisionCapacity: Phase;
  /** The same open loop at lower rates (secondary). */
  decisionSweep: Phase[];
  /** Sealing: one run of the sealer over the events the probe's requests appended. */
  probes: { withdrawal: QueryProbe; transfer: QueryProbe; sealing: QueryProbe & { events: number } } | null;
  /** PostgreSQL alone: one row updated until the commit by every transaction vs a row each. */
  hotRow: HotRowFigures | null;
  profiles: {
    withdrawal: ProfileSummary & { okPerSecond: number };
    transfer: ProfileSummary & { okPerSecond: number };
  } | null;
}

const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);

function cpuSplit(
  c: CpuFigures,
  postgresPercent: number | null,
  loadgenPercent: number,
  perSecond: number,
): CpuSplit {
  const per = (percent: number) => round((percent / 100 / Math.max(perSecond, 1e-9)) * 1e6, 0);
  const server = per(c.serverProcessPercent);
  const postgres = postgresPercent === null ? null : per(postgresPercent);
  const loadgen = per(loadgenPercent);
  const machine = c.machinePercent === null ? null : per(c.machinePercent);
  const other = machine === null ? null : Math.max(0, machine - server - (postgres ?? 0) - loadgen);
  return { server, postgres, loadgen, other, machine };
}

/** A unique application_name for the node's PostgreSQL connections, so the sampler sees only them. */
function withApplicationName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}

async function countRows(sys: System, what: 'withdrawals' | 'transfers'): Promise<number> {
  const q =
    what === 'withdrawals'
      ? sys.deps.db.selectFrom('withdrawals').select((eb) => eb.fn.countAll<string>().as('n'))
      : sys.deps.db
          .selectFrom('ledger_transactions')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('kind', '=', 'transfer');
  return Number((await q.executeTakeFirstOrThrow()).n);
}

async function benchDatabase(kind: DbKind): Promise<DbFigures> {
  const clock = new BenchClock();
  const appName = `custos_bench_${randomBytes(4).toString('hex')}`;
  const url = withApplicationName(POSTGRES_URL, appName);
  log(
    `${kind}: starting Custos (${Object.entries(NODE_SETTINGS)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')})`,
  );
  const sys = await startSystem(kind, url, { env: { ...NODE_SETTINGS }, clock });
  // The audit sealer runs in every serving node (custos serve); it runs in this one too, so that
  // sealing the events the requests append is part of what is measured.
  const chainer = startAuditChainer(sys.deps);
  try {
    const t0 = performance.now();
    const W = PLAN.withdrawal;
    const T = PLAN.transfer;

    log(
      `${kind}: ${W.users} withdrawal customers: sign-up, TOTP, ${W.asset} deposit, address added and confirmed`,
    );
    const wdUsers = await withIds(
      sys,
      await createUsers(sys, W.users, { totp: true, label: 'wd', ipOffset: 0 }),
    );
    await fund(sys, wdUsers, W.asset, W.funding);
    const addresses = new Map(wdUsers.map((u) => [u.userId, randomEthAddress()]));
    await addConfirmedAddresses(sys, wdUsers, W.asset, (u) => addresses.get(u.userId)!, clock);
    clock.advanceHours(PLAN.clockAdvanceHours);
    log(
      `${kind}: node clock moved ${PLAN.clockAdvanceHours} h on; signing the customers in again (password + TOTP)`,
    );
    await signInAgain(sys, wdUsers, clock);

    log(`${kind}: ${T.users} transfer customers: sign-up, ${T.asset} deposit, one sub-account each`);
    const txUsers = await withIds(
      sys,
      await createUsers(sys, T.users, { totp: false, label: 'tx', ipOffset: 20_000 }),
    );
    await fund(sys, txUsers, T.asset, T.funding);
    const txAccounts = await mainAndSubAccounts(sys, txUsers);
    const setupSeconds = round((performance.now() - t0) / 1000, 1);
    log(`${kind}: customers ready in ${setupSeconds} s`);

    const wdClients = (users: Customer[]): PostClient[] =>
      users.map((u) => ({
        token: u.sessionToken,
        deviceToken: u.deviceToken,
        ip: u.ip,
        body: { asset: W.asset, address: addresses.get(u.userId)!, amount: W.amount.toString() },
      }));
    const txClients = (idx: number[]): PostClient[] =>
      idx.map((i) => ({
        token: txUsers[i]!.sessionToken,
        deviceToken: txUsers[i]!.deviceToken,
        ip: txUsers[i]!.ip,
        body: {
          fromAccountId: txAccounts[i]!.main,
          toAccountId: txAccounts[i]!.sub,
          asset: T.asset,
          amount: T.amount,
        },
      }));
    const allTx = txUsers.map((_, i) => i);
    let runNo = 0;
    const keyPrefix = () => `bench-${kind}-${++runNo}-${randomBytes(3).toString('hex')}`;

    const measureOnce = async (
      label: string,
      job: LedgerJob,
      rows: 'withdrawals' | 'transfers',
    ): Promise<Phase> => {
      const quietBefore = await waitForQuiet(
        { limitPercent: QUIET_LIMIT_PERCENT, windowS: 2, maxWaitS: QUIET_WAIT_S },
        (other) =>
          log(
            `${kind}: other processes use ${other}% of a core: waiting for a quiet machine before "${label}"`,
          ),
      );
      if (!quietBefore.quiet)
        log(`${kind}: the machine did not become quiet in ${QUIET_WAIT_S} s: measuring anyway`);
      const loadAverageBefore = os.loadavg().map((x) => round(x, 2));
      const before = await countRows(sys, rows);
      chainer.take();
      let start: CpuReading | undefined;
      let sampler: ReturnType<typeof startActivitySampler> | null = null;
      let backendsStart: Promise<Map<number, number>> | null = null;
      const r = await runJob<LedgerJob, LoadResult>(LOADGEN, job, () => {
        start = cpuReading();
        if (kind === 'postgres') {
          backendsStart = backendTicks(POSTGRES_URL, appName);
          sampler = startActivitySampler(POSTGRES_URL, appName, SAMPLE_EVERY_MS);
        }
      });
      const end = cpuReading();
      const backendsEnd = backendsStart ? await backendTicks(POSTGRES_URL, appName) : null;
      const activity = sampler ? await (sampler as ReturnType<typeof startActivitySampler>).stop() : null;
      const cpu = cpuBetween(start ?? end, end);
      const committedRows = (await countRows(sys, rows)) - before;
      const auditChain = { ...chainer.take(), backlogAfter: await chainer.backlog() };
      const nodePostgresPercent =
        backendsStart && backendsEnd ? backendPercent(await backendsStart, backendsEnd, cpu.wallS) : null;
      const split = cpuSplit(cpu, nodePostgresPercent, r.loadgenCpuPercent, r.answeredPerSecond);
      const otherPercent =
        cpu.machinePercent === null
          ? null
          : round(
              Math.max(
                0,
                cpu.machinePercent -
                  cpu.serverProcessPercent -
                  (nodePostgresPercent ?? 0) -
                  r.loadgenCpuPercent,
              ),
              1,
            );
      const phase: Phase = {
        ...r,
        label,
        cpu,
        cpuMicrosPerRequest: split,
        nodePostgresPercent,
        otherPercent,
        loadAverageBefore,
        quietBefore,
        activity,
        committedRows,
        committedMatches: committedRows === r.ok + r.warmupOk,
        auditChain,
        discardedAttempts: [],
      };
      log(
        `${kind}: ${label}: ${r.okPerSecond} × 201/s, p50 ${ms(r.latencyMs.p50)} ms, p99 ${ms(r.latencyMs.p99)} ms, max ${ms(r.latencyMs.max)} ms; ` +
          `${r.unexpected} non-201, ${r.errors + r.timeouts} errors; machine ${cpu.machinePercent}% (other ${otherPercent}%)`,
      );
      // Let anything the server still has queued finish before the next phase.
      await new Promise((res) => setTimeout(res, 500));
      return phase;
    };

    /**
     * One measured run; on this shared machine, a run during which other processes used more
     * than NOISE_LIMIT_PERCENT of a core is repeated (after waiting for quiet again), up to
     * MAX_REPEATS times, and the least disturbed attempt is kept. A new job each time: the
     * Idempotency-Keys must not repeat.
     */
    const measured = async (
      label: string,
      job: () => LedgerJob,
      rows: 'withdrawals' | 'transfers',
    ): Promise<Phase> => {
      const attempts: Phase[] = [];
      for (;;) {
        const p = await measureOnce(label, job(), rows);
        attempts.push(p);
        if ((p.otherPercent ?? 0) <= NOISE_LIMIT_PERCENT || attempts.length > MAX_REPEATS) break;
        log(
          `${kind}: ${label}: other processes used ${p.otherPercent}% of a core meanwhile: measuring again`,
        );
      }
      const best = attempts.reduce((a, b) => ((b.otherPercent ?? 0) < (a.otherPercent ?? 0) ? b : a));
      return {
        ...best,
        discardedAttempts: attempts.filter((a) => a !== best).map((a) => ({ otherPercent: a.otherPercent })),
      };
    };

    const decisionJob = (rate: number, warmupS: number, durationS: number): OpenLoopJob => ({
      kind: 'open-loop',
      url: sys.url,
      path: '/v1/withdrawals',
      clients: wdClients(wdUsers),
      keyPrefix: keyPrefix(),
      warmupS,
      durationS,
      expectStatus: 201,
      countField: 'state',
      timeoutMs: PLAN.requestTimeoutMs,
      ratePerSecond: rate,
    });
    const transferJob = (
      concurrency: number,
      idx: number[],
      warmupS: number,
      durationS: number,
    ): ClosedLoopJob => ({
      kind: 'closed-loop',
      url: sys.url,
      path: '/v1/ledger/transfers',
      clients: txClients(idx),
      keyPrefix: keyPrefix(),
      warmupS,
      durationS,
      expectStatus: 201,
      timeoutMs: PLAN.requestTimeoutMs,
      concurrency,
    });

    log(
      `${kind}: withdrawal decision, open loop ${W.ratePerSecond}/s over ${W.users} customers, ${W.warmupS} s warm-up + ${W.durationS} s`,
    );
    const decision = await measured(
      `withdrawal decision, open loop ${W.ratePerSecond}/s`,
      () => decisionJob(W.ratePerSecond, W.warmupS, W.durationS),
      'withdrawals',
    );

    const decisionSweep: Phase[] = [];
    for (const rate of W.sweepRates) {
      log(
        `${kind}: withdrawal decision, open loop ${rate}/s (secondary), ${W.sweepWarmupS} s warm-up + ${W.sweepDurationS} s`,
      );
      decisionSweep.push(
        await measured(
          `withdrawal decision, open loop ${rate}/s`,
          () => decisionJob(rate, W.sweepWarmupS, W.sweepDurationS),
          'withdrawals',
        ),
      );
    }

    const transfers: Phase[] = [];
    for (const c of T.concurrencies) {
      log(
        `${kind}: transfers, closed loop ${c} in flight over ${T.users} customers, ${T.warmupS} s warm-up + ${T.durationS} s`,
      );
      transfers.push(
        await measured(
          `transfers, ${c} in flight, ${T.users} customers`,
          () => transferJob(c, allTx, T.warmupS, T.durationS),
          'transfers',
        ),
      );
    }
    log(`${kind}: transfers, closed loop ${T.hotConcurrency} in flight, all on one customer (hot rows)`);
    const hot = await measured(
      `transfers, ${T.hotConcurrency} in flight, one customer (hot rows)`,
      () => transferJob(T.hotConcurrency, [0], T.warmupS, T.durationS),
      'transfers',
    );

    log(`${kind}: withdrawal decision, closed loop ${W.capacityConcurrency} in flight (capacity, secondary)`);
    const capacityJob = (): ClosedLoopJob => ({
      kind: 'closed-loop',
      url: sys.url,
      path: '/v1/withdrawals',
      clients: wdClients(wdUsers),
      keyPrefix: keyPrefix(),
      warmupS: W.capacityWarmupS,
      durationS: W.capacityDurationS,
      expectStatus: 201,
      countField: 'state',
      timeoutMs: PLAN.requestTimeoutMs,
      concurrency: W.capacityConcurrency,
    });
    const decisionCapacity = await measured(
      `withdrawal decision, closed loop ${W.capacityConcurrency} in flight`,
      capacityJob,
      'withdrawals',
    );

    let probes: DbFigures['probes'] = null;
    let profiles: DbFigures['profiles'] = null;
    let hotRow: HotRowFigures | null = null;
    if (DIAGNOSTICS) {
      const n = PLAN.diagnostics.probeRequests;
      log(
        `${kind}: probe: ${n} withdrawals and ${n} transfers one at a time, statements counted (PostgreSQL)`,
      );
      let i = 0;
      const post = async (u: Customer, urlPath: string, body: unknown) => {
        const res = await fetch(`${sys.url}${urlPath}`, {
          method: 'POST',
          headers: authHeaders(u, {
            'Content-Type': 'application/json',
            'Idempotency-Key': `bench-probe-${randomBytes(8).toString('hex')}`,
          }),
          body: JSON.stringify(body),
        });
        await res.arrayBuffer();
        if (res.status !== 201) throw new Error(`probe ${urlPath} answered ${res.status}`);
      };
      // The sealer is paused while statements are counted (its own are counted apart, below).
      await chainer.pause();
      const withdrawal = await probeQueries(n, () => {
        const u = wdUsers[i++ % wdUsers.length]!;
        return post(u, '/v1/withdrawals', wdClients([u])[0]!.body);
      });
      let j = 0;
      const transfer = await probeQueries(n, () => {
        const k = j++ % txUsers.length;
        return post(txUsers[k]!, '/v1/ledger/transfers', txClients([k])[0]!.body);
      });
      let sealedEvents = 0;
      const sealing = await probeQueries(1, async () => {
        sealedEvents = await chainAuditEvents(sys.deps);
      });
      chainer.resume();
      probes = { withdrawal, transfer, sealing: { ...sealing, events: sealedEvents } };
      log(
        `${kind}: statements per request: withdrawal ${withdrawal.queriesPerRequest}, transfer ${transfer.queriesPerRequest}; one at a time: ${withdrawal.unloadedRequestMs} ms, ${transfer.unloadedRequestMs} ms`,
      );

      const S = PLAN.diagnostics.profileS;
      log(
        `${kind}: CPU profile of the server: withdrawal decision ${W.ratePerSecond}/s for ${S} s (diagnosis)`,
      );
      const pw = await profileDuring(() =>
        runJob<LedgerJob, LoadResult>(LOADGEN, decisionJob(W.ratePerSecond, 1, S)),
      );
      const bestC = transfers.reduce((a, b) => (b.okPerSecond > a.okPerSecond ? b : a)).concurrency ?? 32;
      log(`${kind}: CPU profile of the server: transfers at ${bestC} in flight for ${S} s (diagnosis)`);
      const pt = await profileDuring(() =>
        runJob<LedgerJob, LoadResult>(LOADGEN, transferJob(bestC, allTx, 1, S)),
      );
      profiles = {
        withdrawal: { ...pw.profile, okPerSecond: pw.value.okPerSecond },
        transfer: { ...pt.profile, okPerSecond: pt.value.okPerSecond },
      };
      if (kind === 'postgres' && sys.schema) {
        const c = PLAN.diagnostics.hotRowConcurrency;
        log(
          `${kind}: PostgreSQL alone: begin; update one row; commit at ${c} connections, one shared row vs a row each`,
        );
        hotRow = await measureHotRow(POSTGRES_URL, sys.schema, c, PLAN.diagnostics.hotRowS);
        log(
          `${kind}: one shared row ${hotRow.oneRowPerSecond} commits/s (${hotRow.oneRowWithRoundTrips.map((x) => `+${x.roundTrips} round trips: ${x.perSecond}/s`).join(', ')}), a row per connection ${hotRow.rowPerConnectionPerSecond} commits/s (commit ${hotRow.commitMs} ms)`,
        );
      }
    }

    return {
      kind,
      databasePoolSize: sys.config.DATABASE_POOL_SIZE,
      setup: {
        withdrawalUsers: wdUsers.length,
        transferUsers: txUsers.length,
        seconds: setupSeconds,
        clockOffsetHours: clock.offsetHours,
      },
      decision,
      transfers,
      hot,
      decisionCapacity,
      decisionSweep,
      probes,
      hotRow,
      profiles,
    };
  } finally {
    await chainer.stop().catch(() => {});
    await sys.close();
  }
}

// -------------------------------------------------------------------------------------------------
// Report

interface Verdict {
  target: string;
  measured: string;
  /** null: reported, not a target. */
  pass: boolean | null;
  /** The run does not measure what it should (e.g. too many refusals). */
  invalid: boolean;
}

const non201Share = (p: Phase) => (p.sent === 0 ? 1 : (p.sent - p.ok) / p.sent);
/** Answered with another status than 201 (a refusal is faster: it would flatter the figure). */
const refusedShare = (p: Phase) => (p.sent === 0 ? 1 : p.unexpected / p.sent);
/** No answer within the request timeout (an overloaded server: those latencies are unknown, and long). */
const noAnswerShare = (p: Phase) => (p.sent === 0 ? 0 : (p.errors + p.timeouts) / p.sent);
const runProblem = (p: Phase, openLoopRate?: number): string | null => {
  if (refusedShare(p) > TARGETS.maxNon201Share)
    return `INVALID RUN: ${pctText(refusedShare(p))} answered with another status than 201`;
  if (openLoopRate !== undefined && p.sentPerSecond < openLoopRate * 0.98)
    return 'INVALID RUN: the load generator did not keep the rate';
  if (noAnswerShare(p) > TARGETS.maxNon201Share)
    return `OVERLOADED: ${pctText(noAnswerShare(p))} had no answer within ${PLAN.requestTimeoutMs / 1000} s (not in the percentiles, which are therefore too low)`;
  return null;
};
const pctText = (x: number) => `${round(x * 100, 2)}%`;
const noiseText = (p: Phase) =>
  (p.otherPercent ?? 0) > NOISE_LIMIT_PERCENT
    ? ` (DISTURBED: other processes used ${p.otherPercent}% of a core meanwhile)`
    : '';

function verdicts(results: DbFigures[]): Verdict[] {
  const out: Verdict[] = [];
  for (const r of results) {
    const d = r.decision;
    const share = non201Share(d);
    const problem = runProblem(d, TARGETS.decisionRate);
    const invalid = problem?.startsWith('INVALID') ?? false;
    out.push({
      target: `${r.kind}: withdrawal decision (POST /v1/withdrawals) p99 < ${TARGETS.decisionP99Ms} ms at a constant ${TARGETS.decisionRate} requests/s (open loop), ≤ ${TARGETS.maxNon201Share * 100}% not 201`,
      measured: `p50 ${ms(d.latencyMs.p50)} / p95 ${ms(d.latencyMs.p95)} / p99 ${ms(d.latencyMs.p99)} / max ${ms(d.latencyMs.max)} ms; ${d.okPerSecond} × 201/s of ${d.offeredRatePerSecond} offered (${d.sentPerSecond}/s sent); ${pctText(share)} not 201${problem ? ` (${problem})` : ''}${noiseText(d)}`,
      pass: !problem && d.latencyMs.p99 < TARGETS.decisionP99Ms,
      invalid,
    });
    for (const s of r.decisionSweep) {
      const sp = runProblem(s, s.offeredRatePerSecond ?? undefined);
      out.push({
        target: `${r.kind}: withdrawal decision at a constant ${s.offeredRatePerSecond} requests/s (secondary, reported)`,
        measured: `p50 ${ms(s.latencyMs.p50)} / p95 ${ms(s.latencyMs.p95)} / p99 ${ms(s.latencyMs.p99)} / max ${ms(s.latencyMs.max)} ms; ${s.okPerSecond} × 201/s; ${pctText(non201Share(s))} not 201${sp ? ` (${sp})` : ''}${noiseText(s)}`,
        pass: null,
        invalid: false,
      });
    }
    const best = r.transfers.reduce((a, b) => (b.okPerSecond > a.okPerSecond ? b : a));
    const tInvalid = refusedShare(best) > TARGETS.maxNon201Share;
    out.push({
      target: `${r.kind}: ledger transfers (POST /v1/ledger/transfers) ≥ ${TARGETS.transfersPerSecond} committed/s, closed loop, best of ${PLAN.transfer.concurrencies.join(' / ')} in flight, ${PLAN.transfer.users} customers`,
      measured: `${r.transfers.map((t) => `${t.okPerSecond}/s at ${t.concurrency} (p50 ${ms(t.latencyMs.p50)} ms, p99 ${ms(t.latencyMs.p99)} ms)`).join('; ')}; ${pctText(non201Share(best))} not 201${tInvalid ? ' (INVALID RUN: too many answers other than 201)' : ''}${noiseText(best)}`,
      pass: !tInvalid && best.okPerSecond >= TARGETS.transfersPerSecond,
      invalid: tInvalid,
    });
    out.push({
      target: `${r.kind}: transfers, all on one customer (hot rows), ${r.hot.concurrency} in flight (secondary, reported)`,
      measured: `${r.hot.okPerSecond}/s, p50 ${ms(r.hot.latencyMs.p50)} ms, p99 ${ms(r.hot.latencyMs.p99)} ms; ${pctText(non201Share(r.hot))} not 201${noiseText(r.hot)}`,
      pass: null,
      invalid: false,
    });
    out.push({
      target: `${r.kind}: withdrawal decision capacity, closed loop ${r.decisionCapacity.concurrency} in flight (secondary, reported)`,
      measured: `${r.decisionCapacity.okPerSecond} × 201/s, p50 ${ms(r.decisionCapacity.latencyMs.p50)} ms, p99 ${ms(r.decisionCapacity.latencyMs.p99)} ms; ${pctText(non201Share(r.decisionCapacity))} not 201${noiseText(r.decisionCapacity)}`,
      pass: null,
      invalid: false,
    });
  }
  return out;
}

const passText = (v: Verdict) =>
  v.invalid && v.pass !== null ? 'INVALID' : v.pass === null ? 'reported' : v.pass ? 'PASS' : 'FAIL';

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => (c ?? '').padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

const decisionP99Text = (results: DbFigures[]) =>
  results
    .map(
      (r) =>
        `${r.kind} ${ms(r.decision.latencyMs.p99)} ms at ${r.decision.offeredRatePerSecond}/s${r.decisionSweep.map((s) => `, ${ms(s.latencyMs.p99)} ms at ${s.offeredRatePerSecond}/s`).join('')}`,
    )
    .join('; ');

/** Milliseconds for reading: 2 decimals under 10, 1 under 100, whole above. */
const ms = (x: number) => (x < 10 ? round(x, 2) : x < 100 ? round(x, 1) : Math.round(x)).toString();
const lat = (l: LoadResult['latencyMs']) => `${ms(l.p50)} / ${ms(l.p95)} / ${ms(l.p99)} / ${ms(l.max)}`;
const statusText = (p: Phase) =>
  Object.entries(p.statusCodes)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code}: ${n} (${pctText(n / Math.max(p.answered, 1))})`)
    .join(', ') || '—';
const fieldText = (p: Phase) =>
  Object.entries(p.fieldCounts)
    .sort((a, b) => b[1] - a[1])
    .map(([v, n]) => `${v}: ${n}`)
    .join(', ') || '—';
const split = (kind: DbKind, c: CpuSplit) =>
  [
    c.server,
    kind === 'pglite' ? 'in-process' : (c.postgres ?? '—'),
    c.loadgen,
    c.other ?? '—',
    c.machine ?? '—',
  ].join(' / ');
const cpuPct = (kind: DbKind, p: Phase) =>
  [
    p.cpu.serverProcessPercent,
    kind === 'pglite'
      ? 'in-process'
      : `${p.nodePostgresPercent ?? '—'} (all ${p.cpu.postgresPercent ?? '—'})`,
    p.loadgenCpuPercent,
    p.otherPercent ?? '—',
    p.cpu.machinePercent ?? '—',
  ].join(' / ');
const timelineText = (t: number[]) => (t.length ? `${Math.min(...t)} / ${Math.max(...t)}` : '—');

function phaseRows(phases: Array<{ kind: DbKind; p: Phase }>, openLoop: boolean): string[][] {
  const rows: string[][] = [
    ['', ...phases.map(({ kind, p }) => (phases.length > 2 ? `${kind}: ${p.label}` : kind))],
  ];
  const add = (label: string, f: (p: Phase, kind: DbKind) => string | number | null) =>
    rows.push([label, ...phases.map(({ kind, p }) => String(f(p, kind) ?? '—'))]);
  if (openLoop) {
    add(
      'offered rate (requests/s) / sent (requests/s) / answered (requests/s)',
      (p) => `${p.offeredRatePerSecond} / ${p.sentPerSecond} / ${p.answeredPerSecond}`,
    );
    add('201 answers/s (achieved)', (p) => p.okPerSecond);
  } else {
    add('in flight (closed loop), customers', (p) => `${p.concurrency}, ${p.clients}`);
    add('committed (201)/s', (p) => p.okPerSecond);
  }
  add('requests measured / duration', (p) => `${p.sent} / ${p.durationS} s`);
  add(
    openLoop ? 'latency from due time p50 / p95 / p99 / max (ms)' : 'latency p50 / p95 / p99 / max (ms)',
    (p) => lat(p.latencyMs),
  );
  if (openLoop) {
    add(
      'for comparison (published figure, not measured here)',
      () => `${TARGETS.tazama} (Custos: ${TARGETS.custosRules} rules)`,
    );
    add('server part (from write) p50 / p95 / p99 / max (ms)', (p) => lat(p.serviceMs));
    add("load generator's send lag p99 / max (ms)", (p) =>
      p.sendLagMs ? `${ms(p.sendLagMs.p99)} / ${ms(p.sendLagMs.max)}` : '—',
    );
  }
  add('most requests in flight', (p) => p.maxInFlight);
  add('answers by status', statusText);
  add('not 201 (incl. errors), share', (p) => `${p.sent - p.ok}, ${pctText(non201Share(p))}`);
  add('errors / timeouts', (p) => `${p.errors} / ${p.timeouts}`);
  if (openLoop || phases.some(({ p }) => Object.keys(p.fieldCounts).length))
    add('201 answers by state', fieldText);
  add('201 per second, slowest / fastest whole second', (p) => timelineText(p.perSecondTimeline));
  add(
    'rows committed = 201 answers (warm-up included)',
    (p) =>
      `${p.committedRows} ${p.committedMatches ? '= yes' : `≠ NO (${p.ok + p.warmupOk} answers${p.timeouts ? '; requests that timed out in the client may still have committed' : ''})`}`,
  );
  add(
    'audit sealer during the run (warm-up included): events sealed / runs / ms in it / left unsealed right after',
    (p) =>
      `${p.auditChain.sealed} / ${p.auditChain.runs} / ${p.auditChain.busyMs} / ${p.auditChain.backlogAfter}`,
  );
  add('server event-loop utilization', (p) => p.cpu.serverEventLoopUtilization);
  add(
    "CPU, % of a core: server / PostgreSQL (the node's backends; all its processes) / load generator / other / machine",
    (p, k) => cpuPct(k, p),
  );
  add(
    "CPU per request, µs: server / PostgreSQL (the node's backends) / load generator / other / machine",
    (p, k) => split(k, p.cpuMicrosPerRequest),
  );
  add(
    'before the run: load average (1 min), CPU of other processes (% of a core), waited for quiet; disturbed attempts discarded',
    (p) =>
      `${p.loadAverageBefore[0] ?? '—'}, ${p.quietBefore.otherPercent ?? '—'}%, ${p.quietBefore.waitedS} s${p.quietBefore.quiet ? '' : ' (NOT QUIET)'}; ${p.discardedAttempts.length ? p.discardedAttempts.map((a) => `${a.otherPercent}%`).join(', ') : 'none'}`,
  );
  return rows;
}

function activityTable(phases: Array<{ kind: DbKind; p: Phase }>): string | null {
  const withActivity = phases.filter(({ p }) => p.activity);
  if (!withActivity.length) return null;
  const states = [...new Set(withActivity.flatMap(({ p }) => Object.keys(p.activity!.meanConnections)))];
  const rows: string[][] = [
    ['mean connections of the node, per sample', ...withActivity.map(({ p }) => p.label)],
  ];
  for (const s of states)
    rows.push([s, ...withActivity.map(({ p }) => String(p.activity!.meanConnections[s] ?? 0))]);
  rows.push([
    'samples',
    ...withActivity.map(({ p }) => `${p.activity!.samples} (every ${p.activity!.everyMs} ms)`),
  ]);
  const lines = [table(rows), ''];
  for (const { p } of withActivity) {
    if (!p.activity!.lockWaitsByBlocker.length) continue;
    lines.push(
      `Lock waits during "${p.label}", by what the blocking transaction last sent (mean waiters per sample):`,
      '',
    );
    for (const b of p.activity!.lockWaitsByBlocker) lines.push(`- ${b.meanWaiters}: ${b.blocker}`);
    lines.push('');
  }
  return lines.join('\n');
}

const compactSql = (q: string) =>
  q
    .trim()
    .replace(/^select (.+?) from /, (m, cols: string) =>
      cols.length > 40 && !cols.includes('(') ? 'select … from ' : m,
    )
    .replace(/\s+/g, ' ')
    .slice(0, 150)
    .replace(/\|/g, '\\|');

function probeSection(title: string, q: QueryProbe): string {
  return [
    `#### ${title}`,
    '',
    `${q.queriesPerRequest} statements per request (begin and commit included); one request at a time takes ${q.unloadedRequestMs} ms end to end, of which ${q.queryWaitMsPerRequest} ms waiting for statements (summed).`,
    '',
    table([
      ['per request', 'mean ms', 'statement'],
      ...q.statements.map((x) => [String(x.perRequest), String(x.meanMs), `\`${compactSql(x.sql)}\``]),
    ]),
    '',
  ].join('\n');
}

function profileSection(kind: DbKind, what: string, p: ProfileSummary & { okPerSecond: number }): string {
  const list = (xs: Array<{ name: string; percent: number }>, n: number) =>
    xs
      .slice(0, n)
      .map((x) => `${x.name} ${x.percent}%`)
      .join('; ');
  return [
    `#### ${kind}: ${what} (${p.okPerSecond} × 201/s under the profiler, ${p.durationS} s, ${p.samples} samples every ${p.samplingIntervalUs} µs; server thread busy ${p.busyPercent}%)`,
    '',
    `- Self time by package or folder: ${list(p.self, 12)}`,
    `- On the stack (inclusive): ${list(p.inclusive, 12)}`,
    `- Functions with the most self time: ${list(p.topFunctions, 10)}`,
    '',
  ].join('\n');
}

async function postgresInfo(): Promise<{ version: string; settings: Record<string, string> } | null> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await client.connect();
    const v = await client.query<{ server_version: string }>('show server_version');
    const s = await client.query<{ name: string; setting: string; unit: string | null }>(
      `select name, setting, unit from pg_settings where name in ('synchronous_commit', 'fsync', 'shared_buffers', 'max_connections', 'wal_sync_method', 'commit_delay')`,
    );
    return {
      version: v.rows[0]?.server_version ?? '?',
      settings: Object.fromEntries(s.rows.map((r) => [r.name, `${r.setting}${r.unit ? ` ${r.unit}` : ''}`])),
    };
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

interface Report {
  date: string;
  /** HEAD when the run ended (other work may commit meanwhile). */
  headAtEnd: string | null;
  startedAt: string;
  totalSeconds: number;
  command: string;
  machine: ReturnType<typeof machine>;
  source: ReturnType<typeof sourceState>;
  postgres: Awaited<ReturnType<typeof postgresInfo>>;
  nodeSettings: typeof NODE_SETTINGS;
  quick: boolean;
  plan: typeof PLAN;
}

const METHOD = `The load generator runs in a child Node process (plain node:http keep-alive connections), not in the server's: Custos is one Node process whose JavaScript runs on one thread, and a load generator in the same process would take that thread's time. It still shares the machine's ${CORES} cores with the server and PostgreSQL (its CPU is shown), so the figures are a lower bound for the server on dedicated hardware.`;

function markdown(report: Report, results: DbFigures[], v: Verdict[]): string {
  const m = report.machine;
  const W = PLAN.withdrawal;
  const T = PLAN.transfer;
  const pgSettings = report.postgres
    ? `PostgreSQL ${report.postgres.version} on the same machine (${Object.entries(report.postgres.settings)
        .map(([k, x]) => `${k}=${x}`)
        .join(', ')}), the node in a fresh schema`
    : 'PostgreSQL not run';
  const lines = [
    `<!-- run:${report.date} -->`,
    `## ${report.date}`,
    '',
    `- Started: ${report.startedAt}, took ${report.totalSeconds} s. The machine is shared with other work: the load average before each run and the "other" CPU during it are shown with the figures.`,
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average at start ${m.loadAverageAtStart.join(' / ')}`,
    `- Command: \`${report.command}\` on commit ${report.source.commit ?? '(unknown)'}${report.source.srcModified ? ' (with uncommitted changes in src/ by other work in this checkout)' : ''}${report.headAtEnd && report.headAtEnd !== report.source.commit ? ` (HEAD moved to ${report.headAtEnd} during the run; the code measured is the one loaded at the start)` : ''}`,
    `- Node: one in-process Custos node (bench/support/system.ts), HTTP on 127.0.0.1; NODE_ENV=test, LOG_LEVEL=silent, TRUST_PROXY=true, rate limits raised as for bench:auth (they apply to /v1/auth/* only), development mailbox (no SMTP; emails queue in the outbox, which no worker drains during the runs), the audit sealer running as in \`custos serve\` (chainAuditEvents every ${AUDIT_CHAIN_INTERVAL_MS} ms, in the server process: its work is in the figures), default session cache, DATABASE_POOL_SIZE=${results[0]?.databasePoolSize ?? '?'}; ${pgSettings}; PGlite on disk in a temp DATA_DIR.`,
    `- Settings changed for this benchmark: ${Object.entries(NODE_SETTINGS)
      .map(([k, x]) => `${k}=${x} (${SETTING_REASONS[k as keyof typeof NODE_SETTINGS]})`)
      .join(
        '; ',
      )}. Everything else keeps its default, including WITHDRAWAL_EMAIL_CONFIRMATION=always (every accepted request waits for its email confirmation: state awaiting_confirmation), ADDRESS_ACTIVATION_HOURS=24, SECURITY_CHANGE_FREEZE_HOURS=24, RISK_THRESHOLDS=30,60,90.`,
    `- Customers (bench/support/customers.ts, as test/fixtures/withdrawals.ts prepares them): ${W.users} for withdrawals, signed up and email-verified through the API, TOTP enrolled, ${Number(W.funding / 10n ** 18n)} ${W.asset} each credited by creditDeposit (the ledger operation behind the platform's deposit API), an address of its own (a random Ethereum address: a destination shared by accounts is a risk signal) added with a fresh step-up and confirmed from its email. Then the node's clock (system time plus an offset the benchmark controls) moved ${PLAN.clockAdvanceHours} h on, past the 24-h withdrawal freeze after enrolling TOTP, the address's 24-h activation and the risk rules' new-address (7 days), new-device (24 h) and recent-security-change (3 days) windows, and each customer signed in again with password and TOTP, which opens a session with a fresh step-up. No row was written directly. ${T.users} further customers for transfers: signed up, ${Number(T.funding / 10n ** 6n)} ${T.asset} each, one sub-account each (POST /v1/ledger/accounts with an Idempotency-Key).`,
    `- Withdrawal decision (target): POST /v1/withdrawals, ${Number(W.amount) / 1e18} ${W.asset} to the customer's own address, a unique Idempotency-Key each; request k from customer k mod ${W.users} (each customer about once every ${round(W.users / W.ratePerSecond, 1)} s, so its row lock is not the bottleneck). Open loop: requests leave at a constant ${W.ratePerSecond}/s whether or not earlier ones were answered, ${W.warmupS} s warm-up then ${W.durationS} s measured; each latency counts from the time the request was due (no coordinated omission), and the server part (from the write) is shown too. Answers other than 201 are counted apart: more than ${TARGETS.maxNon201Share * 100}% of them makes the run INVALID (a refusal is faster and would flatter the figure); more than ${TARGETS.maxNon201Share * 100}% of requests with no answer within ${PLAN.requestTimeoutMs / 1000} s (connection reset or timeout) marks it OVERLOADED; either way the command exits with an error after writing the results. The risk engine's score only grows with each customer's withdrawals in the last hour (velocity), which can ask for a confirmation or a review: both are 201. Then the same at ${W.sweepRates.join(' and ')} requests/s (${W.sweepWarmupS} s warm-up + ${W.sweepDurationS} s each, secondary): where the latency target is met, if anywhere.`,
    `- Ledger transfers (target): POST /v1/ledger/transfers of ${T.amount} smallest unit of ${T.asset} from a customer's main account to its sub-account, unique Idempotency-Key; closed loop (each of N workers sends its next request when the previous answer arrives) at ${T.concurrencies.join(' and ')} in flight, request k from customer k mod ${T.users}, ${T.warmupS} s warm-up then ${T.durationS} s; then the same at ${T.hotConcurrency} in flight with every transfer on one customer (hot rows, secondary). A transfer is counted when its 201 arrives, which the server sends after the commit; the committed rows are counted in the database after each run.`,
    `- Withdrawal capacity (secondary): the same withdrawal requests in a closed loop at ${W.capacityConcurrency} in flight, ${W.capacityWarmupS} s warm-up then ${W.capacityDurationS} s.`,
    `- Setup: ${METHOD} On PostgreSQL, a separate connection samples pg_stat_activity for the node's connections every ${SAMPLE_EVERY_MS} ms during each measured run; PostgreSQL's CPU is that of the node's own backends (by process id, from /proc), and the sampler's and any other PostgreSQL work counts as "other". Before each measured run the benchmark waits (up to ${QUIET_WAIT_S} s) until the rest of the machine uses less than ${QUIET_LIMIT_PERCENT}% of a core over 2 s; a run during which other processes used more than ${NOISE_LIMIT_PERCENT}% of a core is repeated (at most ${MAX_REPEATS} times, after waiting for quiet again) and the least disturbed attempt kept; one still above that is marked DISTURBED. "Other" is the machine's CPU minus the server process, the node's PostgreSQL backends and the load generator.`,
    `- Diagnostics after the measured runs (not measured figures): the statements behind one request of each kind, ${PLAN.diagnostics.probeRequests} one at a time (PostgreSQL); V8 CPU profiles of the server process during ${PLAN.diagnostics.profileS} s of withdrawals at ${W.ratePerSecond}/s and of transfers at the best concurrency (the profiler slows the server).`,
    '',
    '### Targets',
    '',
    table([['target', 'measured', 'result'], ...v.map((x) => [x.target, x.measured, passText(x)])]),
    '',
    `Comparison (published figure, not measured): ${TARGETS.tazama}; Custos runs ${TARGETS.custosRules} rules. Measured decision p99 here (policy, risk rules, ledger hold and commit): ${decisionP99Text(results)}.`,
    '',
    `### Withdrawal decision, open loop ${W.ratePerSecond}/s (target), then ${W.sweepRates.join(' and ')}/s (secondary)`,
    '',
    table(
      phaseRows(
        results.flatMap((r) => [r.decision, ...r.decisionSweep].map((p) => ({ kind: r.kind, p }))),
        true,
      ),
    ),
    '',
    '### Ledger transfers, closed loop (target), and hot rows (secondary)',
    '',
    table(
      phaseRows(
        results.flatMap((r) => [...r.transfers, r.hot].map((p) => ({ kind: r.kind, p }))),
        false,
      ),
    ),
    '',
    `### Withdrawal decision, closed loop ${W.capacityConcurrency} in flight (capacity, secondary)`,
    '',
    table(
      phaseRows(
        results.map((r) => ({ kind: r.kind, p: r.decisionCapacity })),
        false,
      ),
    ),
    '',
  ];
  lines.push(...details(results));
  lines.push(`Raw figures: \`bench/results/withdrawals-${report.date}.json\`.`, '');
  return lines.join('\n');
}

/** The diagnosis: connection states, statements, the hot-row ceiling, CPU profiles. */
function details(results: DbFigures[]): string[] {
  const lines: string[] = [];
  const pg = results.find((r) => r.kind === 'postgres');
  if (pg) {
    const act = activityTable(
      [pg.decision, ...pg.transfers, pg.hot, pg.decisionCapacity].map((p) => ({ kind: pg.kind, p })),
    );
    if (act)
      lines.push("### What the node's PostgreSQL connections were doing (pg_stat_activity samples)", '', act);
    if (pg.probes)
      lines.push(
        '### Statements behind one request (PostgreSQL, one at a time, no other load)',
        '',
        probeSection('POST /v1/withdrawals', pg.probes.withdrawal),
        probeSection('POST /v1/ledger/transfers', pg.probes.transfer),
        `Sealing the ${pg.probes.sealing.events} audit events the ${2 * PLAN.diagnostics.probeRequests} requests above appended (one run of the sealer, paused while the requests above were counted): ${pg.probes.sealing.queriesPerRequest} statements, ${pg.probes.sealing.unloadedRequestMs} ms.`,
        '',
      );
    if (pg.hotRow) {
      const h = pg.hotRow;
      lines.push(
        '### One row locked until the commit (PostgreSQL alone, no HTTP, no Custos code)',
        '',
        `${h.concurrency} connections, ${h.seconds} s each, \`begin; update bench_hot_row …; commit\`: every transaction on one shared row ${h.oneRowPerSecond} commits/s${h.oneRowWithRoundTrips.map((x) => `, with ${x.roundTrips} more statement${x.roundTrips === 1 ? '' : 's'} (\`select 1\`) before the commit ${x.perSecond}/s`).join('')}; a row per connection ${h.rowPerConnectionPerSecond} commits/s (mean commit ${h.commitMs} ms). The first figure bounds any write path on which every transaction updates the same row and keeps it until its commit (here: all transfers of one customer update its two balance rows), even with no other work; each round trip between that update and the commit lowers it.`,
        '',
      );
    }
  }
  const profiled = results.filter((r) => r.profiles);
  if (profiled.length) {
    lines.push('### Where the server thread spends its time (V8 CPU profiles, diagnosis)', '');
    for (const r of profiled) {
      lines.push(
        profileSection(r.kind, `withdrawals at ${PLAN.withdrawal.ratePerSecond}/s`, r.profiles!.withdrawal),
      );
      lines.push(profileSection(r.kind, 'transfers', r.profiles!.transfer));
    }
  }
  const unloaded = results.filter((r) => r.probes);
  if (unloaded.length)
    lines.push(
      `One request at a time, no other load (mean of ${PLAN.diagnostics.probeRequests}, sent from the server's process): ${unloaded
        .map(
          (r) =>
            `${r.kind} withdrawal ${r.probes!.withdrawal.unloadedRequestMs} ms, transfer ${r.probes!.transfer.unloadedRequestMs} ms`,
        )
        .join('; ')}.`,
      '',
    );
  return lines;
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  const date = started.toISOString().slice(0, 10);
  const m = machine();
  // Read at the start: other work may commit to this checkout while the benchmark runs.
  const source = sourceState();
  log(
    `machine: ${m.cpuModel} × ${m.cores}, ${m.memoryGiB} GiB, Node ${m.node}, load ${m.loadAverageAtStart.join(' ')}`,
  );
  const pgInfo = DBS.includes('postgres') ? await postgresInfo() : null;
  if (DBS.includes('postgres') && !pgInfo) throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL}`);

  const results: DbFigures[] = [];
  for (const kind of DBS) results.push(await benchDatabase(kind));

  const report: Report = {
    date,
    startedAt: started.toISOString(),
    totalSeconds: Math.round((performance.now() - t0) / 1000),
    command: `npm run bench:withdrawals${QUICK ? ' (BENCH_QUICK=1)' : ''}`,
    machine: m,
    source,
    headAtEnd: sourceState().commit,
    postgres: pgInfo,
    nodeSettings: NODE_SETTINGS,
    quick: QUICK,
    plan: PLAN,
  };
  const v = verdicts(results);

  console.log(
    `\nWithdrawal decision, open loop ${PLAN.withdrawal.ratePerSecond}/s (target), then ${PLAN.withdrawal.sweepRates.join(', ')}/s (secondary)\n${table(
      phaseRows(
        results.flatMap((r) => [r.decision, ...r.decisionSweep].map((p) => ({ kind: r.kind, p }))),
        true,
      ),
    )}`,
  );
  console.log(
    `\nLedger transfers, closed loop\n${table(
      phaseRows(
        results.flatMap((r) => [...r.transfers, r.hot].map((p) => ({ kind: r.kind, p }))),
        false,
      ),
    )}`,
  );
  console.log(
    `\nWithdrawal decision, closed loop ${PLAN.withdrawal.capacityConcurrency} in flight (capacity)\n${table(
      phaseRows(
        results.map((r) => ({ kind: r.kind, p: r.decisionCapacity })),
        false,
      ),
    )}`,
  );
  console.log(`\n${details(results).join('\n')}`);
  console.log(
    `\n${table([['target', 'measured', 'result'], ...v.map((x) => [x.target, x.measured, passText(x)])])}`,
  );
  console.log(
    `\nComparison (published figure, not measured): ${TARGETS.tazama}; Custos runs ${TARGETS.custosRules}. Decision p99 measured: ${decisionP99Text(results)}.`,
  );

  // A quick smoke run is not a result: its JSON goes to the temp directory.
  const written = saveResults({
    name: 'withdrawals',
    resultsDir: RESULTS_DIR,
    date,
    quick: QUICK,
    json: { ...report, targets: TARGETS, verdicts: v, results },
    markdown: () => markdown(report, results, v),
    title: '# Withdrawal decision and ledger transfer benchmark (`npm run bench:withdrawals`)',
  });
  log(`wrote ${written} (${report.totalSeconds} s)`);

  // More than 1% of the target runs' requests without a 201 (refused, or unanswered): fail loudly.
  const bad = results.flatMap((r) =>
    [r.decision, ...r.transfers]
      .filter((p) => non201Share(p) > TARGETS.maxNon201Share)
      .map((p) => ({ kind: r.kind, p })),
  );
  if (bad.length) {
    for (const { kind, p } of bad)
      console.error(
        `\n${kind}: ${p.label}: ${pctText(non201Share(p))} of the requests got no 201 (${p.unexpected} other statuses, ${p.errors} errors, ${p.timeouts} timeouts): ${runProblem(p, p.offeredRatePerSecond ?? undefined) ?? ''}\n  ${p.failureSamples.join(' | ')}`,
      );
    throw new Error('more than 1% of the requests of a target run got no 201 (see above)');
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
