import http from 'node:http';
import autocannon from 'autocannon';
import { totpCodeAt, totpStep } from '../../src/domain/identity/totp.js';

/**
 * The load generator, run in its own process (see runLoad in child.ts) so that it does not take
 * the server's event loop: the parent sends one job, this process answers with the figures and exits.
 */

/** GET requests on one authenticated path (the session check, the account page) with autocannon. */
export interface GetJob {
  kind: 'get';
  url: string;
  /** `/v1/auth/session` or `/v1/me`. */
  path: string;
  /** Each connection cycles over all of these (one request per token, in turn). */
  clients: Array<{ token: string; ip: string; deviceToken: string }>;
  connections: number;
  durationS: number;
  warmupS: number;
}

export interface SignInJob {
  kind: 'signin';
  url: string;
  users: Array<{
    email: string;
    password: string;
    ip: string;
    deviceToken: string;
    totpSecret: string;
    lastStep: number;
  }>;
  concurrency: number;
  durationS: number;
  warmupS: number;
}

export type Job = GetJob | SignInJob;

export type LoadgenMessage =
  | { type: 'measuring' }
  | { type: 'done'; ok: true; result: GetResult | SignInResult }
  | { type: 'done'; ok: false; error: string };

const tell = (msg: LoadgenMessage, then?: () => void) => process.send?.(msg, then);

