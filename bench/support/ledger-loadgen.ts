import http from 'node:http';

/**
 * The load generator of the withdrawal and ledger benchmark, run in its own process (see runJob
 * in child.ts): the parent sends one job, this process answers with the figures and exits.
 *
 * Two ways to send authenticated JSON POSTs, each with a unique Idempotency-Key, over keep-alive
 * connections (plain node:http, no other client library):
 *   - open loop: requests leave on a fixed schedule (rate per second) whether or not earlier ones
 *     have been answered, and each latency is counted from the time the request was due, so a
 *     server that stalls is charged for the wait of every request queued behind the stall (no
 *     coordinated omission);
 *   - closed loop: `concurrency` workers, each sending its next request when the previous answer
 *     arrives (throughput at a fixed number in flight).
 */

export interface PostClient {
  /** Bearer token, device token and X-Forwarded-For of one signed-in user. */
  token: string;
  deviceToken: string;
  ip: string;
  /** The JSON body this client sends (the same every time: only the Idempotency-Key changes). */
  body: unknown;
}

interface JobBase {
  url: string;
  path: string;
  /** Request k is sent by clients[k mod clients.length]. */
  clients: PostClient[];
  /** Request k carries Idempotency-Key `${keyPrefix}-${k}` (unique across the run). */
  keyPrefix: string;
  warmupS: number;
  durationS: number;
  /** Status expected of every request (201: created); others are counted and sampled. */
  expectStatus: number;
  /** A field of the JSON answer to count values of among the expected answers (e.g. `state`). */
  countField?: string;
  timeoutMs: number;
}

export interface OpenLoopJob extends JobBase {
  kind: 'open-loop';
  ratePerSecond: number;
}

export interface ClosedLoopJob extends JobBase {
  kind: 'closed-loop';
  concurrency: number;
}

export type LedgerJob = OpenLoopJob | ClosedLoopJob;

export interface Percentiles {
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LoadResult {
  kind: LedgerJob['kind'];
  path: string;
  clients: number;
  /** Open loop: the offered rate; closed loop: null. */
  offeredRatePerSecond: number | null;
  concurrency: number | null;
  durationS: number;
  /** Requests sent in the measured phase (open loop: those due in it). */
  sent: number;
  /** Of those, answered (any status) before the end. */
  answered: number;
  /** Answered with expectStatus. */
  ok: number;
  /** Answered with expectStatus during the warm-up (not in any other figure). */
  warmupOk: number;
  /** Answered with another status. */
  unexpected: number;
  /** No answer: connection error or timeout. */
  errors: number;
  timeouts: number;
  /** Answers by HTTP status. */
  statusCodes: Record<string, number>;
  /** Values of countField among the expected answers. */
  fieldCounts: Record<string, number>;
  /** Up to 5 unexpected answers or errors, for the report. */
  failureSamples: string[];
  /** Measured answers per second of wall time (open loop: over the scheduled window). */
  answeredPerSecond: number;
  /** Expected answers (e.g. 201) per second. */
  okPerSecond: number;
  /** Requests actually written per second (open loop: shows the generator kept the schedule). */
  sentPerSecond: number;
  /** Open loop: from the time the request was due; closed loop: from the time it was written. */
  latencyMs: Percentiles;
  /** From the time the request was written (open loop: the server's part). */
  serviceMs: Percentiles;
  /** Open loop: how late requests left after their due time (the generator's own lag). */
  sendLagMs: Percentiles | null;
  /** Most requests in flight at once. */
  maxInFlight: number;
  /** Expected answers in each whole second of the measured phase. */
  perSecondTimeline: number[];
  loadgenCpuPercent: number;
}

type Msg =
  | { type: 'measuring' }
  | { type: 'done'; ok: true; result: LoadResult }
  | { type: 'done'; ok: false; error: string };

const tell = (msg: Msg, then?: () => void) => process.send?.(msg, then);

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  let sum = 0;
  for (const x of s) sum += x;
  return {
    mean: round(sum / s.length),
    p50: round(at(0.5)),
    p90: round(at(0.9)),
    p95: round(at(0.95)),
    p99: round(at(0.99)),
    p999: round(at(0.999)),
    max: round(s[s.length - 1]!),
  };
}

interface Answer {
  status: number;
  /** Set when no answer came. */
  error?: 'error' | 'timeout';
  message?: string;
  field?: string;
  /** When the answer had fully arrived (performance.now()). */
  at: number;
}

