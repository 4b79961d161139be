/**
 * `npm run bench:auth` — authentication speed, measured against a real Custos node.
 *
 * For PostgreSQL (a fresh schema, dropped afterwards) and PGlite (the embedded default, in a temp
 * DATA_DIR), one in-process Custos node with the production argon2id parameters serves HTTP on
 * 127.0.0.1; users are created through the API. Then:
 *   1. full sign-ins/s (password, then a fresh TOTP code) at a concurrency that saturates the
 *      machine (default 8), from a child process, with raw argon2id verifications/s
 *      (@node-rs/argon2, same parameters, in the server process while it is idle) at the same
 *      concurrency just before and just after: overhead = 1 − sign-ins/s ÷ argon2id verifies/s
 *      (the target); then argon2id at 4 and 16 in flight, showing that more concurrency does not
 *      raise argon2id throughput;
 *   3. the session check GET /v1/auth/session (the target), then the account page GET /v1/me
 *      (secondary), each with 50 connections, autocannon in a child process, warm-up then a
 *      measured run, with the whole machine's CPU split per request;
 *   4. full sign-ins again at concurrency 2 (latency-bound, secondary), then argon2id at 2;
 *   5. on PostgreSQL, a probe of the statements behind one request of each kind.
 * Results: tables on stdout, bench/results/auth-<date>.json and a section of bench/results/auth.md.
 *
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test),
 * BENCH_DBS (default "postgres,pglite"), BENCH_SIGNIN_CONCURRENCY (default 8),
 * BENCH_QUICK=1 for a short smoke run (its results go to the temp directory).
 */
import { AUDIT_CHAIN_INTERVAL_MS, type ChainerStats, startAuditChainer } from './support/audit-chainer.js';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { totpCodeAt, totpStep } from '../src/domain/identity/totp.js';
import { type Argon2Figures, type Argon2Level, measureArgon2 } from './support/argon2.js';
import { runLoad } from './support/child.js';
import type { GetJob, GetResult, SignInResult } from './support/loadgen.js';
import {
  type CpuFigures,
  type CpuReading,
  cpuBetween,
  cpuReading,
  probeQueries,
  type QueryProbe,
} from './support/probe.js';
import {
  appHeaders,
  BENCH_PASSWORD,
  type BenchUser,
  createUsers,
  type DbKind,
  type System,
  startSystem,
} from './support/system.js';
import { machine, round, saveResults, sourceState } from './support/environment.js';

const RESULTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
const POSTGRES_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DBS = (process.env.BENCH_DBS ?? 'postgres,pglite').split(',').map((s) => s.trim()) as DbKind[];
const QUICK = process.env.BENCH_QUICK === '1';
const CORES = os.cpus().length;
const SATURATING = Number(process.env.BENCH_SIGNIN_CONCURRENCY ?? 8);
const LATENCY_BOUND = 2;

const PLAN = {
  /** The two authenticated GETs, measured the same way one after the other. */
  check: { connections: 50, users: 50, warmupS: QUICK ? 1 : 2, durationS: QUICK ? 3 : 8 },
  paths: { session: '/v1/auth/session', me: '/v1/me' },
  signIn: {
    saturatingConcurrency: SATURATING,
    latencyBoundConcurrency: LATENCY_BOUND,
    initialUsers: QUICK ? 120 : 250,
    calibrationS: 2,
    warmupS: 1,
    durationS: QUICK ? 3 : 6,
  },
  argon2: {
    concurrencies: [...new Set([LATENCY_BOUND, 4, SATURATING, SATURATING * 2])].sort((a, b) => a - b),
    warmupS: 1,
    durationS: QUICK ? 1 : 3,
  },
  probeRequests: 200,
  signInProbeRequests: 20,
} as const;

/** TOTP users per sign-in a measured run can need at the calibrated rate (the cold calibration runs slower). */
const POOL_MARGIN = 1.5;
/** A phase during which other processes used more CPU than this (% of a core) is marked disturbed. */
const NOISE_LIMIT_PERCENT = 20;
/** argon2id throughput this much above the saturating level's, at twice the concurrency: not saturated. */
const SATURATION_SLACK = 0.03;
/** argon2id before and after the saturating sign-ins differing by more than this: the figure is marked. */
const DRIFT_LIMIT = 0.05;

const TARGETS = {
  sessionReqPerSec: 5000,
  sessionP99Ms: 10,
  signInOverheadMax: 0.15,
  /** Keycloak's sizing guide: about 15 password-based logins per second per vCPU. Published, not measured here. */
  keycloakLoginsPerSecPerVcpu: 15,
} as const;

/** Where the machine's CPU went, per unit of work (µs per request, or ms per sign-in). */
interface CpuSplit {
  server: number;
  /** null for PGlite: the database runs inside the server process. */
  postgres: number | null;
  loadgen: number;
  /** Everything else on the machine (noise). */
  other: number | null;
  machine: number | null;
}

interface GetFigures extends GetResult {
  cpu: CpuFigures;
  /** µs of CPU per request. */
  cpuMicrosPerRequest: CpuSplit;
  /** Little's law for a closed loop: connections ÷ throughput, the mean latency it implies (ms). */
  littleMeanMs: number;
}

type SignInRun = Omit<SignInResult, 'lastSteps'>;

interface SignInFigures extends SignInRun {
  perSecondPerCore: number;
  /** Raw argon2id at the same concurrency. */
  argon2PerSecond: number;
  overhead: number;
  cpu: CpuFigures;
  /** ms of CPU per full sign-in. */
  cpuMsPerSignIn: CpuSplit;
}