export interface Latency {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface GetResult {
  kind: 'get';
  path: string;
  connections: number;
  durationS: number;
  requests: number;
  /** autocannon's mean of the per-second request counts. */
  reqPerSecMean: number;
  /** requests / duration (all responses). */
  reqPerSecOverall: number;
  /** From each response's time (ms, sub-millisecond precision), all responses. */
  latencyMs: Latency;
  /** autocannon's own histogram (2xx only, whole milliseconds). */
  autocannonLatencyMs: Latency;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  loadgenCpuPercent: number;
}

export interface SignInResult {
  kind: 'signin';
  concurrency: number;
  durationS: number;
  signIns: number;
  failures: number;
  failureSamples: string[];
  perSecond: number;
  latencyMs: Latency;
  /** Workers that found no user whose TOTP step was still unused (the phase then ended early). */
  poolExhausted: number;
  distinctUsers: number;
  loadgenCpuPercent: number;
  /** Each user's last accepted TOTP step after the run, in the order given (for a later run). */
  lastSteps: number[];
}

export function summarize(samples: number[]): Latency {
  if (samples.length === 0) return { mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  let sum = 0;
  for (const v of s) sum += v;
  return { mean: sum / s.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: s[s.length - 1]! };
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const roundLatency = (l: Latency): Latency => ({
  mean: round(l.mean),
  p50: round(l.p50),
  p90: round(l.p90),
  p99: round(l.p99),
  max: round(l.max),
});

function cpuPercent(start: NodeJS.CpuUsage, wallMs: number): number {
  const used = process.cpuUsage(start);
  return round(((used.user + used.system) / 1000 / wallMs) * 100, 1);
}

async function runGet(job: GetJob): Promise<GetResult> {
  const samples: number[] = [];
  let cpuStart = process.cpuUsage();
  let wallStart = performance.now();
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.durationS,
    warmup: { connections: job.connections, duration: job.warmupS },
    requests: job.clients.map((c) => ({
      method: 'GET',
      path: job.path,
      headers: {
        Authorization: `Bearer ${c.token}`,
        'X-Custos-Client': 'app',
        'X-Custos-Device': c.deviceToken,
        'X-Forwarded-For': c.ip,
        'User-Agent': 'custos-bench/1.0 (autocannon; node)',
      },
    })),
  });
  // 'start' and 'response' fire for the measured run only (the warm-up has its own tracker).
  instance.on('start', () => {
    cpuStart = process.cpuUsage();
    wallStart = performance.now();
    tell({ type: 'measuring' });
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    samples.push(responseTime);
  });
  const r = await instance;
  const loadgenCpuPercent = cpuPercent(cpuStart, performance.now() - wallStart);
  const statusCodes: Record<string, number> = {};
  for (const [code, v] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = v.count;
  return {
    kind: 'get',
    path: job.path,
    connections: job.connections,
    durationS: r.duration,
    requests: r.requests.total,
    reqPerSecMean: round(r.requests.average, 1),
    reqPerSecOverall: round(r.requests.total / r.duration, 1),
    latencyMs: roundLatency(summarize(samples)),
    autocannonLatencyMs: roundLatency({
      mean: r.latency.average,
      p50: r.latency.p50,
      p90: r.latency.p90,
      p99: r.latency.p99,
      max: r.latency.max,
    }),
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes,
    loadgenCpuPercent,
  };
}

// -------------------------------------------------------------------------------------------------

interface Reply {
  status: number;
  // JSON bodies of several shapes, checked where used.
  body: any;
}

function post(
  agent: http.Agent,
  base: URL,
  path: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<Reply> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        headers: {
          ...headers,
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * Full sign-ins (password, then a fresh TOTP code) by `concurrency` workers for a fixed wall time.
 * A TOTP step is accepted once per user, so a user is taken only if its last accepted step is
 * behind the current one; when none is left, the phase stops at once.
 */
async function runSignIn(job: SignInJob): Promise<SignInResult> {
  const base = new URL(job.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const users = job.users.map((u) => ({ ...u }));
  let cursor = 0;
  const take = () => {
    const step = totpStep(Date.now());
    for (let n = 0; n < users.length; n++) {
      const u = users[cursor]!;
      cursor = (cursor + 1) % users.length;
      if (u.lastStep < step) {
        u.lastStep = step;
        return u;
      }
    }
    return undefined;
  };

  const phase = async (seconds: number, record: boolean) => {
    if (record) tell({ type: 'measuring' });
    const latencies: number[] = [];
    const failureSamples: string[] = [];
    const used = new Set<string>();
    let failures = 0;
    let exhausted = 0;
    const started = performance.now();
    const cpuStart = process.cpuUsage();
    const end = Date.now() + seconds * 1000;
    const worker = async () => {
      while (Date.now() < end && exhausted === 0) {
        const u = take();
        if (!u) {
          // No user left for this TOTP step: the phase ends here (the sign-ins so far over the
          // time so far still give the rate, which a calibration run needs; a measured run that
          // ends this way is reported as invalid).
          exhausted++;
          break;
        }
        const headers = {
          'X-Custos-Client': 'app',
          'X-Custos-Device': u.deviceToken,
          'X-Forwarded-For': u.ip,
          'User-Agent': 'custos-bench/1.0 (sign-in; node)',
        };
        const t0 = performance.now();
        try {
          const s1 = await post(agent, base, '/v1/auth/sign-in', headers, {
            email: u.email,
            password: u.password,
          });
          if (s1.status !== 200 || s1.body?.status !== 'second_factor_required') {
            throw new Error(`sign-in ${s1.status} ${JSON.stringify(s1.body)}`);
          }
          const now = Date.now();
          u.lastStep = Math.max(u.lastStep, totpStep(now));
          const s2 = await post(agent, base, '/v1/auth/sign-in/factor', headers, {
            challengeToken: s1.body.challengeToken,
            method: 'totp',
            code: totpCodeAt(u.totpSecret, now),
          });
          if (
            s2.status !== 200 ||
            s2.body?.status !== 'signed_in' ||
            typeof s2.body.session?.token !== 'string'
          ) {
            throw new Error(`factor ${s2.status} ${JSON.stringify(s2.body)}`);
          }
          if (record) {
            latencies.push(performance.now() - t0);
            used.add(u.email);
          }
        } catch (error) {
          failures++;
          if (failureSamples.length < 5)
            failureSamples.push(error instanceof Error ? error.message : String(error));
        }
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    const wallMs = performance.now() - started;
    return {
      latencies,
      failures,
      failureSamples,
      exhausted,
      wallMs,
      used: used.size,
      cpu: cpuPercent(cpuStart, wallMs),
    };
  };

  if (job.warmupS > 0) await phase(job.warmupS, false);
  const m = await phase(job.durationS, true);
  agent.destroy();
  return {
    kind: 'signin',
    concurrency: job.concurrency,
    durationS: round(m.wallMs / 1000),
    signIns: m.latencies.length,
    failures: m.failures,
    failureSamples: m.failureSamples,
    perSecond: round(m.latencies.length / (m.wallMs / 1000), 2),
    latencyMs: roundLatency(summarize(m.latencies)),
    poolExhausted: m.exhausted,
    distinctUsers: m.used,
    loadgenCpuPercent: m.cpu,
    lastSteps: users.map((u) => u.lastStep),
  };
}

process.once('message', (job: Job) => {
  const run = job.kind === 'get' ? runGet(job) : runSignIn(job);
  run.then(
    (result) => tell({ type: 'done', ok: true, result }, () => process.exit(0)),
    (error: unknown) =>
      tell(
        {
          type: 'done',
          ok: false,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        },
        () => process.exit(1),
      ),
  );
});