function makeSender(job: LedgerJob) {
  const base = new URL(job.url);
  // Enough sockets that an open-loop request never waits for a free one in this process.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });
  const prepared = job.clients.map((c) => {
    const payload = Buffer.from(JSON.stringify(c.body));
    return {
      payload,
      headers: {
        Authorization: `Bearer ${c.token}`,
        'X-Custos-Client': 'app',
        'X-Custos-Device': c.deviceToken,
        'X-Forwarded-For': c.ip,
        'User-Agent': 'custos-bench/1.0 (ledger; node)',
        'Content-Type': 'application/json',
        'Content-Length': String(payload.length),
      },
    };
  });
  let inFlight = 0;
  let maxInFlight = 0;
  const send = (k: number): Promise<Answer> =>
    new Promise((resolve) => {
      const c = prepared[k % prepared.length]!;
      inFlight++;
      if (inFlight > maxInFlight) maxInFlight = inFlight;
      let done = false;
      const finish = (a: Omit<Answer, 'at'>) => {
        if (done) return;
        done = true;
        inFlight--;
        resolve({ ...a, at: performance.now() });
      };
      const req = http.request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          path: job.path,
          method: 'POST',
          headers: { ...c.headers, 'Idempotency-Key': `${job.keyPrefix}-${k}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            let field: string | undefined;
            let message: string | undefined;
            if (status === job.expectStatus) {
              if (job.countField) {
                try {
                  field = String((JSON.parse(text) as Record<string, unknown>)[job.countField]);
                } catch {
                  field = '(not JSON)';
                }
              }
            } else message = `${status} ${text.slice(0, 300)}`;
            finish({ status, ...(field === undefined ? {} : { field }), ...(message ? { message } : {}) });
          });
          res.on('error', (e) => finish({ status: 0, error: 'error', message: e.message }));
        },
      );
      req.setTimeout(job.timeoutMs, () => {
        finish({ status: 0, error: 'timeout', message: `no answer in ${job.timeoutMs} ms` });
        req.destroy();
      });
      req.on('error', (e) => finish({ status: 0, error: 'error', message: e.message }));
      req.end(c.payload);
    });
  return { send, maxInFlight: () => maxInFlight, close: () => agent.destroy() };
}

class Tally {
  readonly latencies: number[] = [];
  readonly service: number[] = [];
  readonly lags: number[] = [];
  readonly statusCodes: Record<string, number> = {};
  readonly fieldCounts: Record<string, number> = {};
  readonly failureSamples: string[] = [];
  readonly okAt: number[] = [];
  sent = 0;
  answered = 0;
  ok = 0;
  unexpected = 0;
  errors = 0;
  timeouts = 0;
  firstSend = Infinity;
  lastSend = 0;
  lastAnswer = 0;

  constructor(private readonly expectStatus: number) {}

  record(due: number, sentAt: number, a: Answer): void {
    this.sent++;
    this.firstSend = Math.min(this.firstSend, sentAt);
    this.lastSend = Math.max(this.lastSend, sentAt);
    this.lags.push(sentAt - due);
    if (a.error) {
      if (a.error === 'timeout') this.timeouts++;
      else this.errors++;
      if (this.failureSamples.length < 5) this.failureSamples.push(`${a.error}: ${a.message ?? ''}`);
      return;
    }
    this.answered++;
    this.lastAnswer = Math.max(this.lastAnswer, a.at);
    this.statusCodes[a.status] = (this.statusCodes[a.status] ?? 0) + 1;
    this.latencies.push(a.at - due);
    this.service.push(a.at - sentAt);
    if (a.status === this.expectStatus) {
      this.ok++;
      this.okAt.push(a.at);
      if (a.field !== undefined) this.fieldCounts[a.field] = (this.fieldCounts[a.field] ?? 0) + 1;
    } else {
      this.unexpected++;
      if (this.failureSamples.length < 5) this.failureSamples.push(a.message ?? String(a.status));
    }
  }

  timeline(start: number, seconds: number): number[] {
    const bins = new Array<number>(Math.max(1, Math.floor(seconds))).fill(0);
    for (const t of this.okAt) {
      const i = Math.floor((t - start) / 1000);
      if (i >= 0 && i < bins.length) bins[i]!++;
    }
    return bins;
  }
}

function cpuPercent(start: NodeJS.CpuUsage, wallMs: number): number {
  const used = process.cpuUsage(start);
  return round(((used.user + used.system) / 1000 / wallMs) * 100, 1);
}

async function runOpenLoop(job: OpenLoopJob): Promise<LoadResult> {
  const sender = makeSender(job);
  const interval = 1000 / job.ratePerSecond;
  const warmupCount = Math.round(job.warmupS * job.ratePerSecond);
  const total = warmupCount + Math.round(job.durationS * job.ratePerSecond);
  const tally = new Tally(job.expectStatus);
  let warmupOk = 0;
  const pending: Promise<void>[] = [];
  const t0 = performance.now() + 20;
  const measureStart = t0 + warmupCount * interval;
  const measureEnd = t0 + total * interval;
  let cpuStart = process.cpuUsage();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) {
        const k = next++;
        const due = t0 + k * interval;
        if (k === warmupCount) {
          cpuStart = process.cpuUsage();
          tell({ type: 'measuring' });
        }
        const sentAt = performance.now();
        const p = sender.send(k).then((a) => {
          if (k >= warmupCount) tally.record(due, sentAt, a);
          else if (!a.error && a.status === job.expectStatus) warmupOk++;
        });
        pending.push(p);
      }
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  await Promise.all(pending);
  const wallEnd = Math.max(measureEnd, tally.lastAnswer);
  const loadgenCpuPercent = cpuPercent(cpuStart, wallEnd - measureStart);
  sender.close();
  const windowS = (measureEnd - measureStart) / 1000;
  return {
    kind: 'open-loop',
    path: job.path,
    clients: job.clients.length,
    offeredRatePerSecond: job.ratePerSecond,
    concurrency: null,
    durationS: round(windowS, 2),
    sent: tally.sent,
    answered: tally.answered,
    ok: tally.ok,
    warmupOk,
    unexpected: tally.unexpected,
    errors: tally.errors,
    timeouts: tally.timeouts,
    statusCodes: tally.statusCodes,
    fieldCounts: tally.fieldCounts,
    failureSamples: tally.failureSamples,
    // Answers over the time from the first due request to the last answer (a server that falls
    // behind shows a lower rate than offered).
    answeredPerSecond: round(tally.answered / ((wallEnd - measureStart) / 1000), 1),
    okPerSecond: round(tally.ok / ((wallEnd - measureStart) / 1000), 1),
    sentPerSecond: round(
      tally.sent > 1 ? ((tally.sent - 1) / (tally.lastSend - tally.firstSend)) * 1000 : tally.sent,
      1,
    ),
    latencyMs: percentiles(tally.latencies),
    serviceMs: percentiles(tally.service),
    sendLagMs: percentiles(tally.lags),
    maxInFlight: sender.maxInFlight(),
    perSecondTimeline: tally.timeline(measureStart, windowS),
    loadgenCpuPercent,
  };
}

async function runClosedLoop(job: ClosedLoopJob): Promise<LoadResult> {
  const sender = makeSender(job);
  let k = 0;
  const phase = async (seconds: number, record: boolean, count = record) => {
    const tally = new Tally(job.expectStatus);
    if (record) tell({ type: 'measuring' });
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    const end = start + seconds * 1000;
    const worker = async () => {
      while (performance.now() < end) {
        const sentAt = performance.now();
        const a = await sender.send(k++);
        if (count) tally.record(sentAt, sentAt, a);
      }
    };
    await Promise.all(Array.from({ length: job.concurrency }, worker));
    const wallMs = performance.now() - start;
    return { tally, start, wallMs, cpu: cpuPercent(cpuStart, wallMs) };
  };
  // The warm-up tallies too, only to count what it committed.
  const w = job.warmupS > 0 ? await phase(job.warmupS, false, true) : null;
  const m = await phase(job.durationS, true);
  sender.close();
  const t = m.tally;
  return {
    kind: 'closed-loop',
    path: job.path,
    clients: job.clients.length,
    offeredRatePerSecond: null,
    concurrency: job.concurrency,
    durationS: round(m.wallMs / 1000, 2),
    sent: t.sent,
    answered: t.answered,
    ok: t.ok,
    warmupOk: w?.tally.ok ?? 0,
    unexpected: t.unexpected,
    errors: t.errors,
    timeouts: t.timeouts,
    statusCodes: t.statusCodes,
    fieldCounts: t.fieldCounts,
    failureSamples: t.failureSamples,
    answeredPerSecond: round(t.answered / (m.wallMs / 1000), 1),
    okPerSecond: round(t.ok / (m.wallMs / 1000), 1),
    sentPerSecond: round(t.sent / (m.wallMs / 1000), 1),
    latencyMs: percentiles(t.latencies),
    serviceMs: percentiles(t.service),
    sendLagMs: null,
    maxInFlight: sender.maxInFlight(),
    perSecondTimeline: t.timeline(m.start, m.wallMs / 1000),
    loadgenCpuPercent: m.cpu,
  };
}

process.once('message', (job: LedgerJob) => {
  const run = job.kind === 'open-loop' ? runOpenLoop(job) : runClosedLoop(job);
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