interface DbFigures {
  kind: DbKind;
  databasePoolSize: number;
  users: { check: number; totp: number; setupSeconds: number };
  argon2: Argon2Figures & {
    /** The saturating level measured just before the sign-ins (the one in `levels` comes just after). */
    saturatingBefore: Argon2Level;
    /** Mean of the two: the denominator of the target overhead. */
    saturatingPerSecond: number;
    /** after ÷ before − 1: how much the machine's speed changed across the sign-in run. */
    drift: number;
    /** No higher concurrency gave more than SATURATION_SLACK more argon2id throughput. */
    saturated: boolean;
  };
  calibration: SignInRun;
  signIn: { saturating: SignInFigures; latencyBound: SignInFigures };
  session: GetFigures;
  me: GetFigures;
  /** Statements behind one request, one at a time (PostgreSQL). */
  probes: { session: QueryProbe; me: QueryProbe; signIn: QueryProbe | null } | null;
  /** The audit sealer (run as `custos serve` runs it) during the saturating sign-ins. */
  auditSealer: ChainerStats & { backlogAfter: number };
}

const log = (msg: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSplit(kind: DbKind, c: CpuFigures, loadgenPercent: number, perSecond: number, unit: number) {
  const per = (percent: number) => round((percent / 100 / Math.max(perSecond, 1e-9)) * unit, 3);
  const server = per(c.serverProcessPercent);
  const postgres = kind === 'postgres' && c.postgresPercent !== null ? per(c.postgresPercent) : null;
  const loadgen = per(loadgenPercent);
  const machine = c.machinePercent === null ? null : per(c.machinePercent);
  const other = machine === null ? null : round(Math.max(0, machine - server - (postgres ?? 0) - loadgen), 3);
  return { server, postgres, loadgen, other, machine } satisfies CpuSplit;
}

const argonAt = (a: Argon2Figures, concurrency: number): Argon2Level => {
  const level = a.levels.find((l) => l.concurrency === concurrency);
  if (!level) throw new Error(`no argon2id figure at concurrency ${concurrency}`);
  return level;
};

/** Users whose current TOTP step is still unused. */
const freshUsers = (users: BenchUser[]) => users.filter((u) => u.lastStep! < totpStep(Date.now()));

/** Waits for the next 30-s TOTP step if fewer than `needed` users can sign in during this one. */
async function ensureFresh(kind: DbKind, users: BenchUser[], needed: number): Promise<void> {
  if (freshUsers(users).length >= needed) return;
  const waitMs = 30_000 - (Date.now() % 30_000) + 50;
  log(`${kind}: fewer than ${needed} users with an unused TOTP step: waiting ${round(waitMs / 1000, 1)} s`);
  await sleep(waitMs);
}

async function benchDatabase(kind: DbKind): Promise<DbFigures> {
  log(`${kind}: starting Custos`);
  const sys = await startSystem(kind, POSTGRES_URL);
  // Every sign-in appends audit events; a serving node seals them into the chain every 200 ms,
  // and that work is part of what a sign-in costs.
  const chainer = startAuditChainer(sys.deps);
  try {
    const t0 = performance.now();
    log(
      `${kind}: creating ${PLAN.check.users} users for the session checks and ${PLAN.signIn.initialUsers} with TOTP, through the API`,
    );
    const checkUsers = await createUsers(sys, PLAN.check.users, { totp: false, label: 'check', ipOffset: 0 });
    const totpUsers = await createUsers(sys, PLAN.signIn.initialUsers, {
      totp: true,
      label: 'signin',
      ipOffset: 1000,
    });

    const signInRun = async (concurrency: number, durationS: number, warmupS: number) => {
      let start: CpuReading | undefined;
      const r = await runLoad(
        {
          kind: 'signin',
          url: sys.url,
          users: totpUsers.map((u) => ({
            email: u.email,
            password: u.password,
            ip: u.ip,
            deviceToken: u.deviceToken,
            totpSecret: u.totpSecret!,
            lastStep: u.lastStep!,
          })),
          concurrency,
          durationS,
          warmupS,
        },
        () => {
          start = cpuReading();
        },
      );
      const cpu = cpuBetween(start ?? cpuReading(), cpuReading());
      r.lastSteps.forEach((step, i) => {
        totpUsers[i]!.lastStep = step;
      });
      const { lastSteps: _steps, ...figures } = r;
      return { figures, cpu };
    };

    // A TOTP step is accepted once per user, so a run needs as many users as it signs in within
    // one 30-s step. A short calibration run at the saturating concurrency (it also warms the
    // sign-in path up) gives the rate; the pool is then topped up to cover the measured run with
    // a margin. The latency-bound run comes more than 30 s later (a new step: every user again).
    const { figures: calibration } = await signInRun(SATURATING, PLAN.signIn.calibrationS, 0);
    if (calibration.failures > 0)
      throw new Error(`sign-in calibration failed: ${calibration.failureSamples.join('; ')}`);
    const perRun =
      Math.ceil(calibration.perSecond * (PLAN.signIn.warmupS + PLAN.signIn.durationS) * POOL_MARGIN) + 20;
    const needed = perRun + calibration.distinctUsers;
    if (needed > totpUsers.length) {
      log(
        `${kind}: calibration ${calibration.perSecond} sign-ins/s at concurrency ${SATURATING} → ${needed - totpUsers.length} more TOTP users`,
      );
      totpUsers.push(
        ...(await createUsers(sys, needed - totpUsers.length, {
          totp: true,
          label: 'signin2',
          ipOffset: 20_000,
        })),
      );
    }
    const setupSeconds = round((performance.now() - t0) / 1000, 1);
    log(`${kind}: users ready in ${setupSeconds} s`);

    // The vCPUs' speed drifts on this shared host (the CPU time of one argon2id verification
    // varies by up to about 20% between minutes), so the raw argon2id figure at the saturating
    // concurrency is taken just before and just after the sign-ins, and their mean is the
    // denominator of the overhead; the other levels follow at once.
    const argon2Levels = async (concurrencies: number[], warmupS: number) => {
      log(
        `${kind}: raw argon2id verify at concurrency ${concurrencies.join(', ')}, ${PLAN.argon2.durationS} s each (server idle)`,
      );
      const a = await measureArgon2(argonParams(sys), {
        concurrencies,
        warmupS,
        durationS: PLAN.argon2.durationS,
        password: BENCH_PASSWORD,
      });
      log(`${kind}: argon2id ${a.levels.map((l) => `${l.concurrency}: ${l.perSecond}/s`).join(', ')}`);
      return a;
    };
    const before = await argon2Levels([SATURATING], PLAN.argon2.warmupS);

    await ensureFresh(kind, totpUsers, perRun);
    log(
      `${kind}: full sign-ins (password + TOTP), concurrency ${SATURATING}, ${PLAN.signIn.warmupS} s warm-up + ${PLAN.signIn.durationS} s`,
    );
    chainer.take();
    const saturating = await signInRun(SATURATING, PLAN.signIn.durationS, PLAN.signIn.warmupS);
    const auditSealer = { ...chainer.take(), backlogAfter: await chainer.backlog() };
    log(
      `${kind}: ${saturating.figures.perSecond} sign-ins/s (${saturating.figures.failures} failures), machine CPU ${saturating.cpu.machinePercent}% of a core`,
    );
    const sweep = await argon2Levels(
      PLAN.argon2.concurrencies.filter((c) => c !== LATENCY_BOUND || c === SATURATING),
      0,
    );

    const getRun = async (which: 'session' | 'me'): Promise<GetFigures> => {
      const job: GetJob = {
        kind: 'get',
        url: sys.url,
        path: PLAN.paths[which],
        clients: checkUsers.map((u) => ({ token: u.sessionToken, ip: u.ip, deviceToken: u.deviceToken })),
        connections: PLAN.check.connections,
        durationS: PLAN.check.durationS,
        warmupS: PLAN.check.warmupS,
      };
      log(
        `${kind}: GET ${job.path}, ${job.connections} connections, ${job.warmupS} s warm-up + ${job.durationS} s`,
      );
      let start: CpuReading | undefined;
      const r = await runLoad(job, () => {
        start = cpuReading();
      });
      const cpu = cpuBetween(start ?? cpuReading(), cpuReading());
      log(
        `${kind}: GET ${job.path}: ${r.reqPerSecMean} req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms`,
      );
      // Let the requests still queued in the server when the load generator stopped finish.
      await sleep(500);
      return {
        ...r,
        cpu,
        cpuMicrosPerRequest: cpuSplit(kind, cpu, r.loadgenCpuPercent, r.reqPerSecOverall, 1e6),
        littleMeanMs: round((r.connections / Math.max(r.reqPerSecOverall, 1e-9)) * 1000, 3),
      };
    };
    const session = await getRun('session');
    const me = await getRun('me');

    // The latency-bound run: in a later TOTP step than the saturating run (argon2id and the two
    // GET runs took more than 30 s), so the whole pool is available again.
    await ensureFresh(kind, totpUsers, perRun);
    log(
      `${kind}: full sign-ins, concurrency ${LATENCY_BOUND} (latency-bound), ${PLAN.signIn.warmupS} s warm-up + ${PLAN.signIn.durationS} s`,
    );
    const latencyBound = await signInRun(LATENCY_BOUND, PLAN.signIn.durationS, PLAN.signIn.warmupS);
    log(`${kind}: ${latencyBound.figures.perSecond} sign-ins/s (${latencyBound.figures.failures} failures)`);
    const afterLatencyBound = LATENCY_BOUND === SATURATING ? null : await argon2Levels([LATENCY_BOUND], 0);

    const satBefore = before.levels[0]!;
    const satAfter = argonAt(sweep, SATURATING);
    const argon2: DbFigures['argon2'] = {
      params: sweep.params,
      threadPoolSize: sweep.threadPoolSize,
      levels: [...sweep.levels, ...(afterLatencyBound?.levels ?? [])].sort(
        (a, b) => a.concurrency - b.concurrency,
      ),
      saturatingBefore: satBefore,
      saturatingPerSecond: round((satBefore.perSecond + satAfter.perSecond) / 2),
      drift: round(satAfter.perSecond / satBefore.perSecond - 1, 4),
      saturated: sweep.levels
        .filter((l) => l.concurrency > SATURATING)
        .every((l) => l.perSecond <= satAfter.perSecond * (1 + SATURATION_SLACK)),
    };

    let probes: DbFigures['probes'] = null;
    if (kind === 'postgres') {
      const u = checkUsers[0]!;
      const sessionProbe = await probeQueries(PLAN.probeRequests, () => getPath(sys, u, PLAN.paths.session));
      const meProbe = await probeQueries(PLAN.probeRequests, () => getPath(sys, u, PLAN.paths.me));
      await ensureFresh(kind, totpUsers, PLAN.signInProbeRequests);
      const fresh = freshUsers(totpUsers);
      const n = Math.min(PLAN.signInProbeRequests, fresh.length);
      let next = 0;
      const signInProbe = n > 0 ? await probeQueries(n, () => fullSignIn(sys, fresh[next++]!)) : null;
      probes = { session: sessionProbe, me: meProbe, signIn: signInProbe };
      log(
        `${kind}: statements per request: session check ${sessionProbe.queriesPerRequest}, /v1/me ${meProbe.queriesPerRequest}, full sign-in ${signInProbe?.queriesPerRequest ?? '?'}`,
      );
    }

    const signInFigures = (
      run: { figures: SignInRun; cpu: CpuFigures },
      concurrency: number,
    ): SignInFigures => {
      const a =
        concurrency === SATURATING ? argon2.saturatingPerSecond : argonAt(argon2, concurrency).perSecond;
      return {
        ...run.figures,
        perSecondPerCore: round(run.figures.perSecond / CORES),
        argon2PerSecond: a,
        overhead: round(1 - run.figures.perSecond / a, 4),
        cpu: run.cpu,
        cpuMsPerSignIn: cpuSplit(kind, run.cpu, run.figures.loadgenCpuPercent, run.figures.perSecond, 1e3),
      };
    };
    return {
      kind,
      databasePoolSize: sys.config.DATABASE_POOL_SIZE,
      users: { check: checkUsers.length, totp: totpUsers.length, setupSeconds },
      argon2,
      calibration,
      signIn: {
        saturating: signInFigures(saturating, SATURATING),
        latencyBound: signInFigures(latencyBound, LATENCY_BOUND),
      },
      session,
      me,
      probes,
      auditSealer,
    };
  } finally {
    await chainer.stop().catch(() => {});
    await sys.close();
  }
}

const argonParams = (sys: System) => ({
  memoryKiB: sys.config.ARGON2_MEMORY_KIB,
  timeCost: sys.config.ARGON2_TIME_COST,
  parallelism: sys.config.ARGON2_PARALLELISM,
});

async function getPath(sys: System, u: BenchUser, urlPath: string): Promise<void> {
  const res = await fetch(`${sys.url}${urlPath}`, {
    headers: appHeaders(u.ip, {
      Authorization: `Bearer ${u.sessionToken}`,
      'X-Custos-Device': u.deviceToken,
    }),
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`GET ${urlPath} answered ${res.status}`);
}

/** One full sign-in, password then TOTP, from this process (used by the statement probe only). */
async function fullSignIn(sys: System, u: BenchUser): Promise<void> {
  const headers = appHeaders(u.ip, { 'X-Custos-Device': u.deviceToken, 'Content-Type': 'application/json' });
  const post = async (url: string, body: unknown) => {
    const res = await fetch(sys.url + url, { method: 'POST', headers, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { status?: string; challengeToken?: string } };
  };
  const s1 = await post('/v1/auth/sign-in', { email: u.email, password: u.password });
  if (s1.body.status !== 'second_factor_required')
    throw new Error(`probe sign-in: ${JSON.stringify(s1.body)}`);
  const now = Date.now();
  const s2 = await post('/v1/auth/sign-in/factor', {
    challengeToken: s1.body.challengeToken,
    method: 'totp',
    code: totpCodeAt(u.totpSecret!, now),
  });
  if (s2.body.status !== 'signed_in') throw new Error(`probe factor: ${JSON.stringify(s2.body)}`);
  u.lastStep = totpStep(now);
}

// -------------------------------------------------------------------------------------------------
// Report

interface Verdict {
  target: string;
  measured: string;
  pass: boolean | null;
}

const noiseNote = (noise: number | null) =>
  (noise ?? 0) > NOISE_LIMIT_PERCENT
    ? ` (DISTURBED: other processes used ${noise}% of a core meanwhile)`
    : '';

const otherPercent = (c: CpuSplit, perSecond: number, unit: number) =>
  c.other === null ? null : round((c.other * perSecond * 100) / unit, 1);

function getVerdict(r: DbFigures, g: GetFigures, isTarget: boolean, label: string): Verdict {
  const clean = g.errors === 0 && g.non2xx === 0 && g.timeouts === 0;
  const noise = otherPercent(g.cpuMicrosPerRequest, g.reqPerSecOverall, 1e6);
  return {
    target: `${r.kind}: ${label} (GET ${g.path}) at ${g.connections} connections ≥ ${TARGETS.sessionReqPerSec} req/s, p99 < ${TARGETS.sessionP99Ms} ms, no errors${isTarget ? '' : r.kind === 'postgres' ? ' (secondary, reported: not a target)' : ' (reported; the target is for PostgreSQL)'}`,
    measured: `${g.reqPerSecMean} req/s, p50 ${g.latencyMs.p50} ms, p99 ${g.latencyMs.p99} ms, ${g.errors + g.timeouts} errors, ${g.non2xx} non-2xx${noiseNote(noise)}`,
    pass: isTarget
      ? g.reqPerSecMean >= TARGETS.sessionReqPerSec && g.latencyMs.p99 < TARGETS.sessionP99Ms && clean
      : null,
  };
}

function signInVerdict(r: DbFigures, s: SignInFigures, isTarget: boolean): Verdict {
  const valid = s.failures === 0 && s.poolExhausted === 0;
  const argon = argonAt(r.argon2, s.concurrency);
  const noise = Math.max(
    otherPercent(s.cpuMsPerSignIn, s.perSecond, 1e3) ?? 0,
    otherCpuPercent(argon.cpu) ?? 0,
  );
  const notSaturated =
    isTarget && !r.argon2.saturated
      ? ' (argon2id throughput still rose above this concurrency: not saturated)'
      : '';
  const drift =
    isTarget && Math.abs(r.argon2.drift) > DRIFT_LIMIT
      ? ` (UNSTEADY MACHINE: argon2id ran ${round(r.argon2.drift * 100, 1)}% faster after the sign-ins than before)`
      : '';
  return {
    target: isTarget
      ? `${r.kind}: full sign-in overhead beyond argon2id ≤ ${TARGETS.signInOverheadMax * 100}%, at saturation (concurrency ${s.concurrency})`
      : `${r.kind}: the same at concurrency ${s.concurrency}, latency-bound (secondary, reported)`,
    measured: `${s.perSecondPerCore} sign-ins/s per core vs ${round(s.argon2PerSecond / CORES)} argon2id verifies/s per core: overhead ${round(s.overhead * 100, 1)}%${valid ? '' : ' (INVALID RUN: failures or user pool exhausted)'}${noiseNote(noise)}${notSaturated}${drift}`,
    pass: isTarget ? valid && s.overhead <= TARGETS.signInOverheadMax : null,
  };
}

function verdicts(results: DbFigures[]): Verdict[] {
  const out: Verdict[] = [];
  for (const r of results) {
    out.push(getVerdict(r, r.session, r.kind === 'postgres', 'session check'));
    out.push(getVerdict(r, r.me, false, 'account page'));
    out.push(signInVerdict(r, r.signIn.saturating, true));
    out.push(signInVerdict(r, r.signIn.latencyBound, false));
  }
  return out;
}

const passText = (p: boolean | null) => (p === null ? 'reported' : p ? 'PASS' : 'FAIL');

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    line(rows[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** Machine CPU not used by this process or PostgreSQL (the argon2id phases: no load generator). */
function otherCpuPercent(c: CpuFigures): number | null {
  if (c.machinePercent === null) return null;
  return round(Math.max(0, c.machinePercent - c.serverProcessPercent - (c.postgresPercent ?? 0)), 1);
}

const splitText = (kind: DbKind, c: CpuSplit, d = 0) =>
  [
    round(c.server, d),
    kind === 'pglite' ? 'in-process' : c.postgres === null ? '—' : round(c.postgres, d),
    round(c.loadgen, d),
    c.other === null ? '—' : round(c.other, d),
    c.machine === null ? '—' : round(c.machine, d),
  ].join(' / ');

function percentText(kind: DbKind, c: CpuFigures, loadgen: number) {
  const other =
    c.machinePercent === null
      ? '—'
      : round(Math.max(0, c.machinePercent - c.serverProcessPercent - (c.postgresPercent ?? 0) - loadgen), 1);
  return [
    c.serverProcessPercent,
    kind === 'pglite' ? 'in-process' : (c.postgresPercent ?? '—'),
    loadgen,
    other,
    c.machinePercent ?? '—',
  ].join(' / ');
}

function getTable(results: DbFigures[], which: 'session' | 'me'): string {
  const rows: string[][] = [['', ...results.map((r) => r.kind)]];
  const add = (label: string, f: (g: GetFigures, r: DbFigures) => string | number | null) =>
    rows.push([label, ...results.map((r) => String(f(r[which], r) ?? '—'))]);
  add('req/s (mean of 1-s samples)', (g) => g.reqPerSecMean);
  add('requests / duration', (g) => `${g.requests} / ${g.durationS} s`);
  add('latency mean / p50 / p90 / p99 / max (ms)', (g) => {
    const l = g.latencyMs;
    return `${round(l.mean, 3)} / ${l.p50} / ${l.p90} / ${l.p99} / ${l.max}`;
  });
  add("Little's law: connections ÷ throughput (ms)", (g) => g.littleMeanMs);
  add('autocannon histogram p50 / p90 / p99 / max (ms)', (g) => {
    const l = g.autocannonLatencyMs;
    return `${l.p50} / ${l.p90} / ${l.p99} / ${l.max}`;
  });
  add('errors / timeouts / non-2xx', (g) => `${g.errors} / ${g.timeouts} / ${g.non2xx}`);
  add('server event-loop utilization', (g) => g.cpu.serverEventLoopUtilization);
  add('CPU, % of a core: server / PostgreSQL / load generator / other / machine', (g, r) =>
    percentText(r.kind, g.cpu, g.loadgenCpuPercent),
  );
  add('CPU per request, µs: server / PostgreSQL / load generator / other / machine', (g, r) =>
    splitText(r.kind, g.cpuMicrosPerRequest),
  );
  add('statements per request', (_g, r) => r.probes?.[which].queriesPerRequest ?? null);
  return table(rows);
}

function signInTable(results: DbFigures[]): string {
  const rows: string[][] = [['', ...results.map((r) => r.kind)]];
  const add = (label: string, f: (r: DbFigures) => string | number | null) =>
    rows.push([label, ...results.map((r) => String(f(r) ?? '—'))]);
  const conc = PLAN.argon2.concurrencies;
  add(`argon2id verifies/s at concurrency ${conc.join(' / ')}`, (r) =>
    r.argon2.levels.map((l) => l.perSecond).join(' / '),
  );
  add(`argon2id verifies/s at ${SATURATING}: just before / just after the sign-ins (drift)`, (r) => {
    const a = r.argon2;
    return `${a.saturatingBefore.perSecond} / ${argonAt(a, SATURATING).perSecond} (${a.drift >= 0 ? '+' : ''}${round(a.drift * 100, 1)}%)`;
  });
  add(`argon2id mean verify time (ms) at ${conc.join(' / ')}`, (r) =>
    r.argon2.levels.map((l) => l.meanMs).join(' / '),
  );
  add(
    'argon2id CPU per verify (ms), at the saturating concurrency',
    (r) => argonAt(r.argon2, SATURATING).cpuMsPerVerify,
  );
  add('other processes during argon2id (noise), % of a core, max', (r) =>
    Math.max(...r.argon2.levels.map((l) => otherCpuPercent(l.cpu) ?? 0)),
  );
  for (const key of ['saturating', 'latencyBound'] as const) {
    const c = key === 'saturating' ? SATURATING : LATENCY_BOUND;
    const tag = key === 'saturating' ? `concurrency ${c} (saturating)` : `concurrency ${c} (latency-bound)`;
    rows.push([`**${tag}**`, ...results.map(() => '')]);
    add('full sign-ins/s (total, per core)', (r) => {
      const s = r.signIn[key];
      return `${s.perSecond}, ${s.perSecondPerCore}`;
    });
    add(
      key === 'saturating'
        ? 'argon2id verifies/s, mean of before and after (total, per core)'
        : 'argon2id verifies/s at the same concurrency, just after (total, per core)',
      (r) => {
        const s = r.signIn[key];
        return `${s.argon2PerSecond}, ${round(s.argon2PerSecond / CORES)}`;
      },
    );
    add('overhead beyond argon2id', (r) => `${round(r.signIn[key].overhead * 100, 1)}%`);
    add(
      'sign-ins measured / failures / pool exhausted',
      (r) => `${r.signIn[key].signIns} / ${r.signIn[key].failures} / ${r.signIn[key].poolExhausted}`,
    );
    add('sign-in latency p50 / p99 (ms)', (r) => {
      const l = r.signIn[key].latencyMs;
      return `${l.p50} / ${l.p99}`;
    });
    add('CPU, % of a core: server / PostgreSQL / load generator / other / machine', (r) =>
      percentText(r.kind, r.signIn[key].cpu, r.signIn[key].loadgenCpuPercent),
    );
    add('CPU per sign-in, ms: server / PostgreSQL / load generator / other / machine', (r) =>
      splitText(r.kind, r.signIn[key].cpuMsPerSignIn, 2),
    );
    add('server event-loop utilization', (r) => r.signIn[key].cpu.serverEventLoopUtilization);
  }
  rows.push(['**setup**', ...results.map(() => '')]);
  add('statements per full sign-in (password + TOTP)', (r) => r.probes?.signIn?.queriesPerRequest ?? null);
  add(
    `calibration run: sign-ins/s (${PLAN.signIn.calibrationS} s, concurrency ${SATURATING})`,
    (r) => r.calibration.perSecond,
  );
  add(
    'users created (session checks + TOTP), setup time',
    (r) => `${r.users.check} + ${r.users.totp}, ${r.users.setupSeconds} s`,
  );
  return table(rows);
}

/** Where the session check's CPU goes on this machine, and the ceilings that follow (PostgreSQL run). */
function cpuSplitTable(g: GetFigures, cores: number): string {
  const c = g.cpuMicrosPerRequest;
  const rows: string[][] = [['', 'µs per request', '% of a core', 'share of the machine']];
  const line = (label: string, us: number | null) =>
    rows.push([
      label,
      us === null ? '—' : String(round(us, 0)),
      us === null ? '—' : String(round((us * g.reqPerSecOverall) / 1e4, 1)),
      us === null || !c.machine ? '—' : `${round((us / c.machine) * 100, 0)}%`,
    ]);
  line('Custos server process (one JavaScript thread + libuv)', c.server);
  line('PostgreSQL (all its processes)', c.postgres);
  line('load generator (autocannon, child process)', c.loadgen);
  line('other processes', c.other);
  line('whole machine', c.machine);
  const lines = [table(rows), ''];
  if (c.machine) {
    lines.push(
      `At this split the machine's ${cores} cores (${cores * 1e6} µs of CPU per second) are used up at ${round((cores * 1e6) / c.machine, 0)} req/s, and the server's one JavaScript thread at ${round(1e6 / c.server, 0)} req/s; ${TARGETS.sessionReqPerSec} req/s needs the machine under ${round((cores * 1e6) / TARGETS.sessionReqPerSec, 0)} µs and the server thread under ${round(1e6 / TARGETS.sessionReqPerSec, 0)} µs per request.`,
    );
  }
  return lines.join('\n');
}

const FAIRNESS = `The load generators run in a child Node process, not in the server's. Custos is one Node process whose JavaScript runs on one thread; autocannon in the same process would share that event loop and take CPU time from the very thread being measured. In a separate process the OS can give the server most of one core while autocannon and PostgreSQL's backends use the other. That is still not a dedicated client machine: the load generator's CPU (shown) comes out of the same cores, so the figures are a lower bound for the server on dedicated hardware. The sign-in driver uses the same child-process arrangement (plain node:http keep-alive requests), and the raw argon2id figures are taken in the server process while it is idle, at the same concurrencies, on the same libuv thread pool the server's sign-ins use.`;

function saturationText(r: DbFigures): string {
  const sat = argonAt(r.argon2, SATURATING);
  const above = r.argon2.levels.filter((l) => l.concurrency > SATURATING);
  const rows = above
    .map(
      (l) =>
        `${l.perSecond}/s at ${l.concurrency} (${l.perSecond >= sat.perSecond ? '+' : ''}${round((l.perSecond / sat.perSecond - 1) * 100, 1)}%)`,
    )
    .join(', ');
  const s = r.signIn.saturating;
  return `${r.kind}: argon2id ${sat.perSecond}/s at ${SATURATING} vs ${rows || 'no higher level measured'}: ${r.argon2.saturated ? `raising the concurrency does not raise argon2id throughput (within ${SATURATION_SLACK * 100}%)` : 'argon2id throughput still rises: NOT saturated'}; during the sign-ins at ${SATURATING} the machine was ${s.cpu.machinePercent ?? '—'}% busy of ${CORES * 100}%.`;
}

function markdown(report: Report, results: DbFigures[], v: Verdict[]): string {
  const m = report.machine;
  const p = report.plan;
  const lines = [
    `<!-- run:${report.date} -->`,
    `## ${report.date}`,
    '',
    `- Started: ${report.startedAt}, took ${report.totalSeconds} s. The machine is shared (other work may run meanwhile): the "other" CPU figures show how much went elsewhere during each measured phase.`,
    `- Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}; load average at start ${m.loadAverageAtStart.join(' / ')}`,
    `- Command: \`${report.command}\` on commit ${report.source.commit ?? '(unknown)'}${report.source.srcModified ? ' with uncommitted changes in src/' : ''}`,
    `- Configuration: NODE_ENV=test with the production argon2id parameters m=${report.config.argon2.memoryKiB} KiB, t=${report.config.argon2.timeCost}, p=${report.config.argon2.parallelism}; LOG_LEVEL=silent; TRUST_PROXY=true; RATE_LIMIT_IP_PER_MINUTE=100000 (the configuration's maximum), RATE_LIMIT_SUBNET_PER_MINUTE=1000000; no SMTP (development mailbox); default metrics on; DATABASE_POOL_SIZE=${report.config.poolSize}; libuv thread pool ${report.config.threadPoolSize}; PostgreSQL ${report.config.postgresVersion ?? '(not run)'} at 127.0.0.1 in a fresh schema; PGlite on disk in a temp DATA_DIR; one Custos node (one process), HTTP on 127.0.0.1, sealing audit events into the chain every ${AUDIT_CHAIN_INTERVAL_MS} ms as \`custos serve\` does (${results.map((d) => `${d.kind}: ${d.auditSealer.sealed} events sealed in ${d.auditSealer.runs} runs, ${d.auditSealer.busyMs} ms, during the saturating sign-ins; ${d.auditSealer.backlogAfter} left unsealed after it`).join('; ')}).`,
    `- Session check (the target: \`GET ${p.paths.session}\`, the lightest authenticated request, one prepared statement) and account page (secondary: \`GET ${p.paths.me}\`, the account view): the same method for both, one after the other: autocannon ${p.check.connections} connections, ${p.check.warmupS} s warm-up then ${p.check.durationS} s measured; each connection cycles over the bearer tokens of ${p.check.users} users (one app session each, header \`Authorization: Bearer\`). Latency percentiles are computed from every response's time (sub-millisecond); autocannon's own histogram (2xx only, whole ms) is shown too.`,
    `- Little's law: the ${p.check.connections} connections form a closed loop (each sends its next request when the previous answer arrives), so mean latency = ${p.check.connections} ÷ throughput: at ${TARGETS.sessionReqPerSec} req/s the mean is already ${round((p.check.connections / TARGETS.sessionReqPerSec) * 1000, 1)} ms, and p99 < ${TARGETS.sessionP99Ms} ms needs well over ${TARGETS.sessionReqPerSec} req/s (about twice that if p99 is about twice the mean).`,
    `- Sign-in: password (\`POST /v1/auth/sign-in\`) then a fresh TOTP code (\`POST /v1/auth/sign-in/factor\`) on the user's approved device, ${p.signIn.warmupS} s warm-up then ${p.signIn.durationS} s, every password right, each user its own X-Forwarded-For address. Measured at concurrency ${p.signIn.saturatingConcurrency} (the target: a full sign-in waits on database round trips, so concurrency = cores measures latency, not throughput; ${p.signIn.saturatingConcurrency} keeps the machine busy, and the argon2id sweep below checks that more concurrency does not raise argon2id throughput) and at ${p.signIn.latencyBoundConcurrency} (latency-bound, secondary). Raw argon2id verifies/s (${p.argon2.durationS} s each, server idle) are measured at ${p.signIn.saturatingConcurrency} in flight just before and just after the saturating run (the vCPUs' speed drifts on this shared host: the mean of the two is the denominator, and a drift over ${DRIFT_LIMIT * 100}% is marked), then at ${p.argon2.concurrencies.filter((c) => c !== p.signIn.saturatingConcurrency && c !== p.signIn.latencyBoundConcurrency).join(' and ')}, and at ${p.signIn.latencyBoundConcurrency} just after the latency-bound run. One full sign-in does exactly one argon2id verification, so overhead = 1 − (sign-ins/s ÷ argon2id verifies/s) at the same concurrency.`,
    `- TOTP user pool: a TOTP step is accepted once per user, so a user signs in at most once per 30-s step. A ${p.signIn.calibrationS} s calibration run at concurrency ${p.signIn.saturatingConcurrency} (which also warms the path up) measures the rate; the pool is topped up to ${POOL_MARGIN} × the sign-ins a measured run can need plus 20, and the concurrency-${p.signIn.latencyBoundConcurrency} run comes more than 30 s after the saturating one (a new step: the whole pool again; the benchmark waits for the next step otherwise). A run that finds no user left is marked invalid. TOTP was enrolled with the code of the previous step (accepted by the ±1 step window), so that step is already used up when the runs start. Rate limits: each user signs in at most once per 30 s from its own address (198.18.0.0/15), so no address or /24 comes near the per-IP or per-subnet limits above; any refusal (429 or 401) would count as a failure and invalidate the run.`,
    `- Setup: ${FAIRNESS}`,
    '',
    '### Targets',
    '',
    table([['target', 'measured', 'result'], ...v.map((x) => [x.target, x.measured, passText(x.pass)])]),
    '',
    ...results.map((r) => `- Saturation check, ${saturationText(r)}`),
    '',
    `Comparison (published figure, not measured): Keycloak's sizing guide gives about ${TARGETS.keycloakLoginsPerSecPerVcpu} password logins/s per vCPU; measured here: ${results.map((r) => `${r.kind} ${r.signIn.saturating.perSecondPerCore} full sign-ins (password + TOTP)/s per core`).join(', ')}.`,
    '',
    `### Session check: GET ${p.paths.session} (target)`,
    '',
    getTable(results, 'session'),
    '',
  ];
  const pgRun = results.find((r) => r.kind === 'postgres');
  if (pgRun) {
    lines.push(
      `#### Where the CPU goes per session check (PostgreSQL run; ${CORES} cores shared by the server, PostgreSQL and the load generator)`,
      '',
      cpuSplitTable(pgRun.session, CORES),
      '',
    );
  }
  lines.push(
    `### Account page: GET ${p.paths.me} (secondary, not a target)`,
    '',
    getTable(results, 'me'),
    '',
    '### Sign-in',
    '',
    signInTable(results),
    '',
  );
  const statementTable = (q: QueryProbe, per: string) =>
    table([
      [per, 'mean ms', 'statement'],
      ...q.statements.map((x) => [String(x.perRequest), String(x.meanMs), `\`${compactSql(x.sql)}\``]),
    ]);
  if (pgRun?.probes) {
    const { session, me, signIn } = pgRun.probes;
    const probeSection = (title: string, q: QueryProbe, per: string, extra = '') =>
      lines.push(
        `### Statements behind ${title} (PostgreSQL, one at a time, no other load)`,
        '',
        `${q.queriesPerRequest} statement${q.queriesPerRequest === 1 ? '' : 's'} ${per}; one takes ${q.unloadedRequestMs} ms end to end, of which ${q.queryWaitMsPerRequest} ms waiting for statements (summed)${extra}.`,
        '',
        statementTable(q, per),
        '',
      );
    probeSection(`one GET ${p.paths.session}`, session, 'per request');
    probeSection(`one GET ${p.paths.me}`, me, 'per request');
    if (signIn)
      probeSection(
        'one full sign-in',
        signIn,
        'per sign-in',
        ` and about ${argonAt(pgRun.argon2, LATENCY_BOUND).meanMs} ms in argon2id (its mean at concurrency ${LATENCY_BOUND})`,
      );
  }
  lines.push(`Raw figures: \`bench/results/auth-${report.date}.json\`.`, '');
  return lines.join('\n');
}

/** Long plain column lists shortened for the report (the JSON keeps the statement). */
const compactSql = (q: string) =>
  q
    .trim()
    .replace(/^select (.+?) from /, (m, cols: string) =>
      cols.length > 40 && !cols.includes('(') ? 'select … from ' : m,
    )
    .slice(0, 160);

interface Report {
  date: string;
  startedAt: string;
  totalSeconds: number;
  command: string;
  machine: ReturnType<typeof machine>;
  source: ReturnType<typeof sourceState>;
  config: {
    argon2: { memoryKiB: number; timeCost: number; parallelism: number };
    poolSize: number;
    threadPoolSize: number;
    postgresVersion: string | null;
    quick: boolean;
  };
  plan: typeof PLAN;
  setup: string;
}

async function postgresVersion(): Promise<string | null> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  try {
    await client.connect();
    const r = await client.query<{ server_version: string }>('show server_version');
    return r.rows[0]?.server_version ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  const date = started.toISOString().slice(0, 10);
  const m = machine();
  const source = sourceState();
  log(
    `machine: ${m.cpuModel} × ${m.cores}, ${m.memoryGiB} GiB, Node ${m.node}, load ${m.loadAverageAtStart.join(' ')}`,
  );
  if (!Number.isInteger(SATURATING) || SATURATING < 1)
    throw new Error(`BENCH_SIGNIN_CONCURRENCY must be a positive integer, not ${SATURATING}`);
  const pgVersion = DBS.includes('postgres') ? await postgresVersion() : null;
  if (DBS.includes('postgres') && !pgVersion)
    throw new Error(`PostgreSQL is not reachable at ${POSTGRES_URL}`);

  const results: DbFigures[] = [];
  for (const kind of DBS) results.push(await benchDatabase(kind));

  const report: Report = {
    date,
    startedAt: started.toISOString(),
    totalSeconds: Math.round((performance.now() - t0) / 1000),
    command: `npm run bench:auth${QUICK ? ' (BENCH_QUICK=1)' : ''}${process.env.BENCH_SIGNIN_CONCURRENCY ? ` (BENCH_SIGNIN_CONCURRENCY=${SATURATING})` : ''}`,
    machine: m,
    source,
    config: {
      argon2: results[0]!.argon2.params,
      poolSize: results[0]!.databasePoolSize,
      threadPoolSize: results[0]!.argon2.threadPoolSize,
      postgresVersion: pgVersion,
      quick: QUICK,
    },
    plan: PLAN,
    setup: FAIRNESS,
  };
  const v = verdicts(results);

  console.log(`\nSession check, GET ${PLAN.paths.session}\n${getTable(results, 'session')}\n`);
  const pgRun = results.find((r) => r.kind === 'postgres');
  if (pgRun) console.log(`${cpuSplitTable(pgRun.session, CORES)}\n`);
  console.log(`Account page, GET ${PLAN.paths.me}\n${getTable(results, 'me')}\n`);
  console.log(`Sign-in\n${signInTable(results)}\n`);
  for (const r of results) console.log(saturationText(r));
  console.log(
    `\n${table([['target', 'measured', 'result'], ...v.map((x) => [x.target, x.measured, passText(x.pass)])])}`,
  );
  console.log(
    `\nComparison (published figure, not measured): Keycloak sizing guide ≈ ${TARGETS.keycloakLoginsPerSecPerVcpu} password logins/s per vCPU.`,
  );

  // A quick smoke run is not a result: its JSON goes to the temp directory.
  const written = saveResults({
    name: 'auth',
    resultsDir: RESULTS_DIR,
    date,
    quick: QUICK,
    json: { ...report, targets: { ...TARGETS }, verdicts: v, results },
    markdown: () => markdown(report, results, v),
    title: '# Authentication benchmark (`npm run bench:auth`)',
  });
  log(`wrote ${written} (${report.totalSeconds} s)`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
